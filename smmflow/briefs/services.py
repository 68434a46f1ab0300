"""Briefs and versioned tech specs: the business rules."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from smmflow.assignments.models import Assignment, AssignmentState
from smmflow.audit import services as audit
from smmflow.auth.models import User
from smmflow.briefs.models import Brief, TechSpec, TechSpecVersion
from smmflow.briefs.requirements import effective_spec
from smmflow.campaigns.models import Campaign
from smmflow.errors import Conflict, NotFound, ValidationFailed

LIVE_STATES = (AssignmentState.OFFERED, AssignmentState.ACCEPTED, AssignmentState.SUBMITTED,
               AssignmentState.REVISION_REQUESTED)


def get_brief(db: Session, brief_id: int) -> Brief:
    brief = db.get(Brief, brief_id)
    if brief is None:
        raise NotFound(f"No brief {brief_id}.")
    return brief


def _check_platforms(names: list[str], registry: Mapping[str, Any]) -> None:
    unknown = [name for name in names if name not in registry]
    if unknown:
        known = ", ".join(sorted(registry)) or "none installed"
        raise ValidationFailed(
            f"Unknown target platform(s) {', '.join(unknown)}; installed: {known}.",
            fields={"target_platforms": [f"Unknown platform: {name}." for name in unknown]})
    if len(set(names)) != len(names):
        raise ValidationFailed("A target platform is listed twice.",
                               fields={"target_platforms": ["Listed twice."]})


def _check_campaign(db: Session, client_id: int, campaign_id: int | None) -> None:
    if campaign_id is None:
        return
    owner = db.scalar(select(Campaign.client_id).where(Campaign.id == campaign_id))
    if owner != client_id:
        raise ValidationFailed("campaign_id must name a campaign of this client.",
                               fields={"campaign_id": ["No such campaign for this client."]})


def create_brief(db: Session, client_id: int, data: dict[str, Any], actor: User,
                 registry: Mapping[str, Any]) -> Brief:
    _check_platforms(data.get("target_platforms", []), registry)
    _check_campaign(db, client_id, data.get("campaign_id"))
    brief = Brief(client_id=client_id, created_by_id=actor.id, **data)
    db.add(brief)
    db.flush()
    audit.record(db, "brief.add", brief, title=brief.title)
    return brief


def update_brief(db: Session, brief: Brief, changes: dict[str, Any], actor: User,
                 registry: Mapping[str, Any]) -> Brief:
    """Edit a brief; new target platforms make a new spec version (their limits change)."""
    if "target_platforms" in changes:
        _check_platforms(changes["target_platforms"], registry)
    if "campaign_id" in changes:
        _check_campaign(db, brief.client_id, changes["campaign_id"])
    platforms_changed = "target_platforms" in changes and \
        list(changes["target_platforms"]) != list(brief.target_platforms)
    for key, value in changes.items():
        setattr(brief, key, value)
    brief.version += 1
    audit.record(db, "brief.edit", brief, fields=sorted(changes))
    if platforms_changed and brief.spec is not None:
        current = current_version(db, brief)
        publish_version(db, brief, current.deliverables, actor,
                        change_note="Target platforms changed.")
    return brief


def delete_brief(db: Session, brief: Brief) -> None:
    """Delete a brief that was never offered to anyone (assignments are history: keep them)."""
    used = db.scalar(select(Assignment.id).where(Assignment.brief_id == brief.id).limit(1))
    if used is not None:
        raise Conflict("This brief has assignments (their history feeds scorecards and "
                       "expenses); cancel them instead of deleting the brief.",
                       code="brief_in_use", details={"assignment_id": used})
    audit.record(db, "brief.remove", brief, title=brief.title)
    db.delete(brief)


def current_version(db: Session, brief: Brief) -> TechSpecVersion:
    if brief.spec is None:
        raise NotFound("This brief has no spec yet; PUT one to /briefs/<id>/spec.", code="no_spec")
    return get_version(db, brief, brief.spec.current_number)


def get_version(db: Session, brief: Brief, number: int) -> TechSpecVersion:
    version = None
    if brief.spec is not None:
        version = db.scalar(select(TechSpecVersion).where(
            TechSpecVersion.spec_id == brief.spec.id, TechSpecVersion.number == number))
    if version is None:
        raise NotFound(f"Brief {brief.id} has no spec version {number}.")
    return version


def list_versions(db: Session, brief: Brief) -> list[TechSpecVersion]:
    if brief.spec is None:
        return []
    return list(db.scalars(select(TechSpecVersion).where(TechSpecVersion.spec_id == brief.spec.id)
                           .order_by(TechSpecVersion.number)))


def show_version(version: TechSpecVersion, registry: Mapping[str, Any]) -> dict[str, Any]:
    """A version as the API shows it: deliverables with effective requirements."""
    return {
        "number": version.number,
        "current": version.number == version.spec.current_number,
        "change_note": version.change_note,
        "platforms": version.platforms,
        "created_by_id": version.created_by_id,
        "created_at": version.created_at,
        "deliverables": effective_spec(version.deliverables, version.platforms, registry),
    }


def deliverable_of(version: TechSpecVersion, key: str | None) -> dict[str, Any] | None:
    for item in version.deliverables:
        if item["key"] == key:
            return item
    return None


def _check_deliverable_platforms(brief: Brief, deliverables: list[dict[str, Any]]) -> None:
    for index, item in enumerate(deliverables):
        extra = [p for p in item.get("platforms", []) if p not in brief.target_platforms]
        if extra:
            raise ValidationFailed(
                f"deliverables[{index}].platforms lists {', '.join(extra)}, not a target "
                "platform of the brief.",
                fields={"deliverables": {str(index): {"platforms": ["Not a target platform."]}}})


def publish_version(db: Session, brief: Brief, deliverables: list[dict[str, Any]], actor: User,
                    change_note: str = "") -> tuple[TechSpecVersion, bool]:
    """Make ``deliverables`` the brief's current spec; returns ``(version, created)``.

    An identical spec makes no new version. Live assignments move to the new
    version; a contractor who already accepted must acknowledge it when their
    deliverable (or its platforms) changed. A deliverable somebody works on
    cannot be dropped.
    """
    _check_deliverable_platforms(brief, deliverables)
    spec = brief.spec
    previous: TechSpecVersion | None = None
    if spec is None:
        spec = TechSpec(brief=brief, current_number=0)
        db.add(spec)
        db.flush()
    else:
        previous = current_version(db, brief)
        if previous.deliverables == deliverables and previous.platforms == brief.target_platforms:
            return previous, False
    keys = {item["key"] for item in deliverables}
    live = list(db.scalars(select(Assignment).where(
        Assignment.brief_id == brief.id, Assignment.state.in_(LIVE_STATES))))
    for assignment in live:
        if assignment.deliverable_key not in keys:
            raise Conflict(
                f"Deliverable {assignment.deliverable_key!r} is assigned (assignment "
                f"{assignment.id}); keep it in the spec or cancel the assignment first.",
                code="deliverable_in_use", details={"assignment_id": assignment.id,
                                                    "deliverable": assignment.deliverable_key})
    version = TechSpecVersion(spec_id=spec.id, number=spec.current_number + 1,
                              deliverables=deliverables, platforms=list(brief.target_platforms),
                              change_note=change_note, created_by_id=actor.id)
    db.add(version)
    spec.current_number = version.number
    db.flush()
    audit.record(db, "spec.revise", version, client_id=brief.client_id, brief_id=brief.id,
                 number=version.number, change_note=change_note)
    for assignment in live:
        _move_assignment(db, assignment, previous, version)
    return version, True


def _move_assignment(db: Session, assignment: Assignment, previous: TechSpecVersion | None,
                     version: TechSpecVersion) -> None:
    old_version = db.get(TechSpecVersion, assignment.spec_version_id) \
        if assignment.spec_version_id else previous
    old = deliverable_of(old_version, assignment.deliverable_key) if old_version else None
    new = deliverable_of(version, assignment.deliverable_key)
    unchanged = old == new and old_version is not None and old_version.platforms == version.platforms
    assignment.spec_version_id = version.id
    if assignment.state == AssignmentState.OFFERED:
        return  # accepting the offer accepts the version it shows
    if unchanged and assignment.acknowledged_spec_version_id == (old_version.id if old_version else None):
        assignment.acknowledged_spec_version_id = version.id
        return
    audit.record(db, "assignment.spec_changed", assignment, spec_version=version.number,
                 pending_acknowledgement=True)
