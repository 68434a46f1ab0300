"""The PluginManager built by create_app: discovery, allow/deny lists, start-up errors."""

from __future__ import annotations

from importlib.metadata import entry_points

import pytest

from smmflow import create_app
from smmflow.errors import PluginError
from smmflow.platforms.base import Platform
from smmflow.plugin_api import hookimpl
from tests.plugin_framework.hook_registry import exercises
from tests.plugin_framework.plugins_for_tests import Clash

DEFAULTS = {"smmflow.defaults.channels", "smmflow.defaults.notifications"}
GOOD_PLUGIN = '''
from smmflow.plugin_api import hookimpl

@hookimpl
def classify_comment(item):
    return ["sample"]
'''


def _installed() -> set[str]:
    return {ep.name for ep in entry_points(group="smmflow")}


def test_core_defaults_are_plugins_even_with_no_plugins(make_app):
    pm = make_app(plugins=[]).extensions["smmflow"].plugins
    assert set(pm.infos) >= DEFAULTS
    assert all(pm.infos[name].source == "default" for name in DEFAULTS)
    assert "testnet" not in pm.infos


@exercises("register_platforms")
def test_explicit_plugin_registers_its_platform(make_app, testnet):
    app = make_app(plugins=[testnet])
    state = app.extensions["smmflow"]
    assert set(state.platforms) == {"testnet"}
    assert isinstance(state.platforms["testnet"], Platform)
    info = state.plugins.infos["testnet"]  # named after its entry point
    assert (info.distribution, info.version, info.platforms) == ("smmflow-testnet", "0.1.0",
                                                                 ["testnet"])


def test_entry_points_are_discovered(make_app):
    app = make_app(plugins=None, plugins_enabled=["testnet"])
    state = app.extensions["smmflow"]
    assert "testnet" in state.platforms
    assert state.plugins.infos["testnet"].source == "entry_point"
    assert {n for n in state.plugins.infos if not n.startswith("smmflow.")} == {"testnet"}


def test_allow_list_loads_only_named_plugins(make_app):
    assert "testnet" in _installed()
    app = make_app(plugins=None, plugins_enabled=["testnet"])
    assert set(app.extensions["smmflow"].platforms) == {"testnet"}


def test_allow_list_none_means_only_the_core_defaults(make_app):
    infos = make_app(plugins=None, plugins_enabled=["none"]).extensions["smmflow"].plugins.infos
    assert set(infos) >= DEFAULTS
    assert all(info.source == "default" for info in infos.values())


def test_deny_list_skips_plugins(make_app):
    others = sorted(_installed() - {"testnet"})
    app = make_app(plugins=None, plugins_disabled=["testnet", *others])
    state = app.extensions["smmflow"]
    assert state.platforms == {}
    assert "testnet" not in state.plugins.infos


def test_deny_list_applies_to_explicit_plugins_and_defaults(make_app, testnet):
    app = make_app(plugins=[testnet],
                   plugins_disabled=["testnet", "smmflow.defaults.notifications"])
    infos = app.extensions["smmflow"].plugins.infos
    assert "testnet" not in infos
    assert "smmflow.defaults.notifications" not in infos
    assert "smmflow.defaults.channels" in infos


def test_allow_list_naming_a_missing_plugin_is_an_error(make_app):
    with pytest.raises(PluginError, match=r"'no-such-plugin'.*not installed"):
        make_app(plugins=None, plugins_enabled=["testnet", "no-such-plugin"])


def test_plugin_failing_to_import_stops_start_up_with_its_name(make_app, install_plugin):
    install_plugin("broken", "smmflow_broken_sample", "import smmflow_module_that_does_not_exist\n")
    with pytest.raises(PluginError) as info:
        make_app(plugins=None, plugins_enabled=["broken"])
    message = str(info.value)
    assert "'broken'" in message and "smmflow_broken_sample" in message
    assert "smmflow_module_that_does_not_exist" in message
    assert "SMMFLOW_PLUGINS_DISABLED=broken" in message


def test_disabled_broken_plugin_is_never_imported(make_app, install_plugin):
    install_plugin("broken", "smmflow_broken_sample2", "raise RuntimeError('imported!')\n")
    app = make_app(plugins=None, plugins_enabled=["testnet"])
    assert "broken" not in app.extensions["smmflow"].plugins.infos
    app = make_app(plugins=None, plugins_disabled=["broken", *(_installed() - {"broken"})])
    assert "broken" not in app.extensions["smmflow"].plugins.infos


def test_installed_distribution_is_listed_with_its_version(make_app, install_plugin):
    install_plugin("sample", "smmflow_good_sample", GOOD_PLUGIN, dist="smmflow-good", version="2.5.1")
    pm = make_app(plugins=None, plugins_enabled=["sample"]).extensions["smmflow"].plugins
    info = pm.infos["sample"]
    assert (info.distribution, info.version, info.source) == ("smmflow-good", "2.5.1", "entry_point")
    assert pm.hooks_of("sample") == ["classify_comment"]


def test_platform_claimed_twice_is_an_error_naming_both(make_app, testnet):
    with pytest.raises(PluginError) as info:
        make_app(plugins=[testnet, Clash()])
    message = str(info.value)
    assert "'testnet'" in message and "'clash_plugin'" in message
    assert "SMMFLOW_PLUGINS_DISABLED" in message


def test_registering_something_else_than_a_platform_is_an_error(make_app):
    class Wrong:
        __name__ = "wrong_plugin"

        @hookimpl
        def register_platforms(self):
            return ["telegram"]

    with pytest.raises(PluginError, match=r"'wrong_plugin'.*not a named Platform"):
        make_app(plugins=[Wrong()])


def test_plugin_raising_at_registration_stops_start_up_with_its_name(make_app):
    class Exploding:
        __name__ = "exploding_plugin"

        @hookimpl
        def register_platforms(self):
            raise KeyError("TOKEN")

    with pytest.raises(PluginError, match="'exploding_plugin' failed in register_platforms"):
        make_app(plugins=[Exploding()])


def test_hookimpl_with_unknown_argument_is_refused(make_app):
    class Typo:
        __name__ = "typo_plugin"

        @hookimpl
        def on_post_published(self, post_idd):
            pass

    with pytest.raises(PluginError, match="'typo_plugin' cannot be registered"):
        make_app(plugins=[Typo()])


def test_create_app_builds_one_manager_per_app(make_app, testnet):
    first, second = make_app(plugins=[testnet]), make_app(plugins=[])
    assert first.extensions["smmflow"].plugins is not second.extensions["smmflow"].plugins
    assert "testnet" not in second.extensions["smmflow"].platforms


def test_no_manager_is_built_at_import():
    import smmflow.plugins as module

    assert not [v for v in vars(module).values() if isinstance(v, module.PluginManager)]


def test_create_app_without_plugins_argument_discovers(smmflow_settings):
    app = create_app({**smmflow_settings, "plugins_enabled": ["testnet"]})
    try:
        assert "testnet" in app.extensions["smmflow"].platforms
    finally:
        app.extensions["smmflow"].engine.dispose()
