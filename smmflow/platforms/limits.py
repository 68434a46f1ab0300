"""Content limits a platform declares, and the generic checks they drive."""

from __future__ import annotations

from dataclasses import dataclass, field

from smmflow.platforms.content import Content, Problem


@dataclass(frozen=True)
class ContentLimits:
    """What one network accepts. ``None`` means no limit is known.

    ``text_unit`` says how lengths are counted: ``"chars"`` or ``"bytes"``
    (UTF-8; YouTube descriptions). ``max_caption_length`` applies instead of
    ``max_text_length`` when the post has media.
    """

    max_text_length: int | None = None
    min_text_length: int = 0
    max_caption_length: int | None = None
    text_unit: str = "chars"
    max_title_length: int | None = None
    title_required: bool = False
    max_hashtags: int | None = None
    max_mentions: int | None = None
    forbidden_chars: str = ""
    min_media: int = 0
    max_media: int | None = None
    media_kinds: frozenset[str] = field(default_factory=lambda: frozenset({"image", "video"}))
    image_formats: frozenset[str] = field(default_factory=lambda: frozenset({"jpeg", "png"}))
    max_image_bytes: int | None = None
    min_image_width: int | None = None
    max_image_width: int | None = None
    max_image_sides_sum: int | None = None
    min_aspect_ratio: float | None = None
    max_aspect_ratio: float | None = None
    video_formats: frozenset[str] = field(default_factory=lambda: frozenset({"mp4", "mov"}))
    max_video_bytes: int | None = None
    min_video_seconds: float | None = None
    max_video_seconds: float | None = None

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {}
        for key, value in self.__dict__.items():
            out[key] = sorted(value) if isinstance(value, frozenset) else value
        return out


def _length(text: str, unit: str) -> int:
    return len(text.encode("utf-8")) if unit == "bytes" else len(text)


def check_limits(limits: ContentLimits, content: Content, platform: str = "") -> list[Problem]:
    """Generic checks of ``content`` against ``limits``, with messages a manager understands."""
    problems: list[Problem] = []

    def add(field_name: str, code: str, message: str) -> None:
        problems.append(Problem(field_name, code, message, platform))

    unit = "bytes" if limits.text_unit == "bytes" else "characters"
    length = _length(content.text, limits.text_unit)
    max_len = limits.max_caption_length if content.media and limits.max_caption_length \
        else limits.max_text_length
    label = "caption" if content.media and limits.max_caption_length else "text"
    if max_len is not None and length > max_len:
        add("text", "text_too_long",
            f"The {label} is {length} {unit}; the limit is {max_len}. Cut {length - max_len}.")
    if length < limits.min_text_length:
        add("text", "text_too_short", f"The text needs at least {limits.min_text_length} {unit}.")
    if limits.title_required and not content.title.strip():
        add("title", "title_required", "A title is required.")
    if limits.max_title_length is not None and len(content.title) > limits.max_title_length:
        add("title", "title_too_long",
            f"The title is {len(content.title)} characters; the limit is "
            f"{limits.max_title_length}.")
    for ch in limits.forbidden_chars:
        if ch in content.text or ch in content.title:
            add("text", "forbidden_character", f"The character {ch!r} is not allowed.")
    if limits.max_hashtags is not None and len(content.hashtags) > limits.max_hashtags:
        add("text", "too_many_hashtags",
            f"{len(content.hashtags)} hashtags; at most {limits.max_hashtags} are allowed.")
    if limits.max_mentions is not None and len(content.mentions) > limits.max_mentions:
        add("text", "too_many_mentions",
            f"{len(content.mentions)} @mentions; at most {limits.max_mentions} are allowed.")
    count = len(content.media)
    if count < limits.min_media:
        add("media", "media_required",
            f"At least {limits.min_media} media file(s) needed; the post has {count}.")
    if limits.max_media is not None and count > limits.max_media:
        add("media", "too_many_media", f"{count} media files; at most {limits.max_media}.")
    for i, item in enumerate(content.media):
        where = f"media[{i}]"
        if item.kind not in limits.media_kinds:
            add(where, "media_kind", f"{item.kind} files cannot be posted here.")
            continue
        if item.kind == "image":
            _check_image(limits, item, where, add)
        elif item.kind == "video":
            _check_video(limits, item, where, add)
    return problems


def _check_image(limits: ContentLimits, item: object, where: str, add: object) -> None:
    from smmflow.platforms.content import MediaItem

    assert isinstance(item, MediaItem)
    assert callable(add)
    if item.format and item.format not in limits.image_formats:
        add(where, "image_format",
            f"{item.format.upper()} images are not accepted; use "
            f"{', '.join(f.upper() for f in sorted(limits.image_formats))}.")
    if limits.max_image_bytes is not None and item.size_bytes > limits.max_image_bytes:
        add(where, "image_too_big",
            f"The image is {item.size_bytes / 1e6:.1f} MB; the limit is "
            f"{limits.max_image_bytes / 1e6:.0f} MB.")
    if item.width is not None:
        if limits.min_image_width is not None and item.width < limits.min_image_width:
            add(where, "image_too_narrow",
                f"The image is {item.width}px wide; at least {limits.min_image_width}px needed.")
        if limits.max_image_width is not None and item.width > limits.max_image_width:
            add(where, "image_too_wide",
                f"The image is {item.width}px wide; at most {limits.max_image_width}px.")
    if item.width and item.height and limits.max_image_sides_sum is not None and \
            item.width + item.height > limits.max_image_sides_sum:
        add(where, "image_too_large",
            f"Width + height is {item.width + item.height}px; at most "
            f"{limits.max_image_sides_sum}px.")
    ratio = item.aspect_ratio
    if ratio is not None:
        if limits.min_aspect_ratio is not None and ratio < limits.min_aspect_ratio - 1e-6:
            add(where, "aspect_ratio",
                f"Aspect ratio {ratio:.2f} is too tall; at least {limits.min_aspect_ratio:.2f}.")
        if limits.max_aspect_ratio is not None and ratio > limits.max_aspect_ratio + 1e-6:
            add(where, "aspect_ratio",
                f"Aspect ratio {ratio:.2f} is too wide; at most {limits.max_aspect_ratio:.2f}.")


def _check_video(limits: ContentLimits, item: object, where: str, add: object) -> None:
    from smmflow.platforms.content import MediaItem

    assert isinstance(item, MediaItem)
    assert callable(add)
    if item.format and item.format not in limits.video_formats:
        add(where, "video_format",
            f"{item.format.upper()} videos are not accepted; use "
            f"{', '.join(f.upper() for f in sorted(limits.video_formats))}.")
    if limits.max_video_bytes is not None and item.size_bytes > limits.max_video_bytes:
        add(where, "video_too_big",
            f"The video is {item.size_bytes / 1e6:.0f} MB; the limit is "
            f"{limits.max_video_bytes / 1e6:.0f} MB.")
    if item.duration_seconds is not None:
        if limits.min_video_seconds is not None and item.duration_seconds < limits.min_video_seconds:
            add(where, "video_too_short",
                f"The video lasts {item.duration_seconds:.0f} s; at least "
                f"{limits.min_video_seconds:.0f} s.")
        if limits.max_video_seconds is not None and item.duration_seconds > limits.max_video_seconds:
            add(where, "video_too_long",
                f"The video lasts {item.duration_seconds:.0f} s; at most "
                f"{limits.max_video_seconds:.0f} s.")
