"""``/inbox``: comments of the clients you moderate, with reply and hide.

Replies and network moderation are recorded by :mod:`smmflow.inbox.services`
and sent by jobs after the commit, as the API does.
"""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, redirect, render_template, request
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from smmflow import db as database
from smmflow.auth.permissions import requires
from smmflow.inbox import jobs, services
from smmflow.inbox.models import InboxItem, ItemStatus
from smmflow.platforms.base import Capability
from smmflow.web import access, queries
from smmflow.web.blueprint import blp, flash_form_errors, me, perform, safe_next
from smmflow.web.forms import ModerateForm, ReplyForm

STATUSES = [s.value for s in ItemStatus]


def _platform(name: str) -> Any:
    return current_app.extensions["smmflow"].platforms.get(name)


def _page(db: Session, items: list[InboxItem], **context: Any) -> str:
    clients = queries.clients_by_id(db, (i.client_id for i in items))
    accounts = queries.accounts_by_id(db, (i.social_account_id for i in items))
    authors = queries.users_by_id(db, [r.author_id for i in items for r in i.replies])
    rows = []
    for item in items:
        platform = _platform(item.platform)
        supported = platform.moderation_actions if platform is not None else frozenset()
        rows.append({"item": item, "client": clients[item.client_id],
                     "account": accounts.get(item.social_account_id),
                     "can_reply": platform is not None and platform.supports(Capability.REPLY)
                     and item.status != ItemStatus.DELETED,
                     "can_hide": "hide" in supported and item.status not in (
                         ItemStatus.HIDDEN, ItemStatus.DELETED),
                     "can_unhide": "unhide" in supported and item.status == ItemStatus.HIDDEN})
    return render_template("web/inbox.html", rows=rows, authors=authors, statuses=STATUSES,
                           reply_form=ReplyForm(), moderate_form=ModerateForm(), **context)


@blp.route("/inbox")
@requires(access.INBOX)
def inbox() -> str:
    """``?status=``, ``?label=`` and ``?client_id=`` filter; newest first."""
    db = database.session()
    user = me()
    status = request.args.get("status") or None
    if status is not None and status not in STATUSES:
        abort(400, f"status must be one of: {', '.join(STATUSES)}.")
    label = (request.args.get("label") or "").strip()[:50] or None
    client_id = request.args.get("client_id", type=int)
    stmt = queries.inbox_items(db, user, status=status, label=label, client_id=client_id)
    found = queries.page(db, stmt, InboxItem.id, request.args.get("before", type=int))
    filters = {k: v for k, v in (("status", status), ("label", label), ("client_id", client_id))
               if v is not None}
    return _page(db, found.rows, page=found, filters=filters, single=False,
                 clients=queries.inbox_clients(db, user))


@blp.route("/inbox/<int:item_id>")
@requires(access.INBOX_ITEM)
def inbox_item(item_id: int) -> str:
    """One item (the page notifications link to)."""
    db = database.session()
    return _page(db, [services.get_item(db, item_id)], page=None, filters={}, single=True,
                 clients=[])


NOT_QUEUED = (" It is saved, but the job queue cannot be reached, so it is not sent to the "
              "network yet: tell an administrator.")


def _enqueue(followups: services.Followups) -> str:
    """Queue the jobs (after commit); "" or what to add to the message when Redis failed."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    return "" if jobs.enqueue_followups(app, followups) else NOT_QUEUED


@blp.route("/inbox/<int:item_id>/reply", methods=["POST"])
@requires(access.INBOX_ITEM)
def inbox_reply(item_id: int) -> Response:
    """Reply to a comment; a job sends it to the network."""
    form = ReplyForm()
    back = safe_next(request.form.get("next"), "web.inbox")
    if not form.validate():
        flash_form_errors(form.errors)
        return redirect(back)
    text = (form.text.data or "").strip()

    def act(db: Session) -> str:
        item = services.get_item(db, item_id)
        platform = _platform(item.platform)
        _row, followups = services.reply(
            db, item, text, actor_id=me().id,
            supported=platform is not None and platform.supports(Capability.REPLY))
        db.commit()
        not_queued = _enqueue(followups)
        if not_queued:
            return "Reply recorded." + not_queued
        return "Reply queued: it is sent to the network in a moment."

    return perform(act, back)


@blp.route("/inbox/<int:item_id>/moderate", methods=["POST"])
@requires(access.INBOX_ITEM)
def inbox_moderate(item_id: int) -> Response:
    """Hide (or unhide) a comment on the network, as a job."""
    form = ModerateForm()
    back = safe_next(request.form.get("next"), "web.inbox")
    if not form.validate():
        flash_form_errors(form.errors)
        return redirect(back)
    action = form.action.data or ""

    def act(db: Session) -> str:
        item = services.get_item(db, item_id)
        platform = _platform(item.platform)
        supported = platform.moderation_actions if platform is not None else frozenset()
        followups = services.act(db, item, action, actor_id=me().id, supported=frozenset(supported))
        db.commit()
        not_queued = _enqueue(followups)
        if not_queued:
            return f"The {action} is recorded." + not_queued
        return f"Comment will be {'hidden' if action == 'hide' else 'shown again'} on {item.platform}."

    return perform(act, back)
