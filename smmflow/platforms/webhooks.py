"""What a network pushes to smmflow: the request a platform receives and the result it returns.

A platform with the ``webhook`` capability implements
:meth:`~smmflow.platforms.base.Platform.receive_webhook`. The core routes
``POST /api/v1/webhooks/<platform>/<account_id>`` to it with a
:class:`WebhookRequest`; the platform checks the network's secret or signature
(with :func:`secrets_match`, never ``==``), parses the body and returns a
:class:`WebhookResult`. The core stores the items exactly as it stores polled
comments (deduplicated by platform id, classified, passed through the rules)
and answers the network with ``result.body``.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from smmflow.errors import WebhookMalformed
from smmflow.platforms.content import InboxItemData

WEBHOOK_SECRET_KEY = "webhook_secret"
"""Credentials key under which the core stores the secret it generated for
:meth:`~smmflow.platforms.base.Platform.register_webhook`."""


def secrets_match(expected: str | None, given: str | None) -> bool:
    """Constant-time comparison of a configured secret with the one a request carries.

    False when either is missing or empty: an account without a configured
    secret accepts nothing.
    """
    if not expected or not given:
        return False
    return hmac.compare_digest(str(expected).encode(), str(given).encode())


@dataclass(frozen=True)
class WebhookRequest:
    """One request a network pushed: headers (case-insensitive look-up) and the raw body.

    The body is given as bytes so a platform can verify a signature over the
    exact bytes (e.g. an HMAC header) before parsing them.
    """

    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""

    def header(self, name: str) -> str | None:
        """The value of header ``name`` (any case), or None."""
        wanted = name.lower()
        for key, value in self.headers.items():
            if key.lower() == wanted:
                return value
        return None

    def json(self) -> Any:
        """The body parsed as JSON; :class:`~smmflow.errors.WebhookMalformed` when it is not."""
        try:
            return json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise WebhookMalformed("The body is not valid UTF-8 JSON.") from None

    def json_object(self) -> dict[str, Any]:
        """The body as a JSON object; :class:`~smmflow.errors.WebhookMalformed` otherwise."""
        value = self.json()
        if not isinstance(value, dict):
            raise WebhookMalformed("The body must be a JSON object.")
        return value


@dataclass(frozen=True)
class WebhookResult:
    """What a platform made of a pushed request.

    ``items``
        comments, replies or messages the request carried; the core stores
        the ones it does not know yet (by platform id, as for polling), so a
        network that delivers twice stores once.
    ``deleted``
        platform ids of comments removed on the network; stored items among
        them are marked ``deleted`` (unknown ids are ignored).
    ``body`` / ``content_type``
        the answer the network expects with HTTP 200 (VK wants the text
        ``ok``, or the confirmation string for a ``confirmation`` request).
    """

    items: tuple[InboxItemData, ...] = ()
    deleted: tuple[str, ...] = ()
    body: str = "ok"
    content_type: str = "text/plain"
