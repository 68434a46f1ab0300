"""The demo's approved posts go out to the four fake networks (what ``./dev fakes`` does).

The demo is seeded into an app with the four real plugins pointed at their fakes; the
accounts get the fakes' credentials through the launcher's own function, the posts are
scheduled through the function behind ``smmflow demo publish``, and the dispatcher and
an in-process RQ worker publish them.
"""

from __future__ import annotations

import socket
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from e2e_kit import publish_until_final
from flask import Flask
from sqlalchemy import func, select, update

from smmflow import demo
from smmflow.accounts.models import SocialAccount
from smmflow.approvals.models import ApprovalDecision, ApprovalRequest, RequestStatus
from smmflow.auth.models import User
from smmflow.db import Base, open_session
from smmflow.media import media_store
from smmflow.posts import services as posts
from smmflow.posts.content import build_content, content_hash
from smmflow.posts.models import Post, PostStatus, PostTarget, TargetStatus

sys.path.append(str(Path(__file__).resolve().parents[1]))  # plugins/
import demo_fakes  # plugins/demo_fakes.py, the launcher of ./dev fakes

EXPECTED_POSTS = {"telegram": 3, "vk": 2, "instagram": 1, "youtube": 1}
NOT_IN_FLIGHT = set(TargetStatus) - {TargetStatus.SCHEDULED, TargetStatus.PUBLISHING}


def _targets(app: Flask) -> list[tuple[str, PostTarget]]:
    with open_session(app) as db:
        rows = db.execute(select(SocialAccount.platform, PostTarget).join(
            SocialAccount, SocialAccount.id == PostTarget.social_account_id).join(
            Post, Post.id == PostTarget.post_id).where(
            Post.title.in_([p.title for p in demo.DEMO_POSTS])).order_by(PostTarget.id)).all()
        return [(platform, target) for platform, target in rows]


def _publish_until_done(app: Flask, run_jobs: Callable[..., bool]) -> None:
    """Dispatcher ticks and publish jobs until no demo target is left in flight."""
    with open_session(app) as db:
        publish_until_final(app, db, run_jobs, [t.id for _, t in _targets(app)], timeout=30.0,
                            final=NOT_IN_FLIGHT)


def _row_counts(app: Flask) -> dict[str, int]:
    engine = app.extensions["smmflow"].engine
    with engine.connect() as conn:
        return {t.name: conn.scalar(select(func.count()).select_from(t))
                for t in Base.metadata.sorted_tables}


def test_demo_posts_are_published_to_all_four_fakes(e2e_app, fakes, run_jobs):
    assert demo.seed(e2e_app) > 0
    pointed = demo_fakes.point_accounts(e2e_app, fakes)
    assert sorted((platform, handle) for _, platform, handle in pointed) == sorted(
        (platform, f"{slug}_{platform}") for slug in ("acme", "northwind") for platform in fakes)
    with open_session(e2e_app) as db:
        vault = e2e_app.extensions["smmflow"].vault
        for account in db.scalars(select(SocialAccount)):
            assert vault.decrypt(account.credentials_encrypted) == \
                demo_fakes.fake_credentials(fakes[account.platform])
        # approved the proper way: the client's approver decided on exactly this content
        alice = db.scalar(select(User).where(User.email == "approver@acme.test"))
        for post in demo.demo_posts(db):
            assert post.status == PostStatus.APPROVED
            assert post.approved_hash == content_hash(post)
            request = db.scalar(select(ApprovalRequest).where(
                ApprovalRequest.subject_type == "post", ApprovalRequest.subject_id == post.id))
            assert request.status == RequestStatus.APPROVED
            assert request.content_hash == post.approved_hash
            [decision] = db.scalars(select(ApprovalDecision).where(
                ApprovalDecision.request_id == request.id))
            assert decision.author_id == alice.id and decision.decision == "approve"
            assert post.created_by_id != alice.id
            for target in post.targets:  # each network's own checks pass
                content, options = build_content(post.text, post.title, post.media, post.options)
                platform = db.get(SocialAccount, target.social_account_id).platform
                assert e2e_app.extensions["smmflow"].platforms[platform].validate(content, options) == []
    assert {t.status for _, t in _targets(e2e_app)} == {"draft"}  # seeding schedules nothing

    scheduled = demo.schedule_posts(e2e_app, lead_seconds=0.5)
    assert [r.skipped for r in scheduled] == [None, None, None]
    assert Counter(p for r in scheduled for _, p, _ in r.targets) == EXPECTED_POSTS

    _publish_until_done(e2e_app, run_jobs)
    done = _targets(e2e_app)
    assert {t.status for _, t in done} == {"published"}, [(p, t.status, t.last_error) for p, t in done]
    for _, target in done:
        assert target.external_id and target.published_at and target.attempts == 1
    assert Counter(p for p, _ in done) == EXPECTED_POSTS
    assert {name: fake.count() for name, fake in fakes.items()} == EXPECTED_POSTS


def test_demo_twice_creates_no_duplicates(e2e_app):
    first = demo.seed(e2e_app)
    counts = _row_counts(e2e_app)
    store = media_store(e2e_app)
    blobs = sorted(p.name for p in (store.root / "sha256").rglob("*") if p.is_file())
    assert demo.seed(e2e_app) == 0 < first
    assert _row_counts(e2e_app) == counts
    assert sorted(p.name for p in (store.root / "sha256").rglob("*") if p.is_file()) == blobs
    assert len(blobs) == 2  # one JPEG and one MP4, shared by the posts
    assert counts["posts"] == len(demo.DEMO_POSTS) and counts["post_targets"] == 7
    assert counts["approval_requests"] == len(demo.DEMO_POSTS)


def test_publish_leaves_edited_and_published_posts_alone(e2e_app, fakes, run_jobs):
    demo.seed(e2e_app)
    demo_fakes.point_accounts(e2e_app, fakes)
    with e2e_app.app_context(), open_session(e2e_app) as db:
        edited = demo.demo_posts(db)[0]
        posts.update_post(db, edited, {"text": edited.text + " Edited."})
        db.commit()
        edited_id = edited.id
    first = {r.post_id: r for r in demo.schedule_posts(e2e_app, lead_seconds=0.5)}
    assert first[edited_id].skipped == "the post is draft, not approved" and not first[edited_id].targets
    assert all(r.targets and not r.skipped for pid, r in first.items() if pid != edited_id)
    _publish_until_done(e2e_app, run_jobs)
    again = {r.post_id: r for r in demo.schedule_posts(e2e_app)}
    assert all(r.skipped == "no target is waiting (published)" for pid, r in again.items()
               if pid != edited_id)
    assert fakes["youtube"].count() == 1 and fakes["vk"].count() == 1  # nothing sent twice


def test_publish_reports_a_post_failing_its_checks_and_schedules_the_others(e2e_app):
    demo.seed(e2e_app)
    with open_session(e2e_app) as db:
        db.execute(update(SocialAccount).where(SocialAccount.handle == "acme_youtube")
                   .values(status="disabled"))
        db.commit()
    rows = {r.title: r for r in demo.schedule_posts(e2e_app)}
    video = rows["Winter launch: behind the scenes"]
    assert video.skipped.startswith("Some targets do not pass the platform checks")
    assert "Account @acme_youtube is disabled" in video.skipped and not video.targets
    assert all(r.targets and not r.skipped for t, r in rows.items() if r is not video)
    with open_session(e2e_app) as db:
        states = {p.title: {t.status for t in p.targets} for p in demo.demo_posts(db)}
    assert states == {"Winter launch: the countdown": {"scheduled"},
                      "Winter launch: meet the Winter Roast": {"scheduled"},
                      "Winter launch: behind the scenes": {"draft"}}


def _free_ports(n: int) -> list[int]:
    sockets = [socket.socket() for _ in range(n)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def test_launcher_starts_the_fakes_on_the_ports_asked_and_serves_the_media(e2e_app):
    ports = dict(zip(demo_fakes.FAKES, _free_ports(4), strict=True))
    fakes: dict[str, Any] = demo_fakes.start_fakes(ports)
    try:
        assert {name: fake.url for name, fake in fakes.items()} == {
            name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
        env = demo_fakes.fake_settings(fakes)
        for name in fakes:
            assert env[f"SMMFLOW_{name.upper()}_API_BASE"] == fakes[name].url
    finally:
        demo_fakes.stop_all(fakes.values())

    demo.seed(e2e_app)
    store = media_store(e2e_app)
    server = demo_fakes.MediaServer(store.root).start()
    try:
        with open_session(e2e_app) as db:
            image = next(m for p in demo.demo_posts(db) for m in p.media if m["kind"] == "image")
        path = store.url(image["sha256"]) or image["url"]
        path = "/" + path.split("/", 3)[3]
        found = httpx.get(server.url + path)
        assert found.status_code == 200 and found.headers["content-type"] == "image/jpeg"
        assert found.content == Path(image["path"]).read_bytes()
        assert httpx.get(server.url + "/smmflow.env").status_code == 404
        assert httpx.get(server.url + path.replace("/sha256/", "/sha256/../")).status_code == 404
    finally:
        server.stop()
