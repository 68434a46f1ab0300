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

import hashlib
import time
from pathlib import Path
from typing import Any

import pytest
from e2e_kit import FAST, connect_account, due_target, publish_until_final
from sqlalchemy import select
from sqlalchemy.orm import Session

from smmflow.jobs.dispatcher import Dispatcher
from smmflow.plugin_api import hookimpl
from smmflow.posts.models import PostTarget, PublishAttempt, TargetStatus
from smmflow.testing.factories import Factory

HTTP_TIMEOUT = 0.5     # the client gives up after this...
LATE_ANSWER = 0.8      # ...and the fakes answer a faulted write after this
RECONCILING = ("vk", "instagram", "youtube")


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
def e2e_plugins(events: PublishEvents) -> list[Any]:
    return [events]


@pytest.fixture
def e2e_settings() -> dict[str, Any]:
    """A short HTTP timeout and fast retries."""
    return FAST | {"http_timeout": HTTP_TIMEOUT, "publish_max_attempts": 4}


@pytest.fixture(autouse=True)
def late_answers(fakes: dict[str, Any]) -> None:
    """The fakes answer a faulted write after ``LATE_ANSWER``, past the client's timeout."""
    for fake in fakes.values():
        fake.timeout_sleep = LATE_ANSWER


# -- arranging ----------------------------------------------------------------------------------
def armed_target(factory: Factory, db: Session, fake: Any, platform: str, kind: str,
                 content: Any = None) -> PostTarget:
    """A due target on a new client's ``platform`` account (its fake's sample content unless
    ``content``); the fake will answer the publishing write too late (``kind``, see ``arm``)."""
    client = factory.client(name="Acme", slug="acme", timezone="UTC", currency="EUR",
                            monthly_budget_minor=0)
    account = connect_account(factory, client, platform, fake, handle=f"{platform}-brand")
    target = due_target(db, account, content or fake.sample_content())
    arm(fake, platform, kind)
    return target


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
        e2e_app, e2e_db, e2e_factory, fakes, run_jobs, events, kind, posts):
    fake = fakes["telegram"]
    target = armed_target(e2e_factory, e2e_db, fake, "telegram", kind)

    publish_until_final(e2e_app, e2e_db, run_jobs, [target.id])

    e2e_db.refresh(target)
    assert target.status == TargetStatus.UNKNOWN
    assert target.external_id is None and target.published_at is None
    assert "Telegram cannot confirm whether the post went out" in target.last_error
    assert "sendMessage: no answer" in target.last_error
    assert target.platform_state["telegram_method"] == "sendMessage"
    assert outcomes(e2e_db, target.id) == ["unknown"]
    assert fake.count() == posts
    assert publish_calls(fake, "telegram") == 1
    if posts:
        assert fake.posts[0]["text"] == fake.sample_content().text
    assert events.published == []
    assert [(e["target_id"], e["state"]) for e in events.failed] == [(target.id, "unknown")]

    # An unknown target is left to a person: more dispatcher ticks and jobs never resend it.
    for _ in range(3):
        assert Dispatcher(e2e_app).tick().dispatched == 0
        run_jobs(e2e_app)
        time.sleep(0.05)
    e2e_db.refresh(target)
    assert target.status == TargetStatus.UNKNOWN and target.attempts == 1
    assert publish_calls(fake, "telegram") == 1 and fake.count() == posts


# -- VK, Instagram, YouTube: reconciled, exactly one post -----------------------------------
# Each publishes its fake's sample content: VK a photo from disk (uploaded first), Instagram a
# JPEG at a public URL, YouTube a real video file with a title (a resumable upload in chunks).


@pytest.mark.parametrize("platform", RECONCILING)
def test_an_applied_publish_that_timed_out_is_reconciled_without_a_second_post(
        e2e_app, e2e_db, e2e_factory, fakes, run_jobs, events, platform):
    fake = fakes[platform]
    target = armed_target(e2e_factory, e2e_db, fake, platform, "accept_then_timeout")

    publish_until_final(e2e_app, e2e_db, run_jobs, [target.id])

    e2e_db.refresh(target)
    assert target.status == TargetStatus.PUBLISHED, target.last_error
    assert fake.count() == 1
    assert target.external_id == post_id_on(fake, platform)
    assert target.published_at is not None and target.attempts == 1
    assert outcomes(e2e_db, target.id) == ["reconciled"]
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
    assert Dispatcher(e2e_app).tick().dispatched == 0
    run_jobs(e2e_app)
    assert fake.count() == 1


@pytest.mark.parametrize("platform", RECONCILING)
def test_a_publish_that_timed_out_unapplied_is_looked_for_then_sent_once(
        e2e_app, e2e_db, e2e_factory, fakes, run_jobs, events, platform):
    fake = fakes[platform]
    content = fake.sample_content()
    target = armed_target(e2e_factory, e2e_db, fake, platform, "timeout", content)

    publish_until_final(e2e_app, e2e_db, run_jobs, [target.id])

    e2e_db.refresh(target)
    assert target.status == TargetStatus.PUBLISHED, target.last_error
    assert fake.count() == 1
    assert target.external_id == post_id_on(fake, platform)
    # the first attempt looked for the post after the timeout and did not find it; the second
    # looked again (reconcile_first), then sent it
    assert outcomes(e2e_db, target.id) == ["not_found", "published"]
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
