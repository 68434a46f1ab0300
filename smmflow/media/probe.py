"""What an uploaded file really is: sniffed from its bytes, never from its name.

Images are opened and fully decoded with Pillow; videos are opened with PyAV
(FFmpeg's libraries ship inside the wheel, so no system binary is needed) and
their first frame is decoded. A file whose bytes are not a supported image or
video answers 415; a file that claims to be one but cannot be decoded answers
422. Both name the field.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

from smmflow.errors import UnsupportedMediaType, ValidationFailed

IMAGE_TYPES = {"jpeg": "image/jpeg", "png": "image/png", "webp": "image/webp", "gif": "image/gif"}
VIDEO_TYPES = {"mp4": "video/mp4", "mov": "video/quicktime", "webm": "video/webm"}
IMAGE_FORMATS = tuple(IMAGE_TYPES)
VIDEO_FORMATS = tuple(VIDEO_TYPES)
MAX_IMAGE_PIXELS = 80_000_000  # guards against decompression bombs
SUPPORTED = ", ".join(f.upper() for f in IMAGE_FORMATS) + " images; " + \
    ", ".join(f.upper() for f in VIDEO_FORMATS) + " videos"


@dataclass(frozen=True)
class MediaInfo:
    """The facts the spec checks need about one file."""

    kind: str  # "image" | "video"
    format: str
    mime_type: str
    width: int | None = None
    height: int | None = None
    duration_seconds: float | None = None


def sniff(head: bytes) -> tuple[str, str] | None:
    """``(kind, format)`` from the first bytes of a file, or None."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image", "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image", "png"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image", "gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image", "webp"
    if head[4:8] == b"ftyp":
        return "video", "mov" if head[8:12] == b"qt  " else "mp4"
    if head[4:8] in (b"moov", b"mdat", b"wide", b"free"):
        return "video", "mov"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "video", "webm"
    return None


def probe(path: Path, *, declared_type: str = "", field: str = "files") -> MediaInfo:
    """Identify and decode the file at ``path``; raise 415 or 422 naming ``field``."""
    with open(path, "rb") as handle:
        head = handle.read(64)
    found = sniff(head)
    declared_kind = declared_type.split("/", 1)[0].lower()
    if found is None:
        if declared_kind in {"image", "video"}:
            raise ValidationFailed(
                f"{field}: the file is declared as {declared_type} but is not a readable "
                f"{declared_kind}; it may be corrupt or truncated.",
                fields={field: [f"Not a readable {declared_kind}."]})
        raise UnsupportedMediaType(
            f"{field}: unsupported file type {declared_type or 'unknown'}; accepted: {SUPPORTED}.",
            details={"fields": {field: ["Unsupported file type."]}, "accepted": SUPPORTED})
    kind, fmt = found
    if kind == "image":
        return _probe_image(path, fmt, field)
    return _probe_video(path, fmt, field)


def _corrupt(field: str, kind: str, fmt: str) -> ValidationFailed:
    return ValidationFailed(
        f"{field}: the {fmt.upper()} {kind} is corrupt or truncated and cannot be decoded.",
        fields={field: [f"Corrupt {kind}."]})


def _probe_image(path: Path, fmt: str, field: str) -> MediaInfo:
    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                width, height = image.size
                if width * height > MAX_IMAGE_PIXELS:
                    raise ValidationFailed(
                        f"{field}: the image has {width}x{height} pixels; at most "
                        f"{MAX_IMAGE_PIXELS // 1_000_000} megapixels are accepted.",
                        fields={field: ["Too many pixels."]})
                image.load()
                actual = (image.format or "").lower()
    except ValidationFailed:
        raise
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError,
            Image.DecompressionBombWarning) as exc:
        raise _corrupt(field, "image", fmt) from exc
    if actual == "mpo":  # multi-picture JPEG from cameras
        actual = "jpeg"
    if actual != fmt:
        raise _corrupt(field, "image", fmt)
    return MediaInfo("image", fmt, IMAGE_TYPES[fmt], width=width, height=height)


def _probe_video(path: Path, fmt: str, field: str) -> MediaInfo:
    import av

    try:
        with av.open(str(path), mode="r") as container:
            if not container.streams.video:
                raise _corrupt(field, "video", fmt)
            stream = container.streams.video[0]
            width = stream.codec_context.width or None
            height = stream.codec_context.height or None
            duration: float | None = None
            if container.duration is not None:
                duration = container.duration / av.time_base
            elif stream.duration is not None and stream.time_base is not None:
                duration = float(stream.duration * stream.time_base)
            next(container.decode(stream))  # one real frame: the stream is decodable
    except ValidationFailed:
        raise
    except (av.FFmpegError, StopIteration, OSError, ValueError) as exc:
        raise _corrupt(field, "video", fmt) from exc
    return MediaInfo("video", fmt, VIDEO_TYPES[fmt], width=width, height=height,
                     duration_seconds=round(duration, 3) if duration is not None else None)
