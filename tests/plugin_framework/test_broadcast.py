"""Broadcast and resolution hooks: every plugin answers; one that raises is logged and skipped."""

from __future__ import annotations

import logging

from smmflow.plugin_api import Content, InboxItemData, Problem, hookimpl
from smmflow.plugins import call_safely, collect, first_result
from tests.plugin_framework.hook_registry import exercises
from tests.plugin_framework.plugins_for_tests import BrandSafety, Broken


def _comment(text: str) -> InboxItemData:
    from smmflow.db import utcnow

    return InboxItemData(platform_id="c1", text=text, author_id="u1", author_name="Fan",
                         received_at=utcnow())


@exercises("check_content")
def test_check_content_collects_problems_and_survives_a_broken_plugin(make_app, caplog):
    app = make_app(plugins=[Broken(), BrandSafety()])
    with caplog.at_level(logging.ERROR, logger="smmflow.plugins"):
        problems = collect(app, "check_content", content=Content(text="Win at the casino"),
                           platforms=["testnet"], client_id=1)
    assert problems == [Problem("text", "brand_safety",
                                "Gambling words are not allowed for this client.", "")]
    assert collect(app, "check_content", content=Content(text="Hello"), platforms=[],
                   client_id=1) == []
    record = next(r for r in caplog.records if "broken_plugin" in r.getMessage())
    assert "check_content" in record.getMessage()
    assert record.exc_info is not None and "broken check" in str(record.exc_info[1])


@exercises("classify_comment")
def test_classify_comment_merges_labels(make_app, caplog):
    class Spam:
        __name__ = "spam_filter"

        @hookimpl
        def classify_comment(self, item):
            return ["spam"] if "buy now" in item.text else None

    app = make_app(plugins=[Broken(), BrandSafety(), Spam()])
    with caplog.at_level(logging.ERROR, logger="smmflow.plugins"):
        labels = collect(app, "classify_comment", item=_comment("buy now, really?"), client_id=1)
    assert sorted(labels) == ["question", "spam"]
    assert any("broken_plugin" in r.getMessage() and "classify_comment" in r.getMessage()
               for r in caplog.records)


def test_call_safely_names_each_answer(make_app):
    app = make_app(plugins=[BrandSafety()])
    answers = call_safely(app, "classify_comment", item=_comment("why?"), client_id=1)
    assert ("brand_safety", ["question"]) in answers


@exercises("notification_channels_for")
def test_resolution_first_answer_wins_and_default_answers_last(make_app, caplog):
    class OnlyInApp:
        __name__ = "quiet_hours"

        @hookimpl
        def notification_channels_for(self, user_id, kind):
            return ["in_app"] if kind == "post_failed" else None

    app = make_app(plugins=[OnlyInApp()])
    assert first_result(app, "notification_channels_for", user_id=1, kind="post_failed") == ["in_app"]
    assert first_result(app, "notification_channels_for", user_id=1,
                        kind="assignment_offered") == ["in_app", "email"]
    app = make_app(plugins=[Broken()])
    with caplog.at_level(logging.ERROR, logger="smmflow.plugins"):
        assert first_result(app, "notification_channels_for", user_id=1,
                            kind="x") == ["in_app", "email"]
    assert any("broken_plugin" in r.getMessage() for r in caplog.records)


def test_unknown_hook_is_a_programming_error(make_app):
    import pytest

    app = make_app(plugins=[])
    with pytest.raises(ValueError, match="unknown hook"):
        collect(app, "check_contnet", content=None)
