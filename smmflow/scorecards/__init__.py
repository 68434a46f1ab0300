"""Contractor scorecards, computed from assignments in SQL."""
