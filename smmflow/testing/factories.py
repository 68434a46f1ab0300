"""Data factories for tests: real rows through a real session."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from flask import Flask
from sqlalchemy.orm import Session

from smmflow.accounts.models import SocialAccount
from smmflow.auth import tokens
from smmflow.auth.models import User, UserRole
from smmflow.campaigns.models import Campaign
from smmflow.clients.models import Client, Membership
from smmflow.contractors.models import ContractorProfile

PASSWORD = "correct horse battery"


class Factory:
    """Creates committed rows; each call makes a unique object."""

    def __init__(self, app: Flask, db: Session) -> None:
        self.app = app
        self.db = db
        self._seq = itertools.count(1)
        self._hash: str | None = None

    def _n(self) -> int:
        return next(self._seq)

    def _commit(self, obj: Any) -> Any:
        self.db.add(obj)
        self.db.commit()
        return obj

    def user(self, role: str = UserRole.STAFF, **kw: Any) -> User:
        n = self._n()
        if self._hash is None:
            self._hash = self.app.extensions["smmflow"].passwords.hash(PASSWORD)
        values = {"email": f"user{n}@example.test", "name": f"User {n}",
                  "role": role, "password_hash": self._hash} | kw
        return self._commit(User(**values))

    def owner(self, **kw: Any) -> User:
        return self.user(UserRole.OWNER, **kw)

    def contractor(self, skills: list[str] | None = None, **kw: Any) -> User:
        user = self.user(UserRole.CONTRACTOR, **kw)
        self._commit(ContractorProfile(user_id=user.id, skills=skills or ["copywriter"],
                                       rates={"text": 5000}, currency="EUR"))
        return user

    def client(self, **kw: Any) -> Client:
        n = self._n()
        values = {"name": f"Client {n}", "slug": f"client-{n}", "timezone": "Europe/Berlin",
                  "currency": "EUR", "monthly_budget_minor": 100_000} | kw
        return self._commit(Client(**values))

    def member(self, client: Client, role: str, user: User | None = None) -> User:
        user = user or self.user()
        self._commit(Membership(client_id=client.id, user_id=user.id, role=role))
        return user

    def account(self, client: Client, platform: str = "telegram",
                credentials: dict[str, Any] | None = None, **kw: Any) -> SocialAccount:
        n = self._n()
        vault = self.app.extensions["smmflow"].vault
        values = {"client_id": client.id, "platform": platform, "handle": f"{platform}_{n}",
                  "external_id": f"ext-{n}"} | kw
        account = SocialAccount(**values)
        if credentials is not None:
            account.credentials_encrypted = vault.encrypt(credentials)
        return self._commit(account)

    def campaign(self, client: Client, **kw: Any) -> Campaign:
        today = dt.date(2026, 1, 1)
        values = {"client_id": client.id, "name": f"Campaign {self._n()}", "starts_on": today,
                  "ends_on": today + dt.timedelta(days=30), "currency": client.currency} | kw
        return self._commit(Campaign(**values))

    def token(self, user: User) -> str:
        _row, clear = tokens.issue(self.db, user, "test", 1)
        self.db.commit()
        return clear
