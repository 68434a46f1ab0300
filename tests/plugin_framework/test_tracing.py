"""SMMFLOW_TRACE_HOOKS=1 logs every hook call, the plugins called and the outcome."""

from __future__ import annotations

import logging

from smmflow.plugin_api import Content
from smmflow.plugins import collect
from tests.plugin_framework.plugins_for_tests import BrandSafety


def test_environment_switch_traces_hook_calls(make_app, monkeypatch, caplog):
    monkeypatch.setenv("SMMFLOW_TRACE_HOOKS", "1")
    app = make_app(plugins=[BrandSafety()])
    assert app.extensions["smmflow"].settings.trace_hooks
    with caplog.at_level(logging.INFO, logger="smmflow.hooks"):
        collect(app, "check_content", content=Content(text="casino"), platforms=["testnet"],
                client_id=7)
    lines = [r.getMessage() for r in caplog.records if r.name == "smmflow.hooks"]
    assert any(line.startswith("hook check_content(") and "client_id=7" in line
               and "brand_safety" in line for line in lines), lines
    assert any(line.startswith("hook check_content returned") and "brand_safety" in line
               for line in lines), lines


def test_no_tracing_by_default(make_app, monkeypatch, caplog):
    monkeypatch.delenv("SMMFLOW_TRACE_HOOKS", raising=False)
    app = make_app(plugins=[BrandSafety()])
    with caplog.at_level(logging.INFO, logger="smmflow.hooks"):
        collect(app, "check_content", content=Content(text="x"), platforms=[], client_id=1)
    assert not [r for r in caplog.records if r.name == "smmflow.hooks"]


def test_tracing_shows_errors(make_app, caplog):
    from tests.plugin_framework.plugins_for_tests import Broken

    app = make_app(plugins=[Broken()], trace_hooks=True)
    with caplog.at_level(logging.INFO, logger="smmflow.hooks"):
        collect(app, "classify_comment", item=None, client_id=1)
    assert any("raised" in r.getMessage() and "broken classifier" in r.getMessage()
               for r in caplog.records if r.name == "smmflow.hooks")
