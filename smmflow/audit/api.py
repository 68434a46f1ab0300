"""``/api/v1/audit-events``: the audit log (owner only)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from smmflow import db as database
from smmflow.api import Blueprint
from smmflow.api.pagination import page_of, paginate
from smmflow.audit.models import AuditEvent
from smmflow.audit.schemas import AuditEventSchema, AuditQuerySchema
from smmflow.auth.permissions import OWNER, requires

blp = Blueprint("audit", __name__, description="The append-only audit log")


@blp.route("/audit-events", methods=["GET"])
@requires(OWNER)
@blp.arguments(AuditQuerySchema, location="query")
@blp.response(200, page_of(AuditEventSchema))
def list_events(args: dict[str, Any]) -> dict[str, Any]:
    """Audit events, oldest first, filtered by object, client or action."""
    stmt = select(AuditEvent)
    for key in ("object_type", "object_id", "client_id", "action"):
        if args.get(key) is not None:
            stmt = stmt.where(getattr(AuditEvent, key) == args[key])
    return paginate(database.session(), stmt, AuditEvent.id, args)
