"""Schemas of social accounts. Credentials are write-only."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates

from smmflow.accounts.models import AccountStatus
from smmflow.api.fields import Str

PLATFORM_NAME = validate.Regexp(r"^[a-z][a-z0-9_]{0,49}$",
                                error="A platform name such as telegram, vk, instagram, youtube.")


def _check_credentials(value: dict[str, object]) -> None:
    if len(value) > 20:
        raise ValidationError("At most 20 credential entries.")
    for key, item in value.items():
        if not isinstance(item, str | int | float | bool) or len(str(item)) > 4000:
            raise ValidationError(f"Credential {key!r} must be a scalar of at most 4000 chars.")
        if len(key) > 100:
            raise ValidationError("Credential names are at most 100 characters.")


class SocialAccountSchema(Schema):
    id = fields.Integer(dump_only=True)
    client_id = fields.Integer(dump_only=True)
    platform = fields.String(required=True, validate=PLATFORM_NAME)
    handle = Str(200, required=True, min_length=1)
    external_id = Str(200, allow_none=True, load_default=None)
    is_competitor = fields.Boolean(load_default=False)
    credentials = fields.Dict(keys=fields.String(), load_only=True, load_default=None,
                              allow_none=True,
                              metadata={"description": "Write-only; encrypted at rest, never returned.",
                                        "writeOnly": True})
    has_credentials = fields.Boolean(dump_only=True)
    status = fields.String(dump_only=True)
    status_reason = fields.String(dump_only=True, allow_none=True, metadata={
        "description": "Why the account needs attention: what the network said when it refused "
                       "the credentials, or, on an active competitor, why its last measurement "
                       "failed (cleared by the next successful one). Null when all is well."})
    created_at = fields.DateTime(dump_only=True)

    @validates("credentials")
    def _credentials(self, value: dict[str, object] | None, **_: object) -> None:
        if value is not None:
            _check_credentials(value)


class SocialAccountUpdateSchema(Schema):
    handle = Str(200, min_length=1)
    external_id = Str(200, allow_none=True)
    status = fields.String(validate=validate.OneOf([s.value for s in AccountStatus]))
    credentials = fields.Dict(keys=fields.String(), load_only=True, allow_none=True,
                              metadata={"writeOnly": True})

    @validates("credentials")
    def _credentials(self, value: dict[str, object] | None, **_: object) -> None:
        if value is not None:
            _check_credentials(value)
