"""Approval chain templates: per client, ordered steps of approvers.

A step names its approvers by role (``manager``, ``client``, ``moderator``
members of the client, or the agency ``owner``) or as named users, who must
be members of the client or owners. Running requests keep a copy of the
steps, so editing a template never changes a request in flight.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from smmflow.approvals.models import ApprovalChain, ApprovalStep, StepMode
from smmflow.audit import services as audit
from smmflow.auth.models import User, UserRole
from smmflow.clients.models import Client, Membership
from smmflow.errors import NotFound, ValidationFailed

STEP_ROLES = ("manager", "client", "moderator", "owner")


def get_chain(db: Session, chain_id: int) -> ApprovalChain:
    chain = db.get(ApprovalChain, chain_id)
    if chain is None:
        raise NotFound(f"No approval chain {chain_id}.")
    return chain


def _check_users(db: Session, client_id: int, steps: list[dict[str, Any]]) -> None:
    named = {uid for step in steps for uid in step.get("approver_user_ids") or []}
    if not named:
        return
    members = set(db.scalars(select(Membership.user_id).where(
        Membership.client_id == client_id, Membership.user_id.in_(named))))
    owners = set(db.scalars(select(User.id).where(User.id.in_(named), User.role == UserRole.OWNER)))
    for i, step in enumerate(steps):
        strangers = sorted(set(step.get("approver_user_ids") or []) - members - owners)
        if strangers:
            raise ValidationFailed(
                f"Step {i + 1}: users {strangers} are not members of this client; add them to "
                "the client first.",
                fields={f"steps.{i}.approver_user_ids": [f"Not members: {strangers}."]})


def _steps(steps: list[dict[str, Any]]) -> list[ApprovalStep]:
    return [ApprovalStep(position=i + 1, name=s["name"], approver_role=s.get("approver_role"),
                         approver_user_ids=sorted(set(s.get("approver_user_ids") or [])),
                         mode=s.get("mode") or StepMode.ANY, sla_hours=s.get("sla_hours"))
            for i, s in enumerate(steps)]


def _set_default(db: Session, chain: ApprovalChain, is_default: bool | None) -> None:
    client = db.get(Client, chain.client_id)
    assert client is not None
    if is_default and client.default_chain_id != chain.id:
        client.default_chain_id = chain.id
        client.version += 1
    elif is_default is False and client.default_chain_id == chain.id:
        client.default_chain_id = None
        client.version += 1


def is_default(db: Session, chain: ApprovalChain) -> bool:
    return db.scalar(select(Client.default_chain_id).where(Client.id == chain.client_id)) == chain.id


def create_chain(db: Session, client_id: int, data: dict[str, Any]) -> ApprovalChain:
    _check_users(db, client_id, data["steps"])
    chain = ApprovalChain(client_id=client_id, name=data["name"], steps=_steps(data["steps"]))
    db.add(chain)
    db.flush()
    _set_default(db, chain, data.get("is_default"))
    audit.record(db, "approval_chain.define", chain, steps=len(chain.steps),
                 is_default=bool(data.get("is_default")))
    return chain


def update_chain(db: Session, chain: ApprovalChain, changes: dict[str, Any]) -> ApprovalChain:
    if "name" in changes:
        chain.name = changes["name"]
    if "steps" in changes:
        _check_users(db, chain.client_id, changes["steps"])
        chain.steps.clear()
        db.flush()  # the unique (chain, position) must be free before the new steps arrive
        chain.steps.extend(_steps(changes["steps"]))
    _set_default(db, chain, changes.get("is_default"))
    chain.version += 1
    audit.record(db, "approval_chain.change", chain, fields=sorted(changes))
    return chain


def delete_chain(db: Session, chain: ApprovalChain) -> None:
    _set_default(db, chain, False)
    audit.record(db, "approval_chain.remove", chain)
    db.delete(chain)


def step_dicts(chain: ApprovalChain) -> list[dict[str, Any]]:
    """The steps of ``chain`` as copied into a request."""
    return [{"position": s.position, "name": s.name, "approver_role": s.approver_role,
             "approver_user_ids": list(s.approver_user_ids or []), "mode": s.mode,
             "sla_hours": s.sla_hours} for s in chain.steps]
