"""Notifications: in-app messages to one user, and the channels that deliver them."""
