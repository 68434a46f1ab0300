"""Demo data: an agency with two clients, contractors and accounts on four networks.

Idempotent: every object is looked up by a natural key first, so running it
twice changes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from smmflow import db as database
from smmflow.accounts.models import SocialAccount
from smmflow.auth.models import User, UserRole
from smmflow.campaigns.models import Campaign
from smmflow.clients.models import Client, Membership
from smmflow.contractors.models import ContractorProfile

DEMO_PASSWORD = "smmflow-demo"
OWNER_EMAIL = "owner@demo.smmflow.test"

USERS = [
    (OWNER_EMAIL, "Olga Owner", UserRole.OWNER),
    ("manager@demo.smmflow.test", "Max Manager", UserRole.STAFF),
    ("moderator@demo.smmflow.test", "Mira Moderator", UserRole.STAFF),
    ("copywriter@demo.smmflow.test", "Cora Copywriter", UserRole.CONTRACTOR),
    ("designer@demo.smmflow.test", "Dan Designer", UserRole.CONTRACTOR),
    ("approver@acme.test", "Alice (Acme)", UserRole.STAFF),
    ("approver@northwind.test", "Nick (Northwind)", UserRole.STAFF),
]
CLIENTS = [
    ("acme", "Acme Coffee", "Europe/Berlin", "EUR", 500_000, "approver@acme.test"),
    ("northwind", "Northwind Bikes", "America/New_York", "USD", 800_000,
     "approver@northwind.test"),
]
PLATFORMS = {
    "telegram": {"bot_token": "123456:demo-telegram-token", "chat_id": "@{slug}_channel"},
    "vk": {"access_token": "vk1.demo-token", "group_id": "100200"},
    "instagram": {"access_token": "IGQ-demo-token", "ig_user_id": "17841400000000000"},
    "youtube": {"access_token": "ya29.demo-token", "refresh_token": "1//demo-refresh"},
}
CONTRACTORS = {
    "copywriter@demo.smmflow.test": (["copywriter"], {"text": 5_000}),
    "designer@demo.smmflow.test": (["designer", "photographer"], {"image": 12_000,
                                                                   "carousel": 30_000}),
}


def _steps(app: Flask, db: Session) -> list[tuple[str, Callable[[], Any]]]:
    state = app.extensions["smmflow"]
    users: dict[str, User] = {}
    clients: dict[str, Client] = {}

    def ensure_users() -> int:
        created = 0
        for email, name, role in USERS:
            user = db.scalar(select(User).where(User.email == email))
            if user is None:
                user = User(email=email, name=name, role=role,
                            password_hash=state.passwords.hash(DEMO_PASSWORD))
                db.add(user)
                created += 1
            users[email] = user
        db.flush()
        for email, (skills, rates) in CONTRACTORS.items():
            if db.scalar(select(ContractorProfile).where(
                    ContractorProfile.user_id == users[email].id)) is None:
                db.add(ContractorProfile(user_id=users[email].id, skills=skills, rates=rates,
                                         currency="EUR"))
                created += 1
        return created

    def ensure_clients() -> int:
        created = 0
        for slug, name, tz, currency, budget, approver in CLIENTS:
            client = db.scalar(select(Client).where(Client.slug == slug))
            if client is None:
                client = Client(slug=slug, name=name, timezone=tz, currency=currency,
                                monthly_budget_minor=budget)
                db.add(client)
                db.flush()
                created += 1
            clients[slug] = client
            for email, role in (("manager@demo.smmflow.test", "manager"),
                                ("moderator@demo.smmflow.test", "moderator"),
                                (approver, "client")):
                if db.scalar(select(Membership).where(Membership.client_id == client.id,
                                                      Membership.user_id == users[email].id)) is None:
                    db.add(Membership(client_id=client.id, user_id=users[email].id, role=role))
                    created += 1
        return created

    def ensure_accounts() -> int:
        created = 0
        for slug, client in clients.items():
            for platform, creds in PLATFORMS.items():
                handle = f"{slug}_{platform}"
                exists = db.scalar(select(SocialAccount).where(
                    SocialAccount.client_id == client.id, SocialAccount.platform == platform,
                    SocialAccount.handle == handle))
                if exists is None:
                    filled = {k: v.format(slug=slug) for k, v in creds.items()}
                    db.add(SocialAccount(client_id=client.id, platform=platform, handle=handle,
                                         external_id=filled.get("chat_id") or filled.get(
                                             "group_id") or f"{slug}-{platform}",
                                         credentials_encrypted=state.vault.encrypt(filled)))
                    created += 1
        return created

    def ensure_campaign() -> int:
        client = clients["acme"]
        if db.scalar(select(Campaign).where(Campaign.client_id == client.id,
                                            Campaign.name == "Winter launch")) is not None:
            return 0
        today = dt.date.today()
        db.add(Campaign(client_id=client.id, name="Winter launch", starts_on=today,
                        ends_on=today + dt.timedelta(days=60), target_reach=250_000,
                        target_er_bp=350, target_follower_growth=2_000, budget_minor=300_000,
                        currency=client.currency))
        return 1

    return [("users and contractors", ensure_users), ("clients and members", ensure_clients),
            ("social accounts", ensure_accounts), ("campaign", ensure_campaign)]


def seed(app: Flask, progress: Callable[[str, int], None] | None = None) -> int:
    """Create the demo data that is missing; returns how many objects were created."""
    total = 0
    with app.app_context():
        db = database.session()
        db.info["remote_addr"] = "demo"
        for label, step in _steps(app, db):
            created = step()
            total += created
            if progress:
                progress(label, created)
        db.commit()
    return total
