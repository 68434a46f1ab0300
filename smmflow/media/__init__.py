"""Media files: a content-addressed store, upload staging and probing.

Files are addressed by the SHA-256 of their bytes. :class:`MediaStore` is the
interface (the local filesystem implementation is the default; an
S3-compatible store implements the same methods); :func:`media_store` gives
the store of an app.
"""

from __future__ import annotations

from smmflow.media.probe import MediaInfo, probe
from smmflow.media.staging import StagedFile, stage
from smmflow.media.store import LocalMediaStore, MediaStore, media_store

__all__ = ["LocalMediaStore", "MediaInfo", "MediaStore", "StagedFile", "media_store", "probe", "stage"]
