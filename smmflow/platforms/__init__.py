"""Platforms: the typed contract a network plugin implements, and the registry.

Plugins import from :mod:`smmflow.plugin_api`, which re-exports these names.
"""
