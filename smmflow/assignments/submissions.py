"""Submissions: staging uploads, checking them against the spec, storing them.

Order matters so that bad input leaves nothing behind: the transition is
checked first (409/403 before any byte is read), every file is staged and
probed (413/415/422 discard all staged files), the work is checked against
the spec, and only then are the blobs stored and the row added. If the
transaction then fails, :func:`discard_new_blobs` removes what was stored.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from smmflow import events
from smmflow.assignments import services
from smmflow.assignments.checks import check_submission
from smmflow.assignments.models import Assignment, Submission
from smmflow.audit import services as audit
from smmflow.auth.models import User
from smmflow.briefs.models import TechSpecVersion
from smmflow.briefs.requirements import effective_spec
from smmflow.errors import NotFound, ValidationFailed
from smmflow.media import MediaStore, StagedFile, media_store, probe, stage
from smmflow.platforms.content import Content, MediaItem

MAX_FILES = 20
MAX_TEXT = 100_000
MAX_NOTE = 5_000


@dataclass
class Upload:
    """One file of a multipart request."""

    stream: BinaryIO
    filename: str
    content_type: str


@dataclass
class Stored:
    """Blobs this request added to the store (removed again if the transaction fails)."""

    store: MediaStore
    new: list[str] = field(default_factory=list)


def discard_new_blobs(stored: Stored) -> None:
    for sha256 in stored.new:
        stored.store.delete(sha256)
    stored.new.clear()


def validate_fields(text: str, note: str, uploads: Sequence[Upload]) -> None:
    errors: dict[str, list[str]] = {}
    if len(text) > MAX_TEXT:
        errors["text"] = [f"Longer than {MAX_TEXT} characters."]
    if len(note) > MAX_NOTE:
        errors["note"] = [f"Longer than {MAX_NOTE} characters."]
    if len(uploads) > MAX_FILES:
        errors["files"] = [f"At most {MAX_FILES} files per submission."]
    if not text.strip() and not uploads:
        errors["text"] = ["Send text, files, or both."]
    if errors:
        raise ValidationFailed(f"Invalid input in field(s): {', '.join(sorted(errors))}",
                               fields=errors)


def _stage_all(app: Flask, store: MediaStore, uploads: Sequence[Upload]) -> list[tuple[StagedFile, Any]]:
    max_bytes = app.extensions["smmflow"].settings.max_upload_mb * 1024 * 1024
    staged: list[tuple[StagedFile, Any]] = []
    try:
        for index, upload in enumerate(uploads):
            where = f"files[{index}]"
            item = stage(upload.stream, store.staging_dir, max_bytes=max_bytes,
                         filename=upload.filename, declared_type=upload.content_type, field=where)
            staged.append((item, None))
            info = probe(item.path, declared_type=upload.content_type, field=where)
            staged[-1] = (item, info)
    except BaseException:
        for item, _info in staged:
            item.discard()
        raise
    return staged


def _media_dict(store: MediaStore, item: StagedFile, info: Any) -> dict[str, Any]:
    path = store.local_path(item.sha256)
    return {"kind": info.kind, "mime_type": info.mime_type, "size_bytes": item.size_bytes,
            "sha256": item.sha256, "path": str(path) if path else None, "url": store.url(item.sha256),
            "filename": item.filename[:255], "width": info.width, "height": info.height,
            "duration_seconds": info.duration_seconds, "format": info.format}


def deliverable_for(app: Flask, db: Session, assignment: Assignment) -> dict[str, Any] | None:
    """The assignment's deliverable at its spec version, with effective requirements."""
    if assignment.spec_version_id is None:
        return None
    version = db.get(TechSpecVersion, assignment.spec_version_id)
    registry = app.extensions["smmflow"].platforms
    for item in effective_spec(version.deliverables, version.platforms, registry):
        if item["key"] == assignment.deliverable_key:
            return item
    return None


def _plugin_results(app: Flask, deliverable: dict[str, Any], text: str,
                    media: list[dict[str, Any]], client_id: int) -> list[dict[str, Any]]:
    """Extra problems from ``check_content`` plugins (brand safety), as failed results."""
    from smmflow.plugins import collect

    content = Content(text=text, media=tuple(MediaItem(**m) for m in media))
    results = []
    for problem in collect(app, "check_content", content=content,
                           platforms=list(deliverable.get("platforms", [])), client_id=client_id):
        results.append({"requirement": f"check:{getattr(problem, 'code', 'problem')}", "passed": False,
                        "reason": getattr(problem, "message", str(problem)),
                        "source": getattr(problem, "platform", "") or "plugin", "item": None,
                        "expected": None, "actual": getattr(problem, "field", None)})
    return results


def create(app: Flask, db: Session, assignment: Assignment, actor: User, action: str, *,
           text: str, note: str, uploads: Sequence[Upload], stored: Stored) -> Submission:
    """Check, store and record one submission, and move the assignment to ``submitted``."""
    services.require_action(db, assignment, actor, action)
    validate_fields(text, note, uploads)
    store = stored.store
    staged = _stage_all(app, store, uploads)
    try:
        media = []
        for item, info in staged:
            if store.put_file(item.path, item.sha256, info.mime_type):
                stored.new.append(item.sha256)
            media.append(_media_dict(store, item, info))
    finally:
        for item, _info in staged:
            item.discard()
    deliverable = deliverable_for(app, db, assignment)
    results = check_submission(deliverable, text, media) if deliverable else []
    if deliverable:
        results += _plugin_results(app, deliverable, text, media, assignment.client_id)
    number = (db.scalar(select(func.max(Submission.number)).where(
        Submission.assignment_id == assignment.id)) or 0) + 1
    submission = Submission(assignment_id=assignment.id, number=number,
                            spec_version_id=assignment.spec_version_id, text=text, media=media,
                            note=note, check_result=results,
                            check_passed=all(r["passed"] for r in results),
                            created_by_id=actor.id)
    db.add(submission)
    db.flush()
    services.mark_submitted(db, assignment, actor, action, submission)
    audit.record(db, "submission.upload", submission, client_id=assignment.client_id,
                 assignment_id=assignment.id, number=number, files=len(media),
                 check_passed=submission.check_passed)
    events.emit(db, "on_submission_received", submission_id=submission.id,
                assignment_id=assignment.id, client_id=assignment.client_id,
                check_passed=submission.check_passed)
    return submission


def get_submission(db: Session, submission_id: int) -> Submission:
    submission = db.get(Submission, submission_id)
    if submission is None:
        raise NotFound(f"No submission {submission_id}.")
    return submission


def store_of(app: Flask) -> Stored:
    return Stored(media_store(app))

