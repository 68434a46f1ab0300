"""Marshmallow field helpers shared by every schema.

Strings always carry a maximum length that matches their column, so an
over-long value is a 422 naming the field, never a database error.
"""

from __future__ import annotations

import re
import zoneinfo
from typing import Any

from marshmallow import ValidationError, fields, validate

CURRENCY = re.compile(r"^[A-Z]{3}$")
SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,78}[a-z0-9])?$")


def Str(max_length: int, *, required: bool = False, min_length: int = 0,
        **kwargs: Any) -> fields.String:
    """A string field with length bounds."""
    return fields.String(required=required,
                         validate=validate.Length(min=min_length, max=max_length), **kwargs)


def validate_timezone(value: str) -> None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError("Not a known IANA timezone, e.g. Europe/Berlin.") from exc


def Timezone(**kwargs: Any) -> fields.String:
    return fields.String(validate=[validate.Length(max=64), validate_timezone], **kwargs)


def Currency(**kwargs: Any) -> fields.String:
    return fields.String(
        validate=validate.Regexp(CURRENCY, error="An ISO 4217 code in capitals, e.g. EUR."),
        **kwargs,
    )


def Money(**kwargs: Any) -> fields.Integer:
    """An amount in integer minor units (cents)."""
    return fields.Integer(strict=True, validate=validate.Range(min=0, max=10**15), **kwargs)


def Slug(**kwargs: Any) -> fields.String:
    return fields.String(
        validate=validate.Regexp(SLUG, error="Lowercase letters, digits and dashes, 1-80 long."),
        **kwargs,
    )
