"""The REST API under ``/api/v1``: flask-smorest Api, OpenAPI document, blueprints."""

from __future__ import annotations

from flask import Flask
from flask_smorest import Api
from flask_smorest import Blueprint as _Blueprint
from marshmallow import Schema, fields

API_PREFIX = "/api/v1"


class Blueprint(_Blueprint):
    """A domain's API blueprint; its routes live under ``/api/v1``."""


class ErrorBodySchema(Schema):
    code = fields.String(required=True, metadata={"example": "validation_failed"})
    message = fields.String(required=True)
    details = fields.Dict(required=True)


class ErrorSchema(Schema):
    """The error envelope of every API error."""

    error = fields.Nested(ErrorBodySchema, required=True)


class SmmflowApi(Api):
    """flask-smorest's Api with smmflow's error envelope documented in OpenAPI."""

    ERROR_SCHEMA = ErrorSchema

    def _register_error_handlers(self) -> None:
        # smmflow.api.errors registers the single app-wide handler instead.
        return None


def init_app(app: Flask, blueprints: list[_Blueprint]) -> SmmflowApi:
    """Create the Api, register the blueprints and the document's common parts."""
    app.config.update(
        API_TITLE="smmflow",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX=API_PREFIX,
        OPENAPI_JSON_PATH="openapi.json",
        API_SPEC_OPTIONS={
            "info": {"description": "smmflow REST API. Errors always use the envelope "
                                    '{"error": {"code", "message", "details"}}.'},
            "security": [{"bearerAuth": []}],
            "components": {
                "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
            },
        },
    )
    api = SmmflowApi(app)
    for blp in blueprints:
        api.register_blueprint(blp, url_prefix=API_PREFIX + (blp.url_prefix or ""))
    return api
