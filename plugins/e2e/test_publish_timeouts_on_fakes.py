"""Publish timeouts through the core pipeline on the four real plugins and their fakes.

Issue 5's acceptance: a timed-out Telegram send ends ``unknown`` (Telegram offers no way to
check) and is never sent again; a timed-out VK, Instagram or YouTube publish is reconciled
without a second post. Each test makes one approved, due target; the dispatcher hands it to a
``publish`` job run by an in-process RQ worker (``run_jobs``), the fake answers the write too
late, and the test counts the posts on the fake.

Two timeouts per network: ``accept_then_timeout`` (applied, answered too late) and
``timeout`` (never applied, answered too late).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import smmflow_instagram.plugin as instagram_plugin
import smmflow_telegram.plugin as telegram_plugin
import smmflow_vk.plugin as vk_plugin
import smmflow_youtube.plugin as youtube_plugin
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from smmflow.accounts.models import SocialAccount
from smmflow.clients.models import Client
from smmflow.db import open_session, utcnow
from smmflow.jobs.dispatcher import Dispatcher
from smmflow.plugin_api import hookimpl
from smmflow.posts.content import content_hash
from smmflow.posts.models import Post, PostTarget, PublishAttempt, TargetStatus

HTTP_TIMEOUT = 0.5     # the client gives up after this...
LATE_ANSWER = 0.8      # ...and the fakes answer a faulted write after this
FAST = {"http_timeout": HTTP_TIMEOUT, "publish_backoff_seconds": 0.05, "publish_max_attempts": 4,
        "publish_stale_seconds": 3.0, "dispatch_interval": 0.2, "publish_concurrency": 4}
FINAL = (TargetStatus.PUBLISHED, TargetStatus.FAILED, TargetStatus.UNKNOWN)
RECONCILING = ("vk", "instagram", "youtube")
NETWORK_PLUGINS = [telegram_plugin, vk_plugin, instagram_plugin, youtube_plugin]


class PublishEvents:
    """Records the publishing events (``on_post_published`` / ``on_post_failed``)."""

    def __init__(self) -> None:
        self.published: list[dict[str, Any]] = []
        self.failed: list[dict[str, Any]] = []

    @hookimpl
    def on_post_published(self, target_id: int, post_id: int, client_id: int, platform: str,
                          external_id: str, url: str | None) -> None:
        self.published.append({"target_id": target_id, "platform": platform,
                               "external_id": external_id, "url": url})

    @hookimpl
    def on_post_failed(self, target_id: int, post_id: int, client_id: int, platform: str,
                       state: str, reason: str) -> None:
        self.failed.append({"target_id": target_id, "platform": platform, "state": state,
                            "reason": reason})


@pytest.fixture
def events() -> PublishEvents:
    return PublishEvents()


@pytest.fixture
def papp(make_app: Callable[..., Flask], fakes: dict[str, Any], fake_settings: dict[str, str],
         events: PublishEvents) -> Iterator[Flask]:
    """The four plugins on their fakes, a short HTTP timeout, fast retries, an event recorder."""
    from smmflow.jobs.context import close_http_client
    from smmflow.posts.publishing import PublishRuntime

    for fake in fakes.values():
        fake.timeout_sleep = LATE_ANSWER
    app = make_app(plugins=[*NETWORK_PLUGINS, events], extra=fake_settings, **FAST)
    yield app
    PublishRuntime.close(app)
    close_http_client(app)


@pytest.fixture
def pdb(papp: Flask) -> Iterator[Session]:
    with open_session(papp) as session:
        yield session


# -- arranging ----------------------------------------------------------------------------------
def credentials_of(fake: Any) -> dict[str, Any]:
    """The fake account's credentials as a connected SocialAccount stores them."""
    if hasattr(fake, "account_credentials"):
        return dict(fake.account_credentials())
    return dict(fake.account().credentials)


def account_id_on(fake: Any, platform: str) -> str:
    """The account's id on the network, as a connected account stores it."""
    return {"telegram": lambda: fake.account().external_id, "vk": lambda: str(fake.group_id),
            "instagram": lambda: fake.ig_user_id, "youtube": lambda: fake.channel_id}[platform]()


def connect_account(app: Flask, db: Session, client: Client, platform: str,
                    fake: Any) -> SocialAccount:
    vault = app.extensions["smmflow"].vault
    account = SocialAccount(client_id=client.id, platform=platform, handle=f"{platform}-brand",
                            external_id=account_id_on(fake, platform),
                            credentials_encrypted=vault.encrypt(credentials_of(fake)))
    db.add(account)
    db.commit()
    return account


def due_target(db: Session, account: SocialAccount, content: Any,
               options: dict[str, Any] | None = None) -> PostTarget:
    """An approved post with one target on ``account``, scheduled a second ago."""
    post = Post(client_id=account.client_id, title=content.title, text=content.text,
                media=[dataclasses.asdict(item) for item in content.media], options={},
                status="scheduled")
    post.content_hash = post.approved_hash = content_hash(post)
    db.add(post)
    db.flush()
    target = PostTarget(post_id=post.id, social_account_id=account.id, options=options or {},
                        scheduled_at=utcnow() - dt.timedelta(seconds=1),
                        status=TargetStatus.SCHEDULED, content_hash=post.approved_hash)
    db.add(target)
    db.commit()
    return target


def publish_until_settled(app: Flask, db: Session, run_jobs: Callable[..., bool],
                          target_ids: list[int], timeout: float = 15.0) -> None:
    """Dispatcher ticks and publish jobs (in-process RQ worker) until every target is final."""
    dispatcher = Dispatcher(app)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        dispatcher.tick()
        run_jobs(app, ["publish"])
        db.expire_all()
        states = list(db.scalars(select(PostTarget.status).where(PostTarget.id.in_(target_ids))))
        if all(s in FINAL for s in states):
            return
        time.sleep(0.05)
    raise AssertionError(f"targets {target_ids} not final after {timeout:g} s")


def outcomes(db: Session, target_id: int) -> list[str]:
    return list(db.scalars(select(PublishAttempt.outcome)
                           .where(PublishAttempt.target_id == target_id)
                           .order_by(PublishAttempt.id)))


def arm(fake: Any, platform: str, kind: str) -> None:
    """Make the fake answer the publishing write too late (``kind``: applied or not)."""
    if platform == "telegram":
        fake.fail_next(kind, method="sendMessage")
    else:  # VK: wall.post; Instagram: media_publish; YouTube: the upload PUT completing the video
        fake.fail_next(kind)


def post_id_on(fake: Any, platform: str) -> str:
    """The external id of the one post on the fake, as the plugin reports it."""
    if platform == "telegram":
        [post] = fake.posts
        return f"{fake.channel['id']}:{post['message_ids'][0]}"
    if platform == "vk":
        [post] = [p for p in fake.posts.values() if not p["_deleted"]]
        return f"{fake.owner_id}_{post['id']}"
    if platform == "instagram":
        [media_id] = [m for m, v in fake.media.items() if v["api"] and not v["deleted"]]
        return media_id
    [video_id] = [v for v, video in fake.videos.items() if not video["deleted"]]
    return video_id


def publish_calls(fake: Any, platform: str) -> int:
    """How many times the publishing write reached the fake."""
    if platform == "telegram":
        return sum(1 for method, _ in fake.calls if method == "sendMessage")
    if platform == "vk":
        return len(fake.method_calls("wall.post"))
    if platform == "instagram":
        return fake.publish_calls()
    return len(fake.upload_log)  # upload PUTs, status queries included


# -- Telegram: no way to check, so the target ends unknown ------------------------------------
@pytest.mark.parametrize("kind,posts", [("accept_then_timeout", 1), ("timeout", 0)])
def test_a_timed_out_telegram_send_ends_unknown_and_is_never_sent_again(
        papp, pdb, fakes, run_jobs, events, kind, posts):
    fake = fakes["telegram"]
    client = Client(name="Acme", slug="acme", timezone="UTC", currency="EUR")
    pdb.add(client)
    pdb.commit()
    account = connect_account(papp, pdb, client, "telegram", fake)
    target = due_target(pdb, account, fake.sample_content())
    arm(fake, "telegram", kind)

    publish_until_settled(papp, pdb, run_jobs, [target.id])

    pdb.refresh(target)
    assert target.status == TargetStatus.UNKNOWN
    assert target.external_id is None and target.published_at is None
    assert "Telegram cannot confirm whether the post went out" in target.last_error
    assert "sendMessage: no answer" in target.last_error
    assert target.platform_state["telegram_method"] == "sendMessage"
    assert outcomes(pdb, target.id) == ["unknown"]
    assert fake.count() == posts
    assert publish_calls(fake, "telegram") == 1
    if posts:
        assert fake.posts[0]["text"] == fake.sample_content().text
    assert events.published == []
    assert [(e["target_id"], e["state"]) for e in events.failed] == [(target.id, "unknown")]

    # An unknown target is left to a person: more dispatcher ticks and jobs never resend it.
    for _ in range(3):
        assert Dispatcher(papp).tick().dispatched == 0
        run_jobs(papp)
        time.sleep(0.05)
    pdb.refresh(target)
    assert target.status == TargetStatus.UNKNOWN and target.attempts == 1
    assert publish_calls(fake, "telegram") == 1 and fake.count() == posts


# -- VK, Instagram, YouTube: reconciled, exactly one post -----------------------------------
# Each publishes its fake's sample content: VK a photo from disk (uploaded first), Instagram a
# JPEG at a public URL, YouTube a real video file with a title (a resumable upload in chunks).


@pytest.mark.parametrize("platform", RECONCILING)
def test_an_applied_publish_that_timed_out_is_reconciled_without_a_second_post(
        papp, pdb, fakes, run_jobs, events, platform):
    fake = fakes[platform]
    client = Client(name="Acme", slug="acme", timezone="UTC", currency="EUR")
    pdb.add(client)
    pdb.commit()
    account = connect_account(papp, pdb, client, platform, fake)
    target = due_target(pdb, account, fake.sample_content())
    arm(fake, platform, "accept_then_timeout")

    publish_until_settled(papp, pdb, run_jobs, [target.id])

    pdb.refresh(target)
    assert target.status == TargetStatus.PUBLISHED, target.last_error
    assert fake.count() == 1
    assert target.external_id == post_id_on(fake, platform)
    assert target.published_at is not None and target.attempts == 1
    assert outcomes(pdb, target.id) == ["reconciled"]
    assert [(e["target_id"], e["external_id"]) for e in events.published] == \
        [(target.id, target.external_id)]
    assert events.failed == []
    if platform == "vk":
        assert fake.post_by_guid(target.marker)["id"] == int(target.external_id.rpartition("_")[2])
        assert target.url == f"https://vk.com/wall{target.external_id}"
        assert publish_calls(fake, platform) == 1
    elif platform == "instagram":
        assert publish_calls(fake, platform) == 1 and fake.container_count() == 1
        assert target.url == fake.media[target.external_id]["permalink"]
    else:
        assert fake.count(target.marker) == 1  # found by its marker tag
        assert target.url == f"https://www.youtube.com/watch?v={target.external_id}"

    # Nothing is sent again later either.
    assert Dispatcher(papp).tick().dispatched == 0
    run_jobs(papp)
    assert fake.count() == 1


@pytest.mark.parametrize("platform", RECONCILING)
def test_a_publish_that_timed_out_unapplied_is_looked_for_then_sent_once(
        papp, pdb, fakes, run_jobs, events, platform):
    fake = fakes[platform]
    client = Client(name="Acme", slug="acme", timezone="UTC", currency="EUR")
    pdb.add(client)
    pdb.commit()
    account = connect_account(papp, pdb, client, platform, fake)
    content = fake.sample_content()
    target = due_target(pdb, account, content)
    arm(fake, platform, "timeout")

    publish_until_settled(papp, pdb, run_jobs, [target.id])

    pdb.refresh(target)
    assert target.status == TargetStatus.PUBLISHED, target.last_error
    assert fake.count() == 1
    assert target.external_id == post_id_on(fake, platform)
    # the first attempt looked for the post after the timeout and did not find it; the second
    # looked again (reconcile_first), then sent it
    assert outcomes(pdb, target.id) == ["not_found", "published"]
    assert target.attempts == 2 and not target.reconcile_first
    assert [(e["target_id"], e["external_id"]) for e in events.published] == \
        [(target.id, target.external_id)]
    if platform == "vk":
        assert publish_calls(fake, platform) == 2  # the lost call, then the one that posted
        assert fake.post_by_guid(target.marker) is not None
    elif platform == "instagram":
        assert publish_calls(fake, platform) == 2
        assert fake.container_count() == 1  # the same container, published once
    else:
        sent = Path(content.media[0].path).read_bytes()
        assert fake.video_bytes_sha256(target.external_id) == hashlib.sha256(sent).hexdigest()
        assert len(fake.sessions) == 1  # the upload resumed in its session, never restarted
