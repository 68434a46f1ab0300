"""Approval chains (``/clients/<id>/approval-chains``, ``/approval-chains/<id>``) and requests.

Requests start on a post (``/posts/<id>/approval-requests``) or a submission
(``/submissions/<id>/approval-requests``); approvers decide through
``/approval-requests/<id>/decisions`` or a signed link (``/links``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from smmflow import db as database
from smmflow.api import Blueprint
from smmflow.api.etag import check_if_match, etag_header
from smmflow.api.pagination import PageArgs, page_of, paginate
from smmflow.approvals import chains, diffs, links, services
from smmflow.approvals.models import ApprovalChain, ApprovalDecision, ApprovalRequest
from smmflow.approvals.schemas import (
    ApprovalChainSchema,
    ApprovalChainUpdateSchema,
    ApprovalDecisionSchema,
    ApprovalLinkCreateSchema,
    ApprovalLinkSchema,
    ApprovalRequestCreateSchema,
    ApprovalRequestListArgs,
    ApprovalRequestListSchema,
    ApprovalRequestSchema,
    ContentDiffSchema,
)
from smmflow.assignments.models import Submission
from smmflow.auth.guard import current_user
from smmflow.auth.models import User
from smmflow.auth.permissions import AUTHENTICATED, client_role, requires, via_model
from smmflow.errors import NotFound
from smmflow.posts import services as posts
from smmflow.posts.models import Post

blp = Blueprint("approvals", __name__, description="Approval chains, requests and decisions")


def _submission_client(db: Session, args: Mapping[str, Any]) -> int | None:
    return services.submission_client_id(db, args.get("submission_id"))  # type: ignore[arg-type]


_chain_client = via_model(ApprovalChain, "chain_id")
_request_client = via_model(ApprovalRequest, "approval_request_id")
CHAINS_READ = client_role("manager")
CHAINS_WRITE = client_role(name="client:owner")
CHAIN_READ = client_role("manager", resolver=_chain_client)
CHAIN_WRITE = client_role(resolver=_chain_client, name="client:owner")
START_ON_POST = client_role("manager", resolver=via_model(Post, "post_id"))
START_ON_SUBMISSION = client_role("manager", resolver=_submission_client)
REQUESTS_READ = client_role("manager", "client")
REQUEST_READ = client_role("manager", "client", resolver=_request_client)
REQUEST_DECIDE = client_role("manager", "client", resolver=_request_client)
REQUEST_MANAGE = client_role("manager", resolver=_request_client)


def _me() -> User:
    user = current_user()
    assert user is not None
    return user


def _chain_out(db: Session, chain: ApprovalChain) -> dict[str, Any]:
    return {"id": chain.id, "client_id": chain.client_id, "name": chain.name,
            "steps": chain.steps, "is_default": chains.is_default(db, chain),
            "version": chain.version, "created_at": chain.created_at}


# -- chains -----------------------------------------------------------------------------------
@blp.route("/clients/<int:client_id>/approval-chains", methods=["GET"])
@requires(CHAINS_READ)
@blp.arguments(PageArgs, location="query")
@blp.response(200, page_of(ApprovalChainSchema))
def list_chains(args: dict[str, Any], client_id: int) -> dict[str, Any]:
    """The client's approval chain templates."""
    db = database.session()
    page = paginate(db, select(ApprovalChain).where(ApprovalChain.client_id == client_id),
                    ApprovalChain.id, args)
    return {**page, "items": [_chain_out(db, c) for c in page["items"]]}


@blp.route("/clients/<int:client_id>/approval-chains", methods=["POST"])
@requires(CHAINS_WRITE)
@blp.arguments(ApprovalChainSchema)
@blp.response(201, ApprovalChainSchema)
def create_chain(data: dict[str, Any], client_id: int) -> tuple[dict[str, Any], dict[str, str]]:
    """Create a chain: ordered steps, approvers by role or named users, ``any``/``all``, SLA."""
    db = database.session()
    chain = chains.create_chain(db, client_id, data)
    db.commit()
    return _chain_out(db, chain), etag_header(chain)


@blp.route("/approval-chains/<int:chain_id>", methods=["GET"])
@requires(CHAIN_READ)
@blp.response(200, ApprovalChainSchema)
def get_chain(chain_id: int) -> tuple[dict[str, Any], dict[str, str]]:
    """One chain template."""
    db = database.session()
    chain = chains.get_chain(db, chain_id)
    return _chain_out(db, chain), etag_header(chain)


@blp.route("/approval-chains/<int:chain_id>", methods=["PATCH"])
@requires(CHAIN_WRITE)
@blp.arguments(ApprovalChainUpdateSchema)
@blp.response(200, ApprovalChainSchema)
def update_chain(data: dict[str, Any], chain_id: int) -> tuple[dict[str, Any], dict[str, str]]:
    """Rename, replace the steps, or make it the default; running requests keep their steps."""
    db = database.session()
    chain = chains.get_chain(db, chain_id)
    check_if_match(chain)
    chains.update_chain(db, chain, data)
    db.commit()
    return _chain_out(db, chain), etag_header(chain)


@blp.route("/approval-chains/<int:chain_id>", methods=["DELETE"])
@requires(CHAIN_WRITE)
@blp.response(204)
def delete_chain(chain_id: int) -> None:
    """Delete a template (requests that ran it keep their copy of the steps)."""
    db = database.session()
    chains.delete_chain(db, chains.get_chain(db, chain_id))
    db.commit()


# -- starting requests ------------------------------------------------------------------------
@blp.route("/posts/<int:post_id>/approval-requests", methods=["POST"])
@requires(START_ON_POST)
@blp.arguments(ApprovalRequestCreateSchema)
@blp.response(201, ApprovalRequestSchema)
def request_post_approval(data: dict[str, Any], post_id: int) -> ApprovalRequest:
    """Send a draft post through a chain (its preflight must be clean); the post is in approval."""
    db = database.session()
    post = posts.get_post(db, post_id, lock=True)
    request = services.request_post_approval(current_app, db, post, data["chain_id"], _me())
    db.commit()
    return request


@blp.route("/submissions/<int:submission_id>/approval-requests", methods=["POST"])
@requires(START_ON_SUBMISSION)
@blp.arguments(ApprovalRequestCreateSchema)
@blp.response(201, ApprovalRequestSchema)
def request_submission_approval(data: dict[str, Any], submission_id: int) -> ApprovalRequest:
    """Run a chain over a contractor's latest submission (e.g. legal review of a design)."""
    db = database.session()
    submission = db.get(Submission, submission_id)
    if submission is None:
        raise NotFound(f"No submission {submission_id}.")
    request = services.request_submission_approval(db, submission, data["chain_id"], _me())
    db.commit()
    return request


# -- reading ----------------------------------------------------------------------------------
@blp.route("/clients/<int:client_id>/approval-requests", methods=["GET"])
@requires(REQUESTS_READ)
@blp.arguments(ApprovalRequestListArgs, location="query")
@blp.response(200, page_of(ApprovalRequestSchema))
def list_requests(args: dict[str, Any], client_id: int) -> dict[str, Any]:
    """The client's approval requests, filtered by status or subject."""
    stmt = select(ApprovalRequest).where(ApprovalRequest.client_id == client_id)
    for name in ("status", "subject_type", "subject_id"):
        if args.get(name) is not None:
            stmt = stmt.where(getattr(ApprovalRequest, name) == args[name])
    return paginate(database.session(), stmt, ApprovalRequest.id, args)


@blp.route("/approval-requests/mine", methods=["GET"])
@requires(AUTHENTICATED)
@blp.response(200, ApprovalRequestListSchema)
def my_queue() -> dict[str, Any]:
    """Requests waiting for my decision at their current step, oldest first."""
    return {"items": services.waiting_for(database.session(), _me())}


@blp.route("/approval-requests/<int:approval_request_id>", methods=["GET"])
@requires(REQUEST_READ)
@blp.response(200, ApprovalRequestSchema)
def get_request(approval_request_id: int) -> ApprovalRequest:
    """One request: the content snapshot under approval, its steps and decisions."""
    return services.get_request(database.session(), approval_request_id)


@blp.route("/approval-requests/<int:approval_request_id>/diff", methods=["GET"])
@requires(REQUEST_READ)
@blp.response(200, ContentDiffSchema)
def request_diff(approval_request_id: int) -> dict[str, Any]:
    """What changed between the last decided version and the version of this request."""
    db = database.session()
    request = services.get_request(db, approval_request_id)
    return diffs.subject_diff(db, request.subject_type, request.subject_id, request=request)


# -- deciding ---------------------------------------------------------------------------------
@blp.route("/approval-requests/<int:approval_request_id>/decisions", methods=["POST"])
@requires(REQUEST_DECIDE)
@blp.arguments(ApprovalDecisionSchema)
@blp.response(201, ApprovalDecisionSchema)
def decide(data: dict[str, Any], approval_request_id: int) -> ApprovalDecision:
    """``approve``, ``request_changes`` or ``reject`` at the current step (approvers only)."""
    db = database.session()
    request = services.lock_for_decision(db, approval_request_id)
    row = services.decide(db, request, _me(), data["decision"], data["comment"])
    db.commit()
    return row


@blp.route("/approval-requests/<int:approval_request_id>/withdraw", methods=["POST"])
@requires(REQUEST_MANAGE)
@blp.response(200, ApprovalRequestSchema)
def withdraw(approval_request_id: int) -> ApprovalRequest:
    """Stop a pending request; a post goes back to draft."""
    db = database.session()
    request = services.withdraw(db, services.lock_for_decision(db, approval_request_id))
    db.commit()
    return request


@blp.route("/approval-requests/<int:approval_request_id>/links", methods=["POST"])
@requires(REQUEST_MANAGE)
@blp.arguments(ApprovalLinkCreateSchema)
@blp.response(201, ApprovalLinkSchema)
def create_link(data: dict[str, Any], approval_request_id: int) -> dict[str, Any]:
    """A signed, single-use link through which one approver decides on this request's subject.

    The link expires after ``SMMFLOW_APPROVAL_LINK_TTL_HOURS`` and stops working once the
    request moves to another step or its content changes.
    """
    db = database.session()
    request = services.get_request(db, approval_request_id)
    link = links.issue(current_app, db, request, data["user_id"])
    db.commit()
    return link
