"""``/briefs`` and ``/briefs/<id>``: briefs with the current tech spec and its effective requirements."""

from __future__ import annotations

from flask import current_app, render_template, request

from smmflow import db as database
from smmflow.assignments import services as assignments
from smmflow.assignments.models import Assignment
from smmflow.auth.permissions import requires
from smmflow.briefs import services
from smmflow.briefs.models import Brief, TechSpecVersion
from smmflow.web import access, queries
from smmflow.web.blueprint import blp, me


@blp.route("/briefs")
@requires(access.BRIEF_LIST)
def briefs() -> str:
    """Briefs of the clients you manage; a contractor sees the briefs of their assignments."""
    db = database.session()
    found = queries.page(db, queries.visible_briefs(db, me()), Brief.id,
                         request.args.get("before", type=int))
    clients = queries.clients_by_id(db, (b.client_id for b in found.rows))
    return render_template("web/briefs.html", page=found, clients=clients)


@blp.route("/briefs/<int:brief_id>")
@requires(access.BRIEF_READ)
def brief(brief_id: int) -> str:
    """One brief, its current spec version (deliverables with merged platform limits) and
    the assignments of it you may see."""
    db = database.session()
    user = me()
    found = services.get_brief(db, brief_id)
    spec = None
    if found.spec is not None:
        version: TechSpecVersion = services.current_version(db, found)
        spec = services.show_version(version, current_app.extensions["smmflow"].platforms)
    rows = list(db.scalars(assignments.visible_to(db, user).where(Assignment.brief_id == found.id)
                           .order_by(Assignment.id)))
    clients = queries.clients_by_id(db, [found.client_id])
    contractors = queries.users_by_id(db, (a.contractor_id for a in rows))
    return render_template("web/brief.html", brief=found, client=clients[found.client_id],
                           spec=spec, assignments=rows, contractors=contractors,
                           is_overdue=assignments.is_overdue)

