"""What a post publishes: its content hash and the content handed to a platform.

Approval is for one exact content version. :func:`content_hash` is the
SHA-256 of the canonical JSON of the post's text, title, media (their SHA-256
digests) and options; an approved post keeps that hash in ``approved_hash``
and each scheduled target carries it in ``content_hash``. The publish engine
never sends a target whose hash differs from the approved one.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.orm import Session

from smmflow.platforms.content import Content, MediaItem
from smmflow.posts.models import Post, PostTarget

_MEDIA_FIELDS = frozenset(f.name for f in dataclasses.fields(MediaItem))


def media_identity(item: Mapping[str, Any]) -> str:
    """What identifies one media file in a hash: its SHA-256, else its URL or path."""
    return str(item.get("sha256") or item.get("url") or item.get("path") or "")


def hash_content(text: str, title: str, media: Sequence[Mapping[str, Any]],
                 options: Mapping[str, Any]) -> str:
    """SHA-256 hex of the canonical JSON of one content version."""
    canonical = json.dumps(
        {"text": text or "", "title": title or "",
         "media": [media_identity(m) for m in media or []], "options": dict(options or {})},
        sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str,
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def content_hash(post: Post) -> str:
    """The content hash of ``post`` as it is now (text, title, media digests, options)."""
    return hash_content(post.text, post.title, post.media, post.options)


def media_item(data: Mapping[str, Any]) -> MediaItem:
    """A :class:`MediaItem` from a stored media dict (unknown keys are ignored)."""
    values = {k: v for k, v in data.items() if k in _MEDIA_FIELDS}
    values.setdefault("kind", "image")
    values.setdefault("mime_type", "application/octet-stream")
    values.setdefault("size_bytes", 0)
    return MediaItem(**values)


def build_content(text: str, title: str, media: Sequence[Mapping[str, Any]],
                  options: Mapping[str, Any]) -> tuple[Content, dict[str, Any]]:
    """Content and the remaining options; an option ``link`` becomes ``Content.link``."""
    merged = dict(options)
    link = merged.pop("link", None)
    content = Content(text=text or "", title=title or "",
                      media=tuple(media_item(m) for m in media or []),
                      link=str(link) if link else None)
    return content, merged


def content_for(db: Session, target: PostTarget) -> tuple[Content, dict[str, Any]]:
    """What ``target`` publishes: the post's content, post options overlaid by target options."""
    post = target.post if target.post is not None else db.get(Post, target.post_id)
    assert post is not None
    return build_content(post.text, post.title, post.media,
                         {**(post.options or {}), **(target.options or {})})
