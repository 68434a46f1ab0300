"""The moderation rules engine: ordered rules, compiled once, applied to many items.

Rules are evaluated in ``position`` order; every matching rule contributes its
action, and a rule with ``stop`` ends the evaluation. Evaluation is pure (no
I/O): it returns the decisions, and the caller stores labels and enqueues the
network actions as jobs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from smmflow.platforms.content import LINK

CONDITIONS = ("stop_words", "regex", "contains_link", "author_in", "label")
ACTIONS = ("label", "assign", "hide", "delete", "auto_reply", "escalate", "ignore")
NETWORK_ACTIONS = {"hide", "delete"}


@dataclass(frozen=True)
class CompiledRule:
    rule_id: int
    condition: str
    action: str
    action_value: Any
    stop: bool
    pattern: re.Pattern[str] | None = None
    values: frozenset[str] = frozenset()


@dataclass
class Decision:
    """What the rules decided for one item."""

    labels: list[str] = field(default_factory=list)
    assignee_id: int | None = None
    network_actions: list[str] = field(default_factory=list)
    auto_replies: list[str] = field(default_factory=list)
    escalate: bool = False
    ignore: bool = False
    matched_rule_ids: list[int] = field(default_factory=list)


def compile_rules(rules: Iterable[Any]) -> list[CompiledRule]:
    """Compile enabled rules (ORM rows or objects with the same attributes) in order."""
    compiled = []
    for rule in sorted(rules, key=lambda r: (r.position, r.id)):
        if not rule.enabled:
            continue
        pattern = None
        values: frozenset[str] = frozenset()
        if rule.condition == "stop_words":
            words = [re.escape(w.strip().lower()) for w in rule.condition_value or [] if w.strip()]
            if not words:
                continue
            pattern = re.compile(r"(?<!\w)(?:" + "|".join(words) + r")(?!\w)", re.IGNORECASE)
        elif rule.condition == "regex":
            pattern = re.compile(str(rule.condition_value), re.IGNORECASE)
        elif rule.condition in ("author_in", "label"):
            raw = rule.condition_value if isinstance(rule.condition_value, list) \
                else [rule.condition_value]
            values = frozenset(str(v).lower() for v in raw if v is not None)
        compiled.append(CompiledRule(rule.id, rule.condition, rule.action, rule.action_value,
                                     rule.stop, pattern, values))
    return compiled


def _matches(rule: CompiledRule, text: str, author_id: str, author_name: str,
             labels: Sequence[str]) -> bool:
    if rule.condition in ("stop_words", "regex"):
        return rule.pattern is not None and rule.pattern.search(text) is not None
    if rule.condition == "contains_link":
        return LINK.search(text) is not None
    if rule.condition == "author_in":
        return author_id.lower() in rule.values or author_name.lower() in rule.values
    if rule.condition == "label":
        return any(label.lower() in rule.values for label in labels)
    return False


def evaluate(rules: Sequence[CompiledRule], *, text: str, author_id: str = "",
             author_name: str = "", labels: Sequence[str] = ()) -> Decision:
    """Apply ``rules`` to one item; labels added by earlier rules count for later ones."""
    decision = Decision(labels=list(labels))
    for rule in rules:
        if not _matches(rule, text, author_id, author_name, decision.labels):
            continue
        decision.matched_rule_ids.append(rule.rule_id)
        if rule.action == "label" and rule.action_value and rule.action_value not in decision.labels:
            decision.labels.append(str(rule.action_value))
        elif rule.action == "assign" and rule.action_value is not None:
            decision.assignee_id = int(rule.action_value)
        elif rule.action in NETWORK_ACTIONS and rule.action not in decision.network_actions:
            decision.network_actions.append(rule.action)
        elif rule.action == "auto_reply" and rule.action_value:
            decision.auto_replies.append(str(rule.action_value))
        elif rule.action == "escalate":
            decision.escalate = True
        elif rule.action == "ignore":
            decision.ignore = True
        if rule.stop:
            break
    return decision


def render_template(template: str, *, author_name: str, text: str) -> str:
    """Fill an auto-reply template: ``{author}`` and ``{text}`` are known placeholders."""
    return template.replace("{author}", author_name).replace("{text}", text[:200])
