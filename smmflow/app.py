"""The application factory."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from flask import Flask
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from smmflow import api, db
from smmflow.audit import services as audit
from smmflow.auth import guard
from smmflow.auth.passwords import Passwords
from smmflow.auth.throttle import LoginThrottle
from smmflow.config import Settings, load_settings
from smmflow.crypto import Vault

log = logging.getLogger("smmflow")


@dataclass
class AppState:
    """Everything one app owns; kept in ``app.extensions["smmflow"]``."""

    settings: Settings
    vault: Vault
    passwords: Passwords
    login_throttle: LoginThrottle
    engine: Engine | None = None
    sessionmaker: sessionmaker[Session] | None = None
    plugins: Any = None
    platforms: dict[str, Any] = field(default_factory=dict)
    route_rules: dict[str, Any] = field(default_factory=dict)
    extras: dict[str, Any] = field(default_factory=dict)
    channels: dict[str, Any] = field(default_factory=dict)


def _api_blueprints() -> list[Any]:
    """The ``blp`` of every ``smmflow/<domain>/api.py`` (and its ``extra_blueprints``)."""
    import importlib
    import pkgutil

    import smmflow

    found = []
    for info in sorted(pkgutil.iter_modules(smmflow.__path__), key=lambda m: m.name):
        if not info.ispkg:
            continue
        try:
            module = importlib.import_module(f"smmflow.{info.name}.api")
        except ModuleNotFoundError as exc:
            if exc.name != f"smmflow.{info.name}.api":
                raise
            continue
        found.append(module.blp)
        found.extend(getattr(module, "extra_blueprints", []))
    return found


def create_app(config: Settings | dict[str, Any] | None = None, *,
               plugins: list[Any] | None = None) -> Flask:
    """Build one smmflow app.

    ``config`` is a :class:`~smmflow.config.Settings` or a dict of setting
    overrides (attribute names of ``Settings``) applied over the ``SMMFLOW_*``
    environment. ``plugins`` lists plugin objects or modules to register
    instead of discovering entry points (tests build apps with exactly the
    plugins they need).
    """
    settings = config if isinstance(config, Settings) else load_settings(overrides=config)
    app = Flask("smmflow", instance_path=str(settings.instance_path))
    settings.instance_path.mkdir(parents=True, exist_ok=True)
    app.config.update(
        SECRET_KEY=settings.secret_key,
        DEBUG=settings.debug,
        MAX_CONTENT_LENGTH=settings.max_upload_mb * 1024 * 1024,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.base_url.startswith("https://"),
        WTF_CSRF_TIME_LIMIT=None,
        JSON_SORT_KEYS=False,
    )
    app.extensions["smmflow"] = AppState(
        settings=settings,
        vault=Vault(settings.encryption_keys),
        passwords=Passwords(settings),
        login_throttle=LoginThrottle(settings.login_rate_limit, settings.ratelimit_storage_url),
    )
    from smmflow import plugins as plugin_manager

    state = app.extensions["smmflow"]
    state.plugins = plugin_manager.build_manager(plugins, settings)
    state.platforms = plugin_manager.build_platforms(state.plugins)
    state.channels = plugin_manager.build_channels(state.plugins)
    db.init_app(app, settings.database_url)
    audit.install(app.extensions["smmflow"].sessionmaker)
    from smmflow import events

    events.install(app)

    from smmflow.api.errors import init_app as init_errors
    from smmflow.web.views import blp as web

    init_errors(app)
    api_object = api.init_app(app, _api_blueprints())
    app.register_blueprint(web)
    guard.init_app(app)  # before CSRF: refuse unauthorised requests first
    csrf = CSRFProtect(app)
    for blp in api_object._app.blueprints.values():
        if blp.name not in {web.name}:
            csrf.exempt(blp)
    from smmflow.signoff.views import blp as signoff

    app.register_blueprint(signoff)  # registered after the exemptions: CSRF-protected page
    plugin_manager.register_blueprints(app, api_object, csrf)
    _declare_framework_routes(app)
    return app


def _declare_framework_routes(app: Flask) -> None:
    """Routes added by libraries (OpenAPI document) get their permission here."""
    from smmflow.auth.permissions import PUBLIC

    rules = app.extensions["smmflow"].route_rules
    for endpoint in app.view_functions:
        if endpoint.startswith("api-docs.") or endpoint == "static":
            rules[endpoint] = PUBLIC
