"""``smmflow plugins [--json]`` and commands added by plugins, run as a real command line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import click
from click.testing import CliRunner

from smmflow.plugin_api import hookimpl
from smmflow.plugins import add_cli_commands
from smmflow.testing import settings as test_settings
from tests.plugin_framework.hook_registry import exercises

SMMFLOW = str(Path(sys.executable).with_name("smmflow"))
CLI_PLUGIN = '''
import click
from smmflow.plugin_api import hookimpl

@hookimpl
def register_cli_commands(cli):
    @cli.command("hello-plugin")
    @click.argument("name")
    def hello(name):
        """Greet from a plugin."""
        click.echo(f"hello {name} from a plugin")
'''


def _run(tmp_path: Path, *args: str, extra_path: Path | None = None,
         **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items()
               if not k.startswith("SMMFLOW_") or k.startswith("SMMFLOW_TEST_")}
    environ.update({
        "SMMFLOW_SECRET_KEY": test_settings.TEST_SECRET,
        "SMMFLOW_ENCRYPTION_KEY": test_settings.TEST_FERNET_KEY,
        "SMMFLOW_INSTANCE_PATH": str(tmp_path / "instance"),
        **env,
    })
    if extra_path is not None:
        environ["PYTHONPATH"] = str(extra_path)
    return subprocess.run([SMMFLOW, *args], capture_output=True, text=True, env=environ,
                          timeout=120, check=False)


def test_plugins_json_lists_defaults_and_the_test_network(tmp_path):
    result = _run(tmp_path, "plugins", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    plugins = {p["name"]: p for p in data["plugins"]}
    assert {"smmflow.defaults.channels", "smmflow.defaults.notifications"} <= set(plugins)
    testnet = plugins["testnet"]
    assert testnet["distribution"] == "smmflow-testnet"
    assert testnet["version"] == "0.1.0"
    assert testnet["source"] == "entry_point"
    assert testnet["hooks"] == ["register_platforms"]
    [platform] = testnet["platforms"]
    assert platform["name"] == "testnet"
    assert set(platform["capabilities"]) == {
        "publish", "reconcile", "delete", "post_metrics", "account_metrics", "competitor_metrics",
        "comments", "moderate", "reply"}
    assert platform["max_concurrency_per_account"] == 1
    assert "testnet" in data["platforms"]
    assert {"email", "in_app"} <= set(data["notification_channels"])
    defaults = plugins["smmflow.defaults.notifications"]
    assert defaults["distribution"] == "smmflow" and "on_post_failed" in defaults["hooks"]


def test_plugins_text_output(tmp_path):
    result = _run(tmp_path, "plugins", SMMFLOW_PLUGINS="testnet")
    assert result.returncode == 0, result.stderr
    assert "testnet  (smmflow-testnet 0.1.0, entry_point)" in result.stdout
    assert "platform testnet (Test network): account_metrics, comments" in result.stdout
    assert "hooks: register_platforms" in result.stdout


def test_disabled_plugin_is_not_listed(tmp_path):
    result = _run(tmp_path, "plugins", "--json", SMMFLOW_PLUGINS_DISABLED="testnet")
    assert result.returncode == 0, result.stderr
    assert "testnet" not in {p["name"] for p in json.loads(result.stdout)["plugins"]}


@exercises("register_cli_commands")
def test_installed_plugin_adds_a_command(tmp_path, install_plugin):
    site = install_plugin("hello", "smmflow_hello_cli", CLI_PLUGIN)
    result = _run(tmp_path, "hello-plugin", "Ada", extra_path=site)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "hello Ada from a plugin"
    listed = _run(tmp_path, "plugins", "--json", extra_path=site)
    hello = next(p for p in json.loads(listed.stdout)["plugins"] if p["name"] == "hello")
    assert hello["hooks"] == ["register_cli_commands"]
    assert (hello["distribution"], hello["version"]) == ("smmflow-sample", "0.3.0")


def test_broken_plugin_warns_on_the_command_line_and_stops_the_app(tmp_path, install_plugin):
    site = install_plugin("broken", "smmflow_broken_cli", "raise ImportError('no luck')\n")
    result = _run(tmp_path, "--help", extra_path=site)
    assert result.returncode == 0
    assert "plugin 'broken'" in result.stderr and "no luck" in result.stderr
    result = _run(tmp_path, "plugins", extra_path=site)
    assert result.returncode == 2
    assert "smmflow: plugin error: plugin 'broken'" in result.stderr
    assert "Traceback" not in result.stderr


def test_add_cli_commands_with_explicit_plugins():
    class Plugin:
        __name__ = "greeter"

        @hookimpl
        def register_cli_commands(self, cli):
            @cli.command("greet")
            def greet():
                click.echo("hi")

    class Failing:
        __name__ = "failing"

        @hookimpl
        def register_cli_commands(self, cli):
            raise RuntimeError("cannot add")

    group = click.Group("root")
    warnings = add_cli_commands(group, plugins=[Plugin(), Failing()])
    assert warnings == ["plugin 'failing' failed in register_cli_commands: RuntimeError: cannot add"]
    assert CliRunner().invoke(group, ["greet"]).output == "hi\n"
