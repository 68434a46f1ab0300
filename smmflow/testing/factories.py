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

    def draft_post(self, client: Client, created_by: User | None = None, **kw: Any) -> Any:
        """A draft post (content hash set) of ``client``."""
        from smmflow.posts.content import content_hash
        from smmflow.posts.models import Post

        values = {"client_id": client.id, "title": "", "text": f"Post {self._n()} #launch",
                  "media": [], "options": {},
                  "created_by_id": created_by.id if created_by else None} | kw
        post = Post(**values)
        post.content_hash = content_hash(post)
        return self._commit(post)

    def draft_target(self, post: Any, account: SocialAccount, **kw: Any) -> Any:
        """A draft target of ``post`` on ``account``."""
        from smmflow.posts.models import PostTarget

        return self._commit(PostTarget(post_id=post.id, social_account_id=account.id, **kw))

    def approval_chain(self, client: Client, steps: list[dict[str, Any]] | None = None,
                       default: bool = True, **kw: Any) -> Any:
        """A chain template (default: one ``manager`` step); made the client's default."""
        from smmflow.approvals.models import ApprovalChain, ApprovalStep

        steps = steps or [{"name": "Manager review", "approver_role": "manager"}]
        chain = ApprovalChain(client_id=client.id, name=kw.pop("name", f"Chain {self._n()}"), steps=[
            ApprovalStep(position=i + 1, name=s["name"], approver_role=s.get("approver_role"),
                         approver_user_ids=s.get("approver_user_ids", []), mode=s.get("mode", "any"),
                         sla_hours=s.get("sla_hours")) for i, s in enumerate(steps)], **kw)
        self._commit(chain)
        if default:
            client.default_chain_id = chain.id
            self._commit(client)
        return chain

    # -- briefs, specs, assignments, submissions, expenses (workflow) -------------------
    def brief(self, client: Client, deliverables: list[dict[str, Any]] | None = None,
              **kw: Any) -> Any:
        """A brief with a spec version 1 (one text deliverable for a copywriter by default)."""
        from smmflow.briefs.models import Brief, TechSpec, TechSpecVersion

        values = {"client_id": client.id, "title": f"Brief {self._n()}",
                  "target_platforms": []} | kw
        brief = self._commit(Brief(**values))
        if deliverables is None:
            deliverables = [{"key": "caption", "kind": "text", "role": "copywriter", "title": "",
                             "description": "", "requirements": {"max_length": 500}}]
        spec = self._commit(TechSpec(brief_id=brief.id, current_number=1))
        self._commit(TechSpecVersion(spec_id=spec.id, number=1, deliverables=deliverables,
                                     platforms=list(brief.target_platforms)))
        self.db.refresh(brief)
        return brief

    def assignment(self, brief: Any, contractor: User, state: str = "offered", **kw: Any) -> Any:
        """An assignment of the brief's first deliverable; ``state`` sets timestamps to match."""
        from sqlalchemy import select

        from smmflow.assignments.models import Assignment
        from smmflow.briefs.models import TechSpecVersion

        version = self.db.scalar(select(TechSpecVersion).where(
            TechSpecVersion.spec_id == brief.spec.id,
            TechSpecVersion.number == brief.spec.current_number))
        now = dt.datetime.now(dt.UTC)
        values: dict[str, Any] = {
            "client_id": brief.client_id, "brief_id": brief.id, "contractor_id": contractor.id,
            "spec_version_id": version.id, "deliverable_key": version.deliverables[0]["key"],
            "state": state, "fee_minor": 5000, "currency": "EUR",
            "due_at": now + dt.timedelta(days=3), "offered_at": now - dt.timedelta(days=1)}
        if state not in ("offered", "declined"):
            values["accepted_at"] = now - dt.timedelta(hours=20)
            values["acknowledged_spec_version_id"] = version.id
        if state in ("submitted", "revision_requested", "done"):
            values["first_submitted_at"] = values["submitted_at"] = now - dt.timedelta(hours=2)
        if state == "done":
            values["done_at"] = now - dt.timedelta(hours=1)
        if state == "cancelled":
            values["cancelled_at"] = now
        return self._commit(Assignment(**(values | kw)))

    def submission(self, assignment: Any, text: str = "Work", **kw: Any) -> Any:
        from smmflow.assignments.models import Submission

        values = {"assignment_id": assignment.id, "number": len(assignment.submissions) + 1,
                  "spec_version_id": assignment.spec_version_id, "text": text, "media": [],
                  "check_result": [], "check_passed": True} | kw
        submission = self._commit(Submission(**values))
        self.db.refresh(assignment)
        return submission

    def expense(self, client: Client, kind: str = "ad_spend", **kw: Any) -> Any:
        from smmflow.expenses.models import Expense

        values = {"client_id": client.id, "kind": kind, "amount_minor": 1000,
                  "currency": client.currency, "incurred_on": dt.date(2026, 1, 15)} | kw
        return self._commit(Expense(**values))
