"""Per-request authentication and the permission check of every route.

Bearer tokens authenticate the API; the session cookie authenticates web
pages (which are CSRF-protected). Then the endpoint's declared rule is
checked: no rule, no access.
"""

from __future__ import annotations

from flask import Flask, current_app, g, redirect, request, session, url_for
from werkzeug.wrappers import Response

from smmflow import db as database
from smmflow.audit.services import set_actor
from smmflow.auth import tokens
from smmflow.auth.models import User
from smmflow.auth.permissions import Rule, rule_of
from smmflow.errors import Forbidden, Unauthorized


def current_user() -> User | None:
    return g.get("principal")


def _authenticate() -> User | None:
    header = request.headers.get("Authorization", "")
    db = database.session()
    if header:
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise Unauthorized("Use 'Authorization: Bearer <token>'.",
                               headers={"WWW-Authenticate": "Bearer"})
        user = tokens.authenticate(db, value.strip())
        if user is None:
            raise Unauthorized("The API token is invalid, expired or revoked.",
                               headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
        return user
    if request.path.startswith("/api/"):
        return None
    user_id = session.get("user_id")
    if user_id is None:
        return None
    user = db.get(User, user_id)
    if user is None or not user.is_active or session.get("user_version") != user.version:
        session.clear()
        return None
    return user


def rule_for(app: Flask, endpoint: str) -> Rule | None:
    """The declared rule of ``endpoint`` (decorator, or set for a library's route)."""
    return app.extensions["smmflow"].route_rules.get(endpoint) or rule_of(
        app.view_functions[endpoint])


def _guard() -> Response | None:
    if request.endpoint is None:
        return None  # routing will answer 404/405
    rule = rule_for(current_app, request.endpoint)
    if rule is None:
        raise Forbidden(f"Route {request.endpoint!r} declares no permission; access denied.")
    principal = _authenticate()
    g.principal = principal
    db = database.session()
    set_actor(db, principal.id if principal else None, request.remote_addr)
    if rule.allows(db, principal, request.view_args or {}):
        return None
    if principal is None:
        if not request.path.startswith("/api/"):
            return redirect(url_for("web.login", next=request.full_path))
        raise Unauthorized("Authentication required: send 'Authorization: Bearer <token>'.",
                           headers={"WWW-Authenticate": "Bearer"})
    raise Forbidden("You are not allowed to do this.")


def init_app(app: Flask) -> None:
    app.before_request(_guard)
