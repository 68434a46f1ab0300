"""Turning stored accounts into what platform operations receive, outside any request."""

from __future__ import annotations

from flask import Flask

from smmflow.accounts.models import AccountStatus, SocialAccount
from smmflow.platforms.content import Account


def account_view(row: SocialAccount, app: Flask) -> Account:
    """The platform-facing view of an account, credentials decrypted (never logged)."""
    vault = app.extensions["smmflow"].vault
    credentials = vault.decrypt(row.credentials_encrypted) if row.credentials_encrypted else {}
    return Account(id=row.id, platform=row.platform, handle=row.handle,
                   external_id=row.external_id, credentials=credentials,
                   is_competitor=row.is_competitor)


def mark_needs_reauth(row: SocialAccount, reason: str) -> None:
    """The network refused the credentials: a person must reconnect the account."""
    row.status = AccountStatus.NEEDS_REAUTH
    row.status_reason = reason[:500]
