"""Fixtures shared by tests/posts and tests/approvals (imported by both conftests)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest

from smmflow.accounts.models import SocialAccount
from smmflow.assignments.models import Assignment, Submission
from smmflow.auth.models import User
from smmflow.briefs.models import Brief
from smmflow.db import utcnow
from smmflow.testing.factories import Factory
from tests.conftest import World
from tests.posts.platforms import EventLog, NetworksPlugin


@pytest.fixture
def events() -> EventLog:
    return EventLog()


@pytest.fixture
def app(make_app: Any, events: EventLog) -> Any:
    """An app with the two test networks, the brand-safety check and the event recorder."""
    return make_app(plugins=[NetworksPlugin(), events])


@dataclass
class Scene:
    """The permission world plus what posts and approvals need."""

    world: World
    photo: SocialAccount      # photonet account of client A
    chat: SocialAccount       # chatnet account of client A
    manager2: User            # a second manager of client A
    client2: User             # a second client approver of client A


@pytest.fixture
def scene(world: World, factory: Factory) -> Scene:
    a = world.client_a
    return Scene(world=world, photo=factory.account(a, "photonet"), chat=factory.account(a, "chatnet"),
                 manager2=factory.member(a, "manager"), client2=factory.member(a, "client"))


def accepted_submission(factory: Factory, client: Any, contractor: User, text: str,
                        media: list[dict[str, Any]] | None = None, state: str = "done") -> Submission:
    """A contractor's submission whose assignment is in ``state`` (rows written directly)."""
    db = factory.db
    brief = Brief(client_id=client.id, title="Launch")
    db.add(brief)
    db.flush()
    assignment = Assignment(client_id=client.id, brief_id=brief.id, contractor_id=contractor.id,
                            fee_minor=5000, currency="EUR", due_at=utcnow() + dt.timedelta(days=3),
                            state=state)
    db.add(assignment)
    db.flush()
    sub = Submission(assignment_id=assignment.id, number=1, text=text, media=media or [],
                     created_by_id=contractor.id, check_passed=True)
    db.add(sub)
    db.commit()
    return sub


def image(n: int = 1, **kw: Any) -> dict[str, Any]:
    """A media dict as the media store keeps it."""
    return {"kind": "image", "mime_type": "image/jpeg", "size_bytes": 120_000,
            "sha256": f"{n:064x}", "path": f"/srv/media/{n:064x}", "filename": f"photo{n}.jpg",
            "width": 1080, "height": 1080, "format": "jpeg"} | kw
