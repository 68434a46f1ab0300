"""Events are fired through the plugin manager only after the transaction commits."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from sqlalchemy import select

from smmflow import db as database
from smmflow import events
from smmflow.auth.models import User
from smmflow.db import open_session
from smmflow.plugin_api import hookimpl
from tests.plugin_framework.hook_registry import exercises
from tests.plugin_framework.plugins_for_tests import Broken, EventRecorder

NOW = dt.datetime(2026, 1, 1, 12, tzinfo=dt.UTC)
SAMPLE_KWARGS = {
    "on_assignment_offered": {"assignment_id": 1, "client_id": 2, "contractor_id": 3},
    "on_assignment_changed": {"assignment_id": 1, "client_id": 2, "contractor_id": 3,
                              "old_state": "offered", "new_state": "accepted"},
    "on_assignment_overdue": {"assignment_id": 1, "client_id": 2, "contractor_id": 3,
                              "due_at": NOW, "kind": "overdue"},
    "on_submission_received": {"submission_id": 4, "assignment_id": 1, "client_id": 2,
                               "check_passed": True},
    "on_approval_requested": {"request_id": 5, "client_id": 2, "subject_type": "post",
                              "subject_id": 6, "step_position": 1},
    "on_approval_decided": {"request_id": 5, "client_id": 2, "subject_type": "post",
                            "subject_id": 6, "decision": "approve", "step_position": 1,
                            "author_id": 7, "final": True},
    "on_approval_sla_breached": {"request_id": 5, "client_id": 2, "step_position": 1},
    "on_post_published": {"target_id": 8, "post_id": 6, "client_id": 2, "platform": "testnet",
                          "external_id": "tn1", "url": "http://127.0.0.1/p/tn1"},
    "on_post_failed": {"target_id": 8, "post_id": 6, "client_id": 2, "platform": "testnet",
                       "state": "failed", "reason": "rejected"},
    "on_inbox_item_received": {"item_id": 9, "client_id": 2, "platform": "testnet"},
    "on_inbox_sla_breached": {"item_id": 9, "client_id": 2},
    "on_budget_threshold_crossed": {"client_id": 2, "threshold_percent": 80,
                                    "spent_minor": 80_000, "budget_minor": 100_000},
}


def test_the_recorder_and_samples_cover_every_event():
    names = set(events.event_names())
    assert names == set(SAMPLE_KWARGS)
    assert names <= {n for n in dir(EventRecorder) if n.startswith("on_")}


@exercises(*SAMPLE_KWARGS)
@pytest.mark.parametrize("name", sorted(SAMPLE_KWARGS))
def test_each_event_reaches_plugins_after_commit(make_app, name):
    recorder = EventRecorder()
    app = make_app(plugins=[recorder])
    with open_session(app) as db:
        events.emit(db, name, **SAMPLE_KWARGS[name])
        db.add(User(email="e@example.test", name="E", role="staff"))
        db.flush()
        assert recorder.calls == [], "fired before the commit"
        db.commit()
    assert recorder.calls == [(name, SAMPLE_KWARGS[name])]


def test_rollback_drops_events(make_app):
    recorder = EventRecorder()
    app = make_app(plugins=[recorder])
    with open_session(app) as db:
        events.emit(db, "on_inbox_sla_breached", item_id=1, client_id=2)
        db.add(User(email="r@example.test", name="R", role="staff"))
        db.flush()
        db.rollback()
        db.commit()  # a later, empty commit must not fire the dropped event
    assert recorder.calls == []


def test_closing_without_commit_drops_events(make_app):
    recorder = EventRecorder()
    app = make_app(plugins=[recorder])
    with open_session(app) as db:
        db.execute(select(1))
        events.emit(db, "on_inbox_sla_breached", item_id=1, client_id=2)
    assert recorder.calls == []
    with open_session(app) as db:
        db.commit()
    assert recorder.calls == []


def test_savepoint_rollback_drops_only_its_events(make_app):
    recorder = EventRecorder()
    app = make_app(plugins=[recorder])
    with open_session(app) as db:
        db.execute(select(1))
        events.emit(db, "on_inbox_sla_breached", item_id=1, client_id=2)
        savepoint = db.begin_nested()
        events.emit(db, "on_inbox_sla_breached", item_id=2, client_id=2)
        savepoint.rollback()
        with db.begin_nested():
            events.emit(db, "on_inbox_sla_breached", item_id=3, client_id=2)
        assert recorder.calls == [], "a released savepoint is not a commit"
        db.commit()
    assert [kw["item_id"] for _, kw in recorder.calls] == [1, 3]


def test_events_fire_once(make_app):
    recorder = EventRecorder()
    app = make_app(plugins=[recorder])
    with open_session(app) as db:
        events.emit(db, "on_inbox_sla_breached", item_id=1, client_id=2)
        db.commit()
        db.commit()
    assert len(recorder.calls) == 1


def test_unknown_event_is_refused(make_app):
    app = make_app(plugins=[])
    with open_session(app) as db, pytest.raises(ValueError, match="unknown event"):
        events.emit(db, "on_post_publishd", target_id=1)
    with open_session(app) as db, pytest.raises(ValueError, match="unknown event"):
        events.emit(db, "check_content", content=None)


def test_a_raising_listener_is_logged_and_others_still_hear(make_app, caplog):
    recorder = EventRecorder()
    app = make_app(plugins=[recorder, Broken()])
    with caplog.at_level(logging.ERROR, logger="smmflow.plugins"), open_session(app) as db:
        events.emit(db, "on_post_published", **SAMPLE_KWARGS["on_post_published"])
        db.add(User(email="x@example.test", name="X", role="staff"))
        db.commit()  # does not raise
        assert db.scalar(select(User.id).where(User.email == "x@example.test"))
    assert recorder.names() == ["on_post_published"]
    message = next(r.getMessage() for r in caplog.records if "broken_plugin" in r.getMessage())
    assert "on_post_published" in message


def test_listener_runs_in_its_own_app_context_and_may_write(make_app):
    class Writer:
        __name__ = "writer"

        @hookimpl
        def on_inbox_sla_breached(self, item_id):
            db = database.session()
            db.add(User(email=f"listener{item_id}@example.test", name="L", role="staff"))
            db.commit()

    app = make_app(plugins=[Writer()])
    with app.test_request_context(), open_session(app) as db:
        events.emit(db, "on_inbox_sla_breached", item_id=5, client_id=1)
        db.commit()
    with open_session(app) as db:
        assert db.scalar(select(User.id).where(User.email == "listener5@example.test"))


def test_pending_shows_queued_events(make_app):
    app = make_app(plugins=[])
    with open_session(app) as db:
        events.emit(db, "on_inbox_sla_breached", item_id=1, client_id=2)
        assert [e.name for e in events.pending(db)] == ["on_inbox_sla_breached"]
        db.rollback()
        assert events.pending(db) == []
