"""Per-target options of an Instagram post (validated before approval)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

POST_KINDS = ("auto", "feed", "reel")


class InstagramOptions(Schema):
    """Options a manager may set on an Instagram target; unknown keys are refused.

    ``kind``: ``auto`` (one image: a feed photo; one video: a reel; 2–10 files: a carousel),
    ``feed`` (a photo or a carousel; never a reel) or ``reel`` (exactly one video).
    """

    kind = fields.String(load_default="auto", validate=validate.OneOf(POST_KINDS))
    alt_text = fields.String(validate=validate.Length(max=1000))
    location_id = fields.String(validate=[validate.Length(min=1, max=64),
                                          validate.Regexp(r"^\d+$", error="Use a numeric "
                                                          "Facebook location id.")])
    share_to_feed = fields.Boolean()
    cover_url = fields.Url(schemes={"http", "https"}, validate=validate.Length(max=2048))
    thumb_offset = fields.Integer(validate=validate.Range(min=0, max=15 * 60 * 1000))
