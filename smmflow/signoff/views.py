"""``/approve/<link_token>``: the page a client approver opens from a signed link.

The routes are public: the signature is the permission, and the page shows
only the one subject the link is for. The form is CSRF-protected like every
page; a used, expired or tampered link gets an error page with its status.
"""

from __future__ import annotations

from flask import Blueprint, current_app, render_template
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response

from smmflow import db as database
from smmflow.approvals import links
from smmflow.approvals.links import LinkError, OpenLink
from smmflow.auth.permissions import PUBLIC, requires
from smmflow.clients.models import Client
from smmflow.errors import ApiError
from smmflow.signoff.forms import DecisionForm

blp = Blueprint("signoff", __name__)

PRIVATE_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",  # the token must not leak to media hosts
    "X-Robots-Tag": "noindex, nofollow",
}


def _page(template: str, status: int = 200, **context: object) -> Response:
    resp = Response(render_template(template, **context), status=status, mimetype="text/html")
    resp.headers.update(PRIVATE_HEADERS)
    return resp


def _error(exc: LinkError) -> Response:
    return _page("approvals/link_error.html", exc.status, title=exc.title, message=exc.message)


def _show(link: OpenLink, form: DecisionForm, status: int = 200) -> Response:
    client = database.session().get(Client, link.request.client_id)
    step = link.request.steps[link.request.current_step - 1]
    return _page("approvals/signoff.html", status, link=link, form=form, client=client, step=step,
                 snapshot=link.request.snapshot, steps_total=len(link.request.steps))


@blp.route("/approve/<link_token>", methods=["GET"])
@requires(PUBLIC)
def show(link_token: str) -> Response:
    """The content under approval and the decision buttons."""
    try:
        link = links.open_link(current_app, database.session(), link_token)
    except LinkError as exc:
        return _error(exc)
    return _show(link, DecisionForm())


@blp.route("/approve/<link_token>", methods=["POST"])
@requires(PUBLIC)
def decide(link_token: str) -> Response:
    """Record the decision as the approver the link was made for; the link is then used up."""
    db = database.session()
    try:
        link = links.open_link(current_app, db, link_token)
    except LinkError as exc:
        return _error(exc)
    form = DecisionForm()
    if not form.validate_on_submit():
        return _show(link, form, status=400)
    try:
        decision = links.decide(current_app, db, link_token, form.decision.data or "",
                                (form.comment.data or "").strip())
        db.commit()
    except LinkError as exc:
        db.rollback()
        return _error(exc)
    except ApiError as exc:
        db.rollback()
        status = 410 if exc.status == 409 else exc.status
        return _error(LinkError(status, "Your decision could not be recorded", exc.message))
    except IntegrityError:  # the same link used twice at once: the nonce is unique
        db.rollback()
        return _error(LinkError(410, "This link has already been used",
                                "A decision was already made with this link; each link works once."))
    return _page("approvals/signoff_done.html", decision=decision, request=link.request,
                 user=link.user)
