"""Test helpers of the workflow tests: fake platforms, an event recorder, real media files."""

from __future__ import annotations

import io
from typing import Any

from smmflow.plugin_api import ContentLimits, Platform, hookimpl


class PhotoNet(Platform):
    """An Instagram-like network: captions up to 300 characters, JPEG only, 4:5 to 1.91:1."""

    name = "photonet"
    display_name = "PhotoNet"
    limits = ContentLimits(max_text_length=1000, max_caption_length=300, max_hashtags=5,
                           min_media=1, max_media=10, image_formats=frozenset({"jpeg"}),
                           min_image_width=320, min_aspect_ratio=0.8, max_aspect_ratio=1.91,
                           max_video_seconds=60)


class TextNet(Platform):
    """A Telegram-like network: long texts, shorter captions with media, any hashtags."""

    name = "textnet"
    display_name = "TextNet"
    limits = ContentLimits(max_text_length=4096, max_caption_length=1024)


class FakePlatforms:
    @hookimpl
    def register_platforms(self) -> list[Platform]:
        return [PhotoNet(), TextNet()]


class Recorder:
    """Records the workflow events fired after commit."""

    def __init__(self) -> None:
        self.events: list[tuple[str, dict[str, Any]]] = []

    def names(self) -> list[str]:
        return [name for name, _ in self.events]

    @hookimpl
    def on_assignment_offered(self, assignment_id: int, client_id: int, contractor_id: int) -> None:
        self.events.append(("on_assignment_offered", {"assignment_id": assignment_id,
                                                      "client_id": client_id,
                                                      "contractor_id": contractor_id}))

    @hookimpl
    def on_assignment_changed(self, assignment_id: int, client_id: int, contractor_id: int,
                              old_state: str, new_state: str) -> None:
        self.events.append(("on_assignment_changed", {"assignment_id": assignment_id,
                                                      "old_state": old_state, "new_state": new_state}))

    @hookimpl
    def on_assignment_overdue(self, assignment_id: int, client_id: int, contractor_id: int,
                              due_at: Any, kind: str) -> None:
        self.events.append(("on_assignment_overdue", {"assignment_id": assignment_id, "kind": kind,
                                                      "due_at": due_at}))

    @hookimpl
    def on_submission_received(self, submission_id: int, assignment_id: int, client_id: int,
                               check_passed: bool) -> None:
        self.events.append(("on_submission_received", {"submission_id": submission_id,
                                                       "check_passed": check_passed}))


def image_bytes(width: int = 1080, height: int = 1080, fmt: str = "JPEG") -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 60)).save(buffer, fmt)
    return buffer.getvalue()


def video_bytes(seconds: float = 2.0, fps: int = 10, width: int = 64, height: int = 48,
                fmt: str = "mp4") -> bytes:
    """A real (tiny) video encoded with PyAV."""
    import av

    buffer = io.BytesIO()
    codec = "libvpx" if fmt == "webm" else "mpeg4"
    with av.open(buffer, "w", format=fmt) as out:
        stream = out.add_stream(codec, rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        for i in range(round(seconds * fps)):
            frame = av.VideoFrame(width, height, "yuv420p")
            for plane in frame.planes:
                plane.update(bytes([(i * 7) % 255]) * plane.buffer_size)
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return buffer.getvalue()


TEXT_DELIVERABLE = {"key": "caption", "kind": "text", "role": "copywriter", "title": "Caption",
                    "requirements": {"min_length": 20, "max_length": 400,
                                     "required_words": ["Acme"], "forbidden_words": ["cheap"],
                                     "min_hashtags": 1, "max_hashtags": 3,
                                     "required_hashtags": ["#acme"]}}
IMAGE_DELIVERABLE = {"key": "photo", "kind": "image", "role": "designer", "title": "Key visual",
                     "requirements": {"image_min_width": 600, "image_min_height": 600,
                                      "image_formats": ["jpeg", "png"]}}
VIDEO_DELIVERABLE = {"key": "clip", "kind": "video", "role": "videographer",
                     "requirements": {"min_duration_seconds": 1, "max_duration_seconds": 5,
                                      "video_formats": ["mp4"]}}
