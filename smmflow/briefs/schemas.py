"""Schemas of briefs and tech specs."""

from __future__ import annotations

import re
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from smmflow.api.fields import Str
from smmflow.briefs.requirements import BOUNDS, CONTRACTOR_ROLES, KEYS_BY_KIND, KINDS
from smmflow.media.probe import IMAGE_FORMATS, VIDEO_FORMATS

DELIVERABLE_KEY = re.compile(r"^[a-z0-9][a-z0-9_-]{0,79}$")
HASHTAG = re.compile(r"^#?\w{1,100}$")


def _count(maximum: int, **kwargs: Any) -> fields.Integer:
    return fields.Integer(strict=True, validate=validate.Range(min=0, max=maximum), **kwargs)


def _words(**kwargs: Any) -> fields.List:
    return fields.List(Str(100, min_length=1), validate=validate.Length(max=100), **kwargs)


class RequirementsSchema(Schema):
    """Machine-checkable requirements of one deliverable; every key is optional."""

    min_length = _count(100_000, metadata={"description": "Fewest characters of text."})
    max_length = fields.Integer(strict=True, validate=validate.Range(min=1, max=100_000))
    required_words = _words(metadata={"description": "Words or phrases the text must contain."})
    forbidden_words = _words(metadata={"description": "Words or phrases the text must not contain."})
    min_hashtags = _count(100)
    max_hashtags = _count(100)
    required_hashtags = fields.List(
        fields.String(validate=validate.Regexp(HASHTAG, error="A hashtag like #brand.")),
        validate=validate.Length(max=50))
    max_mentions = _count(100)
    image_min_width = fields.Integer(strict=True, validate=validate.Range(min=1, max=20_000))
    image_min_height = fields.Integer(strict=True, validate=validate.Range(min=1, max=20_000))
    min_aspect_ratio = fields.Float(validate=validate.Range(min=0.01, max=100),
                                    metadata={"description": "Width / height, e.g. 0.8 for 4:5."})
    max_aspect_ratio = fields.Float(validate=validate.Range(min=0.01, max=100))
    image_formats = fields.List(fields.String(validate=validate.OneOf(IMAGE_FORMATS)),
                                validate=validate.Length(min=1, max=len(IMAGE_FORMATS)))
    max_bytes = fields.Integer(strict=True, validate=validate.Range(min=1, max=10**11),
                               metadata={"description": "Largest file, in bytes."})
    min_duration_seconds = fields.Float(validate=validate.Range(min=0, max=86_400))
    max_duration_seconds = fields.Float(validate=validate.Range(min=0.1, max=86_400))
    video_formats = fields.List(fields.String(validate=validate.OneOf(VIDEO_FORMATS)),
                                validate=validate.Length(min=1, max=len(VIDEO_FORMATS)))
    min_items = _count(100, metadata={"description": "Fewest media files (carousel slides)."})
    max_items = _count(100)

    @validates_schema
    def _bounds(self, data: dict[str, Any], **_: Any) -> None:
        errors: dict[str, list[str]] = {}
        for low, high in BOUNDS:
            if low in data and high in data and data[low] > data[high]:
                errors[high] = [f"Must not be below {low} ({data[low]})."]
        if errors:
            raise ValidationError(errors)


class DeliverableSchema(Schema):
    """One deliverable: what to make, who makes it, and what it must satisfy."""

    key = fields.String(required=True, validate=validate.Regexp(
        DELIVERABLE_KEY, error="Lowercase letters, digits, '-' and '_', 1-80 long, e.g. caption."))
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    role = fields.String(required=True, validate=validate.OneOf(CONTRACTOR_ROLES),
                         metadata={"description": "The contractor role it needs."})
    title = Str(200, load_default="")
    description = Str(10_000, load_default="")
    platforms = fields.List(Str(50, min_length=1), validate=validate.Length(max=20),
                            metadata={"description": "Subset of the brief's target platforms "
                                                     "(default: all of them)."})
    requirements = fields.Nested(RequirementsSchema, load_default=dict)

    @validates_schema
    def _applicable(self, data: dict[str, Any], **_: Any) -> None:
        kind = data.get("kind")
        if kind not in KEYS_BY_KIND:
            return
        allowed = KEYS_BY_KIND[kind]
        wrong = {key: [f"Not a requirement of {kind} deliverables."]
                 for key in data.get("requirements", {}) if key not in allowed}
        if wrong:
            raise ValidationError({"requirements": wrong})


class SpecInSchema(Schema):
    """A new version of a brief's spec."""

    deliverables = fields.List(fields.Nested(DeliverableSchema), required=True,
                               validate=validate.Length(min=1, max=50))
    change_note = Str(500, load_default="")

    @validates_schema
    def _unique_keys(self, data: dict[str, Any], **_: Any) -> None:
        seen: set[str] = set()
        for index, item in enumerate(data.get("deliverables", [])):
            if item["key"] in seen:
                raise ValidationError({"deliverables": {index: {"key": ["Used twice in this spec."]}}})
            seen.add(item["key"])


class EffectiveValueSchema(Schema):
    value = fields.Raw()
    source = fields.String(metadata={"description": '"spec", "default" or a platform name.'})


class EffectiveDeliverableSchema(Schema):
    key = fields.String()
    kind = fields.String()
    role = fields.String()
    title = fields.String()
    description = fields.String()
    platforms = fields.List(fields.String())
    requirements = fields.Dict(metadata={"description": "As written in the spec."})
    effective = fields.Dict(keys=fields.String(), values=fields.Nested(EffectiveValueSchema),
                            metadata={"description": "Stricter of spec, defaults and platforms."})
    warnings = fields.List(fields.String())


class SpecVersionSchema(Schema):
    number = fields.Integer()
    current = fields.Boolean()
    change_note = fields.String()
    platforms = fields.List(fields.String())
    created_by_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime()
    deliverables = fields.List(fields.Nested(EffectiveDeliverableSchema))


class SpecVersionSummarySchema(Schema):
    id = fields.Integer()
    number = fields.Integer()
    change_note = fields.String()
    created_by_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime()


class BriefSchema(Schema):
    id = fields.Integer(dump_only=True)
    client_id = fields.Integer(dump_only=True)
    campaign_id = fields.Integer(strict=True, allow_none=True, load_default=None)
    title = Str(200, required=True, min_length=1)
    objective = Str(20_000, load_default="")
    audience = Str(20_000, load_default="")
    key_message = Str(20_000, load_default="")
    tone_of_voice = Str(20_000, load_default="")
    target_platforms = fields.List(Str(50, min_length=1), load_default=list,
                                   validate=validate.Length(max=20))
    references = fields.List(Str(2000, min_length=1), load_default=list,
                             validate=validate.Length(max=50))
    due_at = fields.AwareDateTime(allow_none=True, load_default=None)
    spec_version = fields.Function(lambda b: b.spec.current_number if b.spec else None,
                                   dump_only=True, metadata={"description": "Current spec version."})
    created_by_id = fields.Integer(dump_only=True, allow_none=True)
    version = fields.Integer(dump_only=True)
    created_at = fields.DateTime(dump_only=True)


class BriefUpdateSchema(Schema):
    campaign_id = fields.Integer(strict=True, allow_none=True)
    title = Str(200, min_length=1)
    objective = Str(20_000)
    audience = Str(20_000)
    key_message = Str(20_000)
    tone_of_voice = Str(20_000)
    target_platforms = fields.List(Str(50, min_length=1), validate=validate.Length(max=20))
    references = fields.List(Str(2000, min_length=1), validate=validate.Length(max=50))
    due_at = fields.AwareDateTime(allow_none=True)
