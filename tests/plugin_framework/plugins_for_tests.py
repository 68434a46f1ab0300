"""Small plugins the framework tests register explicitly (``make_app(plugins=[...])``)."""

from __future__ import annotations

from typing import Any

from smmflow.plugin_api import Platform, Problem, hookimpl


class Recorder:
    """Records every event hook call: ``calls`` is a list of (hook name, kwargs)."""

    __name__ = "recorder"

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def names(self) -> list[str]:
        return [name for name, _ in self.calls]


class EventRecorder(Recorder):
    """Implements every ``on_*`` hook and records its call."""

    @hookimpl
    def on_assignment_offered(self, assignment_id, client_id, contractor_id):
        self.calls.append(("on_assignment_offered", locals_of(locals())))

    @hookimpl
    def on_assignment_changed(self, assignment_id, client_id, contractor_id, old_state, new_state):
        self.calls.append(("on_assignment_changed", locals_of(locals())))

    @hookimpl
    def on_assignment_overdue(self, assignment_id, client_id, contractor_id, due_at, kind):
        self.calls.append(("on_assignment_overdue", locals_of(locals())))

    @hookimpl
    def on_submission_received(self, submission_id, assignment_id, client_id, check_passed):
        self.calls.append(("on_submission_received", locals_of(locals())))

    @hookimpl
    def on_approval_requested(self, request_id, client_id, subject_type, subject_id,
                              step_position):
        self.calls.append(("on_approval_requested", locals_of(locals())))

    @hookimpl
    def on_approval_decided(self, request_id, client_id, subject_type, subject_id, decision,
                            step_position, author_id, final):
        self.calls.append(("on_approval_decided", locals_of(locals())))

    @hookimpl
    def on_approval_sla_breached(self, request_id, client_id, step_position):
        self.calls.append(("on_approval_sla_breached", locals_of(locals())))

    @hookimpl
    def on_post_published(self, target_id, post_id, client_id, platform, external_id, url):
        self.calls.append(("on_post_published", locals_of(locals())))

    @hookimpl
    def on_post_failed(self, target_id, post_id, client_id, platform, state, reason):
        self.calls.append(("on_post_failed", locals_of(locals())))

    @hookimpl
    def on_inbox_item_received(self, item_id, client_id, platform):
        self.calls.append(("on_inbox_item_received", locals_of(locals())))

    @hookimpl
    def on_inbox_sla_breached(self, item_id, client_id):
        self.calls.append(("on_inbox_sla_breached", locals_of(locals())))

    @hookimpl
    def on_budget_threshold_crossed(self, client_id, threshold_percent, spent_minor,
                                    budget_minor):
        self.calls.append(("on_budget_threshold_crossed", locals_of(locals())))


def locals_of(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if k != "self"}


class Broken:
    """Raises in every broadcast and event hook it implements."""

    __name__ = "broken_plugin"

    @hookimpl
    def check_content(self, content: Any) -> list[Problem]:
        raise RuntimeError("broken check")

    @hookimpl
    def classify_comment(self, item: Any) -> list[str]:
        raise RuntimeError("broken classifier")

    @hookimpl
    def on_post_published(self, post_id: int) -> None:
        raise RuntimeError("broken listener")

    @hookimpl
    def notification_channels_for(self, user_id: int) -> list[str]:
        raise RuntimeError("broken resolver")


class BrandSafety:
    __name__ = "brand_safety"

    @hookimpl
    def check_content(self, content: Any, platforms: list[str], client_id: int) -> list[Problem]:
        if "casino" in content.text:
            return [Problem("text", "brand_safety", "Gambling words are not allowed for this "
                                                   "client.", "")]
        return []

    @hookimpl
    def classify_comment(self, item: Any, client_id: int) -> list[str]:
        return ["question"] if item.text.endswith("?") else []


class ClashingPlatform(Platform):
    name = "testnet"
    display_name = "Another testnet"


class Clash:
    __name__ = "clash_plugin"

    @hookimpl
    def register_platforms(self) -> list[Platform]:
        return [ClashingPlatform()]


