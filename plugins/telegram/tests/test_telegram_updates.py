"""parse_update: webhook bodies and getUpdates results as inbox items."""

from __future__ import annotations

import datetime as dt

import pytest
from smmflow_telegram import parse_update
from smmflow_telegram.platform import TelegramPlatform
from smmflow_telegram.text import visible_text
from smmflow_telegram.updates import split_id

CHANNEL = {"id": -1002000000001, "type": "channel", "title": "Brand", "username": "brand"}
GROUP = {"id": -1002000000002, "type": "supergroup", "title": "Brand chat"}
FORWARD = {"message_id": 40, "date": 1760000000, "chat": GROUP, "sender_chat": CHANNEL,
           "is_automatic_forward": True, "text": "Our post",
           "forward_origin": {"type": "channel", "chat": CHANNEL, "message_id": 12,
                              "date": 1760000000}}
USER = {"id": 42, "is_bot": False, "first_name": "Ann", "last_name": "Lee", "username": "ann"}


def _update(message: dict, key: str = "message", update_id: int = 1) -> dict:
    return {"update_id": update_id, key: message}


def test_a_comment_on_a_channel_post() -> None:
    item = parse_update(_update({"message_id": 41, "date": 1760000100, "chat": GROUP, "from": USER,
                                 "text": "Love it", "reply_to_message": FORWARD,
                                 "message_thread_id": 40}))
    assert item is not None
    assert item.platform_id == f"{GROUP['id']}:41"
    assert (item.kind, item.post_external_id, item.parent_id) == ("comment", f"{CHANNEL['id']}:12",
                                                                  None)
    assert (item.author_id, item.author_name, item.text) == ("42", "Ann Lee", "Love it")
    assert item.received_at == dt.datetime.fromtimestamp(1760000100, dt.UTC)
    assert item.extra["thread_id"] == 40


def test_legacy_forward_fields_still_give_the_post() -> None:
    legacy = {k: v for k, v in FORWARD.items() if k != "forward_origin"} | {
        "forward_from_chat": CHANNEL, "forward_from_message_id": 12}
    item = parse_update(_update({"message_id": 41, "date": 1, "chat": GROUP, "from": USER,
                                 "text": "x", "reply_to_message": legacy}))
    assert item is not None and item.post_external_id == f"{CHANNEL['id']}:12"


def test_a_reply_to_a_comment_and_a_photo_without_caption() -> None:
    comment = {"message_id": 41, "date": 1, "chat": GROUP, "from": USER, "text": "Love it"}
    item = parse_update(_update({"message_id": 43, "date": 2, "chat": GROUP,
                                 "from": USER | {"id": 7, "last_name": None},
                                 "photo": [{"file_id": "f"}], "reply_to_message": comment}))
    assert item is not None
    assert (item.kind, item.parent_id, item.text) == ("reply", f"{GROUP['id']}:41", "")
    assert item.author_name == "Ann" and item.extra["media"] == "photo"


def test_edited_messages_use_the_edit_time() -> None:
    item = parse_update(_update({"message_id": 41, "date": 1, "edit_date": 99, "chat": GROUP,
                                 "from": USER, "text": "edited"}, key="edited_message"))
    assert item is not None and item.extra["edited"] is True
    assert item.received_at == dt.datetime.fromtimestamp(99, dt.UTC)


@pytest.mark.parametrize("update", [
    _update(FORWARD),                                                          # the post itself
    _update({"message_id": 1, "date": 1, "chat": CHANNEL, "text": "post"}, key="channel_post"),
    _update({"message_id": 1, "date": 1, "chat": {"id": 42, "type": "private"}, "from": USER,
             "text": "hi bot"}),                                               # a private chat
    _update({"message_id": 1, "date": 1, "chat": GROUP, "from": USER,
             "new_chat_members": [USER]}),                                     # service message
    {"update_id": 5, "message_reaction_count": {"chat": CHANNEL, "message_id": 12}},
])
def test_non_comments_give_none(update: dict) -> None:
    assert parse_update(update) is None


def test_the_discussion_chat_filter_accepts_ids_and_usernames() -> None:
    message = {"message_id": 41, "date": 1, "chat": GROUP | {"username": "brandchat"},
               "from": USER, "text": "hi"}
    assert parse_update(_update(message), GROUP["id"]) is not None
    assert parse_update(_update(message), "@BrandChat") is not None
    assert parse_update(_update(message), "-100777") is None
    assert TelegramPlatform.parse_update(_update(message), str(GROUP["id"])) is not None


def test_split_id_and_visible_text() -> None:
    assert split_id("-100123:7,8") == ("-100123", [7, 8])
    with pytest.raises(ValueError):
        split_id("7")
    assert visible_text("<b>a &amp; b</b>", "HTML") == "a & b"
    assert visible_text(r"*bold* [link](https://x.y/a\)b) 1\.5", "MarkdownV2") == "bold link 1.5"
    assert visible_text("<b>raw</b>", None) == "<b>raw</b>"
