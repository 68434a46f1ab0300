"""Property-based tests of the approval workflow.

Random chains (roles or named users, ``any``/``all``) and random sequences of
actions by random principals, through the API, checked against a small model
after every step: no illegal state is ever reached, nobody acts without
permission (the author never decides, only the step's approvers do), and every
accepted action is in the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from smmflow.approvals.models import ApprovalDecision, ApprovalRequest
from smmflow.audit.models import AuditEvent
from smmflow.posts.content import content_hash
from smmflow.posts.models import Post

PRINCIPALS = ("owner", "manager", "manager2", "client_member", "client2", "moderator",
              "contractor", "other_manager", "other_client")
DECIDE_ROUTE = {"owner", "manager", "manager2", "client_member", "client2"}
MANAGE_ROUTE = {"owner", "manager", "manager2"}
ROLE_MEMBERS = {"manager": {"manager", "manager2"}, "client": {"client_member", "client2"},
                "owner": {"owner"}}
NAMED_POOL = ("owner", "manager2", "client_member", "client2")
AUTHOR = "manager"

step_spec = st.one_of(
    st.tuples(st.just("role"), st.sampled_from(sorted(ROLE_MEMBERS)), st.sampled_from(["any", "all"])),
    st.tuples(st.just("users"), st.sets(st.sampled_from(NAMED_POOL), min_size=1, max_size=3)
              .map(lambda s: tuple(sorted(s))), st.sampled_from(["any", "all"])),
)
KINDS = ("decide",) * 5 + ("restart",) * 2 + ("edit", "withdraw")
DECISIONS = ("approve",) * 4 + ("request_changes", "reject")


def _actor(data: st.DataObject, model: Model, kind: str) -> str:
    """Anyone at all, or (more often) someone the model expects to be allowed."""
    likely = sorted(model.eligible(model.step)) if kind == "decide" and model.steps else []
    likely = likely or (["manager"] if kind == "restart" else sorted(DECIDE_ROUTE))
    return data.draw(st.one_of(st.sampled_from(PRINCIPALS), st.sampled_from(likely),
                               st.sampled_from(likely)))


@dataclass
class Model:
    steps: list[tuple[str, object, str]]
    post_status: str = "draft"
    request_status: str | None = None
    step: int = 1
    approvals: dict[int, set[str]] = field(default_factory=dict)
    decided: dict[int, set[str]] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=lambda: {
        "approval.decide": 0, "approval.request": 0, "post.edit": 0, "approval.withdraw": 0})

    def eligible(self, position: int) -> set[str]:
        kind, who, _mode = self.steps[position - 1]
        names = ROLE_MEMBERS[who] if kind == "role" else set(who)  # type: ignore[index,arg-type]
        return set(names) - {AUTHOR}

    def expect_decide(self, who: str, decision: str, comment: bool) -> int:
        if who not in DECIDE_ROUTE:
            return 403
        if self.request_status != "pending":
            return 409
        if who == AUTHOR or who not in self.eligible(self.step):
            return 403
        if who in self.decided.setdefault(self.step, set()):
            return 409
        if decision != "approve" and not comment:
            return 422
        return 201

    def apply_decide(self, who: str, decision: str) -> None:
        self.counts["approval.decide"] += 1
        self.decided.setdefault(self.step, set()).add(who)
        if decision == "approve":
            approved = self.approvals.setdefault(self.step, set())
            approved.add(who)
            mode = self.steps[self.step - 1][2]
            if mode == "any" or self.eligible(self.step) <= approved:
                if self.step == len(self.steps):
                    self.request_status, self.post_status = "approved", "approved"
                else:
                    self.step += 1
        elif decision == "request_changes":
            self.request_status, self.post_status = "changes_requested", "changes_requested"
        else:
            self.request_status, self.post_status = "rejected", "draft"


def _setup(factory, scene, steps):
    world = scene.world
    chain = factory.approval_chain(world.client_a, [
        {"name": f"Step {i + 1}", "mode": mode,
         **({"approver_role": who} if kind == "role" else
            {"approver_user_ids": [_user(scene, n).id for n in who]})}
        for i, (kind, who, mode) in enumerate(steps)], default=False)
    post = factory.draft_post(world.client_a, created_by=world.manager, text="v0")
    return chain, post


def _user(scene, name):
    extra = {"manager2": scene.manager2, "client2": scene.client2}
    return extra.get(name) or getattr(scene.world, name)


@settings(max_examples=50, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(steps=st.lists(step_spec, min_size=1, max_size=3), length=st.integers(6, 20),
       data=st.data())
def test_random_decisions_never_break_the_workflow(api, db, factory, scene, steps, length, data):
    chain, post = _setup(factory, scene, steps)
    model = Model(steps=steps)
    request_ids: list[int] = []

    def start(who: str) -> None:
        resp = api.post(f"/posts/{post.id}/approval-requests", as_=_user(scene, who),
                        json={"chain_id": chain.id})
        expected = 403 if who not in MANAGE_ROUTE else (
            201 if model.post_status in ("draft", "changes_requested") else 409)
        assert resp.status_code == expected, (who, model, resp.json)
        if expected == 201:
            request_ids.append(resp.json["id"])
            model.request_status, model.step, model.post_status = "pending", 1, "in_approval"
            model.approvals, model.decided = {}, {}
            model.counts["approval.request"] += 1

    start("manager")
    for number in range(length):
        kind = data.draw(st.sampled_from(KINDS))
        who = _actor(data, model, kind)
        user = _user(scene, who)
        act = (kind, who)
        if kind == "decide":
            decision = data.draw(st.sampled_from(DECISIONS))
            with_comment = data.draw(st.booleans())
            act = (kind, who, decision, with_comment)
            resp = api.post(f"/approval-requests/{request_ids[-1]}/decisions", as_=user,
                            json={"decision": decision, "comment": "why" if with_comment else ""})
            expected = model.expect_decide(who, decision, with_comment)
            assert resp.status_code == expected, (act, model, resp.json)
            if expected == 201:
                model.apply_decide(who, decision)
        elif kind == "edit":
            etag = api.get(f"/posts/{post.id}", as_=scene.world.manager).headers["ETag"]
            resp = api.patch(f"/posts/{post.id}", as_=user, headers={"If-Match": etag},
                             json={"text": f"v{number + 1}"})
            assert resp.status_code == (200 if who in MANAGE_ROUTE else 403), (act, resp.json)
            if resp.status_code == 200:
                model.counts["post.edit"] += 1
                if model.post_status != "draft":
                    model.post_status = "draft"
                if model.request_status in ("pending", "approved"):
                    model.request_status = "voided"
        elif kind == "restart":
            start(who)
        else:
            resp = api.post(f"/approval-requests/{request_ids[-1]}/withdraw", as_=user)
            expected = 403 if who not in MANAGE_ROUTE else (
                200 if model.request_status == "pending" else 409)
            assert resp.status_code == expected, (act, model, resp.json)
            if expected == 200:
                model.counts["approval.withdraw"] += 1
                model.request_status, model.post_status = "voided", "draft"
        _check(db, scene, post.id, request_ids, model)


def _check(db, scene, post_id, request_ids, model):
    db.expire_all()
    post = db.get(Post, post_id)
    requests = {r.id: r for r in db.scalars(select(ApprovalRequest).where(
        ApprovalRequest.id.in_(request_ids)))}
    latest = requests[request_ids[-1]]
    # the model and the database agree
    assert (post.status, latest.status) == (model.post_status, model.request_status)
    if latest.status == "pending":
        assert latest.current_step == model.step
    # no illegal state
    pending = [r for r in requests.values() if r.status == "pending"]
    assert len(pending) <= 1
    assert (post.status == "in_approval") == bool(pending)
    assert all(r.status in ("voided", "changes_requested", "rejected")
               for r in requests.values() if r.id != latest.id)
    if post.status == "approved":
        assert post.approved_hash == content_hash(post) == latest.content_hash
    else:
        assert post.approved_hash is None or post.status == "approved"
    # nobody decided without permission
    names = {_user(scene, n).id: n for n in PRINCIPALS}
    decisions = db.scalars(select(ApprovalDecision).where(
        ApprovalDecision.request_id.in_(request_ids))).all()
    for d in decisions:
        step = requests[d.request_id].steps[d.step_position - 1]
        role, users = step["approver_role"], {names[u] for u in step["approver_user_ids"]}
        allowed = (ROLE_MEMBERS[role] if role else users) - {AUTHOR}
        assert names[d.author_id] in allowed
    # every accepted action is audited
    ids = [str(i) for i in request_ids]
    audited = dict(db.execute(
        select(AuditEvent.action, func.count()).where(
            ((AuditEvent.object_type == "approval_request") & AuditEvent.object_id.in_(ids))
            | ((AuditEvent.object_type == "post") & (AuditEvent.object_id == str(post_id))))
        .group_by(AuditEvent.action)).all())
    for action_name, count in model.counts.items():
        assert audited.get(action_name, 0) == count, (action_name, audited, model.counts)
    assert len(decisions) == model.counts["approval.decide"]
