"""The default notifications plugin: each event reaches the right people, in the app and by e-mail."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from sqlalchemy import select

from smmflow import events
from smmflow.approvals.models import ApprovalRequest
from smmflow.db import open_session
from smmflow.notifications.models import Notification
from smmflow.plugin_api import NotificationChannel, hookimpl
from smmflow.posts.models import Post
from tests.plugin_framework.hook_registry import exercises

DUE = dt.datetime(2026, 3, 1, 9, 30, tzinfo=dt.UTC)


def _fire(app, name, **kwargs):
    with open_session(app) as db:
        events.emit(db, name, **kwargs)
        db.commit()


def _inbox(db, kind=None):
    """{user id: [titles]} of the notifications stored so far."""
    db.expire_all()
    stmt = select(Notification).order_by(Notification.id)
    if kind:
        stmt = stmt.where(Notification.kind == kind)
    out: dict[int, list[str]] = {}
    for row in db.scalars(stmt):
        out.setdefault(row.user_id, []).append(row.title)
    return out


def test_assignment_offered_tells_the_contractor(app, db, world):
    _fire(app, "on_assignment_offered", assignment_id=41, client_id=world.client_a.id,
          contractor_id=world.contractor.id)
    assert _inbox(db) == {world.contractor.id: ["New assignment for Acme"]}
    row = db.scalar(select(Notification))
    assert row.kind == "assignment_offered" and row.link == "/assignments/41"
    assert "assignment #41 for Acme" in row.body


@pytest.mark.parametrize(("state", "who"), [("accepted", "manager"), ("declined", "manager"),
                                            ("revision_requested", "contractor"),
                                            ("done", "contractor"), ("cancelled", "contractor"),
                                            ("submitted", None)])
def test_assignment_changes(app, db, world, state, who):
    _fire(app, "on_assignment_changed", assignment_id=7, client_id=world.client_a.id,
          contractor_id=world.contractor.id, old_state="offered", new_state=state)
    expected = set() if who is None else {getattr(world, who).id}
    assert set(_inbox(db)) == expected
    if who:
        assert db.scalar(select(Notification.kind)) == f"assignment_{state}"


def test_due_soon_tells_the_contractor_and_overdue_the_managers_too(app, db, world):
    kwargs = {"assignment_id": 7, "client_id": world.client_a.id,
              "contractor_id": world.contractor.id, "due_at": DUE}
    _fire(app, "on_assignment_overdue", kind="due_soon", **kwargs)
    assert set(_inbox(db, "assignment_due_soon")) == {world.contractor.id}
    _fire(app, "on_assignment_overdue", kind="overdue", **kwargs)
    assert set(_inbox(db, "assignment_overdue")) == {world.contractor.id, world.manager.id}
    body = db.scalar(select(Notification.body).where(Notification.kind == "assignment_overdue"))
    assert "2026-03-01 09:30 UTC" in body


def test_submission_received_tells_the_managers_of_that_client(app, db, world):
    _fire(app, "on_submission_received", submission_id=3, assignment_id=7,
          client_id=world.client_a.id, check_passed=False)
    assert set(_inbox(db)) == {world.manager.id}
    assert "did not pass" in db.scalar(select(Notification.body))


def _request(db, world, created_by, **kw):
    post = Post(client_id=world.client_a.id, created_by_id=world.moderator.id, text="Hi")
    db.add(post)
    db.flush()
    steps = [{"position": 1, "name": "Client sign-off", "approver_role": "client",
              "approver_user_ids": [], "mode": "any", "sla_hours": 4},
             {"position": 2, "name": "Owner", "approver_role": None,
              "approver_user_ids": [world.owner.id, world.moderator.id], "mode": "all",
              "sla_hours": None}]
    request = ApprovalRequest(client_id=world.client_a.id, subject_type="post",
                              subject_id=post.id, content_hash="h" * 64, steps=steps,
                              created_by_id=created_by.id, **kw)
    db.add(request)
    db.commit()
    return post, request


def test_approval_requested_tells_the_step_approvers_but_not_the_author(app, db, world):
    post, request = _request(db, world, world.manager)
    common = {"request_id": request.id, "client_id": world.client_a.id, "subject_type": "post",
              "subject_id": post.id}
    _fire(app, "on_approval_requested", step_position=1, **common)
    assert set(_inbox(db)) == {world.client_member.id}
    assert "Client sign-off" in db.scalar(select(Notification.body))
    _fire(app, "on_approval_requested", step_position=2, **common)
    # the moderator wrote the post: named in the step, still never asked to approve it
    assert set(_inbox(db, "approval_requested")) == {world.client_member.id, world.owner.id}


def test_approval_decided_tells_requester_author_and_managers_except_the_decider(app, db, world):
    post, request = _request(db, world, world.owner)
    common = {"request_id": request.id, "client_id": world.client_a.id, "subject_type": "post",
              "subject_id": post.id, "step_position": 1}
    _fire(app, "on_approval_decided", decision="approve", author_id=world.client_member.id,
          final=False, **common)
    assert _inbox(db) == {}, "an intermediate approval is announced by on_approval_requested"
    _fire(app, "on_approval_decided", decision="request_changes",
          author_id=world.manager.id, final=True, **common)
    assert set(_inbox(db)) == {world.owner.id, world.moderator.id}
    title = db.scalar(select(Notification.title))
    assert title == f"Post #{post.id} needs changes"


def test_approval_sla_breach_tells_managers_and_owners(app, db, world):
    _fire(app, "on_approval_sla_breached", request_id=5, client_id=world.client_a.id,
          step_position=1)
    assert set(_inbox(db)) == {world.manager.id, world.owner.id}


@pytest.mark.parametrize("state", ["failed", "unknown"])
def test_post_failed_or_unknown_tells_the_managers(app, db, world, state):
    _fire(app, "on_post_failed", target_id=1, post_id=12, client_id=world.client_a.id,
          platform="testnet", state=state, reason="caption too long")
    assert set(_inbox(db)) == {world.manager.id}
    row = db.scalar(select(Notification))
    assert row.kind == f"post_{state}" and row.link == "/posts/12"
    assert "caption too long" in row.body


def test_inbox_sla_breach_tells_managers_moderators_and_owners(app, db, world):
    _fire(app, "on_inbox_sla_breached", item_id=3, client_id=world.client_a.id)
    assert set(_inbox(db)) == {world.manager.id, world.moderator.id, world.owner.id}


def test_budget_threshold_tells_the_managers_and_owners_with_amounts(app, db, world):
    _fire(app, "on_budget_threshold_crossed", client_id=world.client_a.id, threshold_percent=80,
          spent_minor=82_050, budget_minor=100_000)
    assert set(_inbox(db)) == {world.manager.id, world.owner.id}
    row = db.scalar(select(Notification))
    assert row.kind == "budget_threshold_crossed"
    assert "80%" in row.title and world.client_a.name in row.title
    assert f"820.50 {world.client_a.currency}" in row.body
    assert f"1,000.00 {world.client_a.currency}" in row.body


@pytest.mark.parametrize(("currency", "spent", "budget"), [
    ("JPY", "12,345 JPY", "100,000 JPY"),
    ("EUR", "123.45 EUR", "1,000.00 EUR"),
    ("KWD", "12.345 KWD", "100.000 KWD"),
])
def test_budget_amounts_have_the_decimals_of_the_clients_currency(app, db, world, currency,
                                                                   spent, budget):
    world.client_a.currency = currency
    db.commit()
    _fire(app, "on_budget_threshold_crossed", client_id=world.client_a.id, threshold_percent=80,
          spent_minor=12_345, budget_minor=100_000)
    body = db.scalar(select(Notification.body).where(Notification.user_id == world.manager.id))
    assert f"spent {spent} of the monthly budget of {budget} (alert at 80%)" in body


def test_published_posts_and_new_inbox_items_notify_nobody(app, db, world):
    _fire(app, "on_post_published", target_id=1, post_id=2, client_id=world.client_a.id,
          platform="testnet", external_id="tn1", url=None)
    _fire(app, "on_inbox_item_received", item_id=1, client_id=world.client_a.id,
          platform="testnet")
    assert _inbox(db) == {}


def test_inactive_users_are_not_notified(app, db, world):
    world.manager.is_active = False
    db.commit()
    _fire(app, "on_submission_received", submission_id=3, assignment_id=7,
          client_id=world.client_a.id, check_passed=True)
    assert _inbox(db) == {}


def test_email_goes_through_smtp(make_app, mailbox, world_for):
    app = make_app(plugins=[], smtp_url=mailbox.url, mail_from="agency@example.test")
    world = world_for(app)
    _fire(app, "on_post_failed", target_id=1, post_id=12, client_id=world.client_a.id,
          platform="testnet", state="failed", reason="caption too long")
    [message] = mailbox.messages
    assert message["To"] == world.manager.email
    assert message["From"] == "agency@example.test"
    assert message["Subject"] == "Post #12 failed on testnet"
    body = message.get_content()
    assert "caption too long" in body and "http://localhost/posts/12" in body


def test_without_smtp_url_email_is_logged(app, world, caplog):
    with caplog.at_level(logging.INFO, logger="smmflow.mail"):
        _fire(app, "on_assignment_offered", assignment_id=1, client_id=world.client_a.id,
              contractor_id=world.contractor.id)
    assert any(world.contractor.email in r.getMessage() and "not sent" in r.getMessage()
               for r in caplog.records)


def test_a_plugin_can_keep_a_kind_out_of_email(make_app, mailbox, world_for):
    class InAppOnly:
        __name__ = "in_app_only"

        @hookimpl
        def notification_channels_for(self, kind):
            return ["in_app"] if kind == "assignment_offered" else None

    app = make_app(plugins=[InAppOnly()], smtp_url=mailbox.url)
    world = world_for(app)
    _fire(app, "on_assignment_offered", assignment_id=1, client_id=world.client_a.id,
          contractor_id=world.contractor.id)
    assert mailbox.messages == []
    _fire(app, "on_submission_received", submission_id=3, assignment_id=7,
          client_id=world.client_a.id, check_passed=True)
    assert [m["To"] for m in mailbox.messages] == [world.manager.email]
    with open_session(app) as db:
        assert db.scalar(select(Notification.user_id).where(
            Notification.kind == "assignment_offered")) == world.contractor.id


@exercises("register_notification_channels", "notification_channels_for")
def test_plugin_channel_delivers_and_a_failing_channel_is_isolated(make_app, world_for, caplog):
    delivered = []

    class Chat(NotificationChannel):
        name = "chat"

        def deliver(self, app, notice):
            delivered.append((notice.user_id, notice.kind, notice.title))

    class Pager(NotificationChannel):
        name = "pager"

        def deliver(self, app, notice):
            raise ConnectionError("pager service down")

    class Plugin:
        __name__ = "chat_plugin"

        @hookimpl
        def register_notification_channels(self):
            return [Chat(), Pager()]

        @hookimpl
        def notification_channels_for(self, user_id, kind):
            return ["pager", "chat", "in_app", "nowhere"]

    app = make_app(plugins=[Plugin()])
    world = world_for(app)
    with caplog.at_level(logging.WARNING):
        _fire(app, "on_assignment_offered", assignment_id=9, client_id=world.client_a.id,
              contractor_id=world.contractor.id)
    assert delivered == [(world.contractor.id, "assignment_offered", "New assignment for Acme")]
    with open_session(app) as db:
        assert db.scalar(select(Notification.user_id)) == world.contractor.id
    messages = [r.getMessage() for r in caplog.records]
    assert any("'pager' failed" in m for m in messages)
    assert any("'nowhere' is not registered" in m for m in messages)
