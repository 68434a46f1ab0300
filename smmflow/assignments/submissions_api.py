"""``/api/v1/submissions/<id>``: one submission and its files, for both sides."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, send_file

from smmflow import db as database
from smmflow.api import Blueprint
from smmflow.assignments import submissions
from smmflow.assignments.access import SUBMISSION_PARTY
from smmflow.assignments.schemas import SubmissionSchema
from smmflow.auth.permissions import requires
from smmflow.errors import NotFound
from smmflow.media import media_store

blp = Blueprint("submissions", __name__, description="Submitted work and its automatic check")


@blp.route("/submissions/<int:submission_id>", methods=["GET"])
@requires(SUBMISSION_PARTY)
@blp.response(200, SubmissionSchema)
def get_submission(submission_id: int) -> Any:
    """One submission: text, files, note, and the check result of every requirement."""
    return submissions.get_submission(database.session(), submission_id)


@blp.route("/submissions/<int:submission_id>/files/<string:sha256>", methods=["GET"])
@requires(SUBMISSION_PARTY)
@blp.response(200, description="The file's bytes.")
def download_file(submission_id: int, sha256: str) -> Response:
    """Download one file of a submission (addressed by its SHA-256)."""
    submission = submissions.get_submission(database.session(), submission_id)
    item = next((m for m in submission.media if m["sha256"] == sha256), None)
    if item is None:
        raise NotFound(f"Submission {submission_id} has no file {sha256}.")
    try:
        handle = media_store(current_app).open(sha256)
    except FileNotFoundError as exc:
        raise NotFound("The file is missing from the media store.", code="media_missing") from exc
    response = send_file(handle, mimetype=item["mime_type"], as_attachment=True,
                         download_name=item.get("filename") or f"{sha256}.{item.get('format', 'bin')}",
                         etag=sha256, max_age=3600)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, max-age=3600, immutable"
    return response
