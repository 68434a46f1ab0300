"""The media store: blobs addressed by the SHA-256 of their bytes.

A blob is written once and never changes, so the same file uploaded twice is
stored once. The interface is small on purpose: an S3-compatible store
implements it with ``put_object`` (key ``sha256/ab/cd/<hex>``, ``ContentType``),
``head_object``, ``get_object``, ``delete_object`` and presigned URLs.
"""

from __future__ import annotations

import abc
import os
import re
import shutil
from pathlib import Path
from typing import BinaryIO

from flask import Flask

SHA256 = re.compile(r"^[0-9a-f]{64}$")


def blob_key(sha256: str) -> str:
    """The key of a blob: ``sha256/ab/cd/<hex>`` (fans out directories and buckets)."""
    if not SHA256.match(sha256):
        raise ValueError(f"not a sha256 hex digest: {sha256!r}")
    return f"sha256/{sha256[:2]}/{sha256[2:4]}/{sha256}"


class MediaStore(abc.ABC):
    """Content-addressed blob storage.

    ``staging_dir`` is a local folder where uploads are written and checked
    before :meth:`put_file` takes them in.
    """

    staging_dir: Path

    @abc.abstractmethod
    def put_file(self, path: Path, sha256: str, mime_type: str) -> bool:
        """Take in the file at ``path`` (whose digest is ``sha256``); True if the blob is new.

        The file at ``path`` is consumed (moved or deleted).
        """

    @abc.abstractmethod
    def exists(self, sha256: str) -> bool:
        """Whether the blob is stored."""

    @abc.abstractmethod
    def open(self, sha256: str) -> BinaryIO:
        """The blob's bytes, for reading; ``FileNotFoundError`` when absent."""

    @abc.abstractmethod
    def delete(self, sha256: str) -> None:
        """Remove the blob (no error when absent)."""

    def local_path(self, sha256: str) -> Path | None:
        """A local file with the blob's bytes, or None for remote stores."""
        return None

    def url(self, sha256: str) -> str | None:
        """A public (or presigned) URL of the blob, or None."""
        return None


class LocalMediaStore(MediaStore):
    """Blobs as files under ``root`` (``<instance>/media`` by default)."""

    def __init__(self, root: Path, *, public_base_url: str | None = None) -> None:
        self.root = Path(root)
        self.staging_dir = self.root / "tmp"
        self.staging_dir.mkdir(parents=True, exist_ok=True)
        self.public_base_url = public_base_url

    def _path(self, sha256: str) -> Path:
        return self.root / blob_key(sha256)

    def put_file(self, path: Path, sha256: str, mime_type: str) -> bool:
        target = self._path(sha256)
        if target.exists():
            Path(path).unlink(missing_ok=True)
            return False
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.{os.getpid()}.part")
        shutil.move(str(path), partial)
        os.replace(partial, target)  # atomic: readers never see half a blob
        return True

    def exists(self, sha256: str) -> bool:
        return self._path(sha256).is_file()

    def open(self, sha256: str) -> BinaryIO:
        return self._path(sha256).open("rb")

    def delete(self, sha256: str) -> None:
        self._path(sha256).unlink(missing_ok=True)

    def local_path(self, sha256: str) -> Path | None:
        path = self._path(sha256)
        return path if path.is_file() else None

    def url(self, sha256: str) -> str | None:
        if not self.public_base_url:
            return None
        return f"{self.public_base_url.rstrip('/')}/{blob_key(sha256)}"


def media_store(app: Flask) -> MediaStore:
    """The app's media store (created on first use; set ``extras["media_store"]`` to replace it)."""
    extras = app.extensions["smmflow"].extras
    store = extras.get("media_store")
    if store is None:
        settings = app.extensions["smmflow"].settings
        store = LocalMediaStore(settings.instance_path / "media",
                                public_base_url=settings.plugin_setting("MEDIA_PUBLIC_URL"))
        extras["media_store"] = store
    return store
