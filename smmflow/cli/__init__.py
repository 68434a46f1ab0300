"""The ``smmflow`` command line."""

from __future__ import annotations

import sys

import click

from smmflow.errors import ConfigError, PluginError


class Group(click.Group):
    """Turns a configuration error into one clear line and exit code 2."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except ConfigError as exc:
            click.echo(f"smmflow: configuration error: {exc}", err=True)
            sys.exit(2)
        except PluginError as exc:
            click.echo(f"smmflow: plugin error: {exc}", err=True)
            sys.exit(2)


@click.group(cls=Group)
@click.version_option(package_name="smmflow")
def main() -> None:
    """smmflow: operations platform for SMM agencies."""


def _register() -> None:
    from smmflow.cli import config_cmd, db_cmd, demo_cmd, run_cmd, users_cmd

    for module in (config_cmd, db_cmd, demo_cmd, run_cmd, users_cmd):
        module.register(main)
    from smmflow.cli import dispatcher_cmd, worker_cmd

    for module in (dispatcher_cmd, worker_cmd):
        module.register(main)
    from smmflow.cli import plugins_cmd  # last: plugins may add commands

    plugins_cmd.register(main)


_register()
