"""The resumable upload protocol of ``videos.insert``, sent in chunks.

1. POST the video resource to ``/upload/youtube/v3/videos?uploadType=resumable``;
   the ``Location`` answer header is the session URI. It is saved with
   ``ctx.save_state`` before a single byte is sent.
2. PUT the file in chunks with ``Content-Range: bytes a-b/total``; each non-final
   chunk is answered 308 with ``Range: bytes=0-N`` (what YouTube stored); the
   final one 200/201 with the video resource.
3. After an interruption (dropped connection, 5xx), PUT an empty body with
   ``Content-Range: bytes */total``: 308 + Range says where to resume, a final
   status returns the video (the upload had completed), 404/410 means the session
   expired.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx

from smmflow.plugin_api import ContentRejected, JobContext, MediaItem, TransientError
from smmflow_youtube.client import YouTubeClient, json_body, redact_uri, transport_error

RANGE = re.compile(r"^bytes=0-(\d+)$")
FINAL = (200, 201)
GONE = (404, 410)


@dataclass(frozen=True)
class UploadSource:
    """The video bytes: a local file and its MIME type."""

    path: str
    total: int
    mime_type: str

    def read(self, offset: int, size: int) -> bytes:
        with open(self.path, "rb") as fh:
            fh.seek(offset)
            return fh.read(size)


@contextlib.contextmanager
def open_source(ctx: JobContext, item: MediaItem) -> Iterator[UploadSource]:
    """The file of ``item``: its local path, or a temporary download of its URL."""
    mime = item.mime_type if item.mime_type.startswith("video/") else "application/octet-stream"
    if item.path and os.path.isfile(item.path):
        yield UploadSource(item.path, os.path.getsize(item.path), mime)
        return
    if not item.url:
        name = f"'{item.filename}'" if item.filename else "of this post"
        raise ContentRejected(f"The video file {name} is missing on the server; upload it again.")
    with tempfile.NamedTemporaryFile(prefix="smmflow-youtube-", suffix=".video") as tmp:
        try:
            with ctx.http.stream("GET", item.url) as response:
                if response.status_code != 200:
                    raise TransientError(f"Could not download the video to upload (HTTP "
                                         f"{response.status_code}).")
                for block in response.iter_bytes(1 << 20):
                    tmp.write(block)
        except httpx.HTTPError as exc:
            raise transport_error(exc, "video download", may_have_applied=False) from None
        tmp.flush()
        yield UploadSource(tmp.name, os.path.getsize(tmp.name), mime)


class ResumableUpload:
    """One video's upload session."""

    def __init__(self, client: YouTubeClient, source: UploadSource) -> None:
        self.client = client
        self.source = source
        self.settings = client.settings
        self.log = client.ctx.log

    # -- step 1 ------------------------------------------------------------------------
    def start(self, resource: dict[str, Any], notify_subscribers: bool) -> str:
        """Open a session for ``resource``; returns the session URI."""
        response = self.client.request(
            "videos.insert", "POST", self.client.url("/upload/youtube/v3/videos"),
            params={"uploadType": "resumable", "part": "snippet,status",
                    "notifySubscribers": "true" if notify_subscribers else "false"},
            headers={"Content-Type": "application/json; charset=UTF-8",
                     "X-Upload-Content-Length": str(self.source.total),
                     "X-Upload-Content-Type": self.source.mime_type},
            content=json.dumps(resource, ensure_ascii=False).encode("utf-8"))
        session = response.headers.get("Location", "")
        if not session.startswith(("https://", "http://")):
            raise TransientError("YouTube opened an upload session without a Location header.")
        self.log.info("youtube: upload session opened at %s for %d bytes", redact_uri(session),
                      self.source.total)
        return session

    # -- step 3 ------------------------------------------------------------------------
    def query(self, session: str) -> tuple[str, Any]:
        """``("done", video)``, ``("partial", next_offset)`` or ``("gone", None)``."""
        response = self.client.request(
            "videos.insert", "PUT", session, charge=False, ok=GONE,
            headers={"Content-Range": f"bytes */{self.source.total}", "Content-Length": "0"},
            content=b"")
        if response.status_code in GONE:
            return "gone", None
        if response.status_code in FINAL:
            return "done", json_body(response, "videos.insert")
        if response.status_code == 308:
            return "partial", self._stored(response)
        raise TransientError(f"YouTube upload status check answered HTTP {response.status_code}.")

    # -- step 2 ------------------------------------------------------------------------
    def send(self, session: str, offset: int = 0) -> dict[str, Any]:
        """Send the bytes from ``offset``; returns the video resource."""
        total = self.source.total
        chunk = self.settings.chunk_bytes
        resumes = 0
        while True:
            end = min(offset + chunk, total)
            final = end == total
            headers = {"Content-Type": self.source.mime_type}
            if total:
                headers["Content-Range"] = f"bytes {offset}-{end - 1}/{total}"
            try:
                response = self.client.request(
                    "videos.insert", "PUT", session, headers=headers, charge=False, write=final,
                    content=self.source.read(offset, end - offset))
            except TransientError as exc:
                # A 5xx or a lost non-final chunk: ask YouTube what it kept and go on from there.
                resumes += 1
                if resumes > self.settings.upload_max_resumes:
                    raise
                self.log.warning("youtube: upload interrupted at byte %d, checking the session: %s",
                                 offset, exc.message)
                time.sleep(self.settings.upload_backoff * 2 ** (resumes - 1))
                status, value = self.query(session)
                if status == "done":
                    return value
                if status == "gone":
                    raise TransientError("The YouTube upload session expired; the upload starts again.") \
                        from None
                offset = value
                continue
            if response.status_code in FINAL:
                return json_body(response, "videos.insert")
            if response.status_code != 308:
                raise TransientError(f"YouTube upload answered HTTP {response.status_code}.")
            stored = self._stored(response)
            if stored <= offset:
                resumes += 1
                if resumes > self.settings.upload_max_resumes:
                    raise TransientError("YouTube keeps refusing upload chunks; retrying later.")
            offset = stored

    def _stored(self, response: httpx.Response) -> int:
        """The next byte to send, from a 308's ``Range: bytes=0-N`` (absent: nothing stored)."""
        header = response.headers.get("Range")
        if not header:
            return 0
        match = RANGE.match(header.strip())
        if match is None:
            raise TransientError(f"YouTube answered an unreadable upload Range ({header[:40]}).")
        return min(int(match.group(1)) + 1, self.source.total)
