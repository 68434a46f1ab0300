"""Clients and memberships: the business rules."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from smmflow.auth.models import User
from smmflow.auth.permissions import visible_client_ids
from smmflow.clients.models import Client, Membership
from smmflow.errors import Conflict, NotFound, ValidationFailed


def visible_clients(db: Session, user: User) -> Select[tuple[Client]]:
    stmt = select(Client)
    if not user.is_owner:
        stmt = stmt.where(Client.id.in_(visible_client_ids(db, user)))
    return stmt


def get_client(db: Session, client_id: int) -> Client:
    client = db.get(Client, client_id)
    if client is None:
        raise NotFound(f"No client {client_id}.")
    return client


def _check_slug(db: Session, slug: str, exclude_id: int | None = None) -> None:
    stmt = select(Client.id).where(Client.slug == slug)
    found = db.scalar(stmt)
    if found is not None and found != exclude_id:
        raise Conflict(f"The slug {slug!r} is taken.", code="duplicate",
                       details={"fields": {"slug": ["Already taken."]}})


def _check_chain(db: Session, client_id: int | None, chain_id: int | None) -> None:
    if chain_id is None:
        return
    from smmflow.approvals.models import ApprovalChain

    chain = db.get(ApprovalChain, chain_id)
    if chain is None or chain.client_id != client_id:
        raise ValidationFailed("default_chain_id must name an approval chain of this client.",
                               fields={"default_chain_id": ["Unknown chain for this client."]})


def create_client(db: Session, data: dict[str, Any]) -> Client:
    _check_slug(db, data["slug"])
    if data.get("default_chain_id") is not None:
        _check_chain(db, None, data["default_chain_id"])
    client = Client(**data)
    db.add(client)
    db.flush()
    return client


def update_client(db: Session, client: Client, changes: dict[str, Any]) -> Client:
    if "slug" in changes:
        _check_slug(db, changes["slug"], client.id)
    if "default_chain_id" in changes:
        _check_chain(db, client.id, changes["default_chain_id"])
    for key, value in changes.items():
        setattr(client, key, value)
    client.version += 1
    return client


def add_member(db: Session, client: Client, user_id: int, role: str) -> Membership:
    user = db.get(User, user_id)
    if user is None:
        raise ValidationFailed("user_id names no user.", fields={"user_id": ["Unknown user."]})
    if user.is_contractor:
        raise ValidationFailed("Contractors are not client members; assign them work instead.",
                               fields={"user_id": ["Contractors cannot be members."]})
    existing = db.scalar(select(Membership).where(Membership.client_id == client.id,
                                                  Membership.user_id == user_id))
    if existing is not None:
        raise Conflict("This user is already a member of this client.", code="duplicate",
                       details={"membership_id": existing.id})
    member = Membership(client_id=client.id, user_id=user_id, role=role)
    db.add(member)
    db.flush()
    return member


def remove_member(db: Session, client: Client, membership_id: int) -> None:
    member = db.get(Membership, membership_id)
    if member is None or member.client_id != client.id:
        raise NotFound(f"No membership {membership_id} in this client.")
    db.delete(member)
