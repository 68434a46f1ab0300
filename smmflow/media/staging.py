"""Staging an upload: copy it to a local file while hashing and counting bytes."""

from __future__ import annotations

import hashlib
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from smmflow.errors import PayloadTooLarge

CHUNK = 1024 * 1024


@dataclass
class StagedFile:
    """An upload written to ``path``; remove it with :meth:`discard` unless stored."""

    path: Path
    sha256: str
    size_bytes: int
    filename: str
    declared_type: str

    def discard(self) -> None:
        self.path.unlink(missing_ok=True)


def stage(stream: BinaryIO, directory: Path, *, max_bytes: int, filename: str = "",
          declared_type: str = "", field: str = "files") -> StagedFile:
    """Copy ``stream`` into ``directory``; over ``max_bytes`` raises 413 and keeps nothing."""
    directory.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    handle = tempfile.NamedTemporaryFile(dir=directory, prefix="upload-", delete=False)  # noqa: SIM115
    path = Path(handle.name)
    try:
        with handle:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise PayloadTooLarge(
                        f"{filename or field} is larger than {max_bytes // (1024 * 1024)} MiB, "
                        "the largest file accepted.",
                        details={"field": field, "filename": filename, "max_bytes": max_bytes})
                digest.update(chunk)
                handle.write(chunk)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return StagedFile(path, digest.hexdigest(), size, filename, declared_type)
