"""The ``web`` blueprint every page module registers on, its nav and its shared helpers.

Pages translate HTTP to the domain services, like the API does: a state change
is a CSRF-protected POST whose outcome (or the service's refusal) is a flash
message on the page the user comes back to.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import urlparse

from flask import Blueprint, current_app, flash, redirect, request, url_for
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from smmflow import db as database
from smmflow.auth.guard import current_user, rule_for
from smmflow.auth.models import User
from smmflow.errors import ApiError
from smmflow.web import display
from smmflow.web.forms import LogoutForm

log = logging.getLogger("smmflow.web")

blp = Blueprint("web", __name__, template_folder="../templates")
blp.add_app_template_filter(display.local_time, "local")
blp.add_app_template_filter(display.money, "money")

NAV = (
    ("web.calendar", "Calendar"),
    ("web.briefs", "Briefs"),
    ("web.assignments", "Assignments"),
    ("web.approvals", "Approvals"),
    ("web.inbox", "Inbox"),
    ("web.reports", "Reports"),
)


def me() -> User:
    """The signed-in user (the guard has let only signed-in users through)."""
    user = current_user()
    assert user is not None
    return user


def safe_next(target: str | None, default: str = "web.home") -> str:
    """``target`` if it is a path on this site, else the URL of ``default``."""
    if not target:
        return url_for(default)
    parsed = urlparse(target)
    if parsed.scheme or parsed.netloc or not target.startswith("/") or "\\" in target:
        return url_for(default)
    return target


def nav_links(user: User) -> list[dict[str, Any]]:
    """The pages ``user`` may open, decided by each page's own permission rule."""
    db = database.session()
    links = []
    try:
        for endpoint, label in NAV:
            rule = rule_for(current_app, endpoint)
            if rule is not None and rule.allows(db, user, {}):
                links.append({"endpoint": endpoint, "label": label, "url": url_for(endpoint),
                              "current": request.endpoint == endpoint})
    except SQLAlchemyError:  # an error page after a failed transaction: no nav, not a crash
        log.warning("nav links skipped: the session cannot query", exc_info=True)
        return []
    return links


@blp.context_processor
def _page_context() -> dict[str, Any]:
    user = current_user()
    if user is None:
        return {}
    return {"web_user": user, "nav_links": nav_links(user), "logout_form": LogoutForm()}


def perform(action: Callable[[Session], str], back: str) -> Response:
    """Run ``action`` (a service call that commits); flash its message or the refusal, go back.

    Refusals of the service (409 states, 403 of the rules of the service, 422)
    roll back and show the service's own message.
    """
    db = database.session()
    try:
        message = action(db)
    except ApiError as exc:
        db.rollback()
        flash(exc.message, "error")
    else:
        flash(message, "success")
    return redirect(back)


def flash_form_errors(errors: dict[str, list[str]]) -> None:
    for field, messages in errors.items():
        flash(f"{field}: {', '.join(str(m) for m in messages)}", "error")
