"""Registering an account's webhook with its network (a job: it calls the network).

A fresh secret is generated for every registration and stored in the
account's encrypted credentials only once the network has accepted it, so a
refused registration leaves the previous one working. A rate-limited attempt
is tried again after the network's wait, at most ``REGISTER_ATTEMPTS`` times
in all (each attempt its own job id); then ``webhook.register_failed`` is
audited.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets

from flask import current_app

from smmflow import db as database
from smmflow.accounts.models import SocialAccount
from smmflow.accounts.runtime import account_view, mark_needs_reauth
from smmflow.accounts.services import credentials_of
from smmflow.audit.services import record
from smmflow.db import utcnow
from smmflow.errors import AuthExpired, ContentRejected, RateLimited
from smmflow.jobs.context import job_context
from smmflow.platforms.base import Capability
from smmflow.platforms.webhooks import WEBHOOK_SECRET_KEY
from smmflow.webhooks import services

log = logging.getLogger("smmflow.webhooks")
SECRET_BYTES = 32   # token_urlsafe: 43 characters of A-Z a-z 0-9 - _ (Telegram allows 1-256)
REGISTER_ATTEMPTS = 5
"""Attempts of one registration that the network rate-limits before it is given up."""


def register_webhook(account_id: int, attempt: int = 1) -> str:
    """Ask the account's network to push to smmflow; store the new secret on success.

    ``attempt`` counts the rate-limited tries of this registration (1 for the
    manager's request).
    """
    from smmflow.jobs.queues import enqueue

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    db = database.session()
    db.info["remote_addr"] = "job:webhooks.register"
    row = db.get(SocialAccount, account_id)
    if row is None or row.is_competitor:
        return "gone"
    platform = app.extensions["smmflow"].platforms.get(row.platform)
    if platform is None or not platform.supports(Capability.REGISTER_WEBHOOK):
        return "unsupported"
    url = services.webhook_url(app, row)
    secret = secrets.token_urlsafe(SECRET_BYTES)
    view = account_view(row, app)
    try:
        platform.register_webhook(job_context(app, platform), view, url, secret)
    except AuthExpired as exc:
        mark_needs_reauth(row, exc.message or "credentials refused while registering the webhook")
        record(db, "webhook.register_failed", row, url=url, error=exc.message)
        db.commit()
        return "needs_reauth"
    except ContentRejected as exc:
        record(db, "webhook.register_failed", row, url=url, error=exc.message)
        db.commit()
        return "rejected"
    except RateLimited as exc:
        if attempt >= REGISTER_ATTEMPTS:
            record(db, "webhook.register_failed", row, url=url, error=exc.message,
                   attempts=attempt)
            db.commit()
            log.warning("webhook of account %s not registered: rate-limited %s times", account_id,
                        attempt)
            return "gave_up"
        # a new id per attempt: this job's own id is still running, enqueue() would return it
        enqueue(app, "smmflow.webhooks.jobs.register_webhook", account_id, attempt + 1,
                job_id=f"webhook-register-{account_id}-attempt-{attempt + 1}",
                at=utcnow() + dt.timedelta(seconds=max(1.0, exc.retry_after)))
        return "rate_limited"
    vault = app.extensions["smmflow"].vault
    db.refresh(row)  # keep credentials a manager changed while the network was called
    current = credentials_of(row, vault)
    row.credentials_encrypted = vault.encrypt({**current, WEBHOOK_SECRET_KEY: secret})
    row.version += 1
    record(db, "webhook.registered", row, url=url)
    db.commit()
    log.info("webhook of account %s registered with %s", account_id, row.platform)
    return "registered"
