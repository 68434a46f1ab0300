"""A small test plugin: two platforms with declared limits and a brand-safety check."""

from __future__ import annotations

from typing import Any

from smmflow.plugin_api import Capability, Content, ContentLimits, Platform, Problem, hookimpl

CAPTION_LIMIT = 120


class PhotoNet(Platform):
    """Instagram-like: captions up to 120 characters, at most 3 hashtags."""

    name = "photonet"
    display_name = "PhotoNet"
    capabilities = frozenset({Capability.PUBLISH})
    limits = ContentLimits(max_text_length=CAPTION_LIMIT, max_caption_length=CAPTION_LIMIT,
                           max_hashtags=3, max_media=4)


class ChatNet(Platform):
    """Telegram-like: long texts, no hashtag limit."""

    name = "chatnet"
    display_name = "ChatNet"
    capabilities = frozenset({Capability.PUBLISH})
    limits = ContentLimits(max_text_length=4096, max_caption_length=1024)


class NetworksPlugin:
    """Registered with ``make_app(plugins=[NetworksPlugin()])``."""

    @hookimpl
    def register_platforms(self) -> list[Platform]:
        return [PhotoNet(), ChatNet()]

    @hookimpl
    def check_content(self, content: Content, platforms: list[str], client_id: int) -> list[Problem]:
        problems = []
        if "competitorbrand" in content.text.lower():
            problems.append(Problem("text", "brand_safety", "Do not name competitors.", ""))
        if "photonet" in platforms and "#ad" not in content.text and "sponsored" in content.text:
            problems.append(Problem("text", "ad_label", "Sponsored posts need #ad.", "photonet"))
        return problems


class EventLog:
    """Records every approval event it hears, after the commit."""

    def __init__(self) -> None:
        self.events: list[tuple[str, dict[str, Any]]] = []

    def names(self) -> list[str]:
        return [name for name, _ in self.events]

    @hookimpl
    def on_approval_requested(self, request_id: int, client_id: int, subject_type: str,
                              subject_id: int, step_position: int) -> None:
        self.events.append(("on_approval_requested", {
            "request_id": request_id, "client_id": client_id, "subject_type": subject_type,
            "subject_id": subject_id, "step_position": step_position}))

    @hookimpl
    def on_approval_decided(self, request_id: int, client_id: int, subject_type: str,
                            subject_id: int, decision: str, step_position: int, author_id: int,
                            final: bool) -> None:
        self.events.append(("on_approval_decided", {
            "request_id": request_id, "decision": decision, "step_position": step_position,
            "author_id": author_id, "final": final, "subject_type": subject_type,
            "subject_id": subject_id, "client_id": client_id}))

    @hookimpl
    def on_approval_sla_breached(self, request_id: int, client_id: int, step_position: int) -> None:
        self.events.append(("on_approval_sla_breached", {
            "request_id": request_id, "client_id": client_id, "step_position": step_position}))
