"""The pages of each role's daily work, used through a browser session.

Each test logs in through the login form (session cookie, CSRF), opens the
pages as different roles and checks which rows they show; actions are POSTed
with and without the CSRF token and checked in the database.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import socket
from typing import Any

import pytest
import smmflow_testnet.plugin as testnet_plugin
from flask import Flask
from smmflow_testnet.fake import DEFAULT_ACCOUNT, FakeTestnet
from sqlalchemy import select

from smmflow.approvals.models import ApprovalRequest
from smmflow.assignments.models import Assignment
from smmflow.auth.models import User
from smmflow.db import open_session
from smmflow.inbox.models import InboxItem, InboxReply
from smmflow.posts.models import Post
from smmflow.reports.models import Report
from smmflow.testing.factories import PASSWORD, Factory
from tests.conftest import World
from tests.permissions_kit import collect
from tests.web.expectations import ROUTES

CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
UTC = dt.UTC


@pytest.fixture
def fake():
    with FakeTestnet() as server:
        yield server


@pytest.fixture
def app(make_app, fake) -> Flask:
    """One network (the test network's fake): its limits, replies and moderation are real."""
    return make_app(plugins=[testnet_plugin], extra=dict(fake.settings), http_timeout=2.0)


class Browser:
    """A browser session of one user, logged in through the login form."""

    def __init__(self, app: Flask, user: User) -> None:
        self.client = app.test_client()
        token = self._token(self.client.get("/login").get_data(as_text=True))
        resp = self.client.post("/login", data={"email": user.email, "password": PASSWORD,
                                                "csrf_token": token})
        assert resp.status_code == 302, resp.get_data(as_text=True)

    @staticmethod
    def _token(page: str) -> str:
        match = CSRF.search(page)
        assert match, "page without a CSRF token"
        return match.group(1)

    def get(self, path: str, status: int = 200) -> str:
        resp = self.client.get(path)
        text = resp.get_data(as_text=True)
        assert resp.status_code == status, f"{path}: {resp.status_code}\n{text[:2000]}"
        return text

    def post(self, path: str, data: dict[str, Any], *, csrf: bool = True) -> Any:
        """POST a form like the page does; the answer after following the redirect."""
        form = dict(data)
        if csrf:
            form["csrf_token"] = self._token(self.get("/"))
        return self.client.post(path, data=form, follow_redirects=True)


def rows(page: str, kind: str) -> set[int]:
    """The ids in ``data-<kind>="..."`` attributes of a page."""
    return {int(m) for m in re.findall(rf'data-{kind}="(\d+)"', page)}


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


# -- nav ----------------------------------------------------------------------------------
def test_nav_shows_only_the_pages_the_user_may_open(app, world):
    pages = ("Calendar", "Briefs", "Assignments", "Approvals", "Inbox", "Reports")

    def nav(user: User) -> set[str]:
        home = Browser(app, user).get("/")
        header = home.split("</header>")[0]
        return {p for p in pages if f">{p}</a>" in header}

    assert nav(world.owner) == set(pages)
    assert nav(world.manager) == set(pages)
    assert nav(world.contractor) == {"Briefs", "Assignments", "Approvals"}
    assert nav(world.moderator) == {"Approvals", "Inbox"}
    assert nav(world.client_member) == {"Calendar", "Approvals", "Reports"}


def test_every_page_renders_for_every_allowed_role(app, world, factory: Factory):
    """With the objects every domain's expectations make, no page fails for those it is for."""
    _routes, builders = collect()
    args: dict[str, Any] = {}
    for build in builders:
        args.update(build(world, factory))
    pages = [r for r in app.url_map.iter_rules()
             if r.endpoint in ROUTES and "GET" in (r.methods or ())]
    assert len(pages) == 12
    for principal, user in world.principals().items():
        if user is None:
            continue
        browser = Browser(app, user)
        for rule in pages:
            if principal in ROUTES[rule.endpoint]:
                path = re.sub(r"<(?:int:)?(\w+)>", lambda m: str(args[m.group(1)]), rule.rule)
                browser.get(path)


def test_anonymous_is_sent_to_login(app):
    client = app.test_client()
    for path in ("/calendar", "/briefs", "/assignments", "/approvals", "/inbox", "/reports"):
        resp = client.get(path)
        assert resp.status_code == 302 and "/login" in resp.location, path


# -- calendar -----------------------------------------------------------------------------
def test_calendar_shows_each_clients_week_in_its_timezone(app, world, factory: Factory, db):
    world.client_b.timezone = "America/New_York"
    db.commit()
    account_a = factory.account(world.client_a, "testnet")
    account_b = factory.account(world.client_b, "testnet")

    scheduled = factory.draft_post(world.client_a, created_by=world.manager, status="scheduled",
                                   text="Spring launch")
    # 08:30 UTC on Monday 2 March 2026 is 09:30 in Berlin (CET)
    t_sched = factory.draft_target(scheduled, account_a, status="scheduled",
                                   scheduled_at=at(2026, 3, 2, 8, 30))
    published = factory.draft_post(world.client_b, created_by=world.other_manager,
                                   status="scheduled", text="Bolt news")
    # 14:00 UTC on Wednesday 4 March 2026 is 09:00 in New York (EST)
    t_pub = factory.draft_target(published, account_b, status="published",
                                 scheduled_at=at(2026, 3, 4, 13, 0),
                                 published_at=at(2026, 3, 4, 14, 0),
                                 url="https://testnet.example/p/1")
    # Sunday 8 March 23:30 UTC is already Monday 9 March in Berlin: next week there
    late = factory.draft_post(world.client_a, status="scheduled", text="Late night")
    t_late = factory.draft_target(late, account_a, status="scheduled",
                                  scheduled_at=at(2026, 3, 8, 23, 30))
    # edited after publishing: the post is a draft again, hidden from client approvers
    edited = factory.draft_post(world.client_a, status="draft", text="Edited after")
    t_edited = factory.draft_target(edited, account_a, status="published",
                                    published_at=at(2026, 3, 3, 10, 0))
    # a draft target has no place on the calendar
    other_account = factory.account(world.client_a, "testnet")
    t_draft = factory.draft_target(scheduled, other_account, status="draft")

    owner = Browser(app, world.owner).get("/calendar?week=2026-03-04")
    assert "week of 2026-03-02" in owner
    assert rows(owner, "target") == {t_sched.id, t_pub.id, t_edited.id}
    assert "?week=2026-02-23" in owner and "?week=2026-03-09" in owner

    manager = Browser(app, world.manager).get("/calendar?week=2026-03-02")
    assert rows(manager, "target") == {t_sched.id, t_edited.id}
    assert "09:30 CET" in manager and "Spring launch" in manager
    assert "Bolt news" not in manager

    other = Browser(app, world.other_manager).get("/calendar?week=2026-03-02")
    assert rows(other, "target") == {t_pub.id}
    assert "09:00 EST" in other and "published" in other
    assert 'href="https://testnet.example/p/1"' in other

    client = Browser(app, world.client_member).get("/calendar?week=2026-03-02")
    assert rows(client, "target") == {t_sched.id}

    next_week = Browser(app, world.manager).get("/calendar?week=2026-03-09")
    assert rows(next_week, "target") == {t_late.id}
    assert "00:30 CET" in next_week
    assert t_draft.id not in rows(owner, "target") | rows(next_week, "target")

    Browser(app, world.manager).get("/calendar?week=March", status=422)
    Browser(app, world.manager).get("/calendar?week=0001-01-01", status=422)
    Browser(app, world.moderator).get("/calendar", status=403)
    Browser(app, world.contractor).get("/calendar", status=403)


# -- briefs -------------------------------------------------------------------------------
def test_briefs_show_the_current_spec_with_platform_limits(app, world, factory: Factory):
    deliverables = [{"key": "caption", "kind": "text", "role": "copywriter", "title": "Caption",
                     "description": "Announce the launch.",
                     "requirements": {"max_length": 800, "required_words": ["spring"]}}]
    assigned = factory.brief(world.client_a, deliverables, title="Spring launch",
                             target_platforms=["testnet"], objective="Sell coffee")
    unassigned = factory.brief(world.client_a, title="Summer teaser")
    other = factory.brief(world.client_b, title="Bolt brief")
    factory.assignment(assigned, world.contractor)

    manager = Browser(app, world.manager)
    assert rows(manager.get("/briefs"), "brief") == {assigned.id, unassigned.id}
    contractor = Browser(app, world.contractor)
    assert rows(contractor.get("/briefs"), "brief") == {assigned.id}
    assert rows(Browser(app, world.other_manager).get("/briefs"), "brief") == {other.id}
    assert rows(Browser(app, world.owner).get("/briefs"), "brief") == {
        assigned.id, unassigned.id, other.id}

    page = contractor.get(f"/briefs/{assigned.id}")
    assert "Sell coffee" in page and "Tech spec, version 1" in page
    # the stricter of the spec (800) and the test network's limit (500) wins, named by source
    limit = re.search(r'data-requirement="max_length"><td>max_length</td><td>(\d+)</td><td>(\w+)</td>',
                      page)
    assert limit and limit.groups() == ("500", "testnet")
    assert 'data-requirement="required_words"><td>required_words</td><td>spring</td><td>spec</td>' in page

    contractor.get(f"/briefs/{unassigned.id}", status=403)
    Browser(app, world.other_manager).get(f"/briefs/{assigned.id}", status=403)
    Browser(app, world.client_member).get("/briefs", status=403)


# -- assignments --------------------------------------------------------------------------
def _assignments(factory: Factory, world) -> dict[str, Assignment]:
    brief = factory.brief(world.client_a, title="Spring launch")
    other_contractor = factory.contractor()
    now = dt.datetime.now(UTC)
    offered = factory.assignment(brief, world.contractor, fee_minor=12_345)
    late = factory.assignment(factory.brief(world.client_a), world.contractor, state="accepted",
                              due_at=now - dt.timedelta(hours=5))
    submitted = factory.assignment(factory.brief(world.client_a), world.contractor,
                                   state="submitted")
    factory.submission(submitted, text="x" * 620, check_passed=False, check_result=[
        {"requirement": "max_length", "passed": False, "source": "testnet", "item": None,
         "reason": "The text has 620 characters; at most 500.", "expected": 500, "actual": 620},
        {"requirement": "min_length", "passed": True, "source": "spec", "item": None,
         "reason": "Long enough.", "expected": 10, "actual": 620}])
    theirs = factory.assignment(brief, other_contractor)
    bolt = factory.assignment(factory.brief(world.client_b), world.contractor)
    return {"offered": offered, "late": late, "submitted": submitted, "theirs": theirs,
            "bolt": bolt}


def test_assignments_page_per_role(app, world, factory: Factory):
    a = _assignments(factory, world)
    contractor = Browser(app, world.contractor).get("/assignments")
    assert "My assignments" in contractor
    assert rows(contractor, "assignment") == {a["offered"].id, a["late"].id, a["submitted"].id,
                                              a["bolt"].id}
    assert "123.45 EUR" in contractor
    late = contractor.split(f'data-assignment="{a["late"].id}"')[1].split('class="card')[0]
    assert "overdue" in late
    offered = contractor.split(f'data-assignment="{a["offered"].id}"')[1].split('class="card')[0]
    assert "overdue" not in offered and ">Accept</button>" in offered and ">Decline</button>" in offered
    submitted = contractor.split(f'data-assignment="{a["submitted"].id}"')[1].split('class="card')[0]
    assert ">failed<" in submitted
    assert "<strong>max_length</strong>: The text has 620 characters; at most 500." in submitted
    assert "Long enough." in submitted  # every check, in the details
    assert ">Accept</button>" not in submitted

    manager = Browser(app, world.manager).get("/assignments")
    assert rows(manager, "assignment") == {a["offered"].id, a["late"].id, a["submitted"].id,
                                           a["theirs"].id}
    assert ">Accept</button>" not in manager  # the contractor's action, not the agency's
    assert rows(Browser(app, world.other_manager).get("/assignments"), "assignment") == {a["bolt"].id}
    filtered = Browser(app, world.manager).get("/assignments?state=submitted")
    assert rows(filtered, "assignment") == {a["submitted"].id}

    one = Browser(app, world.contractor).get(f"/assignments/{a['offered'].id}")
    assert rows(one, "assignment") == {a["offered"].id}
    Browser(app, world.contractor).get(f"/assignments/{a['theirs'].id}", status=403)
    Browser(app, world.moderator).get("/assignments", status=403)


def test_accept_and_decline_through_the_state_machine(app, world, factory: Factory, db):
    a = _assignments(factory, world)
    browser = Browser(app, world.contractor)
    offered = a["offered"]

    refused = browser.post(f"/assignments/{offered.id}/accept", {}, csrf=False)
    assert refused.status_code == 400
    db.expire_all()
    assert db.get(Assignment, offered.id).state == "offered"

    page = browser.post(f"/assignments/{offered.id}/accept", {"next": "/assignments"})
    assert page.status_code == 200
    assert f"You accepted assignment #{offered.id}." in page.get_data(as_text=True)
    db.expire_all()
    assert db.get(Assignment, offered.id).state == "accepted"

    again = browser.post(f"/assignments/{offered.id}/accept", {}).get_data(as_text=True)
    assert "Cannot accept an assignment that is accepted." in again
    db.expire_all()
    assert db.get(Assignment, offered.id).state == "accepted"

    bolt = a["bolt"]
    empty = browser.post(f"/assignments/{bolt.id}/decline", {"reason": "  "})
    assert "reason: This field is required." in empty.get_data(as_text=True)
    db.expire_all()
    assert db.get(Assignment, bolt.id).state == "offered"
    browser.post(f"/assignments/{bolt.id}/decline", {"reason": "Fully booked"})
    db.expire_all()
    declined = db.get(Assignment, bolt.id)
    assert declined.state == "declined" and declined.decline_reason == "Fully booked"

    # the page to come back to is a path of this site, never another site
    token = browser._token(browser.get("/"))
    away = browser.client.post(f"/assignments/{bolt.id}/accept", data={
        "csrf_token": token, "next": "https://evil.example/"})
    assert away.status_code == 302 and away.location == "/assignments"

    # another contractor's offer: refused by the route's rule
    theirs = a["theirs"]
    assert browser.post(f"/assignments/{theirs.id}/accept", {}).status_code == 403
    db.expire_all()
    assert db.get(Assignment, theirs.id).state == "offered"


# -- approvals ----------------------------------------------------------------------------
def _etag(api, post_id: int, user: User) -> str:
    return api.get(f"/posts/{post_id}", as_=user).headers["ETag"]


def test_approval_queue_shows_the_diff_and_records_decisions(app, api, world, factory: Factory, db):
    chain = factory.approval_chain(world.client_a, [{"name": "Client", "approver_role": "client"}])
    post = factory.draft_post(world.client_a, created_by=world.manager,
                              text="Spring launch\nOn Monday 2 March\n#launch")
    first = api.post(f"/posts/{post.id}/approval-requests", as_=world.manager,
                     json={"chain_id": chain.id})
    assert first.status_code == 201, first.json
    assert api.post(f"/approval-requests/{first.json['id']}/decisions", as_=world.client_member,
                    json={"decision": "request_changes", "comment": "Say Tuesday"}).status_code == 201
    edit = api.patch(f"/posts/{post.id}", as_=world.manager,
                     json={"text": "Spring launch\nOn Tuesday 3 March\n#launch"},
                     headers={"If-Match": _etag(api, post.id, world.manager)})
    assert edit.status_code == 200, edit.json
    second = api.post(f"/posts/{post.id}/approval-requests", as_=world.manager,
                      json={"chain_id": chain.id}).json["id"]

    client = Browser(app, world.client_member)
    queue = client.get("/approvals")
    assert rows(queue, "request") == {second}
    assert f"Compared with request #{first.json['id']}" in queue
    assert '<span class="del">-On Monday 2 March</span>' in queue
    assert '<span class="add">+On Tuesday 3 March</span>' in queue
    assert "Say Tuesday" not in queue  # decisions of older requests are on their own page
    assert 'name="decision" value="approve"' in queue
    for user in (world.manager, world.other_client, world.owner, world.contractor):
        assert rows(Browser(app, user).get("/approvals"), "request") == set()

    assert client.post(f"/approvals/{second}/decide", {"decision": "approve"},
                       csrf=False).status_code == 400
    db.expire_all()
    assert db.get(ApprovalRequest, second).status == "pending"

    no_comment = client.post(f"/approvals/{second}/decide", {"decision": "reject"})
    assert "Say what to change: a comment is required." in no_comment.get_data(as_text=True)
    done = client.post(f"/approvals/{second}/decide", {"decision": "approve", "next": "/approvals"})
    text = done.get_data(as_text=True)
    assert f"Decision recorded on request #{second}: approve." in text
    assert rows(text, "request") == set()
    db.expire_all()
    assert db.get(ApprovalRequest, second).status == "approved"
    assert db.get(Post, post.id).status == "approved"

    # the request's own page (notifications link to it) keeps the history
    page = Browser(app, world.manager).get(f"/approvals/{second}")
    assert "approved" in page and 'name="decision"' not in page
    Browser(app, world.other_client).get(f"/approvals/{second}", status=403)


def test_nobody_approves_their_own_work(app, api, world, factory: Factory, db):
    second_manager = factory.member(world.client_a, "manager")
    chain = factory.approval_chain(world.client_a, [{"name": "Review", "approver_role": "manager"}])
    post = factory.draft_post(world.client_a, created_by=world.manager)
    request_id = api.post(f"/posts/{post.id}/approval-requests", as_=world.manager,
                          json={"chain_id": chain.id}).json["id"]

    author = Browser(app, world.manager)
    assert rows(author.get("/approvals"), "request") == set()
    page = author.post(f"/approvals/{request_id}/decide", {"decision": "approve"})
    assert "Nobody approves their own work; ask another approver." in page.get_data(as_text=True)
    db.expire_all()
    assert db.get(ApprovalRequest, request_id).status == "pending"

    reviewer = Browser(app, second_manager)
    assert rows(reviewer.get("/approvals"), "request") == {request_id}
    first_version = reviewer.get("/approvals")
    assert "First version: nobody has decided on this post before." in first_version
    reviewer.post(f"/approvals/{request_id}/decide",
                  {"decision": "request_changes", "comment": "Shorter, please"})
    db.expire_all()
    assert db.get(ApprovalRequest, request_id).status == "changes_requested"
    assert db.get(Post, post.id).status == "changes_requested"


# -- inbox --------------------------------------------------------------------------------
def _inbox(factory: Factory, world, fake: FakeTestnet, db) -> dict[str, InboxItem]:
    account = factory.account(world.client_a, "testnet", credentials=fake.account_credentials(),
                              external_id=DEFAULT_ACCOUNT)
    bolt_account = factory.account(world.client_b, "testnet")
    ids = fake.seed_comments(3)
    received = at(2026, 3, 2, 11, 15)  # 12:15 in Berlin
    items = {
        "question": InboxItem(client_id=world.client_a.id, social_account_id=account.id,
                              platform="testnet", platform_id=ids[0], text="When do you open?",
                              author_name="Fan One", received_at=received, labels=["question"]),
        "spam": InboxItem(client_id=world.client_a.id, social_account_id=account.id,
                          platform="testnet", platform_id=ids[1], text="Cheap casino",
                          author_name="Spammer", received_at=received, labels=[]),
        "hidden": InboxItem(client_id=world.client_a.id, social_account_id=account.id,
                            platform="testnet", platform_id=ids[2], text="Rude words",
                            received_at=received, labels=[], status="hidden"),
        "bolt": InboxItem(client_id=world.client_b.id, social_account_id=bolt_account.id,
                          platform="testnet", platform_id="b-1", text="Bolt fan here",
                          received_at=received, labels=["question"]),
    }
    db.add_all(items.values())
    db.commit()
    return items


def _item_without_hide(factory: Factory, world, db) -> InboxItem:
    """A comment of a network whose moderation_actions lack hide (quietnet: not loaded, none)."""
    account = factory.account(world.client_a, "quietnet")
    item = InboxItem(client_id=world.client_a.id, social_account_id=account.id,
                     platform="quietnet", platform_id="q-1", text="Quiet one",
                     received_at=at(2026, 3, 2, 11, 15), labels=[])
    db.add(item)
    db.commit()
    return item


def test_inbox_lists_and_filters_the_moderated_clients(app, world, factory: Factory, fake, db):
    items = _inbox(factory, world, fake, db)
    a_ids = {items[k].id for k in ("question", "spam", "hidden")}

    moderator = Browser(app, world.moderator)
    page = moderator.get("/inbox")
    assert rows(page, "item") == a_ids
    assert "2026-03-02 12:15 CET" in page and "Bolt fan here" not in page
    assert rows(moderator.get("/inbox?status=hidden"), "item") == {items["hidden"].id}
    assert rows(moderator.get("/inbox?label=question"), "item") == {items["question"].id}
    moderator.get("/inbox?status=lost", status=400)
    hidden = moderator.get(f"/inbox/{items['hidden'].id}")
    assert ">Unhide</button>" in hidden and ">Hide</button>" not in hidden

    assert rows(Browser(app, world.manager).get("/inbox"), "item") == a_ids
    assert rows(Browser(app, world.other_manager).get("/inbox"), "item") == {items["bolt"].id}
    assert rows(Browser(app, world.owner).get("/inbox?label=question"), "item") == {
        items["question"].id, items["bolt"].id}
    Browser(app, world.other_manager).get(f"/inbox/{items['spam'].id}", status=403)
    Browser(app, world.client_member).get("/inbox", status=403)


def test_reply_and_hide_run_as_jobs_on_the_network(app, world, factory: Factory, fake, db,
                                                   run_jobs):
    items = _inbox(factory, world, fake, db)
    moderator = Browser(app, world.moderator)
    question, spam = items["question"], items["spam"]

    assert moderator.post(f"/inbox/{question.id}/reply", {"text": "At 8 am!"},
                          csrf=False).status_code == 400
    assert db.scalar(select(InboxReply.id)) is None

    page = moderator.post(f"/inbox/{question.id}/reply",
                          {"text": "At 8 am!", "next": "/inbox?label=question"})
    assert "Reply queued" in page.get_data(as_text=True)
    assert rows(page.get_data(as_text=True), "item") == {question.id}  # back to the filtered list
    reply = db.scalar(select(InboxReply).where(InboxReply.item_id == question.id))
    assert reply is not None and reply.status == "pending" and reply.author_id == world.moderator.id
    assert fake.replies_to(question.platform_id) == []  # nothing sent from the request
    run_jobs(app)
    assert len(fake.replies_to(question.platform_id)) == 1
    db.expire_all()
    assert db.get(InboxReply, reply.id).status == "sent"
    assert db.get(InboxItem, question.id).status == "replied"

    assert moderator.post(f"/inbox/{spam.id}/moderate", {"action": "hide"},
                          csrf=False).status_code == 400
    page = moderator.post(f"/inbox/{spam.id}/moderate", {"action": "hide"})
    assert "will be hidden" in page.get_data(as_text=True)
    assert fake.comment_state(spam.platform_id) == "visible"
    run_jobs(app)
    assert fake.comment_state(spam.platform_id) == "hidden"
    db.expire_all()
    assert db.get(InboxItem, spam.id).status == "hidden"

    # the form offers hide and unhide only
    bad = moderator.post(f"/inbox/{spam.id}/moderate", {"action": "delete"})
    assert "action: Invalid value" in bad.get_data(as_text=True)
    # an action the network does not offer is refused by the service, with its message
    quiet = _item_without_hide(factory, world, db)
    refused = moderator.post(f"/inbox/{quiet.id}/moderate", {"action": "hide"})
    assert "quietnet does not support &#39;hide&#39; on comments." in refused.get_data(as_text=True)
    assert not run_jobs(app)
    db.expire_all()
    assert db.get(InboxItem, quiet.id).status == "new"
    deleted = items["hidden"]
    deleted.status = "deleted"
    db.commit()
    refused = moderator.post(f"/inbox/{deleted.id}/reply", {"text": "Hello?"})
    assert "Cannot reply to a deleted comment." in refused.get_data(as_text=True)


def _unused_redis_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"redis://127.0.0.1:{port}/0"


def test_reply_and_hide_are_kept_when_the_job_queue_is_down(make_app, fake, caplog):
    app = make_app(plugins=[testnet_plugin], extra=dict(fake.settings), http_timeout=2.0,
                   redis_url=_unused_redis_url())
    with open_session(app) as db:
        factory = Factory(app, db)
        a, b = factory.client(name="Acme", slug="acme"), factory.client(name="Bolt", slug="bolt")
        world = World(client_a=a, client_b=b, owner=factory.owner(),
                      manager=factory.member(a, "manager"),
                      other_manager=factory.member(b, "manager"),
                      moderator=factory.member(a, "moderator"), contractor=factory.contractor(),
                      client_member=factory.member(a, "client"),
                      other_client=factory.member(b, "client"))
        items = _inbox(factory, world, fake, db)
        moderator = Browser(app, world.moderator)
        question, spam = items["question"], items["spam"]
        with caplog.at_level(logging.ERROR, logger="smmflow.inbox"):
            page = moderator.post(f"/inbox/{question.id}/reply", {"text": "At 8 am!"})
            assert page.status_code == 200
            assert "Reply recorded. It is saved, but the job queue cannot be reached" in \
                page.get_data(as_text=True)
            page = moderator.post(f"/inbox/{spam.id}/moderate", {"action": "hide"})
            assert "The hide is recorded. It is saved" in page.get_data(as_text=True)
        reply = db.scalar(select(InboxReply).where(InboxReply.item_id == question.id))
        assert reply is not None and reply.status == "pending"
        logged = " ".join(r.getMessage() for r in caplog.records if r.name == "smmflow.inbox")
        assert f"replies [{reply.id}]" in logged and f"item {spam.id}: hide" in logged


# -- reports ------------------------------------------------------------------------------
def test_reports_list_and_downloads(app, world, db):
    def report(client_id: int, html: str) -> Report:
        row = Report(client_id=client_id, period="month", starts_on=dt.date(2026, 2, 1),
                     ends_on=dt.date(2026, 2, 28), data={}, html=html, csv="metric,value\nreach,10\n",
                     created_at=at(2026, 3, 1, 6, 0))
        db.add(row)
        db.commit()
        return row

    acme = report(world.client_a.id, "<h1>Acme February</h1>")
    bolt = report(world.client_b.id, "<h1>Bolt February</h1>")

    member = Browser(app, world.client_member)
    page = member.get("/reports")
    assert rows(page, "report") == {acme.id}
    assert "2026-03-01 07:00 CET" in page
    assert f'href="/reports/{acme.id}/html"' in page and f'href="/reports/{acme.id}/csv"' in page
    html = member.client.get(f"/reports/{acme.id}/html")
    assert html.status_code == 200 and html.mimetype == "text/html"
    assert "Acme February" in html.get_data(as_text=True)
    assert html.headers["Content-Security-Policy"] == "sandbox"
    csv = member.client.get(f"/reports/{acme.id}/csv")
    assert csv.mimetype == "text/csv" and csv.get_data(as_text=True).startswith("metric,value")
    assert "attachment" in csv.headers["Content-Disposition"]

    other = Browser(app, world.other_client)
    assert rows(other.get("/reports"), "report") == {bolt.id}
    other.get(f"/reports/{acme.id}/html", status=403)
    other.get(f"/reports/{acme.id}/csv", status=403)
    assert rows(Browser(app, world.owner).get("/reports"), "report") == {acme.id, bolt.id}
    Browser(app, world.moderator).get("/reports", status=403)
