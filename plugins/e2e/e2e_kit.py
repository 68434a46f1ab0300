"""Plain helpers of the end-to-end tests; their fixtures are in ``conftest.py``.

Test modules import these with ``from e2e_kit import ...``: this folder has no ``__init__.py``,
so pytest (its default ``prepend`` import mode) puts it on ``sys.path``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from collections.abc import Callable, Collection
from typing import Any

import smmflow_instagram.plugin as instagram_plugin
import smmflow_telegram.plugin as telegram_plugin
import smmflow_vk.plugin as vk_plugin
import smmflow_youtube.plugin as youtube_plugin
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from smmflow.accounts.models import SocialAccount
from smmflow.clients.models import Client
from smmflow.db import utcnow
from smmflow.jobs.dispatcher import Dispatcher
from smmflow.posts.content import content_hash
from smmflow.posts.models import Post, PostTarget, TargetStatus
from smmflow.testing.factories import Factory

NETWORK_PLUGINS = [telegram_plugin, vk_plugin, instagram_plugin, youtube_plugin]
# Settings of an app that publishes quickly: short HTTP timeout, fast retries, a brisk dispatcher.
# A module needing more passes ``FAST | {...}``.
FAST = {"http_timeout": 1.0, "publish_backoff_seconds": 0.05, "publish_stale_seconds": 3.0,
        "dispatch_interval": 0.2, "publish_concurrency": 4}
FINAL = (TargetStatus.PUBLISHED, TargetStatus.FAILED, TargetStatus.UNKNOWN)


# -- the networks -----------------------------------------------------------------------------
def credentials_of(fake: Any) -> dict[str, Any]:
    """The fake account's credentials as a connected SocialAccount stores them."""
    if hasattr(fake, "account_credentials"):
        return dict(fake.account_credentials())
    return dict(fake.account().credentials)


def account_id_on(fake: Any, platform: str) -> str:
    """The account's id on the network, as a connected account stores it."""
    return {"telegram": lambda: fake.account().external_id, "vk": lambda: str(fake.group_id),
            "instagram": lambda: fake.ig_user_id, "youtube": lambda: fake.channel_id}[platform]()


def connect_account(factory: Factory, client: Client, platform: str, fake: Any,
                    **kw: Any) -> SocialAccount:
    """``client``'s account on ``platform``, connected to the fake's account (its credentials
    and its id there); ``kw`` as for ``Factory.account`` (a handle, say)."""
    return factory.account(client, platform, credentials=credentials_of(fake),
                           external_id=account_id_on(fake, platform), **kw)


# -- publishing ---------------------------------------------------------------------------------
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


def publish_until_final(app: Flask, db: Session, run_jobs: Callable[..., bool],
                        target_ids: list[int], timeout: float = 15.0,
                        final: Collection[str] = FINAL) -> None:
    """Dispatcher ticks and publish jobs (in-process RQ worker) until every target is final
    (its state is one of ``final``); the targets in ``db`` are expired, so they read fresh."""
    dispatcher = Dispatcher(app)
    deadline = time.monotonic() + timeout
    states: dict[int, tuple[str, str | None]] = {}
    while time.monotonic() < deadline:
        dispatcher.tick()
        run_jobs(app, ["publish"])
        db.expire_all()
        states = {row.id: (row.status, row.last_error) for row in db.execute(
            select(PostTarget.id, PostTarget.status, PostTarget.last_error)
            .where(PostTarget.id.in_(target_ids)))}
        if all(status in final for status, _ in states.values()):
            return
        time.sleep(0.05)
    raise AssertionError(f"targets {target_ids} not final after {timeout:g} s: {states}")


def run_all(app: Flask, run_jobs: Callable[..., bool]) -> None:
    """Run queued jobs until none is left (a poll queues moderation actions, and so on)."""
    for _ in range(5):
        if not run_jobs(app):
            return
    raise AssertionError("jobs kept coming")
