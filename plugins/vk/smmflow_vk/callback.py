"""VK's Callback API: the community pushes wall comment events to smmflow.

An admin adds smmflow's URL as a server in the community's settings
(Manage → API usage → Callback API), where VK shows the *confirmation string*
and lets them set a *secret key*; both go into the account's credentials as
``callback_confirmation`` and ``callback_secret``. VK then POSTs JSON events
``{"type", "object", "group_id", "event_id", "v", "secret"}``:

- ``confirmation`` (when the server is added): answered with the confirmation
  string instead of ``ok`` (when the account has a ``callback_secret``, only
  to a request carrying it);
- ``wall_reply_new`` / ``wall_reply_edit`` / ``wall_reply_restore``: a wall
  comment object with ``post_id`` and ``post_owner_id``, read as an inbox item
  with the same platform id as polling gives (``<owner_id>_<comment_id>``);
- ``wall_reply_delete``: ``owner_id``, ``id``, ``post_id`` (and who deleted it):
  the stored item is marked deleted;
- anything else is answered ``ok`` and ignored.

Every event must get ``ok`` with HTTP 200, or VK retries and, after several
failures in a row, pauses the server.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from smmflow.plugin_api import (
    Account,
    InboxItemData,
    WebhookMalformed,
    WebhookRejected,
    WebhookRequest,
    WebhookResult,
    secrets_match,
)
from smmflow_vk.publishing import external_id

SECRET_KEY = "callback_secret"
CONFIRMATION_KEY = "callback_confirmation"
COMMENT_EVENTS = frozenset({"wall_reply_new", "wall_reply_edit", "wall_reply_restore"})
DELETE_EVENT = "wall_reply_delete"


def _group_id(account: Account) -> int | None:
    raw = (account.credentials or {}).get("group_id") or account.external_id
    try:
        return abs(int(str(raw).strip())) or None
    except (TypeError, ValueError):
        return None


def _int(obj: Mapping[str, Any], name: str) -> int:
    try:
        return int(obj[name])
    except (KeyError, TypeError, ValueError):
        raise WebhookMalformed(f"The VK event object has no valid {name!r}.") from None


def receive(account: Account, request: WebhookRequest) -> WebhookResult:
    """Check the community and the secret; answer the confirmation or read a comment event."""
    event = request.json_object()
    kind = event.get("type")
    if not isinstance(kind, str) or not kind:
        raise WebhookMalformed("A VK Callback API event has a string 'type'.")
    sent_group = _int(event, "group_id")
    group_id = _group_id(account)
    if group_id is None or sent_group != group_id:
        raise WebhookRejected(f"a VK event of community {sent_group}, not this account's")
    creds = account.credentials or {}
    secret = str(creds.get(SECRET_KEY) or "")
    sent_secret = event.get("secret")
    if kind == "confirmation":
        code = str(creds.get(CONFIRMATION_KEY) or "").strip()
        if not code:
            raise WebhookRejected("VK asks to confirm the server but the account has no "
                                  f"{CONFIRMATION_KEY} in its credentials")
        # VK sends the secret key in every event, the confirmation included
        if secret and (not isinstance(sent_secret, str) or not secrets_match(secret, sent_secret)):
            raise WebhookRejected("missing or wrong secret in VK's confirmation request")
        return WebhookResult(body=code)
    if not secret:
        raise WebhookRejected(f"the VK account has no {SECRET_KEY} in its credentials: set the "
                              "same secret key in VK's Callback API settings and in smmflow")
    if not isinstance(sent_secret, str) or not secrets_match(secret, sent_secret):
        raise WebhookRejected("missing or wrong secret in the VK event")
    obj = event.get("object")
    if kind not in COMMENT_EVENTS and kind != DELETE_EVENT:
        return WebhookResult()
    if not isinstance(obj, Mapping):
        raise WebhookMalformed(f"A VK {kind} event has an 'object'.")
    owner_id = -group_id
    if kind == DELETE_EVENT:
        if _int(obj, "owner_id") != owner_id:
            return WebhookResult()
        return WebhookResult(deleted=(external_id(owner_id, _int(obj, "id")),))
    item = comment_item(owner_id, obj, kind)
    return WebhookResult(items=(item,) if item is not None else ())


def comment_item(owner_id: int, obj: Mapping[str, Any], kind: str = "wall_reply_new"
                 ) -> InboxItemData | None:
    """An inbox item for a wall comment event of the community's wall, or None.

    Comments written by the community itself (smmflow's replies) give None, as
    in polling. The event carries no author name: the author id stands in.
    """
    post_owner = obj.get("post_owner_id", obj.get("owner_id", owner_id))
    try:
        if int(post_owner) != owner_id:
            return None
    except (TypeError, ValueError):
        raise WebhookMalformed("The VK comment has no valid 'post_owner_id'.") from None
    from_id = _int(obj, "from_id")
    if from_id == owner_id:
        return None
    cid, post_id = _int(obj, "id"), _int(obj, "post_id")
    stack = obj.get("parents_stack") or []
    try:
        reply_to = int(obj.get("reply_to_comment") or (stack[-1] if isinstance(stack, list)
                                                       and stack else 0)) or None
    except (TypeError, ValueError):
        reply_to = None
    date = obj.get("date")
    return InboxItemData(
        platform_id=external_id(owner_id, cid),
        text=str(obj.get("text") or ""),
        author_id=str(from_id),
        author_name=str(from_id),
        received_at=dt.datetime.fromtimestamp(int(date), dt.UTC) if isinstance(date, int)
        else dt.datetime.now(dt.UTC),
        kind="reply" if reply_to else "comment",
        post_external_id=external_id(owner_id, post_id),
        parent_id=external_id(owner_id, reply_to) if reply_to else None,
        extra={"post_id": post_id, "comment_id": cid, "event": kind},
    )
