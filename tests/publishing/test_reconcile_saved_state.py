"""An unknown outcome is reconciled with the state the timed-out call saved.

Platforms such as VK and Instagram save what they sent (``ctx.save_state``) right before the
call that may time out, and their ``find_published`` relies on it. The immediate
reconciliation must see that state, not the state the attempt started with.
"""

from __future__ import annotations

from typing import Any

import pytest
from smmflow_testnet.platform import TestnetPlatform

from smmflow.plugin_api import UnknownOutcome, hookimpl
from tests.jobs.kit import (
    assert_exactly_once,
    attempts_of,
    make_targets,
    net_app,
    publish_until_settled,
    targets,
)


class SavedStatePlatform(TestnetPlatform):
    """Saves what it sends, is applied, then loses the answer; looks the post up only when
    its saved state says it was sent (nothing saved: nothing can have been published)."""

    name = "savenet"

    def __init__(self) -> None:
        self.looked_with: list[dict[str, Any]] = []

    def publish(self, ctx, account, content, options, marker):
        ctx.save_state(sent_marker=marker)
        super().publish(ctx, account, content, options, marker)
        raise UnknownOutcome("the answer was lost")

    def find_published(self, ctx, account, marker):
        self.looked_with.append(dict(ctx.state))
        if ctx.state.get("sent_marker") != marker:
            return None
        return super().find_published(ctx, account, marker)


class Platforms:
    def __init__(self, platform: Any) -> None:
        self.platform = platform

    @hookimpl
    def register_platforms(self) -> list[Any]:
        return [self.platform]


@pytest.fixture
def platform() -> SavedStatePlatform:
    return SavedStatePlatform()


def test_the_immediate_reconciliation_sees_the_state_the_call_saved(make_app, pdb, fake,
                                                                     platform):
    app = net_app(make_app, fake, plugins=(Platforms(platform),))
    data = make_targets(app, pdb, fake, 1, platform="savenet")
    publish_until_settled(app, pdb, data.target_ids)
    [t] = targets(pdb, data.target_ids)
    assert assert_exactly_once(pdb, fake, data.target_ids) == {"published": 1}
    assert [a.outcome for a in attempts_of(pdb, t.id)] == ["reconciled"]
    assert platform.looked_with == [{"sent_marker": t.marker}]
    assert t.external_id == fake.posts[0]["id"] and fake.count() == 1
