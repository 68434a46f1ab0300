"""The inbox end to end on the four real network plugins and their fakes.

Issue 6's acceptance: comments seeded on a fake -> polled -> rules hide the spam and label the
negative ones -> a moderator replies -> the reply exists on the fake; an SLA breach fires its
event. On every network whose plugin reads and moderates comments: VK (wall comments),
Instagram, YouTube and Telegram (the channel's discussion group).

Each test publishes a post through the core pipeline, seeds reader comments on it, creates the
client's moderation rules through the API, and runs the polling, moderation and reply jobs with
an in-process RQ worker (``run_jobs``). VK and Telegram have no hidden state for comments, so
their spam rule deletes; Instagram and YouTube hide.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from e2e_kit import FAST, connect_account, due_target, publish_until_final, run_all

from smmflow.clients.models import Client
from smmflow.inbox.models import InboxItem
from smmflow.jobs.queues import enqueue
from smmflow.plugin_api import InboxItemData, hookimpl
from smmflow.posts.models import TargetStatus
from smmflow.testing.client import ApiClient

NETWORKS = ("vk", "instagram", "youtube", "telegram")
SLA_MINUTES = 30
NEGATIVE = re.compile(r"\b(awful|terrible|worst)\b", re.IGNORECASE)

# What the readers write under the post.
CASINO = "Win big at the CASINO tonight, DM me"
LINK_SPAM = "Cheap followers here: https://followers.example/buy"
COMPLAINT = "This is awful, my order never arrived"
QUESTION = "When does the new collection reach Berlin?"
ANSWER = "Sorry about that! We have sent you a message to sort it out today."


class InboxPlugin:
    """A sentiment classifier (``classify_comment``) and a recorder of the inbox events."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.breaches: list[dict[str, Any]] = []

    @hookimpl
    def classify_comment(self, item: InboxItemData, client_id: int) -> list[str]:
        return ["negative"] if NEGATIVE.search(item.text) else []

    @hookimpl
    def on_inbox_item_received(self, item_id: int, client_id: int, platform: str) -> None:
        self.received.append({"item_id": item_id, "client_id": client_id, "platform": platform})

    @hookimpl
    def on_inbox_sla_breached(self, item_id: int, client_id: int) -> None:
        self.breaches.append({"item_id": item_id, "client_id": client_id})


@pytest.fixture
def plugin() -> InboxPlugin:
    return InboxPlugin()


@pytest.fixture
def e2e_plugins(plugin: InboxPlugin) -> list[Any]:
    return [plugin]


@pytest.fixture
def e2e_settings() -> dict[str, Any]:
    return FAST


# -- the networks -----------------------------------------------------------------------------
def seed(fake: Any, platform: str, post_external_id: str, texts: list[str]) -> list[str]:
    """Reader comments with ``texts`` under the post; their platform ids."""
    if platform == "youtube":
        return [fake.add_comment(post_external_id, text, author_name=f"Viewer {i}")
                for i, text in enumerate(texts)]
    ids = fake.seed_comments(len(texts), post_external_id)
    for platform_id, text in zip(ids, texts, strict=True):
        if platform == "vk":
            fake.comments[int(platform_id.rpartition("_")[2])]["text"] = text
        elif platform == "instagram":
            fake.comments[platform_id]["text"] = text
        else:  # telegram: the stored message is the one its update carries
            fake.message(platform_id)["text"] = text
    return ids


def reply_on_fake(fake: Any, platform: str, reply_id: str) -> dict[str, Any]:
    """The reply as the fake stores it: its text and who wrote it."""
    if platform == "vk":
        comment = fake.comments[int(reply_id.rpartition("_")[2])]
        return {"text": comment["text"], "by_account": comment["from_id"] == fake.owner_id}
    if platform == "instagram":
        comment = fake.comments[reply_id]
        return {"text": comment["text"], "by_account": comment["from"]["id"] == fake.ig_user_id}
    if platform == "youtube":
        comment = fake.comments[reply_id]
        return {"text": comment["text"], "by_account": comment["author_id"] == fake.channel_id}
    message = fake.message(reply_id)
    return {"text": message["text"], "by_account": message["from"]["id"] == fake.bot_id}


def inbox_ids(api: ApiClient, client: Client, user: Any) -> list[int]:
    page = api.get(f"/clients/{client.id}/inbox?limit=200", as_=user)
    assert page.status_code == 200, page.json
    return sorted(i["id"] for i in page.json["items"])


# -- the test -----------------------------------------------------------------------------------
@pytest.mark.parametrize("platform", NETWORKS)
def test_comments_polled_moderated_answered_and_the_sla_breach_fires(
        platform, e2e_app, e2e_db, e2e_factory, e2e_api, fakes, plugin, run_jobs):
    fake = fakes[platform]
    network = e2e_app.extensions["smmflow"].platforms[platform]
    hide = "hide" if "hide" in network.moderation_actions else "delete"
    assert hide == ("hide" if platform in ("instagram", "youtube") else "delete")

    client = e2e_factory.client(inbox_sla_minutes=SLA_MINUTES)
    manager = e2e_factory.member(client, "manager")
    moderator = e2e_factory.member(client, "moderator")
    account = connect_account(e2e_factory, client, platform, fake)
    target = due_target(e2e_db, account, fake.sample_content())
    publish_until_final(e2e_app, e2e_db, run_jobs, [target.id])
    assert target.status == TargetStatus.PUBLISHED, target.last_error
    casino, link, complaint, question = seed(fake, platform, target.external_id,
                                             [CASINO, LINK_SPAM, COMPLAINT, QUESTION])

    rules = [
        {"name": "Gambling spam", "condition": "stop_words", "condition_value": ["casino", "bet"],
         "action": hide, "stop": True, "position": 0},
        {"name": "Links from readers", "condition": "contains_link", "action": hide,
         "stop": True, "position": 1},
        {"name": "Negative to a moderator", "condition": "label", "condition_value": "negative",
         "action": "assign", "action_value": moderator.id, "position": 2},
        {"name": "Order problems", "condition": "regex",
         "condition_value": r"\b(order|delivery)\b", "action": "label", "action_value": "order",
         "position": 3},
    ]
    for rule in rules:
        created = e2e_api.post(f"/clients/{client.id}/moderation-rules", as_=manager, json=rule)
        assert created.status_code == 201, created.json
    assert [r["name"] for r in e2e_api.get(f"/clients/{client.id}/moderation-rules",
                                           as_=moderator).json] == [r["name"] for r in rules]

    # the periodic poll: every active account whose plugin reads comments
    enqueue(e2e_app, "smmflow.inbox.jobs.poll_all", queue="moderation")
    run_all(e2e_app, run_jobs)

    page = e2e_api.get(f"/clients/{client.id}/inbox", as_=moderator)
    assert page.status_code == 200, page.json
    items = {i["platform_id"]: i for i in page.json["items"]}
    assert set(items) == {casino, link, complaint, question}
    for platform_id, text in ((casino, CASINO), (link, LINK_SPAM), (complaint, COMPLAINT),
                              (question, QUESTION)):
        item = items[platform_id]
        assert item["text"] == text and item["platform"] == platform
        assert item["kind"] == "comment" and item["post_external_id"] == target.external_id
        assert item["post_target_id"] == target.id
    assert sorted(e["item_id"] for e in plugin.received) == sorted(i["id"] for i in items.values())

    # spam hidden on the network (deleted where the network has no hidden state)
    spam_status = "hidden" if hide == "hide" else "deleted"
    for platform_id in (casino, link):
        assert items[platform_id]["status"] == spam_status
        assert fake.comment_state(platform_id) == ("hidden" if hide == "hide" else "deleted")
    for platform_id in (complaint, question):
        assert fake.comment_state(platform_id) == "visible"
    # the negative one labelled by the classifier, then assigned and labelled by the rules
    assert items[complaint]["labels"] == ["negative", "order"]
    assert items[complaint]["assignee_id"] == moderator.id
    assert items[complaint]["status"] == "new"
    assert items[question]["labels"] == [] and items[question]["assignee_id"] is None
    negative = e2e_api.get(f"/clients/{client.id}/inbox?label=negative", as_=moderator).json
    assert [i["platform_id"] for i in negative["items"]] == [complaint]

    # polling again stores nothing twice
    assert e2e_api.post(f"/clients/{client.id}/inbox/poll", as_=moderator).status_code == 202
    run_all(e2e_app, run_jobs)
    assert inbox_ids(e2e_api, client, moderator) == sorted(i["id"] for i in items.values())
    assert len(plugin.received) == 4

    # a moderator answers the complaint; the reply goes to the network as a reply to it
    complaint_id = items[complaint]["id"]
    answered = e2e_api.post(f"/inbox/{complaint_id}/replies", as_=moderator, json={"text": ANSWER})
    assert answered.status_code == 202, answered.json
    assert answered.json["status"] == "pending"
    run_all(e2e_app, run_jobs)
    item = e2e_api.get(f"/inbox/{complaint_id}", as_=moderator).json
    [reply] = item["replies"]
    assert reply["status"] == "sent" and reply["error"] is None, reply
    assert reply["author_id"] == moderator.id and not reply["automatic"]
    assert fake.replies_to(complaint) == [reply["platform_reply_id"]]
    assert reply_on_fake(fake, platform, reply["platform_reply_id"]) == {"text": ANSWER,
                                                                        "by_account": True}
    assert item["status"] == "replied" and item["first_response_seconds"] is not None
    assert fake.replies_to(question) == []
    # The account's own reply never comes back as a comment to answer.
    assert e2e_api.post(f"/clients/{client.id}/inbox/poll", as_=moderator).status_code == 202
    run_all(e2e_app, run_jobs)
    assert inbox_ids(e2e_api, client, moderator) == sorted(i["id"] for i in items.values())

    # SLA: the unanswered question waited past the client's 30 minutes
    row = e2e_db.get(InboxItem, items[question]["id"])
    row.received_at = row.received_at - dt.timedelta(minutes=SLA_MINUTES + 1)
    e2e_db.commit()
    enqueue(e2e_app, "smmflow.inbox.jobs.check_sla", queue="moderation")
    run_all(e2e_app, run_jobs)
    enqueue(e2e_app, "smmflow.inbox.jobs.check_sla", queue="moderation")  # fires once, not again
    run_all(e2e_app, run_jobs)
    assert plugin.breaches == [{"item_id": items[question]["id"], "client_id": client.id}]
    breached = e2e_api.get(f"/inbox/{items[question]['id']}", as_=moderator).json
    assert breached["sla_breached_at"] is not None and breached["status"] == "new"
    assert e2e_api.get(f"/inbox/{complaint_id}", as_=moderator).json["sla_breached_at"] is None
