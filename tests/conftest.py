"""Core test fixtures on top of the smmflow pytest plugin (smmflow.testing)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from smmflow.auth.models import User
from smmflow.clients.models import Client
from smmflow.testing.factories import Factory


@dataclass
class World:
    """Two clients and one principal of every kind the permission rules know."""

    client_a: Client
    client_b: Client
    owner: User
    manager: User           # manager member of client A
    other_manager: User     # manager of client B only
    moderator: User         # moderator of client A
    contractor: User
    client_member: User     # client approver of client A
    other_client: User      # client approver of client B

    def principals(self) -> dict[str, User | None]:
        return {
            "owner": self.owner, "manager": self.manager, "other_manager": self.other_manager,
            "moderator": self.moderator, "contractor": self.contractor,
            "client_member": self.client_member, "other_client": self.other_client,
            "anonymous": None,
        }


@pytest.fixture
def world(factory: Factory) -> World:
    a = factory.client(name="Acme", slug="acme")
    b = factory.client(name="Bolt", slug="bolt")
    return World(
        client_a=a, client_b=b, owner=factory.owner(),
        manager=factory.member(a, "manager"), other_manager=factory.member(b, "manager"),
        moderator=factory.member(a, "moderator"), contractor=factory.contractor(),
        client_member=factory.member(a, "client"), other_client=factory.member(b, "client"),
    )
