"""One platform call for one claimed target, with the error taxonomy mapped to an outcome.

Runs in a thread of the worker's publish pool: no Flask globals, no ORM
objects, never raises. ``UnknownOutcome`` is reconciled with
``find_published`` at once; a platform without the ``reconcile`` capability
leaves the target ``unknown`` for a person, never a blind retry.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from flask import Flask
from sqlalchemy import update

from smmflow.db import utcnow
from smmflow.errors import AuthExpired, ContentRejected, RateLimited, TransientError, UnknownOutcome
from smmflow.jobs.context import job_context, plugin_of
from smmflow.platforms.base import Capability
from smmflow.platforms.content import PublishResult
from smmflow.platforms.context import JobContext
from smmflow.posts.models import PostTarget, TargetStatus
from smmflow.publishing import outcomes as o
from smmflow.publishing.outcomes import Outcome, Prepared

log = logging.getLogger("smmflow.publishing")
_T = PostTarget.__table__


def _persist(app: Flask, target_id: int, claim: str) -> Any:
    """``JobContext.save_state``: store the platform state of the target and commit at once."""

    def save(state: dict[str, Any]) -> None:
        with app.extensions["smmflow"].sessionmaker() as db:
            db.execute(update(_T).where(_T.c.id == target_id, _T.c.claimed_by == claim,
                                        _T.c.status == TargetStatus.PUBLISHING)
                       .values(platform_state=state))
            db.commit()

    return save


def context_for(app: Flask, prep: Prepared, claim: str) -> JobContext:
    assert prep.platform is not None
    return job_context(app, prep.platform, state=prep.state,
                       persist=_persist(app, prep.target_id, claim))


def run_attempt(app: Flask, prep: Prepared, claim: str) -> Outcome:
    """Publish one target (after looking for it first when a previous outcome was unknown)."""
    started = utcnow()
    if prep.blocked is not None:
        return Outcome(prep, o.BLOCKED, started, started, error=prep.blocked)
    early = (prep.due - started).total_seconds()
    if early > 0:  # never call before the scheduled time, whatever woke us up
        time.sleep(early)
        started = utcnow()
    platform, account = prep.platform, prep.account
    assert platform is not None and account is not None and prep.content is not None
    ctx: JobContext | None = None
    try:
        ctx = context_for(app, prep, claim)
        if prep.reconcile_first and platform.supports(Capability.RECONCILE):
            found = platform.find_published(ctx, account, prep.marker)
            if found is not None:
                return _done(prep, o.RECONCILED, started, result=found)
        result = platform.publish(ctx, account, prep.content, prep.options, prep.marker)
        if not isinstance(result, PublishResult) or not result.external_id:
            raise UnknownOutcome(f"publish returned {result!r} instead of a PublishResult")
        return _done(prep, o.PUBLISHED, started, result=result)
    except UnknownOutcome as exc:
        # looked for with the state the call saved (e.g. a container or upload id), not the
        # state the attempt started with
        return reconcile(app, prep, claim, started, f"outcome unknown: {exc.message or exc}",
                         ctx=ctx)
    except RateLimited as exc:
        return _done(prep, o.RATE_LIMITED, started, error=exc.message, retry_after=exc.retry_after)
    except AuthExpired as exc:
        return _done(prep, o.AUTH_EXPIRED, started, error=exc.message or "credentials refused")
    except ContentRejected as exc:
        return _done(prep, o.REJECTED, started, error=exc.message or "rejected by the network")
    except TransientError as exc:
        return _done(prep, o.TRANSIENT, started, error=exc.message or type(exc).__name__,
                     reconcile_first=prep.reconcile_first)
    except Exception as exc:
        plugin = plugin_of(app, prep.platform_name)
        log.exception("plugin %s (platform %s) raised %s publishing target %s; retrying later",
                      plugin, prep.platform_name, type(exc).__name__, prep.target_id)
        return _done(prep, o.PLUGIN_ERROR, started,
                     error=f"plugin {plugin} failed: {type(exc).__name__}: {exc}",
                     reconcile_first=prep.reconcile_first)


def reconcile(app: Flask, prep: Prepared, claim: str, started: Any, reason: str,
              ctx: JobContext | None = None) -> Outcome:
    """After an unknown outcome: look for the post with ``find_published`` (in ``ctx``, the
    context of the call that ended unknown, when there is one)."""
    platform, account = prep.platform, prep.account
    if platform is None or account is None or not platform.supports(Capability.RECONCILE):
        name = platform.display_name or platform.name if platform is not None else prep.platform_name
        return _done(prep, o.UNKNOWN, started,
                     error=f"{reason}. {name} cannot confirm whether the post went out: check the "
                           "account, then retry the target only if it is not there.")
    try:
        found = platform.find_published(ctx if ctx is not None else context_for(app, prep, claim),
                                        account, prep.marker)
    except Exception as exc:
        log.warning("reconciling target %s on %s failed: %s", prep.target_id, prep.platform_name, exc)
        return _done(prep, o.RECONCILE_FAILED, started,
                     error=f"{reason}; looking for the post failed too ({type(exc).__name__}: "
                           f"{getattr(exc, 'message', '') or exc}); the next attempt looks again "
                           "before sending", reconcile_first=True)
    if found is not None:
        return _done(prep, o.RECONCILED, started, result=found)
    return _done(prep, o.NOT_FOUND, started,
                 error=f"{reason}; the post is not on {prep.platform_name}, sending it again",
                 reconcile_first=True)


def _done(prep: Prepared, kind: str, started: Any, **kw: Any) -> Outcome:
    return Outcome(prep, kind, started, utcnow(), **kw)
