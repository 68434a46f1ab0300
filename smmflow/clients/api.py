"""``/api/v1/clients`` and their members."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from smmflow import db as database
from smmflow.api import Blueprint
from smmflow.api.etag import check_if_match, etag_header
from smmflow.api.pagination import PageArgs, page_of, paginate
from smmflow.auth.guard import current_user
from smmflow.auth.permissions import OWNER, STAFF, client_role, requires
from smmflow.clients import services
from smmflow.clients.models import Client, Membership
from smmflow.clients.schemas import ClientSchema, ClientUpdateSchema, MembershipSchema

blp = Blueprint("clients", __name__, description="Clients (brands) and their members")

ANY_MEMBER = client_role("manager", "moderator", "client")
MANAGERS = client_role("manager")


@blp.route("/clients", methods=["GET"])
@requires(STAFF)
@blp.arguments(PageArgs, location="query")
@blp.response(200, page_of(ClientSchema))
def list_clients(args: dict[str, Any]) -> dict[str, Any]:
    """Clients visible to you: all for the owner, else those you are a member of."""
    user = current_user()
    assert user is not None
    db = database.session()
    return paginate(db, services.visible_clients(db, user), Client.id, args)


@blp.route("/clients", methods=["POST"])
@requires(OWNER)
@blp.arguments(ClientSchema)
@blp.response(201, ClientSchema)
def create_client(data: dict[str, Any]) -> tuple[Client, dict[str, str]]:
    """Create a client (owner only)."""
    db = database.session()
    client = services.create_client(db, data)
    db.commit()
    return client, etag_header(client)


@blp.route("/clients/<int:client_id>", methods=["GET"])
@requires(ANY_MEMBER)
@blp.response(200, ClientSchema)
def get_client(client_id: int) -> tuple[Client, dict[str, str]]:
    """One client. The ``ETag`` header is what ``If-Match`` expects on edits."""
    client = services.get_client(database.session(), client_id)
    return client, etag_header(client)


@blp.route("/clients/<int:client_id>", methods=["PATCH"])
@requires(OWNER)
@blp.arguments(ClientUpdateSchema)
@blp.response(200, ClientSchema)
def update_client(data: dict[str, Any], client_id: int) -> tuple[Client, dict[str, str]]:
    """Change a client (owner only); a stale ``If-Match`` answers 409."""
    db = database.session()
    client = services.get_client(db, client_id)
    check_if_match(client)
    services.update_client(db, client, data)
    db.commit()
    return client, etag_header(client)


@blp.route("/clients/<int:client_id>/members", methods=["GET"])
@requires(MANAGERS)
@blp.arguments(PageArgs, location="query")
@blp.response(200, page_of(MembershipSchema))
def list_members(args: dict[str, Any], client_id: int) -> dict[str, Any]:
    """Who works on this client, and as what."""
    stmt = select(Membership).where(Membership.client_id == client_id)
    return paginate(database.session(), stmt, Membership.id, args)


@blp.route("/clients/<int:client_id>/members", methods=["POST"])
@requires(client_role(owner=True, name="owner"))
@blp.arguments(MembershipSchema)
@blp.response(201, MembershipSchema)
def add_member(data: dict[str, Any], client_id: int) -> Membership:
    """Make a user manager, moderator or client approver of this client (owner only)."""
    db = database.session()
    member = services.add_member(db, services.get_client(db, client_id), data["user_id"],
                                 data["role"])
    db.commit()
    return member


@blp.route("/clients/<int:client_id>/members/<int:membership_id>", methods=["DELETE"])
@requires(client_role(owner=True, name="owner"))
@blp.response(204)
def remove_member(client_id: int, membership_id: int) -> None:
    """Remove a membership (owner only)."""
    db = database.session()
    services.remove_member(db, services.get_client(db, client_id), membership_id)
    db.commit()
