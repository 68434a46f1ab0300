"""Cursor pagination: ``?limit=&cursor=`` in, ``{"items", "next_cursor"}`` out.

The cursor is an opaque, URL-safe token holding the last id of the page, so
pages stay stable while rows are added.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from marshmallow import Schema, fields, validate
from sqlalchemy import Select
from sqlalchemy.orm import Session

from smmflow.errors import ValidationFailed

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


class PageArgs(Schema):
    """Query arguments of every list."""

    limit = fields.Integer(load_default=DEFAULT_LIMIT,
                           validate=validate.Range(min=1, max=MAX_LIMIT))
    cursor = fields.String(load_default=None, validate=validate.Length(max=100))


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"id:{last_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        prefix, _, value = raw.partition(":")
        if prefix != "id":
            raise ValueError(cursor)
        return int(value)
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise ValidationFailed("Invalid cursor", fields={"cursor": ["Not a valid cursor."]}) from exc


def paginate(db: Session, stmt: Select[Any], id_column: Any, args: dict[str, Any]) -> dict[str, Any]:
    """Run ``stmt`` ordered by ``id_column`` after the cursor; return one page."""
    limit = args.get("limit", DEFAULT_LIMIT)
    if args.get("cursor"):
        stmt = stmt.where(id_column > decode_cursor(args["cursor"]))
    rows = list(db.scalars(stmt.order_by(id_column).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return {"items": rows, "next_cursor": encode_cursor(rows[-1].id) if more and rows else None}


NEXT_CURSOR_DOC = "Pass as ?cursor= for the next page; null on the last page."
_page_schemas: dict[type[Schema], type[Schema]] = {}


def page_of(item_schema: type[Schema]) -> type[Schema]:
    """The schema of one page of ``item_schema`` items (cached, so OpenAPI names it once)."""
    if item_schema not in _page_schemas:
        name = item_schema.__name__.removesuffix("Schema") + "PageSchema"
        _page_schemas[item_schema] = type(name, (Schema,), {
            "items": fields.List(fields.Nested(item_schema), required=True),
            "next_cursor": fields.String(allow_none=True, required=True,
                                         metadata={"description": NEXT_CURSOR_DOC}),
        })
    return _page_schemas[item_schema]
