"""The moderation rules engine, on plain rule objects (no I/O)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from smmflow.inbox.rules import compile_rules, evaluate, render_template


@dataclass
class R:
    id: int
    condition: str
    condition_value: Any
    action: str
    action_value: Any = None
    position: int = 0
    enabled: bool = True
    stop: bool = False


def test_stop_words_match_whole_words_case_insensitively():
    rules = compile_rules([R(1, "stop_words", ["casino", "free money"], "hide")])
    assert evaluate(rules, text="Best CASINO in town").network_actions == ["hide"]
    assert evaluate(rules, text="get FREE   money") .network_actions == []
    assert evaluate(rules, text="get free money now").network_actions == ["hide"]
    assert evaluate(rules, text="casinos are not the word").network_actions == []


def test_rules_run_in_order_and_labels_feed_later_rules():
    rules = compile_rules([
        R(2, "label", "negative", "escalate", position=2),
        R(1, "regex", r"\b(awful|terrible)\b", "label", "negative", position=1),
        R(3, "contains_link", None, "label", "spam", position=3),
    ])
    decision = evaluate(rules, text="This is awful", labels=["question"])
    assert decision.labels == ["question", "negative"]
    assert decision.escalate is True
    assert decision.matched_rule_ids == [1, 2]


def test_stop_flag_ends_evaluation_and_disabled_rules_are_skipped():
    rules = compile_rules([
        R(1, "contains_link", None, "delete", stop=True, position=1),
        R(2, "contains_link", None, "label", "spam", position=2),
        R(3, "contains_link", None, "hide", position=0, enabled=False),
    ])
    decision = evaluate(rules, text="visit https://spam.example")
    assert decision.network_actions == ["delete"]
    assert decision.labels == []


def test_author_list_assign_and_auto_reply():
    rules = compile_rules([
        R(1, "author_in", ["troll42", "Bad Bot"], "ignore"),
        R(2, "regex", r"\bprice\b", "auto_reply", "Hi {author}, prices are on our site."),
        R(3, "regex", r"\bprice\b", "assign", 7),
    ])
    assert evaluate(rules, text="hi", author_id="TROLL42").ignore is True
    assert evaluate(rules, text="hi", author_name="bad bot").ignore is True
    d = evaluate(rules, text="what is the price?", author_name="Ann")
    assert d.auto_replies == ["Hi {author}, prices are on our site."]
    assert d.assignee_id == 7
    assert render_template(d.auto_replies[0], author_name="Ann", text="") == \
        "Hi Ann, prices are on our site."


@pytest.mark.parametrize("text,expected", [("no link here", False), ("www.x.org", True),
                                           ("see http://a.b/c", True)])
def test_contains_link(text, expected):
    rules = compile_rules([R(1, "contains_link", None, "label", "link")])
    assert ("link" in evaluate(rules, text=text).labels) is expected
