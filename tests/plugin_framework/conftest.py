"""Fixtures of the plugin framework tests."""

from __future__ import annotations

import pytest
from smmflow_testnet import plugin as testnet_plugin


@pytest.fixture
def testnet():
    """The test network's plugin module (registered explicitly, like a test would)."""
    return testnet_plugin


@pytest.fixture
def install_plugin(tmp_path, monkeypatch):
    """``install_plugin(entry_name, module_name, source, dist=..., version=...)``: a distribution
    with an ``smmflow`` entry point, found on ``sys.path`` for this test only; returns its folder
    (for ``PYTHONPATH`` of a subprocess)."""
    import importlib
    import sys

    site = tmp_path / "site"
    site.mkdir()
    monkeypatch.syspath_prepend(str(site))
    added: list[str] = []

    def install(entry_name: str, module_name: str, source: str, *, dist: str = "smmflow-sample",
                version: str = "0.3.0"):
        (site / f"{module_name}.py").write_text(source)
        info = site / f"{dist.replace('-', '_')}-{version}.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n")
        (info / "entry_points.txt").write_text(f"[smmflow]\n{entry_name} = {module_name}\n")
        importlib.invalidate_caches()
        added.append(module_name)
        return site

    yield install
    for name in added:
        sys.modules.pop(name, None)


@pytest.fixture
def factory_for():
    """``factory_for(app)``: an ApiClient with a Factory on a session of ``app``."""
    from smmflow.db import open_session
    from smmflow.testing.client import ApiClient
    from smmflow.testing.factories import Factory

    sessions = []

    def build(app):
        session = open_session(app)
        db = session.__enter__()
        sessions.append(session)
        return ApiClient(app, Factory(app, db))

    yield build
    for session in sessions:
        session.__exit__(None, None, None)
