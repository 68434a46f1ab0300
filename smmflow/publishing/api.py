"""``/api/v1/posts/<id>/targets`` (publishing state, every attempt) and a person's retry."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from smmflow import db as database
from smmflow.api import Blueprint
from smmflow.api.etag import check_if_match, etag_header
from smmflow.api.pagination import PageArgs, page_of, paginate
from smmflow.auth.permissions import client_role, requires, via_model
from smmflow.posts.models import Post, PostTarget
from smmflow.publishing import services
from smmflow.publishing.schemas import TargetPublishingSchema

blp = Blueprint("publishing", __name__, description="Publishing state of post targets")


def _target_client(db: Any, args: Any) -> int | None:
    return db.scalar(select(Post.client_id).join(PostTarget, PostTarget.post_id == Post.id)
                     .where(PostTarget.id == args.get("target_id")))


READ = client_role("manager", resolver=via_model(Post, "post_id"))
RETRY = client_role("manager", resolver=_target_client)


@blp.route("/posts/<int:post_id>/targets", methods=["GET"])
@requires(READ)
@blp.arguments(PageArgs, location="query")
@blp.response(200, page_of(TargetPublishingSchema))
def list_post_targets(args: dict[str, Any], post_id: int) -> dict[str, Any]:
    """The post's targets: status, schedule, outcome and every publish attempt
    (when, which worker, outcome, error)."""
    db = database.session()
    page = paginate(db, services.targets_query(post_id), PostTarget.id, args)
    return {"items": services.views(db, page["items"]), "next_cursor": page["next_cursor"]}


@blp.route("/post-targets/<int:target_id>/retry", methods=["POST"])
@requires(RETRY)
@blp.response(200, TargetPublishingSchema)
def retry_post_target(target_id: int) -> tuple[dict[str, Any], dict[str, str]]:
    """Publish a failed or unknown target again as soon as possible (409 in any other state).

    Accepts ``If-Match`` with the target's ETag. An unknown target is first
    looked for on the network where the platform can, so it is not posted twice.
    """
    db = database.session()
    target = services.get_target(db, target_id)
    check_if_match(target)
    services.retry(db, target)
    db.commit()
    return services.views(db, [target])[0], etag_header(target)
