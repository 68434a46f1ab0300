"""SLA of approval steps: escalation once per breached step, through a real RQ worker."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from smmflow.approvals import jobs
from smmflow.approvals.models import ApprovalRequest
from smmflow.audit.models import AuditEvent
from smmflow.db import utcnow
from smmflow.jobs import periodic
from smmflow.jobs.queues import enqueue
from smmflow.jobs.worker import run_worker
from tests.posts.flows import decide, new_post, start_approval

STEPS = [{"name": "Manager review", "approver_role": "manager", "sla_hours": 2},
         {"name": "Client", "approver_role": "client", "sla_hours": 24}]


def _age(db, request_id, hours):
    row = db.get(ApprovalRequest, request_id)
    row.step_started_at = utcnow() - dt.timedelta(hours=hours)
    db.commit()


def test_breach_is_escalated_once_per_step(app, api, db, factory, scene, events):
    factory.approval_chain(scene.world.client_a, STEPS)
    post = new_post(api, scene)
    fresh = start_approval(api, scene, new_post(api, scene, text="Fresh")["id"])
    request = start_approval(api, scene, post["id"])
    _age(db, request["id"], hours=3)
    _age(db, fresh["id"], hours=1)

    with app.app_context():
        assert jobs.check_approval_sla() == 1
        assert jobs.check_approval_sla() == 0
    db.expire_all()
    row = db.get(ApprovalRequest, request["id"])
    assert row.escalated_at is not None and row.steps[0]["breached_at"]
    assert db.get(ApprovalRequest, fresh["id"]).escalated_at is None
    breaches = [e for e in events.events if e[0] == "on_approval_sla_breached"]
    assert breaches == [("on_approval_sla_breached", {
        "request_id": request["id"], "client_id": scene.world.client_a.id, "step_position": 1})]
    audited = db.scalars(select(AuditEvent).where(AuditEvent.action == "approval.sla_breached")).all()
    assert [(a.object_id, a.details["step_position"]) for a in audited] == [(str(request["id"]), 1)]
    shown = api.get(f"/approval-requests/{request['id']}", as_=scene.world.manager).json
    assert shown["escalated_at"] and shown["sla_due_at"]

    decide(api, scene.manager2, request["id"])  # the next step gets its own SLA
    db.expire_all()
    row = db.get(ApprovalRequest, request["id"])
    assert row.current_step == 2 and row.escalated_at is None
    _age(db, request["id"], hours=25)
    with app.app_context():
        assert jobs.check_approval_sla() == 1
    assert [e[1]["step_position"] for e in events.events
            if e[0] == "on_approval_sla_breached"] == [1, 2]


def test_steps_without_sla_never_breach(app, api, db, factory, scene):
    factory.approval_chain(scene.world.client_a)
    request = start_approval(api, scene, new_post(api, scene)["id"])
    _age(db, request["id"], hours=10_000)
    with app.app_context():
        assert jobs.check_approval_sla() == 0
    assert api.get(f"/approval-requests/{request['id']}",
                   as_=scene.world.manager).json["sla_due_at"] is None


def test_the_sla_job_is_periodic_and_runs_in_a_worker(app, api, db, factory, scene, events):
    assert jobs.SLA_JOB in {job.func for job in periodic.collect(app)}
    factory.approval_chain(scene.world.client_a, STEPS)
    request = start_approval(api, scene, new_post(api, scene)["id"])
    _age(db, request["id"], hours=3)
    job = enqueue(app, jobs.SLA_JOB, queue="default")
    run_worker(app, ["default"], burst=True, with_scheduler=False)
    job.refresh()
    assert job.is_finished and job.return_value() == 1
    db.expire_all()
    assert db.get(ApprovalRequest, request["id"]).escalated_at is not None
    assert "on_approval_sla_breached" in events.names()
