"""Recording audit events.

Every insert, update and delete that goes through an smmflow session is
recorded automatically (:func:`install`), with the actor and remote address
kept in ``session.info``. Services add domain actions (``assignment.accept``,
``approval.decide``...) with :func:`record`. Only field *names* are recorded
for updates, never values, so no secret reaches the log.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, insert, inspect
from sqlalchemy.orm import Session, sessionmaker

from smmflow.audit.models import AuditEvent
from smmflow.db import utcnow

SKIP_ATTRIBUTES = {"version", "updated_at"}


def set_actor(db: Session, actor_id: int | None, remote_addr: str | None) -> None:
    """Tell the session who is acting, for every event recorded through it."""
    db.info["actor_id"] = actor_id
    db.info["remote_addr"] = remote_addr


def _object_type(obj: Any) -> str:
    return str(obj.__tablename__).removesuffix("s") if hasattr(obj, "__tablename__") else "object"


def _client_id(obj: Any) -> int | None:
    if obj.__tablename__ == "clients":
        return obj.id
    value = getattr(obj, "client_id", None)
    return value if isinstance(value, int) else None


def record(db: Session, action: str, obj: Any | None = None, *,
           object_type: str | None = None, object_id: Any = None,
           client_id: int | None = None, **details: Any) -> AuditEvent:
    """Add a domain audit event (committed with the caller's transaction)."""
    event_row = AuditEvent(
        actor_id=db.info.get("actor_id"),
        remote_addr=db.info.get("remote_addr"),
        action=action,
        object_type=object_type or (_object_type(obj) if obj is not None else "system"),
        object_id=str(object_id if object_id is not None else getattr(obj, "id", "")) or None,
        client_id=client_id if client_id is not None else (
            _client_id(obj) if obj is not None else None),
        details=details,
    )
    db.add(event_row)
    return event_row


def _auditable(obj: Any) -> bool:
    return not isinstance(obj, AuditEvent) and getattr(obj, "__audit__", True)


def _changed_fields(obj: Any) -> list[str]:
    state = inspect(obj)
    changed = []
    for attr in state.mapper.column_attrs:
        if attr.key in SKIP_ATTRIBUTES:
            continue
        if state.attrs[attr.key].history.has_changes():
            changed.append(attr.key)
    return changed


def _after_flush(db: Session, _ctx: Any) -> None:
    rows: list[dict[str, Any]] = []
    now = utcnow()
    base = {"actor_id": db.info.get("actor_id"), "remote_addr": db.info.get("remote_addr"),
            "created_at": now}
    for obj in db.new:
        if _auditable(obj):
            rows.append({**base, "action": f"{_object_type(obj)}.create",
                         "object_type": _object_type(obj), "object_id": str(obj.id),
                         "client_id": _client_id(obj), "details": {}})
    for obj in db.dirty:
        if _auditable(obj) and db.is_modified(obj, include_collections=False):
            fields = _changed_fields(obj)
            if fields:
                rows.append({**base, "action": f"{_object_type(obj)}.update",
                             "object_type": _object_type(obj), "object_id": str(obj.id),
                             "client_id": _client_id(obj), "details": {"fields": fields}})
    for obj in db.deleted:
        if _auditable(obj):
            rows.append({**base, "action": f"{_object_type(obj)}.delete",
                         "object_type": _object_type(obj), "object_id": str(obj.id),
                         "client_id": _client_id(obj), "details": {}})
    if rows:
        db.connection().execute(insert(AuditEvent), rows)


def install(factory: sessionmaker[Session]) -> None:
    """Record every write made through sessions of ``factory``."""
    event.listen(factory, "after_flush", _after_flush)
