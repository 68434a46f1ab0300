"""Competitor communities: members count from ``groups.getById``, read with the own account's token."""

from __future__ import annotations

import dataclasses
import logging

import pytest
import smmflow_vk.plugin as vk_plugin
from fake_vk import FakeVK
from smmflow_vk.platform import VKPlatform
from sqlalchemy import select

from smmflow.plugin_api import Account, AuthExpired, ContentRejected, JobContext


def rival(vk: FakeVK, *, handle: str, external_id: str | None, **creds: object) -> Account:
    return Account(id=2, platform="vk", handle=handle, external_id=external_id,
                   credentials=vk.account(**creds).credentials, is_competitor=True)


def test_members_count_of_a_public_community_by_id(vk: FakeVK, ctx: JobContext,
                                                   platform: VKPlatform, caplog) -> None:
    gid = vk.add_public_group("rival_shop", members_count=98765)
    with caplog.at_level(logging.DEBUG):
        metrics = platform.fetch_account_metrics(ctx, rival(vk, handle="rival_shop",
                                                            external_id=str(gid)))
    assert metrics == {"followers": 98765}
    assert vk.method_calls() == ["groups.getById"]  # nothing private: no stats, no wall
    [(_, params)] = vk.params_log
    assert params["group_ids"] == str(gid) and params["fields"] == "members_count"
    assert "group_id" not in params  # the own community (credentials' group_id) is not asked
    assert vk.token_in_url == 0 and vk.token not in caplog.text


@pytest.mark.parametrize("handle", ["rival_shop", "@rival_shop", "https://vk.com/rival_shop",
                                    "vk.com/rival_shop/", "club{gid}", "public{gid}"])
def test_by_screen_name_or_address_when_the_id_is_unknown(vk: FakeVK, ctx: JobContext,
                                                          platform: VKPlatform, handle: str) -> None:
    gid = vk.add_public_group("rival_shop", members_count=555)
    account = rival(vk, handle=handle.format(gid=gid), external_id=None)
    assert platform.fetch_account_metrics(ctx, account) == {"followers": 555}


def test_own_group_id_in_the_borrowed_credentials_is_not_the_competitor(vk: FakeVK, ctx: JobContext,
                                                                        platform: VKPlatform) -> None:
    vk.add_public_group("rival_shop", members_count=42)
    # the lender's credentials name its own community; the competitor has no external id
    account = rival(vk, handle="rival_shop", external_id=None, group_id=vk.group_id)
    assert platform.fetch_account_metrics(ctx, account) == {"followers": 42}
    assert vk.members_count != 42


def test_banned_community_leaves_followers_absent(vk: FakeVK, ctx: JobContext,
                                                  platform: VKPlatform) -> None:
    gid = vk.add_public_group("gone_rival", members_count=300, deactivated="banned")
    assert platform.fetch_account_metrics(ctx, rival(vk, handle="gone_rival",
                                                     external_id=str(gid))) == {}


def test_unknown_community_is_rejected_not_an_auth_problem(vk: FakeVK, ctx: JobContext,
                                                           platform: VKPlatform) -> None:
    with pytest.raises(ContentRejected) as info:
        platform.fetch_account_metrics(ctx, rival(vk, handle="nobody_here", external_id=None))
    assert info.value.platform_code == "100"


@pytest.mark.parametrize("code", [40, 125])
def test_unknown_or_invalid_group_codes_concern_the_competitor(vk: FakeVK, ctx: JobContext,
                                                               platform: VKPlatform,
                                                               code: int) -> None:
    gid = vk.add_public_group("rival_shop")
    vk.fail_next("error", code=code, msg="Invalid group id", method="groups.getById")
    with pytest.raises(ContentRejected) as info:
        platform.fetch_account_metrics(ctx, rival(vk, handle="rival_shop", external_id=str(gid)))
    assert info.value.platform_code == str(code)
    assert not isinstance(info.value, AuthExpired)


def test_a_refused_token_is_still_auth_expired(vk: FakeVK, ctx: JobContext,
                                               platform: VKPlatform) -> None:
    gid = vk.add_public_group("rival_shop")
    vk.fail_next("auth", method="groups.getById")
    with pytest.raises(AuthExpired) as info:
        platform.fetch_account_metrics(ctx, rival(vk, handle="rival_shop", external_id=str(gid)))
    assert vk.token not in str(info.value)


def test_bad_handle_and_missing_token_fail_before_calling_vk(vk: FakeVK, ctx: JobContext,
                                                             platform: VKPlatform) -> None:
    with pytest.raises(ContentRejected):
        platform.fetch_account_metrics(ctx, rival(vk, handle="rival shop!", external_id=None))
    no_token = dataclasses.replace(rival(vk, handle="rival_shop", external_id=None),
                                   credentials={"group_id": vk.group_id})
    with pytest.raises(AuthExpired):
        platform.fetch_account_metrics(ctx, no_token)
    assert vk.method_calls() == []


def test_core_collects_the_competitor_with_the_own_accounts_token(vk: FakeVK, make_app,
                                                                   run_jobs) -> None:
    from smmflow.db import open_session
    from smmflow.jobs.queues import enqueue
    from smmflow.metrics.models import MetricSample
    from smmflow.testing.factories import Factory

    gid = vk.add_public_group("rival_shop", members_count=777)
    app = make_app(plugins=[vk_plugin], extra={**vk.settings, "VK_MIN_CALL_INTERVAL": "0"},
                   http_timeout=1.0)
    with open_session(app) as db:
        factory = Factory(app, db)
        client = factory.client()
        own = factory.account(client, "vk", credentials=dict(vk.account().credentials),
                              handle=f"club{vk.group_id}", external_id=str(vk.group_id))
        competitor = factory.account(client, "vk", handle="rival_shop", external_id=str(gid),
                                     is_competitor=True)
        enqueue(app, "smmflow.metrics.jobs.collect_all", queue="metrics")
        assert run_jobs(app)
        samples = {(s.social_account_id, s.metric): s.value for s in db.scalars(select(MetricSample))}
    assert samples[(competitor.id, "followers")] == 777
    assert samples[(own.id, "followers")] == vk.members_count
