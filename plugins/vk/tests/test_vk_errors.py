"""Every VK error code of the table maps to the documented smmflow error; tokens never leak."""

from __future__ import annotations

import datetime as dt
import logging
import re
from pathlib import Path

import pytest
from fake_vk import FakeVK
from smmflow_vk.errors import (
    AUTH,
    DEFAULT_RULE,
    ERROR_TABLE,
    HUMAN,
    OUTCOME,
    RATE,
    RATE_DAY,
    REJECT,
    SUBCODE_TABLE,
    TRANSIENT,
    seconds_until_moscow_midnight,
)
from smmflow_vk.platform import VKPlatform

from smmflow.plugin_api import (
    Account,
    AuthExpired,
    Content,
    ContentRejected,
    JobContext,
    PlatformError,
    RateLimited,
    TransientError,
    UnknownOutcome,
)

README = Path(__file__).parents[1] / "README.md"
EXPECTED: dict[str, type[PlatformError]] = {
    AUTH: AuthExpired, HUMAN: AuthExpired, TRANSIENT: TransientError, RATE: RateLimited,
    RATE_DAY: RateLimited, REJECT: ContentRejected, OUTCOME: UnknownOutcome,
}


@pytest.mark.parametrize("code", sorted(ERROR_TABLE))
def test_every_mapped_code_on_wall_post(code: int, vk: FakeVK, ctx: JobContext, platform: VKPlatform,
                                        account: Account) -> None:
    rule = ERROR_TABLE[code]
    vk.fail_next("error", code=code, method="wall.post", msg=f"{rule.meaning} (fake)")
    with pytest.raises(PlatformError) as info:
        platform.publish(ctx, account, Content(text="Hello"), {}, f"m-{code}")
    error = info.value
    assert type(error) is EXPECTED[rule.kind]
    assert error.platform_code == str(code)
    assert f"VK error {code} in wall.post" in str(error)
    if rule.kind == RATE:
        assert isinstance(error, RateLimited) and error.retry_after == rule.retry_after
    if rule.kind == RATE_DAY:
        assert isinstance(error, RateLimited) and 600 <= error.retry_after <= 86400 + 60
    assert vk.count() == 0


def test_a_vk_timeout_on_a_read_is_transient(vk: FakeVK, ctx: JobContext, platform: VKPlatform,
                                             account: Account) -> None:
    vk.fail_next("error", code=36, method="groups.getById")
    with pytest.raises(TransientError):
        platform.fetch_account_metrics(ctx, account)


@pytest.mark.parametrize(("code", "subcode"), sorted(SUBCODE_TABLE))
def test_subcodes_refine_a_code(code: int, subcode: int, vk: FakeVK, ctx: JobContext,
                                platform: VKPlatform, account: Account) -> None:
    vk.fail_next("error", code=code, error_subcode=subcode, method="wall.post")
    with pytest.raises(AuthExpired) as info:
        platform.publish(ctx, account, Content(text="x"), {}, "m-sub")
    assert info.value.platform_code == f"{code}.{subcode}"


def test_codes_outside_the_table_are_permanent(vk: FakeVK, ctx: JobContext, platform: VKPlatform,
                                               account: Account) -> None:
    assert 914 not in ERROR_TABLE and DEFAULT_RULE.kind == REJECT
    vk.fail_next("error", code=914, method="wall.post", msg="Message is too long")
    with pytest.raises(ContentRejected, match="Message is too long"):
        platform.publish(ctx, account, Content(text="x"), {}, "m-914")


@pytest.mark.parametrize("code", [9, 29])
def test_flood_and_quota_wait_long(code: int, vk: FakeVK, ctx: JobContext, platform: VKPlatform,
                                   account: Account) -> None:
    vk.fail_next("rate_limit", code=code)
    with pytest.raises(RateLimited) as info:
        platform.publish(ctx, account, Content(text="x"), {}, "m-rl")
    assert info.value.retry_after >= 600


def test_daily_quota_waits_until_moscow_midnight() -> None:
    late_evening = dt.datetime(2026, 11, 26, 20, 0, tzinfo=dt.UTC)   # 23:00 in Moscow
    assert seconds_until_moscow_midnight(late_evening) == 3600 + 60
    just_after = dt.datetime(2026, 11, 26, 21, 1, tzinfo=dt.UTC)     # 00:01 in Moscow
    assert seconds_until_moscow_midnight(just_after) == 86400 - 60 + 60


def test_the_readme_documents_every_code() -> None:
    text = README.read_text()
    rows = set(re.findall(r"^\| (\d+(?:\.\d+)?) \|", text, flags=re.MULTILINE))
    assert {str(c) for c in ERROR_TABLE} | {f"{c}.{s}" for c, s in SUBCODE_TABLE} <= rows


# -- the token never leaks -------------------------------------------------------------------
def test_token_is_never_logged_nor_in_errors(vk: FakeVK, ctx: JobContext, platform: VKPlatform,
                                             account: Account, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    errors: list[str] = []
    result = platform.publish(ctx, account, vk.sample_content(), {}, "m-log")
    vk.fail_next("accept_then_timeout")
    try:
        platform.publish(ctx, account, Content(text="late"), {}, "m-log-2")
    except UnknownOutcome as exc:
        errors.append(str(exc))
    platform.find_published(ctx, account, "m-log-2")
    vk.fail_next("error", code=5, method="wall.getById",
                 msg=f"User authorization failed: invalid access_token {vk.token}")
    try:
        platform.fetch_post_metrics(ctx, account, [result.external_id])
    except AuthExpired as exc:
        errors.append(str(exc))
    vk.seed_comments(1)
    items = platform.fetch_comments(ctx, account, None)
    platform.reply(ctx, account, items[0], "Thanks")
    platform.fetch_account_metrics(ctx, account)

    assert len(errors) == 2 and "[redacted]" in errors[1]
    for text in errors:
        assert vk.token not in text
    assert caplog.records, "the HTTP layers log at DEBUG/INFO: the test must see them"
    for record in caplog.records:
        rendered = record.getMessage() + repr(record.args) + (record.exc_text or "")
        assert vk.token not in rendered, record.name
    assert vk.token_in_url == 0, "the token must never be in a URL"
    assert vk.upload_auth_headers == 0
