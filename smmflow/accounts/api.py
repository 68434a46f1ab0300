"""``/api/v1/clients/<id>/accounts`` and ``/api/v1/social-accounts/<id>``."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from smmflow import db as database
from smmflow.accounts import services
from smmflow.accounts.models import SocialAccount
from smmflow.accounts.schemas import SocialAccountSchema, SocialAccountUpdateSchema
from smmflow.api import Blueprint
from smmflow.api.etag import check_if_match, etag_header
from smmflow.api.pagination import PageArgs, page_of, paginate
from smmflow.auth.permissions import client_role, requires, via_model

blp = Blueprint("accounts", __name__, description="Social accounts of a client")

_account_client = via_model(SocialAccount, "account_id")
READ = client_role("manager", "moderator")
WRITE = client_role("manager")
READ_ONE = client_role("manager", "moderator", resolver=_account_client)
WRITE_ONE = client_role("manager", resolver=_account_client)


@blp.route("/clients/<int:client_id>/accounts", methods=["GET"])
@requires(READ)
@blp.arguments(PageArgs, location="query")
@blp.response(200, page_of(SocialAccountSchema))
def list_accounts(args: dict[str, Any], client_id: int) -> dict[str, Any]:
    """The client's social accounts (credentials never shown)."""
    stmt = select(SocialAccount).where(SocialAccount.client_id == client_id)
    return paginate(database.session(), stmt, SocialAccount.id, args)


@blp.route("/clients/<int:client_id>/accounts", methods=["POST"])
@requires(WRITE)
@blp.arguments(SocialAccountSchema)
@blp.response(201, SocialAccountSchema)
def create_account(data: dict[str, Any], client_id: int) -> tuple[SocialAccount, dict[str, str]]:
    """Add a social account; ``credentials`` are encrypted at rest and never returned."""
    db = database.session()
    account = services.create_account(db, client_id, data)
    db.commit()
    return account, etag_header(account)


@blp.route("/social-accounts/<int:account_id>", methods=["GET"])
@requires(READ_ONE)
@blp.response(200, SocialAccountSchema)
def get_account(account_id: int) -> tuple[SocialAccount, dict[str, str]]:
    """One social account."""
    account = services.get_account(database.session(), account_id)
    return account, etag_header(account)


@blp.route("/social-accounts/<int:account_id>", methods=["PATCH"])
@requires(WRITE_ONE)
@blp.arguments(SocialAccountUpdateSchema)
@blp.response(200, SocialAccountSchema)
def update_account(data: dict[str, Any], account_id: int) -> tuple[SocialAccount, dict[str, str]]:
    """Change handle, status or credentials (new credentials re-activate the account).

    ``credentials`` replace the stored ones as a whole, with one exception: the
    ``webhook_secret`` smmflow generated when it registered the account's
    webhook (``POST /social-accounts/<id>/webhook``) is kept, so pasting a new
    token does not break the network's pushes. Credentials that contain
    ``webhook_secret`` set it (an empty string removes it); ``null`` or ``{}``
    removes all credentials, the secret included.
    """
    db = database.session()
    account = services.get_account(db, account_id)
    check_if_match(account)
    services.update_account(db, account, data)
    db.commit()
    return account, etag_header(account)


@blp.route("/social-accounts/<int:account_id>", methods=["DELETE"])
@requires(WRITE_ONE)
@blp.response(204)
def delete_account(account_id: int) -> None:
    """Remove a social account and its targets."""
    db = database.session()
    db.delete(services.get_account(db, account_id))
    db.commit()
