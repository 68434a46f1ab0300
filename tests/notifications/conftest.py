"""A local SMTP server (aiosmtpd on 127.0.0.1) that keeps what it receives."""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller


@dataclass
class Mailbox:
    port: int
    messages: list[EmailMessage] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]


class _Handler:
    def __init__(self, box: Mailbox) -> None:
        self.box = box

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.box.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def mailbox():
    box = Mailbox(port=_free_port())
    controller = Controller(_Handler(box), hostname="127.0.0.1", port=box.port)
    controller.start()
    yield box
    controller.stop()


@pytest.fixture
def world_for():
    """``world_for(app)``: the two-client world of tests/conftest.py on another app."""
    from smmflow.db import open_session
    from smmflow.testing.factories import Factory
    from tests.conftest import World

    sessions = []

    def build(app):
        session = open_session(app)
        db = session.__enter__()
        sessions.append(session)
        factory = Factory(app, db)
        a = factory.client(name="Acme", slug="acme")
        b = factory.client(name="Bolt", slug="bolt")
        return World(
            client_a=a, client_b=b, owner=factory.owner(),
            manager=factory.member(a, "manager"), other_manager=factory.member(b, "manager"),
            moderator=factory.member(a, "moderator"), contractor=factory.contractor(),
            client_member=factory.member(a, "client"), other_client=factory.member(b, "client"),
        )

    yield build
    for session in sessions:
        session.__exit__(None, None, None)
