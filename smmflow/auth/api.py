"""``/api/v1/auth`` and ``/api/v1/users``."""

from __future__ import annotations

from typing import Any

from flask import request
from sqlalchemy import select

from smmflow import db as database
from smmflow.api import Blueprint
from smmflow.api.pagination import PageArgs, page_of, paginate
from smmflow.auth import services
from smmflow.auth.guard import current_user
from smmflow.auth.models import ApiToken, User
from smmflow.auth.permissions import AUTHENTICATED, OWNER, PUBLIC, custom, requires
from smmflow.auth.schemas import (
    IssuedTokenSchema,
    TokenRequestSchema,
    TokenSchema,
    UserCreateSchema,
    UserSchema,
    UserUpdateSchema,
)

blp = Blueprint("auth", __name__, description="Log in, API tokens and users")

OWNER_OR_SELF = custom(
    "owner or self", lambda db, p, a: p is not None and (p.is_owner or p.id == a.get("user_id"))
)


@blp.route("/auth/tokens", methods=["POST"])
@requires(PUBLIC)
@blp.arguments(TokenRequestSchema)
@blp.response(201, IssuedTokenSchema)
def create_token(data: dict[str, Any]) -> dict[str, Any]:
    """Exchange e-mail and password for a bearer token (shown once). Rate-limited."""
    db = database.session()
    user = services.check_login(db, data["email"], data["password"], request.remote_addr)
    db.info["actor_id"] = user.id
    row, clear = services.issue_token(db, user, data["name"])
    db.commit()
    return {**{k: getattr(row, k) for k in TokenSchema().fields}, "token": clear, "user": user}


@blp.route("/auth/tokens", methods=["GET"])
@requires(AUTHENTICATED)
@blp.arguments(PageArgs, location="query")
@blp.response(200, page_of(TokenSchema))
def list_tokens(args: dict[str, Any]) -> dict[str, Any]:
    """Your own tokens (never their secret)."""
    user = current_user()
    assert user is not None
    stmt = select(ApiToken).where(ApiToken.user_id == user.id)
    return paginate(database.session(), stmt, ApiToken.id, args)


@blp.route("/auth/tokens/<int:token_id>", methods=["DELETE"])
@requires(AUTHENTICATED)
@blp.response(204)
def revoke_token(token_id: int) -> None:
    """Revoke one of your tokens."""
    user = current_user()
    assert user is not None
    db = database.session()
    services.revoke_token(db, user, token_id)
    db.commit()


@blp.route("/users/me", methods=["GET"])
@requires(AUTHENTICATED)
@blp.response(200, UserSchema)
def me() -> User:
    """The authenticated user."""
    user = current_user()
    assert user is not None
    return user


@blp.route("/users", methods=["GET"])
@requires(OWNER)
@blp.arguments(PageArgs, location="query")
@blp.response(200, page_of(UserSchema))
def list_users(args: dict[str, Any]) -> dict[str, Any]:
    """Every user of the agency."""
    return paginate(database.session(), select(User), User.id, args)


@blp.route("/users", methods=["POST"])
@requires(OWNER)
@blp.arguments(UserCreateSchema)
@blp.response(201, UserSchema)
def create_user(data: dict[str, Any]) -> User:
    """Create a user (owner only)."""
    db = database.session()
    user = services.create_user(db, **data)
    db.commit()
    return user


@blp.route("/users/<int:user_id>", methods=["GET"])
@requires(OWNER_OR_SELF)
@blp.response(200, UserSchema)
def get_user(user_id: int) -> User:
    """One user (the owner, or the user themself)."""
    return services.get_user(database.session(), user_id)


@blp.route("/users/<int:user_id>", methods=["PATCH"])
@requires(OWNER_OR_SELF)
@blp.arguments(UserUpdateSchema)
@blp.response(200, UserSchema)
def update_user(data: dict[str, Any], user_id: int) -> User:
    """Change a user; only the owner changes roles and deactivates."""
    db = database.session()
    actor = current_user()
    assert actor is not None
    user = services.update_user(db, actor, services.get_user(db, user_id), data)
    db.commit()
    return user
