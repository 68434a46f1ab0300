"""``/api/v1/webhooks/<platform>/<account_id>`` (networks push here) and webhook registration.

The receiving route is public: the network's secret, checked by the
platform plugin, is the permission. Every reason not to serve an address
(unknown account, wrong platform, competitor or disabled account, platform
without webhooks) answers the same 404; a missing or wrong secret answers 403
and writes nothing. So a sender without the secret learns which addresses
are receivers (403 rather than 404), and nothing more: the 403 is kept
because it tells an admin setting up a network that the secret is what is wrong.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Response, current_app, request
from sqlalchemy.exc import IntegrityError

from smmflow import db as database
from smmflow.accounts.models import SocialAccount
from smmflow.accounts.services import get_account
from smmflow.api import Blueprint
from smmflow.audit.services import record
from smmflow.auth.permissions import PUBLIC, client_role, requires, via_model
from smmflow.errors import BadRequest, Forbidden, PayloadTooLarge, WebhookMalformed, WebhookRejected
from smmflow.inbox.jobs import enqueue_followups
from smmflow.platforms.webhooks import WebhookRequest
from smmflow.webhooks import services
from smmflow.webhooks.schemas import WebhookSetupSchema

blp = Blueprint("webhooks", __name__,
                description="Webhooks the networks push to (public, checked by the network's "
                            "secret) and their registration")

log = logging.getLogger("smmflow.webhooks")
ACCOUNT_MANAGERS = client_role("manager", resolver=via_model(SocialAccount, "account_id"))

_RECEIVE_DOC: dict[str, Any] = {
    "security": [],
    "requestBody": {
        "required": True,
        "description": "The network's own payload (a Telegram Update, a VK Callback API event), "
                       f"at most {services.MAX_BODY_BYTES} bytes, passed to the platform plugin.",
        "content": {"application/json": {"schema": {"type": "object"}}},
    },
    "responses": {
        "200": {"description": "Accepted; the body is what the network expects (VK: ok, or "
                               "the confirmation string).",
                "content": {"text/plain": {"schema": {"type": "string"}}}},
        "400": {"description": "The body is not the network's payload.",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
        "403": {"description": "The network's secret or signature is missing or wrong.",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
        "404": {"description": "No receiver at this address.",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
        "413": {"description": "The body is too large.",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
    },
}


def _body() -> bytes:
    """The request body, refused beyond ``MAX_BODY_BYTES`` (also without a Content-Length)."""
    limit = services.MAX_BODY_BYTES
    if request.content_length is not None and request.content_length > limit:
        raise PayloadTooLarge(f"A webhook body is at most {limit} bytes.")
    data = request.stream.read(limit + 1)
    if len(data) > limit:
        raise PayloadTooLarge(f"A webhook body is at most {limit} bytes.")
    return data


@blp.route("/webhooks/<platform>/<int:account_id>", methods=["POST"])
@requires(PUBLIC)
@blp.doc(**_RECEIVE_DOC)
def receive(platform: str, account_id: int) -> Response:
    """Receive what a network pushes for one account (Telegram webhook, VK Callback API).

    Public: the platform plugin checks the network's secret. New comments are
    stored once (by platform id), classified and passed through the client's
    moderation rules, exactly like polled ones.
    """
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    body = _body()
    db = database.session()
    row, plugin = services.receiver(app, db, platform, account_id)
    pushed = WebhookRequest(headers=dict(request.headers.items()), body=body)
    for attempt in (1, 2):
        try:
            receipt = services.receive(app, db, row, plugin, pushed)
            db.commit()
            break
        except WebhookRejected as exc:
            db.rollback()
            log.warning("webhook for %s account %s refused from %s: %s", platform, account_id,
                        request.remote_addr, exc.message or type(exc).__name__)
            raise Forbidden("The request failed the network's secret check.") from None
        except WebhookMalformed as exc:
            db.rollback()
            raise BadRequest(exc.message or "The body is not this network's payload.") from None
        except IntegrityError:
            # the same comment delivered twice at once: the second attempt finds it stored
            db.rollback()
            if attempt == 2:
                raise
    # stored and committed: answer 200 even if the follow-up jobs cannot be queued (logged
    # there), or the network would deliver again into nothing new
    enqueue_followups(app, receipt.followups)
    result = receipt.result
    return Response(result.body, status=200, content_type=result.content_type)


@blp.route("/social-accounts/<int:account_id>/webhook", methods=["POST"])
@requires(ACCOUNT_MANAGERS)
@blp.response(202, WebhookSetupSchema)
@blp.doc(responses={"409": {
    "description": "The account or its network cannot register a webhook; code manual_setup "
                   "gives the URL to enter in the network's settings in details.url; code "
                   "https_required: the network needs an https URL and SMMFLOW_BASE_URL is not.",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}})
def register(account_id: int) -> dict[str, Any]:
    """Have the network push this account's comments to smmflow (runs as a job).

    A job generates a new secret, gives the network the URL (built from
    ``SMMFLOW_BASE_URL``) and the secret, and keeps the secret in the account's
    encrypted credentials; it is never shown. Networks where a person enters
    the URL in the network's settings (VK) answer 409 ``manual_setup`` with the
    URL to enter; a network that only pushes to https (Telegram; see
    ``Platform.webhook_requires_https``) answers 409 ``https_required`` while
    ``SMMFLOW_BASE_URL`` is not an https address.
    """
    from smmflow.jobs.queues import enqueue

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    db = database.session()
    row = get_account(db, account_id)
    services.check_registrable(app, row)
    url = services.webhook_url(app, row)
    record(db, "webhook.register_requested", row, url=url)
    db.commit()
    enqueue(app, "smmflow.webhooks.jobs.register_webhook", row.id,
            job_id=f"webhook-register-{row.id}", retries=3)
    return {"url": url, "status": "queued"}
