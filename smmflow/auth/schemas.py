"""Schemas of users and tokens."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from smmflow.api.fields import Str, Timezone
from smmflow.auth.models import UserRole

ROLES = [r.value for r in UserRole]


class UserSchema(Schema):
    id = fields.Integer(dump_only=True)
    email = fields.Email(required=True, validate=validate.Length(max=254))
    name = Str(200, required=True, min_length=1)
    role = fields.String(load_default=UserRole.STAFF.value, validate=validate.OneOf(ROLES))
    is_active = fields.Boolean(dump_only=True)
    timezone = Timezone(load_default="UTC")
    created_at = fields.DateTime(dump_only=True)


class UserCreateSchema(UserSchema):
    password = fields.String(required=True, load_only=True,
                             validate=validate.Length(min=10, max=200))


class UserUpdateSchema(Schema):
    name = Str(200, min_length=1)
    timezone = Timezone()
    password = fields.String(load_only=True, validate=validate.Length(min=10, max=200))
    role = fields.String(validate=validate.OneOf(ROLES))
    is_active = fields.Boolean()


class TokenRequestSchema(Schema):
    email = fields.Email(required=True, validate=validate.Length(max=254))
    password = fields.String(required=True, load_only=True, validate=validate.Length(max=200))
    name = Str(100, load_default="api")


class TokenSchema(Schema):
    id = fields.Integer(dump_only=True)
    name = fields.String(dump_only=True)
    prefix = fields.String(dump_only=True, metadata={"description": "First characters, to recognise it"})
    created_at = fields.DateTime(dump_only=True)
    expires_at = fields.DateTime(dump_only=True)
    last_used_at = fields.DateTime(dump_only=True)
    revoked_at = fields.DateTime(dump_only=True)


class IssuedTokenSchema(TokenSchema):
    token = fields.String(dump_only=True, metadata={"description": "Shown once; store it now."})
    user = fields.Nested(UserSchema, dump_only=True)
