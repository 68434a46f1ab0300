"""Server-rendered pages: login, logout, the home page of each role.

The pages of each role's daily work live in their own modules of this package
(:mod:`.calendar`, :mod:`.briefs`, :mod:`.assignments`, :mod:`.approvals`,
:mod:`.inbox`, :mod:`.reports`), registered on the same blueprint.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, session, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from smmflow import db as database
from smmflow.auth import services as auth_services
from smmflow.auth.guard import current_user
from smmflow.auth.permissions import AUTHENTICATED, PUBLIC, requires, visible_client_ids
from smmflow.clients.models import Client
from smmflow.errors import TooManyRequests, Unauthorized
from smmflow.web import approvals, assignments, briefs, calendar, inbox, reports
from smmflow.web.blueprint import blp, safe_next
from smmflow.web.forms import LoginForm, LogoutForm

PAGE_MODULES = (approvals, assignments, briefs, calendar, inbox, reports)  # their routes are on blp


@blp.route("/login", methods=["GET", "POST"])
@requires(PUBLIC)
def login() -> str | Response:
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        db = database.session()
        try:
            user = auth_services.check_login(db, form.email.data or "", form.password.data or "",
                                             request.remote_addr)
        except (Unauthorized, TooManyRequests) as exc:
            flash(exc.message, "error")
            status = exc.status
        else:
            session.clear()
            session["user_id"] = user.id
            session["user_version"] = user.version
            db.info["actor_id"] = user.id
            from smmflow.audit.services import record

            record(db, "user.login", user)
            db.commit()
            return redirect(safe_next(request.args.get("next")))
    elif request.method == "POST":
        status = 400
    return render_template("web/login.html", form=form), status


@blp.route("/logout", methods=["POST"])
@requires(AUTHENTICATED)
def logout() -> Response:
    form = LogoutForm()
    if form.validate_on_submit():
        session.clear()
    return redirect(url_for("web.login"))


@blp.route("/")
@requires(AUTHENTICATED)
def home() -> str:
    user = current_user()
    assert user is not None
    db = database.session()
    stmt = select(Client).order_by(Client.name)
    if not user.is_owner:
        stmt = stmt.where(Client.id.in_(visible_client_ids(db, user)))
    return render_template("web/home.html", user=user, clients=list(db.scalars(stmt)),
                           logout_form=LogoutForm())
