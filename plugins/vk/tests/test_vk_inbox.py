"""VK metrics and comment moderation against the fake."""

from __future__ import annotations

import datetime as dt

import pytest
from fake_vk import FakeVK
from smmflow_vk.platform import VKPlatform

from smmflow.plugin_api import (
    Account,
    Content,
    ContentRejected,
    InboxItemData,
    JobContext,
)


def _post(vk: FakeVK, ctx: JobContext, platform: VKPlatform, account: Account, marker: str) -> int:
    result = platform.publish(ctx, account, Content(text=marker), {}, marker)
    return int(result.external_id.rpartition("_")[2])


# -- metrics ---------------------------------------------------------------------------------
def test_post_metrics_from_counters_and_reach(vk: FakeVK, ctx: JobContext, platform: VKPlatform,
                                              account: Account) -> None:
    pid = _post(vk, ctx, platform, account, "m-metrics")
    vk.set_counters(pid, likes=5, comments=2, reposts=3, views=100, reach=80)
    ext = f"-{vk.group_id}_{pid}"
    assert platform.fetch_post_metrics(ctx, account, [ext]) == {
        ext: {"likes": 5, "comments": 2, "shares": 3, "views": 100, "reach": 80}}


def test_views_stay_absent_when_vk_has_none(vk: FakeVK, ctx: JobContext, platform: VKPlatform,
                                            account: Account) -> None:
    pid = _post(vk, ctx, platform, account, "m-noviews")
    vk.set_counters(pid, likes=1, views=None)
    metrics = platform.fetch_post_metrics(ctx, account, [f"-{vk.group_id}_{pid}"])
    assert "views" not in metrics[f"-{vk.group_id}_{pid}"]


def test_reach_stays_absent_when_stats_are_denied(vk: FakeVK, ctx: JobContext, platform: VKPlatform,
                                                  account: Account) -> None:
    pid = _post(vk, ctx, platform, account, "m-nostats")
    vk.fail_next("error", code=15, method="stats.getPostReach", msg="Access denied: no access to stats")
    metrics = platform.fetch_post_metrics(ctx, account, [f"-{vk.group_id}_{pid}"])
    assert set(metrics[f"-{vk.group_id}_{pid}"]) == {"likes", "comments", "shares", "views"}


def test_unknown_posts_are_left_out(vk: FakeVK, ctx: JobContext, platform: VKPlatform,
                                    account: Account) -> None:
    assert platform.fetch_post_metrics(ctx, account, [f"-{vk.group_id}_999"]) == {}
    assert platform.fetch_post_metrics(ctx, account, []) == {}


def test_reach_is_asked_thirty_posts_at_a_time(vk: FakeVK, ctx: JobContext, platform: VKPlatform,
                                               account: Account) -> None:
    with vk.lock:
        ids = [vk._new_post(f"p{i}", [], None, None)["id"] for i in range(35)]
    externals = [f"-{vk.group_id}_{i}" for i in ids]
    metrics = platform.fetch_post_metrics(ctx, account, externals)
    assert set(metrics) == set(externals)
    assert all("reach" in m for m in metrics.values())
    assert [len(p["post_ids"].split(",")) for m, p in vk.params_log if m == "stats.getPostReach"] == [30, 5]


def test_followers_from_members_count(vk: FakeVK, ctx: JobContext, platform: VKPlatform,
                                      account: Account) -> None:
    vk.members_count = 777
    assert platform.fetch_account_metrics(ctx, account) == {"followers": 777}
    assert dict(vk.params_log)["groups.getById"]["fields"] == "members_count"


# -- comments --------------------------------------------------------------------------------
def test_fetch_comments_with_threads(vk: FakeVK, ctx: JobContext, platform: VKPlatform,
                                     account: Account) -> None:
    top = vk.seed_comments(2)
    first = int(top[0].rpartition("_")[2])
    with vk.lock:
        post_id = vk.comments[first]["post_id"]
        replies = [vk._new_comment(post_id, 6000 + i, f"reply {i}", first)["id"] for i in range(12)]
        vk._new_comment(post_id, vk.owner_id, "our own answer", first)   # the community itself

    items = platform.fetch_comments(ctx, account, None)

    by_id = {i.platform_id: i for i in items}
    assert set(by_id) == set(top) | {f"-{vk.group_id}_{r}" for r in replies}
    reply = by_id[f"-{vk.group_id}_{replies[-1]}"]
    assert reply.kind == "reply" and reply.parent_id == top[0]
    assert reply.post_external_id == f"-{vk.group_id}_{post_id}"
    assert by_id[top[0]].kind == "comment" and by_id[top[0]].author_name == "User 5000"
    assert all(i.received_at.tzinfo is not None for i in items)
    thread_reads = [p for m, p in vk.params_log if m == "wall.getComments" and p.get("comment_id")]
    assert [p["comment_id"] for p in thread_reads] == [str(first)], "12 replies > 10 inline: read the thread"


def test_fetch_comments_since(vk: FakeVK, ctx: JobContext, platform: VKPlatform,
                              account: Account) -> None:
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    vk.clock = lambda: (now - dt.timedelta(hours=2)).timestamp()
    old = vk.seed_comments(1)
    vk.clock = lambda: now.timestamp()
    new = vk.seed_comments(1)
    items = platform.fetch_comments(ctx, account, now - dt.timedelta(hours=1))
    assert [i.platform_id for i in items] == new and old[0] not in new


def test_delete_and_restore(vk: FakeVK, ctx: JobContext, platform: VKPlatform, account: Account) -> None:
    [cid] = vk.seed_comments(1)
    item = next(i for i in platform.fetch_comments(ctx, account, None) if i.platform_id == cid)
    platform.moderate(ctx, account, item, "delete")
    assert vk.comment_state(cid) == "deleted"
    assert cid not in {i.platform_id for i in platform.fetch_comments(ctx, account, None)}
    platform.moderate(ctx, account, item, "delete")      # twice: still deleted, no error
    platform.moderate(ctx, account, item, "restore")
    assert vk.comment_state(cid) == "visible"
    platform.moderate(ctx, account, item, "restore")     # VK says 243 "not deleted": fine
    assert vk.comment_state(cid) == "visible"


@pytest.mark.parametrize("action", ["hide", "unhide"])
def test_vk_has_no_hidden_comments(action: str, vk: FakeVK, ctx: JobContext, platform: VKPlatform,
                                   account: Account) -> None:
    assert action not in platform.moderation_actions
    [cid] = vk.seed_comments(1)
    item = InboxItemData(cid, "", "", "", dt.datetime.now(dt.UTC))
    with pytest.raises(ContentRejected, match="no hidden state"):
        platform.moderate(ctx, account, item, action)
    assert vk.comment_state(cid) == "visible"


def test_reply_is_deduplicated_by_guid(vk: FakeVK, ctx: JobContext, platform: VKPlatform,
                                       account: Account) -> None:
    [cid] = vk.seed_comments(1)
    item = next(i for i in platform.fetch_comments(ctx, account, None) if i.platform_id == cid)
    first = platform.reply(ctx, account, item, "Thank you!")
    again = platform.reply(ctx, account, item, "Thank you!")
    assert first == again and vk.replies_to(cid) == [first]
    sent = next(p for m, p in vk.params_log if m == "wall.createComment")
    assert sent["from_group"] == str(vk.group_id) and sent["reply_to_comment"] == cid.rpartition("_")[2]
    assert sent["guid"].startswith("smmflow-")


def test_reply_to_a_bare_comment_id_finds_its_post(vk: FakeVK, ctx: JobContext, platform: VKPlatform,
                                                   account: Account) -> None:
    [cid] = vk.seed_comments(1)
    bare = InboxItemData(cid, "", "", "", dt.datetime.now(dt.UTC))
    reply_id = platform.reply(ctx, account, bare, "Hello")
    assert vk.replies_to(cid) == [reply_id]
    assert "wall.getComment" in vk.method_calls()
