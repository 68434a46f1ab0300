"""Reminders before the due date and when overdue: once per kind, events after commit."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from smmflow.assignments.jobs import send_reminders
from smmflow.audit.models import AuditEvent


def test_due_soon_and_overdue_reminders_go_out_once(app, world, factory, db, recorder, api, run_jobs):
    now = dt.datetime.now(dt.UTC)
    brief = factory.brief(world.client_a)
    soon = factory.assignment(brief, world.contractor, state="accepted", due_at=now + dt.timedelta(hours=5))
    late = factory.assignment(factory.brief(world.client_a), world.contractor, state="accepted",
                              due_at=now - dt.timedelta(hours=2))
    factory.assignment(factory.brief(world.client_a), world.contractor, state="accepted",
                       due_at=now + dt.timedelta(days=4))  # not yet
    factory.assignment(factory.brief(world.client_a), world.contractor, state="submitted",
                       due_at=now - dt.timedelta(hours=2))  # handed in: never overdue
    factory.assignment(factory.brief(world.client_a), world.contractor, state="cancelled",
                       due_at=now - dt.timedelta(hours=2))

    from smmflow.jobs.queues import enqueue

    job = enqueue(app, "smmflow.assignments.jobs.send_reminders")  # a real RQ worker runs it
    assert run_jobs(app, ["default"])
    job.refresh()
    assert job.return_value() == {"due_soon": 1, "overdue": 1}
    overdue = [(e["assignment_id"], e["kind"]) for n, e in recorder.events if n == "on_assignment_overdue"]
    assert sorted(overdue) == sorted([(soon.id, "due_soon"), (late.id, "overdue")])
    due_at = next(e["due_at"] for n, e in recorder.events if n == "on_assignment_overdue"
                  and e["kind"] == "overdue")
    assert due_at.tzinfo is not None

    with app.app_context():
        assert send_reminders() == {"due_soon": 0, "overdue": 0}
    assert len(recorder.events) == 2
    assert db.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action.in_(["assignment.remind_due_soon", "assignment.remind_overdue"]))) == 2

    # moving the due date re-arms the reminders
    later = (now + dt.timedelta(hours=10)).isoformat()
    assert api.patch(f"/assignments/{late.id}", as_=world.manager, json={"due_at": later}).status_code == 200
    with app.app_context():
        assert send_reminders() == {"due_soon": 1, "overdue": 0}


def test_reminders_are_a_periodic_job_of_the_core(app):
    from smmflow.jobs.periodic import collect

    jobs = {job.name: job for job in collect(app)}
    job = jobs["assignments.reminders"]
    assert job.func == "smmflow.assignments.jobs.send_reminders"
    assert job.queue == "default" and job.every_seconds == 900
