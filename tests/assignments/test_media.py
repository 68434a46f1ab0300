"""The media store (content-addressed, local filesystem) and upload probing, without the API."""

from __future__ import annotations

import hashlib
import io

import pytest

from smmflow.errors import PayloadTooLarge, UnsupportedMediaType, ValidationFailed
from smmflow.media import LocalMediaStore, probe, stage
from smmflow.media.store import blob_key
from tests.assignments.helpers import image_bytes, video_bytes


def test_blobs_are_stored_once_by_sha256_and_atomically(tmp_path):
    store = LocalMediaStore(tmp_path / "media")
    data = b"hello media"
    digest = hashlib.sha256(data).hexdigest()
    first = stage(io.BytesIO(data), store.staging_dir, max_bytes=100, filename="a.txt")
    assert (first.sha256, first.size_bytes) == (digest, len(data))
    assert store.put_file(first.path, first.sha256, "text/plain") is True
    second = stage(io.BytesIO(data), store.staging_dir, max_bytes=100)
    assert store.put_file(second.path, second.sha256, "text/plain") is False
    assert list(store.staging_dir.iterdir()) == []
    assert store.local_path(digest) == tmp_path / "media" / blob_key(digest)
    with store.open(digest) as handle:
        assert handle.read() == data
    store.delete(digest)
    assert not store.exists(digest) and store.local_path(digest) is None
    with pytest.raises(ValueError):
        blob_key("../../etc/passwd")


def test_staging_over_the_limit_is_413_and_leaves_no_file(tmp_path):
    with pytest.raises(PayloadTooLarge) as caught:
        stage(io.BytesIO(b"x" * 5000), tmp_path, max_bytes=4096, filename="big.bin", field="files[2]")
    assert caught.value.details["field"] == "files[2]"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("fmt,kind", [("PNG", "png"), ("JPEG", "jpeg"), ("WEBP", "webp"), ("GIF", "gif")])
def test_images_are_identified_by_their_bytes(tmp_path, fmt, kind):
    path = tmp_path / "upload"
    path.write_bytes(image_bytes(120, 80, fmt))
    info = probe(path, declared_type="application/octet-stream")
    assert (info.kind, info.format, info.width, info.height) == ("image", kind, 120, 80)


def test_videos_are_probed_with_pyav(tmp_path):
    path = tmp_path / "upload"
    path.write_bytes(video_bytes(seconds=3, fps=10))
    info = probe(path)
    assert (info.kind, info.format, info.mime_type) == ("video", "mp4", "video/mp4")
    assert info.duration_seconds == pytest.approx(3, abs=0.2)


def test_unknown_and_corrupt_files_are_refused(tmp_path):
    path = tmp_path / "upload"
    path.write_bytes(b"PK\x03\x04 a zip file")
    with pytest.raises(UnsupportedMediaType):
        probe(path, declared_type="application/zip")
    with pytest.raises(ValidationFailed):
        probe(path, declared_type="video/mp4")  # claims to be a video, is not
    path.write_bytes(image_bytes(300, 300, "JPEG")[:300])
    with pytest.raises(ValidationFailed) as caught:
        probe(path, field="files[1]")
    assert caught.value.details["fields"] == {"files[1]": ["Corrupt image."]}
