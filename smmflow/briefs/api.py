"""``/api/v1/clients/<id>/briefs``, ``/api/v1/briefs/<id>`` and the brief's versioned spec."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import current_app
from sqlalchemy import exists, select
from sqlalchemy.orm import Session, selectinload

from smmflow import db as database
from smmflow.api import Blueprint
from smmflow.api.etag import check_if_match, etag_header
from smmflow.api.pagination import PageArgs, page_of, paginate
from smmflow.assignments.models import Assignment
from smmflow.auth.guard import current_user
from smmflow.auth.permissions import Principal, any_of, client_role, custom, requires, via_model
from smmflow.briefs import services
from smmflow.briefs.models import Brief
from smmflow.briefs.schemas import (
    BriefSchema,
    BriefUpdateSchema,
    SpecInSchema,
    SpecVersionSchema,
    SpecVersionSummarySchema,
)

blp = Blueprint("briefs", __name__, description="Briefs and their versioned tech specs")


def _assigned_contractor(db: Session, p: Principal, args: Mapping[str, Any]) -> bool:
    return p is not None and p.is_contractor and bool(db.scalar(select(exists().where(
        Assignment.brief_id == args.get("brief_id"), Assignment.contractor_id == p.id))))


MANAGE = client_role("manager")
WRITE_ONE = client_role("manager", resolver=via_model(Brief, "brief_id"))
READ_ONE = any_of(WRITE_ONE, custom("contractor assigned to the brief", _assigned_contractor))


def _registry() -> dict[str, Any]:
    return current_app.extensions["smmflow"].platforms


@blp.route("/clients/<int:client_id>/briefs", methods=["GET"])
@requires(MANAGE)
@blp.arguments(PageArgs, location="query")
@blp.response(200, page_of(BriefSchema))
def list_briefs(args: dict[str, Any], client_id: int) -> dict[str, Any]:
    """The client's briefs, oldest first."""
    stmt = select(Brief).where(Brief.client_id == client_id).options(selectinload(Brief.spec))
    return paginate(database.session(), stmt, Brief.id, args)


@blp.route("/clients/<int:client_id>/briefs", methods=["POST"])
@requires(MANAGE)
@blp.arguments(BriefSchema)
@blp.response(201, BriefSchema)
def create_brief(data: dict[str, Any], client_id: int) -> tuple[Brief, dict[str, str]]:
    """Write a brief; target platforms must be installed platforms."""
    db = database.session()
    brief = services.create_brief(db, client_id, data, current_user(), _registry())
    db.commit()
    return brief, etag_header(brief)


@blp.route("/briefs/<int:brief_id>", methods=["GET"])
@requires(READ_ONE)
@blp.response(200, BriefSchema)
def get_brief(brief_id: int) -> tuple[Brief, dict[str, str]]:
    """One brief (managers of its client, and contractors assigned to it)."""
    brief = services.get_brief(database.session(), brief_id)
    return brief, etag_header(brief)


@blp.route("/briefs/<int:brief_id>", methods=["PATCH"])
@requires(WRITE_ONE)
@blp.arguments(BriefUpdateSchema)
@blp.response(200, BriefSchema)
def update_brief(data: dict[str, Any], brief_id: int) -> tuple[Brief, dict[str, str]]:
    """Edit a brief; a stale ``If-Match`` answers 409. New target platforms make a new spec version."""
    db = database.session()
    brief = services.get_brief(db, brief_id)
    check_if_match(brief)
    services.update_brief(db, brief, data, current_user(), _registry())
    db.commit()
    return brief, etag_header(brief)


@blp.route("/briefs/<int:brief_id>", methods=["DELETE"])
@requires(WRITE_ONE)
@blp.response(204)
def delete_brief(brief_id: int) -> None:
    """Delete a brief nobody works on (409 while an assignment is accepted or further)."""
    db = database.session()
    services.delete_brief(db, services.get_brief(db, brief_id))
    db.commit()


@blp.route("/briefs/<int:brief_id>/spec", methods=["GET"])
@requires(READ_ONE)
@blp.response(200, SpecVersionSchema)
def get_spec(brief_id: int) -> tuple[dict[str, Any], dict[str, str]]:
    """The current spec version, each deliverable with its effective requirements."""
    db = database.session()
    brief = services.get_brief(db, brief_id)
    version = services.current_version(db, brief)
    return services.show_version(version, _registry()), etag_header(brief.spec)


@blp.route("/briefs/<int:brief_id>/spec", methods=["PUT"])
@requires(WRITE_ONE)
@blp.arguments(SpecInSchema)
@blp.response(201, SpecVersionSchema)
@blp.alt_response(200, schema=SpecVersionSchema, description="Identical to the current version.")
def put_spec(data: dict[str, Any], brief_id: int) -> tuple[dict[str, Any], int, dict[str, str]]:
    """Publish a new spec version (201), or nothing when identical to the current one (200).

    Send ``If-Match`` with the spec's ETag to refuse overwriting a version you
    have not seen (409). Contractors who accepted a changed deliverable must
    acknowledge the new version before they submit.
    """
    db = database.session()
    brief = services.get_brief(db, brief_id)
    if brief.spec is not None:
        check_if_match(brief.spec)
    version, created = services.publish_version(db, brief, data["deliverables"], current_user(),
                                                data["change_note"])
    db.commit()
    return services.show_version(version, _registry()), 201 if created else 200, \
        etag_header(brief.spec)


@blp.route("/briefs/<int:brief_id>/spec/versions", methods=["GET"])
@requires(READ_ONE)
@blp.response(200, SpecVersionSummarySchema(many=True))
def list_spec_versions(brief_id: int) -> list[Any]:
    """Every version of the spec, oldest first."""
    db = database.session()
    return services.list_versions(db, services.get_brief(db, brief_id))


@blp.route("/briefs/<int:brief_id>/spec/versions/<int:number>", methods=["GET"])
@requires(READ_ONE)
@blp.response(200, SpecVersionSchema)
def get_spec_version(brief_id: int, number: int) -> dict[str, Any]:
    """One spec version with its effective requirements."""
    db = database.session()
    version = services.get_version(db, services.get_brief(db, brief_id), number)
    return services.show_version(version, _registry())
