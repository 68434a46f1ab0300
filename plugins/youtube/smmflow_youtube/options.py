"""Per-target options of a YouTube upload, the tag budget and the reconciliation tag."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from marshmallow import Schema, fields, validate

TAGS_MAX_CHARS = 500
# smmflow adds one tag to find a video again after a timeout (see marker_tag); it is
# kept out of the budget a manager can use, so validate() never lets it overflow.
MARKER_TAG_PREFIX = "smmflow"
MARKER_TAG_LENGTH = len(MARKER_TAG_PREFIX) + 16
MARKER_TAG_RESERVE = MARKER_TAG_LENGTH + 1  # the tag and its comma
USER_TAGS_MAX_CHARS = TAGS_MAX_CHARS - MARKER_TAG_RESERVE

PRIVACY_STATUSES = ("public", "unlisted", "private")


class YouTubeOptions(Schema):
    """What a manager may set per YouTube target."""

    privacy_status = fields.String(validate=validate.OneOf(PRIVACY_STATUSES), load_default="public")
    publish_at = fields.AwareDateTime(load_default=None, allow_none=True)
    tags = fields.List(fields.String(validate=validate.Length(min=1, max=TAGS_MAX_CHARS)),
                       load_default=list, validate=validate.Length(max=500))
    category_id = fields.String(validate=validate.Regexp(r"^\d{1,4}$", error="Use a numeric YouTube "
                                                         "category id, e.g. 22 (People & Blogs)."),
                                load_default="22")
    made_for_kids = fields.Boolean(load_default=False)
    notify_subscribers = fields.Boolean(load_default=True)
    default_language = fields.String(validate=validate.Length(min=2, max=12), load_default=None,
                                     allow_none=True)
    embeddable = fields.Boolean(load_default=None, allow_none=True)
    license = fields.String(validate=validate.OneOf(("youtube", "creativeCommon")), load_default=None,
                            allow_none=True)


def tags_length(tags: Sequence[str]) -> int:
    """Length of ``tags`` as YouTube counts it: commas between tags, quotes around a tag with a space."""
    if not tags:
        return 0
    return sum(len(tag) + (2 if " " in tag else 0) for tag in tags) + len(tags) - 1


def marker_tag(marker: str) -> str:
    """The tag that ties a video to the smmflow target that uploaded it.

    A digest of the marker (not the marker itself) keeps it short and meaningless
    to viewers; tags are not shown on the watch page.
    """
    digest = hashlib.sha256(marker.encode("utf-8")).hexdigest()[:16]
    return f"{MARKER_TAG_PREFIX}{digest}"
