"""One error handler for the whole app: JSON envelope for the API, HTML for pages.

The envelope is always ``{"error": {"code", "message", "details"}}``. Input
validation errors (422) put per-field messages in ``details["fields"]``, keyed
by field name, and the message names those fields.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from smmflow.errors import ApiError

log = logging.getLogger("smmflow.errors")

HTTP_CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 409: "conflict", 412: "precondition_failed",
    413: "payload_too_large", 415: "unsupported_media_type", 422: "validation_failed",
    428: "precondition_required", 429: "rate_limited", 500: "internal_error",
}


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def _flatten_webargs(messages: dict[str, Any]) -> dict[str, Any]:
    """webargs nests messages by location (json, query, files...); merge them."""
    fields: dict[str, Any] = {}
    for location, per_field in messages.items():
        if isinstance(per_field, dict):
            fields.update(per_field)
        else:
            fields[location] = per_field
    return fields


def envelope(status: int, code: str, message: str, details: dict[str, Any] | None = None,
             headers: dict[str, str] | None = None) -> Response:
    if not wants_json():
        resp = Response(
            render_template("error.html", status=status, code=code, message=message,
                            details=details or {}),
            status=status, mimetype="text/html",
        )
    else:
        resp = jsonify({"error": {"code": code, "message": message, "details": details or {}}})
        resp.status_code = status
    for key, value in (headers or {}).items():
        resp.headers[key] = value
    return resp


def handle_api_error(error: ApiError) -> Response:
    return envelope(error.status, error.code, error.message, error.details, error.headers)


def handle_http_exception(error: HTTPException) -> Response:
    status = error.code or 500
    data = getattr(error, "data", None) or {}
    messages = data.get("messages")
    if status == 422 and messages:
        fields = _flatten_webargs(messages)
        names = ", ".join(sorted(str(k) for k in fields))
        return envelope(422, "validation_failed", f"Invalid input in field(s): {names}",
                        {"fields": fields})
    if status == 400 and messages:
        return envelope(400, "bad_request", "Malformed request body: expected valid JSON",
                        {"body": _flatten_webargs(messages)})
    headers = {}
    if status == 405 and error.valid_methods if hasattr(error, "valid_methods") else False:
        headers["Allow"] = ", ".join(error.valid_methods or [])
    return envelope(status, HTTP_CODES.get(status, "error"), error.description or error.name,
                    headers=headers)


def handle_unexpected(error: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.path)
    return envelope(500, "internal_error", "Something went wrong on our side; it has been logged.")


def init_app(app: Flask) -> None:
    app.register_error_handler(ApiError, handle_api_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(Exception, handle_unexpected)
