"""Events to plugins, fired only after the transaction that caused them commits.

A service calls :func:`emit` with the session it writes through::

    events.emit(db, "on_assignment_offered", assignment_id=a.id, client_id=a.client_id,
                contractor_id=a.contractor_id)

The event waits in ``session.info`` and is fired through the app's plugin
manager once the session commits. A rollback drops it (a rolled-back
savepoint drops the events emitted inside it). Each event runs in a fresh
app context, so a plugin may use :func:`smmflow.db.session` and commit its
own writes; a plugin that raises is logged with its name and never breaks the
caller or the other plugins (:func:`smmflow.plugins.call_safely`). Outbound
webhook subscriptions hear every event too (:mod:`smmflow.outbound`): their
delivery rows are written in the emitting transaction and queued after it commits.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from smmflow import hookspecs

log = logging.getLogger("smmflow.events")
PENDING_KEY = "smmflow.events"


@dataclass(frozen=True)
class PendingEvent:
    """An event waiting for its transaction to commit."""

    name: str
    kwargs: dict[str, Any]
    transaction: SessionTransaction


def event_names() -> list[str]:
    """Names of every ``on_*`` hook (the events :func:`emit` accepts)."""
    return sorted(n for n in dir(hookspecs) if n.startswith("on_")
                  and hasattr(getattr(hookspecs, n), "smmflow_spec"))


def emit(db: Session, name: str, **kwargs: Any) -> None:
    """Queue event ``name`` (an ``on_*`` hook) on ``db``; plugins hear it after the commit.

    Begins the session's transaction if none is open yet, so that a rollback
    before the commit drops the event.
    """
    if not name.startswith("on_") or not hasattr(getattr(hookspecs, name, None), "smmflow_spec"):
        raise ValueError(f"unknown event {name!r}; events are the on_* hooks of smmflow.hookspecs")
    transaction = db.get_nested_transaction() or db.get_transaction() or db.begin()
    db.info.setdefault(PENDING_KEY, []).append(PendingEvent(name, kwargs, transaction))
    from smmflow.outbound.services import stage

    stage(db, name, kwargs)  # outbound webhook deliveries commit with the event's cause


def pending(db: Session) -> list[PendingEvent]:
    """Events queued on ``db`` and not fired yet."""
    return list(db.info.get(PENDING_KEY, []))


def fire(app: Flask, name: str, **kwargs: Any) -> None:
    """Fire event ``name`` now, in a fresh app context of ``app``; plugin errors are logged."""
    from smmflow.plugins import call_safely

    if not getattr(app.extensions["smmflow"].plugins.hook, name).get_hookimpls():
        return  # nobody listens: no app context to build
    with app.app_context():
        call_safely(app, name, **kwargs)


def _within(transaction: SessionTransaction, ended: SessionTransaction) -> bool:
    current: SessionTransaction | None = transaction
    while current is not None:
        if current is ended:
            return True
        current = current.parent
    return False


def install(app: Flask) -> None:
    """Fire the events of every session of ``app`` after commit; drop them on rollback."""
    from smmflow.outbound import services as outbound

    factory = app.extensions["smmflow"].sessionmaker

    def after_commit(db: Session) -> None:
        if db.get_nested_transaction() is not None:
            return  # a savepoint was released; the events wait for the real commit
        queued = db.info.pop(PENDING_KEY, [])
        try:
            outbound.enqueue_staged(app, db)
        except Exception:  # Redis down: the rows are committed; recovery queues them later
            log.exception("outbound webhook deliveries could not be queued")
        for item in queued:
            try:
                fire(app, item.name, **item.kwargs)
            except Exception:  # the app context itself failed: never break the committer
                log.exception("event %s could not be fired", item.name)

    def after_soft_rollback(db: Session, previous: SessionTransaction) -> None:
        queued = db.info.get(PENDING_KEY)
        if not queued:
            return
        if previous.parent is None:
            db.info.pop(PENDING_KEY, None)
            return
        db.info[PENDING_KEY] = [e for e in queued if not _within(e.transaction, previous)]

    def after_transaction_end(db: Session, transaction: SessionTransaction) -> None:
        if transaction.parent is None and not transaction.nested:
            db.info.pop(PENDING_KEY, None)  # closed without commit: nothing happened
            outbound.end_transaction(db)

    event.listen(factory, "after_commit", after_commit)
    event.listen(factory, "after_soft_rollback", after_soft_rollback)
    event.listen(factory, "after_transaction_end", after_transaction_end)
