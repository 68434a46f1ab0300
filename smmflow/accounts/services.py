"""Social accounts: the business rules. Credentials are encrypted with the app's vault."""

from __future__ import annotations

from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from smmflow.accounts.models import AccountStatus, SocialAccount
from smmflow.errors import Conflict, NotFound, ValidationFailed
from smmflow.platforms.webhooks import WEBHOOK_SECRET_KEY


def _vault() -> Any:
    return current_app.extensions["smmflow"].vault


def get_account(db: Session, account_id: int) -> SocialAccount:
    account = db.get(SocialAccount, account_id)
    if account is None:
        raise NotFound(f"No social account {account_id}.")
    return account


def _check_unique(db: Session, client_id: int, platform: str, handle: str,
                  exclude_id: int | None = None) -> None:
    found = db.scalar(select(SocialAccount.id).where(
        SocialAccount.client_id == client_id, SocialAccount.platform == platform,
        SocialAccount.handle == handle))
    if found is not None and found != exclude_id:
        raise Conflict(f"This client already has the {platform} account {handle!r}.",
                       code="duplicate", details={"fields": {"handle": ["Already exists."]}})


def create_account(db: Session, client_id: int, data: dict[str, Any]) -> SocialAccount:
    credentials = data.pop("credentials", None)
    if data.get("is_competitor") and credentials:
        raise ValidationFailed("A competitor account is only measured: it has no credentials.",
                               fields={"credentials": ["Not allowed on a competitor account."]})
    _check_unique(db, client_id, data["platform"], data["handle"])
    account = SocialAccount(client_id=client_id, **data)
    if credentials:
        account.credentials_encrypted = _vault().encrypt(credentials)
    db.add(account)
    db.flush()
    return account


def update_account(db: Session, account: SocialAccount, changes: dict[str, Any]) -> SocialAccount:
    if "credentials" in changes:
        credentials = changes.pop("credentials")
        if credentials and account.is_competitor:
            raise ValidationFailed("A competitor account has no credentials.",
                                   fields={"credentials": ["Not allowed on a competitor account."]})
        if credentials:
            credentials = _keep_webhook_secret(account, credentials)
        account.credentials_encrypted = _vault().encrypt(credentials) if credentials else None
        if credentials and account.status == AccountStatus.NEEDS_REAUTH:
            account.status = AccountStatus.ACTIVE
            account.status_reason = None
    if "handle" in changes:
        _check_unique(db, account.client_id, account.platform, changes["handle"], account.id)
    for key, value in changes.items():
        setattr(account, key, value)
    account.version += 1
    return account


def _keep_webhook_secret(account: SocialAccount, credentials: dict[str, Any]) -> dict[str, Any]:
    """``credentials`` with the stored webhook secret kept, unless they set it themselves.

    The core generated that secret when it registered the account's webhook;
    a person pasting a new token does not know it, and losing it would make
    every push of the network fail its secret check. An empty
    ``webhook_secret`` removes it.
    """
    if WEBHOOK_SECRET_KEY in credentials:
        if credentials[WEBHOOK_SECRET_KEY] in ("", None):
            return {k: v for k, v in credentials.items() if k != WEBHOOK_SECRET_KEY}
        return credentials
    stored = credentials_of(account, _vault()).get(WEBHOOK_SECRET_KEY)
    return {**credentials, WEBHOOK_SECRET_KEY: stored} if stored else credentials


def credentials_of(account: SocialAccount, vault: Any) -> dict[str, Any]:
    """Decrypted credentials, for job code only (never for a response or a log)."""
    if account.credentials_encrypted is None:
        return {}
    return vault.decrypt(account.credentials_encrypted)
