"""Property-based tests of the assignment state machine (hypothesis).

Random sequences of actions by random principals, through the real API, are
compared with an oracle written from PRODUCT.md's diagram: no sequence reaches
an illegal state, no principal acts without permission, and every accepted
action is in the audit log exactly once.
"""

from __future__ import annotations

import copy

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from smmflow.assignments.models import Assignment
from smmflow.audit.models import AuditEvent
from smmflow.expenses.models import Expense
from tests.assignments.helpers import TEXT_DELIVERABLE

# PRODUCT.md §2: action -> (states it leaves, state it reaches, side)
ORACLE = {
    "accept": ({"offered"}, "accepted", "contractor"),
    "decline": ({"offered"}, "declined", "contractor"),
    "submit": ({"accepted"}, "submitted", "contractor"),
    "resubmit": ({"revision_requested"}, "submitted", "contractor"),
    "request_revision": ({"submitted"}, "revision_requested", "agency"),
    "accept_work": ({"submitted"}, "done", "agency"),
    "cancel": ({"offered", "accepted", "submitted", "revision_requested"}, "cancelled", "agency"),
}
STATES = {"offered", "accepted", "declined", "submitted", "revision_requested", "done", "cancelled"}
WORKING = {"accepted", "submitted", "revision_requested"}
PRINCIPALS = ["owner", "manager", "other_manager", "moderator", "contractor", "client_member",
              "other_client", "anonymous", "stranger"]
SIDE = {"owner": "agency", "manager": "agency", "contractor": "contractor"}
ACTIONS = [*ORACLE, "acknowledge", "change_spec"]
BODIES = {"decline": {"reason": "busy"}, "request_revision": {"comment": "again"},
          "cancel": {"reason": "budget"}, "submit": {"text": "Acme #acme text"},
          "resubmit": {"text": "Acme #acme better text"}}

steps = st.lists(st.tuples(st.sampled_from(PRINCIPALS), st.sampled_from(ACTIONS)),
                 min_size=1, max_size=10)


def _domain_events(db, aid: int, action: str) -> int:
    return db.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.object_type == "assignment", AuditEvent.object_id == str(aid),
        AuditEvent.action == f"assignment.{action}"))


def _spec_revisions(db, brief_id: int) -> int:
    return db.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "spec.revise", AuditEvent.details["brief_id"].as_integer() == brief_id))


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(sequence=steps)
def test_random_action_sequences_follow_the_state_machine(api, world, factory, db, sequence):
    users = {**world.principals(), "stranger": factory.contractor(skills=["copywriter"])}
    brief = factory.brief(world.client_a, deliverables=[copy.deepcopy(TEXT_DELIVERABLE)])
    aid = factory.assignment(brief, world.contractor).id
    state, pending, spec_number = "offered", False, 1

    for who, action in sequence:
        user = users[who]
        side = SIDE.get(who)
        if action == "change_spec":
            deliverable = copy.deepcopy(TEXT_DELIVERABLE)
            deliverable["requirements"]["max_length"] = 300 + spec_number
            before = _spec_revisions(db, brief.id)
            resp = api.put(f"/briefs/{brief.id}/spec", as_=user, json={"deliverables": [deliverable]})
            if side != "agency":
                assert resp.status_code in (401, 403), (who, action, resp.status_code)
                assert _spec_revisions(db, brief.id) == before
                continue
            # the deliverable is kept, so the change always makes a new version; a contractor
            # who already accepted must acknowledge it
            assert resp.status_code == 201, resp.json
            spec_number += 1
            pending = pending or state in WORKING
            assert _spec_revisions(db, brief.id) == before + 1
            continue

        before = _domain_events(db, aid, action)
        url = f"/assignments/{aid}/{action.replace('_', '-')}"
        resp = api.post(url, as_=user, json=BODIES.get(action, {}))
        needed = "contractor" if action == "acknowledge" else ORACLE[action][2]
        if action == "acknowledge":
            legal = pending and state in WORKING
        else:
            legal = state in ORACLE[action][0] and not (pending and action in {"submit", "resubmit"})

        if side != needed:
            assert resp.status_code in (401, 403), (who, action, resp.status_code, resp.json)
        elif not legal:
            assert resp.status_code == 409, (who, action, state, resp.json)
            details = resp.json["error"]["details"]
            assert details["state"] == state
            assert action not in details["allowed_actions"]
        else:
            assert resp.status_code in (200, 201), (who, action, state, resp.json)
            if action == "acknowledge":
                pending = False
            else:
                state = ORACLE[action][1]
                if action == "accept":
                    pending = False
        accepted = side == needed and legal
        assert _domain_events(db, aid, action) == before + (1 if accepted else 0)

        db.expire_all()
        row = db.get(Assignment, aid)
        assert row.state in STATES and row.state == state
        assert (row.acknowledged_spec_version_id != row.spec_version_id
                and row.state in WORKING) == pending
        fees = db.scalar(select(func.count()).select_from(Expense).where(Expense.assignment_id == aid))
        assert fees == (1 if state == "done" else 0)
        assert (row.done_at is not None) == (state == "done")
        assert (row.cancelled_at is not None) == (state == "cancelled")
        if state in {"submitted", "revision_requested", "done"}:
            assert row.first_submitted_at is not None
