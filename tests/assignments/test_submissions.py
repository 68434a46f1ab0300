"""Submissions with files: real images (Pillow) and videos (PyAV), checks, and bad input."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest
from sqlalchemy import func, select

from smmflow.assignments.models import Assignment, Submission
from smmflow.media import media_store
from smmflow.plugin_api import Problem, hookimpl
from tests.assignments.helpers import (
    IMAGE_DELIVERABLE,
    VIDEO_DELIVERABLE,
    FakePlatforms,
    image_bytes,
    video_bytes,
)


def _accepted(factory, world, deliverable, platforms=()):
    brief = factory.brief(world.client_a, deliverables=[deliverable],
                          target_platforms=list(platforms))
    return factory.assignment(brief, world.contractor, state="accepted")


def _upload(api, user, assignment_id, files, text="", action="submit", **kw):
    data = {"text": text, "files": [(io.BytesIO(body), name, ctype) for body, name, ctype in files]}
    return api.post(f"/assignments/{assignment_id}/{action}", as_=user, data=data,
                    content_type="multipart/form-data", **kw)


def _blobs(app) -> list[Path]:
    root = media_store(app).root / "sha256"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def _staging(app) -> list[Path]:
    return list(media_store(app).staging_dir.iterdir())


def _nothing_stored(app, db, assignment):
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(Submission)) == 0
    assert db.get(Assignment, assignment.id).state == "accepted"
    assert _blobs(app) == []
    assert _staging(app) == []


def test_image_checked_with_pillow_stored_by_sha256_and_downloadable(app, api, world, factory):
    assignment = _accepted(factory, world, IMAGE_DELIVERABLE, platforms=["photonet"])
    small_png = image_bytes(400, 1000, "PNG")
    resp = _upload(api, world.contractor, assignment.id, [(small_png, "kv.png", "image/png")])
    assert resp.status_code == 201, resp.json
    body = resp.json
    media = body["media"][0]
    assert media["kind"] == "image" and media["format"] == "png"
    assert (media["width"], media["height"]) == (400, 1000)
    assert media["sha256"] == hashlib.sha256(small_png).hexdigest()
    assert "path" not in media
    assert body["check_passed"] is False
    failed = {r["requirement"]: r for r in body["check_result"] if not r["passed"]}
    assert failed["image_min_width"]["reason"] == "Image 1 width is 400px; at least 600px needed."
    assert failed["image_formats"]["source"] == "spec+photonet"  # PNG allowed by spec, not photonet
    assert failed["min_aspect_ratio"]["source"] == "photonet"
    assert "image_min_height" not in failed

    blobs = _blobs(app)
    assert [p.name for p in blobs] == [media["sha256"]]
    assert blobs[0].read_bytes() == small_png
    for user in (world.contractor, world.manager):
        got = api.get(media["download_url"], as_=user)
        assert got.status_code == 200 and got.data == small_png
        assert got.headers["Content-Type"] == "image/png"
    assert api.get(media["download_url"], as_=world.other_manager).status_code == 403
    assert api.get(f"/submissions/{body['id']}/files/{'a' * 64}", as_=world.manager).status_code == 404

    # the revision passes, and the same bytes uploaded again are stored once
    api.post(f"/assignments/{assignment.id}/request-revision", as_=world.manager,
             json={"comment": "Square JPEG, 1080px please"})
    good = image_bytes(1080, 1080, "JPEG")
    resp = _upload(api, world.contractor, assignment.id, [(good, "kv.jpg", "image/jpeg")],
                   action="resubmit")
    assert resp.status_code == 201 and resp.json["check_passed"] is True, resp.json
    assert len(_blobs(app)) == 2


def test_video_checked_with_pyav(app, api, world, factory):
    assignment = _accepted(factory, world, VIDEO_DELIVERABLE)
    clip = video_bytes(seconds=8)
    resp = _upload(api, world.contractor, assignment.id, [(clip, "clip.mp4", "video/mp4")])
    assert resp.status_code == 201, resp.json
    media = resp.json["media"][0]
    assert media["kind"] == "video" and media["format"] == "mp4"
    assert media["duration_seconds"] == pytest.approx(8, abs=0.3)
    assert (media["width"], media["height"]) == (64, 48)
    failed = [r for r in resp.json["check_result"] if not r["passed"]]
    assert [r["requirement"] for r in failed] == ["max_duration_seconds"]
    assert "at most 5 s" in failed[0]["reason"]

    api.post(f"/assignments/{assignment.id}/request-revision", as_=world.manager,
             json={"comment": "Shorter"})
    webm = video_bytes(seconds=2, fmt="webm")
    resp = _upload(api, world.contractor, assignment.id, [(webm, "clip.webm", "video/webm")],
                   action="resubmit")
    assert resp.status_code == 201
    failed = [r for r in resp.json["check_result"] if not r["passed"]]
    assert [r["requirement"] for r in failed] == ["video_formats"]
    assert failed[0]["reason"] == "File 1 is WEBM; use MP4."


def test_wrong_file_kind_and_count_fail_the_check(api, world, factory):
    assignment = _accepted(factory, world, IMAGE_DELIVERABLE)
    clip = video_bytes(seconds=1)
    pic = image_bytes(800, 800)
    resp = _upload(api, world.contractor, assignment.id,
                   [(clip, "a.mp4", "video/mp4"), (pic, "b.jpg", "image/jpeg")])
    assert resp.status_code == 201
    failed = {(r["requirement"], r["item"]) for r in resp.json["check_result"] if not r["passed"]}
    assert failed == {("kind", 0), ("max_items", None)}


def test_oversized_upload_is_413_and_stores_nothing(make_app, world, factory, db):
    from smmflow.testing.client import ApiClient

    small_app = make_app(plugins=[FakePlatforms()], max_upload_mb=1)
    small_factory = type(factory)(small_app, db)
    api = ApiClient(small_app, small_factory)
    assignment = _accepted(factory, world, IMAGE_DELIVERABLE)
    big = b"\xff\xd8\xff" + b"\0" * (1024 * 1024 + 10)
    resp = _upload(api, world.contractor, assignment.id, [(big, "huge.jpg", "image/jpeg")])
    assert resp.status_code == 413
    assert resp.json["error"]["code"] == "payload_too_large"
    _nothing_stored(small_app, db, assignment)


def test_wrong_content_types_are_415_and_store_nothing(app, api, world, factory, db):
    assignment = _accepted(factory, world, IMAGE_DELIVERABLE)
    pdf = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n"
    resp = _upload(api, world.contractor, assignment.id, [(pdf, "brief.pdf", "application/pdf")])
    assert resp.status_code == 415
    assert "files[0]" in resp.json["error"]["message"]
    # a good image next to a bad file: all or nothing
    resp = _upload(api, world.contractor, assignment.id,
                   [(image_bytes(700, 700), "ok.jpg", "image/jpeg"), (pdf, "x.pdf", "application/pdf")])
    assert resp.status_code == 415 and "files[1]" in resp.json["error"]["message"]
    resp = api.post(f"/assignments/{assignment.id}/submit", as_=world.contractor, data=b"text",
                    content_type="text/plain")
    assert resp.status_code == 415
    _nothing_stored(app, db, assignment)


def test_corrupt_image_and_video_are_422_and_store_nothing(app, api, world, factory, db):
    assignment = _accepted(factory, world, IMAGE_DELIVERABLE)
    truncated = image_bytes(900, 900, "PNG")[:400]
    resp = _upload(api, world.contractor, assignment.id, [(truncated, "kv.png", "image/png")])
    assert resp.status_code == 422, resp.json
    assert resp.json["error"]["details"]["fields"] == {"files[0]": ["Corrupt image."]}
    garbage = b"this is not an image at all"
    resp = _upload(api, world.contractor, assignment.id, [(garbage, "kv.jpg", "image/jpeg")])
    assert resp.status_code == 422
    broken_video = video_bytes(seconds=1)[:64]
    resp = _upload(api, world.contractor, assignment.id, [(broken_video, "v.mp4", "video/mp4")])
    assert resp.status_code == 422 and "files[0]" in resp.json["error"]["details"]["fields"]
    _nothing_stored(app, db, assignment)


def test_illegal_submit_stores_nothing_and_empty_submissions_are_refused(app, api, world, factory, db):
    brief = factory.brief(world.client_a, deliverables=[IMAGE_DELIVERABLE])
    offered = factory.assignment(brief, world.contractor)
    resp = _upload(api, world.contractor, offered.id, [(image_bytes(), "a.jpg", "image/jpeg")])
    assert resp.status_code == 409 and resp.json["error"]["details"]["state"] == "offered"
    assert _blobs(app) == []
    assignment = _accepted(factory, world, IMAGE_DELIVERABLE)
    resp = api.post(f"/assignments/{assignment.id}/submit", as_=world.contractor, json={})
    assert resp.status_code == 422 and "text" in resp.json["error"]["details"]["fields"]
    resp = api.post(f"/assignments/{assignment.id}/submit", as_=world.contractor,
                    data={"text": "hi", "colour": "red"}, content_type="multipart/form-data")
    assert resp.status_code == 422 and "colour" in resp.json["error"]["details"]["fields"]
    _nothing_stored(app, db, assignment)


class BrandSafety:
    """A ``check_content`` plugin: its problems join the automatic check."""

    @hookimpl
    def check_content(self, content, platforms, client_id):
        if "darn" in content.text.lower():
            return [Problem("text", "profanity", "Keep the language clean: remove 'darn'.", "")]
        return []


def test_check_content_plugins_add_their_problems(make_app, world, factory, db):
    from smmflow.testing.client import ApiClient

    safe_app = make_app(plugins=[FakePlatforms(), BrandSafety()])
    api = ApiClient(safe_app, type(factory)(safe_app, db))
    brief = factory.brief(world.client_a)  # text, max 500 characters
    assignment = factory.assignment(brief, world.contractor, state="accepted")
    resp = api.post(f"/assignments/{assignment.id}/submit", as_=world.contractor,
                    json={"text": "Darn good coffee"})
    assert resp.status_code == 201
    assert resp.json["check_passed"] is False
    plugin = [r for r in resp.json["check_result"] if r["requirement"] == "check:profanity"]
    assert plugin == [{"requirement": "check:profanity", "passed": False, "source": "plugin",
                       "reason": "Keep the language clean: remove 'darn'.", "item": None,
                       "expected": None, "actual": "text"}]
