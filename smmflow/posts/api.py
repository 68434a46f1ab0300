"""``/api/v1/clients/<id>/posts`` and ``/api/v1/posts/<id>``: posts, targets, preflight, schedule.

Edits of a post's content need ``If-Match`` (428 without, 409 when stale);
editing approved content sends the post back to draft and voids its approval.
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from smmflow import db as database
from smmflow.api import Blueprint
from smmflow.api.etag import check_if_match, etag_header
from smmflow.api.pagination import page_of, paginate
from smmflow.approvals import diffs
from smmflow.approvals.schemas import ContentDiffSchema
from smmflow.auth.guard import current_user
from smmflow.auth.permissions import client_role, member_roles, requires, via_model
from smmflow.errors import NotFound
from smmflow.media import media_store
from smmflow.posts import services
from smmflow.posts.models import Post, PostStatus, PostTarget
from smmflow.posts.schemas import (
    PostListArgs,
    PostSchema,
    PostTargetSchema,
    PostTargetUpdateSchema,
    PostUpdateSchema,
    PreflightSchema,
    ScheduleSchema,
    UnscheduleSchema,
)

blp = Blueprint("posts", __name__, description="Posts, their targets, preflight and scheduling")

_post_client = via_model(Post, "post_id")
READ = client_role("manager", "client")
WRITE = client_role("manager")
READ_ONE = client_role("manager", "client", resolver=_post_client)
WRITE_ONE = client_role("manager", resolver=_post_client)


CLIENT_HIDDEN = (PostStatus.DRAFT, PostStatus.CHANGES_REQUESTED)


def _me() -> Any:
    user = current_user()
    assert user is not None
    return user


def _client_side_only(client_id: int) -> bool:
    """True for a client approver: they see content once it reaches approval, not drafts."""
    user = _me()
    if user.is_owner:
        return False
    return "manager" not in member_roles(database.session(), user, client_id)


@blp.route("/clients/<int:client_id>/posts", methods=["GET"])
@requires(READ)
@blp.arguments(PostListArgs, location="query")
@blp.response(200, page_of(PostSchema))
def list_posts(args: dict[str, Any], client_id: int) -> dict[str, Any]:
    """The client's posts with their targets, optionally by status."""
    stmt = select(Post).where(Post.client_id == client_id).options(selectinload(Post.targets))
    if args.get("status"):
        stmt = stmt.where(Post.status == args["status"])
    if _client_side_only(client_id):
        stmt = stmt.where(Post.status.not_in([s.value for s in CLIENT_HIDDEN]))
    return paginate(database.session(), stmt, Post.id, args)


@blp.route("/clients/<int:client_id>/posts", methods=["POST"])
@requires(WRITE)
@blp.arguments(PostSchema)
@blp.response(201, PostSchema)
def create_post(data: dict[str, Any], client_id: int) -> tuple[Post, dict[str, str]]:
    """A draft post from scratch, or from accepted submissions (``from_submissions``)."""
    db = database.session()
    post = services.create_post(db, client_id, data, _me(), media_store(current_app))
    db.commit()
    return post, etag_header(post)


@blp.route("/posts/<int:post_id>", methods=["GET"])
@requires(READ_ONE)
@blp.response(200, PostSchema)
def get_post(post_id: int) -> tuple[Post, dict[str, str]]:
    """One post with its targets; the ETag is what ``If-Match`` needs for edits."""
    post = services.get_post(database.session(), post_id)
    if post.status in CLIENT_HIDDEN and _client_side_only(post.client_id):
        raise NotFound(f"No post {post_id}.")
    return post, etag_header(post)


@blp.route("/posts/<int:post_id>", methods=["PATCH"])
@requires(WRITE_ONE)
@blp.arguments(PostUpdateSchema)
@blp.response(200, PostSchema)
def update_post(data: dict[str, Any], post_id: int) -> tuple[Post, dict[str, str]]:
    """Edit content (``If-Match`` required); approved content goes back to draft."""
    db = database.session()
    post = services.get_post(db, post_id, lock=True)
    check_if_match(post, required=True)
    services.update_post(db, post, data, media_store(current_app))
    db.commit()
    return post, etag_header(post)


@blp.route("/posts/<int:post_id>", methods=["DELETE"])
@requires(WRITE_ONE)
@blp.response(204)
def delete_post(post_id: int) -> None:
    """Delete a post that has nothing publishing or published."""
    db = database.session()
    services.delete_post(db, services.get_post(db, post_id, lock=True))
    db.commit()


@blp.route("/posts/<int:post_id>/targets", methods=["POST"])
@requires(WRITE_ONE)
@blp.arguments(PostTargetSchema)
@blp.response(201, PostTargetSchema)
def add_target(data: dict[str, Any], post_id: int) -> PostTarget:
    """Publish the post on one more social account of its client (``If-Match`` of the post)."""
    db = database.session()
    post = services.get_post(db, post_id, lock=True)
    check_if_match(post, required=True)
    target = services.add_target(db, post, data)
    db.commit()
    return target


@blp.route("/posts/<int:post_id>/targets/<int:target_id>", methods=["PATCH"])
@requires(WRITE_ONE)
@blp.arguments(PostTargetUpdateSchema)
@blp.response(200, PostTargetSchema)
def update_target(data: dict[str, Any], post_id: int, target_id: int) -> PostTarget:
    """Replace a target's options (``If-Match`` of the post); approved content goes back to draft."""
    db = database.session()
    post = services.get_post(db, post_id, lock=True)
    check_if_match(post, required=True)
    target = services.update_target(db, post, services.get_target(post, target_id), data["options"])
    db.commit()
    return target


@blp.route("/posts/<int:post_id>/targets/<int:target_id>", methods=["DELETE"])
@requires(WRITE_ONE)
@blp.response(204)
def remove_target(post_id: int, target_id: int) -> None:
    """Stop publishing on one account (``If-Match`` of the post)."""
    db = database.session()
    post = services.get_post(db, post_id, lock=True)
    check_if_match(post, required=True)
    services.remove_target(db, post, services.get_target(post, target_id))
    db.commit()


@blp.route("/posts/<int:post_id>/preflight", methods=["GET"])
@requires(WRITE_ONE)
@blp.response(200, PreflightSchema)
def preflight(post_id: int) -> dict[str, Any]:
    """Problems per target: each platform's ``validate`` plus plugins' ``check_content``."""
    db = database.session()
    return services.preflight(current_app, db, services.get_post(db, post_id))


@blp.route("/posts/<int:post_id>/diff", methods=["GET"])
@requires(READ_ONE)
@blp.response(200, ContentDiffSchema)
def post_diff(post_id: int) -> dict[str, Any]:
    """What changed between the last decided version and the current content."""
    db = database.session()
    post = services.get_post(db, post_id)
    if post.status in CLIENT_HIDDEN and _client_side_only(post.client_id):
        raise NotFound(f"No post {post_id}.")
    return diffs.subject_diff(db, "post", post_id)


@blp.route("/posts/<int:post_id>/schedule", methods=["POST"])
@requires(WRITE_ONE)
@blp.arguments(ScheduleSchema)
@blp.response(200, PostSchema)
def schedule(data: dict[str, Any], post_id: int) -> tuple[Post, dict[str, str]]:
    """Give targets their times, entered in the client's timezone (approved content only)."""
    db = database.session()
    post = services.get_post(db, post_id, lock=True)
    services.schedule(current_app, db, post, data)
    db.commit()
    return post, etag_header(post)


@blp.route("/posts/<int:post_id>/unschedule", methods=["POST"])
@requires(WRITE_ONE)
@blp.arguments(UnscheduleSchema)
@blp.response(200, PostSchema)
def unschedule(data: dict[str, Any], post_id: int) -> tuple[Post, dict[str, str]]:
    """Take scheduled targets off the schedule; the post stays approved."""
    db = database.session()
    post = services.get_post(db, post_id, lock=True)
    services.unschedule(db, post, data.get("target_ids"))
    db.commit()
    return post, etag_header(post)
