"""The channel's own comments and replies are never read back into the inbox."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fake_youtube import FakeYouTube
from smmflow_youtube import YouTubePlatform

from smmflow.plugin_api import InboxItemData


def test_the_channels_own_replies_are_not_fetched_as_comments(platform: YouTubePlatform,
                                                              fake: FakeYouTube, ctx: Any,
                                                              account: Any) -> None:
    video = fake.create_video("Clip")
    question = fake.add_comment(video, "Where was this filmed?", author_name="Ann")
    own = fake.add_comment(video, "Pinned: tickets at the link", author_id=fake.channel_id,
                           author_name="Fake Channel")
    item = InboxItemData(question, "Where was this filmed?", "", "Ann", dt.datetime.now(dt.UTC))
    reply = platform.reply(ctx, account, item, "In Tbilisi!")
    assert fake.comments[reply]["author_id"] == fake.channel_id

    fetched = {i.platform_id for i in platform.fetch_comments(ctx, account, None)}
    assert fetched == {question}
    assert own not in fetched and reply not in fetched
