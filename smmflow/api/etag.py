"""ETags and ``If-Match`` for optimistic concurrency.

The ETag of an object is derived from its type, id and ``version`` column.
An edit sent with a stale ``If-Match`` answers 409 with the current ETag; an
edit of approvable content without ``If-Match`` answers 428.
"""

from __future__ import annotations

from typing import Any

from flask import request

from smmflow.errors import Conflict, PreconditionRequired


def etag_of(obj: Any) -> str:
    return f'"{obj.__tablename__}-{obj.id}-v{obj.version}"'


def check_if_match(obj: Any, *, required: bool = False) -> None:
    """Refuse the edit when ``If-Match`` names another version of ``obj``."""
    header = request.headers.get("If-Match")
    if not header:
        if required:
            raise PreconditionRequired(
                "This edit needs an If-Match header with the ETag you last read.",
                details={"etag": etag_of(obj)},
            )
        return
    current = etag_of(obj)
    given = [t.strip().removeprefix("W/") for t in header.split(",")]
    if "*" not in given and current not in given:
        raise Conflict(
            "The object changed since you read it; fetch it again and reapply your edit.",
            code="stale_version", details={"etag": current},
        )


def bump(obj: Any) -> None:
    """Increase the version after an edit, so the ETag changes."""
    obj.version = (obj.version or 0) + 1


def etag_header(obj: Any) -> dict[str, str]:
    """Headers carrying the ETag of ``obj``, for a view's return tuple."""
    return {"ETag": etag_of(obj)}
