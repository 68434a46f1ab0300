"""Building the app for a CLI command."""

from __future__ import annotations

from flask import Flask


def make_app() -> Flask:
    from smmflow import create_app

    return create_app()
