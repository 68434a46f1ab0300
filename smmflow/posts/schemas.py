"""Schemas of posts, their targets, preflight and scheduling."""

from __future__ import annotations

import json
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates, validates_schema

from smmflow.api.fields import Str

MAX_TEXT = 100_000
MAX_MEDIA = 20
MAX_OPTIONS_BYTES = 10_000


def check_options(value: dict[str, Any]) -> None:
    """Options are a small JSON object of named settings."""
    if len(value) > 50:
        raise ValidationError("At most 50 options.")
    for key in value:
        if not key or len(key) > 100:
            raise ValidationError("Option names are 1 to 100 characters.")
    if len(json.dumps(value, default=str)) > MAX_OPTIONS_BYTES:
        raise ValidationError(f"Options are at most {MAX_OPTIONS_BYTES} bytes of JSON.")


def Options(**kwargs: Any) -> fields.Dict:
    return fields.Dict(keys=fields.String(), validate=check_options, **kwargs)


class PostMediaSchema(Schema):
    """One media file. ``path`` is accepted only for files the post already has."""

    kind = fields.String(required=True, validate=validate.OneOf(["image", "video"]))
    mime_type = Str(100, required=True, min_length=3)
    size_bytes = fields.Integer(strict=True, required=True, validate=validate.Range(min=0))
    sha256 = fields.String(load_default="", validate=validate.Regexp(
        r"^([0-9a-f]{64})?$", error="64 lowercase hex digits."))
    path = Str(1000, allow_none=True, load_default=None)
    url = fields.Url(allow_none=True, load_default=None, validate=validate.Length(max=2000))
    filename = Str(255, load_default="")
    width = fields.Integer(strict=True, allow_none=True, load_default=None,
                           validate=validate.Range(min=1, max=100_000))
    height = fields.Integer(strict=True, allow_none=True, load_default=None,
                            validate=validate.Range(min=1, max=100_000))
    duration_seconds = fields.Float(allow_none=True, load_default=None,
                                    validate=validate.Range(min=0))
    format = Str(20, allow_none=True, load_default=None)

    @validates_schema
    def _source(self, data: dict[str, Any], **_: Any) -> None:
        if not (data.get("sha256") or data.get("url") or data.get("path")):
            raise ValidationError("Give the sha256 of an uploaded file or a url.", field_name="sha256")


class PostTargetSchema(Schema):
    id = fields.Integer(dump_only=True)
    post_id = fields.Integer(dump_only=True)
    social_account_id = fields.Integer(strict=True, required=True)
    options = Options(load_default=dict)
    status = fields.String(dump_only=True)
    scheduled_at = fields.DateTime(dump_only=True)
    content_hash = fields.String(dump_only=True)
    external_id = fields.String(dump_only=True)
    url = fields.String(dump_only=True)
    attempts = fields.Integer(dump_only=True)
    last_error = fields.String(dump_only=True)
    published_at = fields.DateTime(dump_only=True)


class PostTargetUpdateSchema(Schema):
    options = Options(required=True)


class PostSchema(Schema):
    id = fields.Integer(dump_only=True)
    client_id = fields.Integer(dump_only=True)
    campaign_id = fields.Integer(strict=True, allow_none=True, load_default=None)
    brief_id = fields.Integer(strict=True, allow_none=True, load_default=None)
    title = Str(200, load_default="")
    text = Str(MAX_TEXT, load_default=None, allow_none=True)
    media = fields.List(fields.Nested(PostMediaSchema), load_default=None, allow_none=True,
                        validate=validate.Length(max=MAX_MEDIA))
    options = Options(load_default=dict)
    from_submissions = fields.List(
        fields.Integer(strict=True), load_only=True, load_default=list,
        validate=validate.Length(max=20),
        metadata={"description": "Copy text and media from these accepted submissions "
                                 "(their assignments must be done). Explicit text/media win."})
    status = fields.String(dump_only=True)
    content_hash = fields.String(dump_only=True)
    approved_hash = fields.String(dump_only=True)
    created_by_id = fields.Integer(dump_only=True)
    version = fields.Integer(dump_only=True)
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)
    targets = fields.List(fields.Nested(PostTargetSchema), dump_only=True)

    @validates("from_submissions")
    def _unique(self, value: list[int], **_: Any) -> None:
        if len(set(value)) != len(value):
            raise ValidationError("Each submission once.")


class PostUpdateSchema(Schema):
    campaign_id = fields.Integer(strict=True, allow_none=True)
    title = Str(200)
    text = Str(MAX_TEXT)
    media = fields.List(fields.Nested(PostMediaSchema), validate=validate.Length(max=MAX_MEDIA))
    options = Options()


class PostListArgs(Schema):
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    cursor = fields.String(load_default=None, validate=validate.Length(max=100))
    status = fields.String(load_default=None, validate=validate.OneOf(
        ["draft", "in_approval", "changes_requested", "approved", "scheduled"]))


class ContentProblemSchema(Schema):
    field = fields.String()
    code = fields.String()
    message = fields.String()
    platform = fields.String()


class TargetPreflightSchema(Schema):
    target_id = fields.Integer()
    social_account_id = fields.Integer()
    platform = fields.String()
    handle = fields.String()
    ok = fields.Boolean()
    problems = fields.List(fields.Nested(ContentProblemSchema))


class PreflightSchema(Schema):
    post_id = fields.Integer()
    content_hash = fields.String()
    ok = fields.Boolean()
    content_problems = fields.List(fields.Nested(ContentProblemSchema), metadata={
        "description": "Problems from content checks that name no platform (shown on every target)."})
    targets = fields.List(fields.Nested(TargetPreflightSchema))


class TargetTimeSchema(Schema):
    target_id = fields.Integer(strict=True, required=True)
    at = Str(40, required=True, metadata={
        "description": "ISO time; without an offset it is read in the client's timezone."})


class ScheduleSchema(Schema):
    at = Str(40, load_default=None, metadata={
        "description": "Time for every schedulable target not listed in `targets`; ISO, "
                       "naive = the client's timezone (e.g. 2026-12-01T09:00)."})
    targets = fields.List(fields.Nested(TargetTimeSchema), load_default=list,
                          validate=validate.Length(max=100))

    @validates_schema
    def _something(self, data: dict[str, Any], **_: Any) -> None:
        if not data.get("at") and not data.get("targets"):
            raise ValidationError("Give `at` or per-target times in `targets`.", field_name="at")


class UnscheduleSchema(Schema):
    target_ids = fields.List(fields.Integer(strict=True), load_default=None, allow_none=True,
                             metadata={"description": "Default: every scheduled target."})
