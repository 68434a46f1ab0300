"""Every hook is documented once, in its spec's docstring, and exercised by a test."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

from smmflow import hookspecs
from smmflow.plugins import hook_names
from tests.plugin_framework.hook_registry import HOOK_TESTS

FAMILY_PREFIXES = ("register_", "on_", "check_", "classify_")


def _spec_options(name: str) -> dict:
    return getattr(hookspecs, name).smmflow_spec


def test_hookspecs_are_found():
    names = hook_names()
    assert "register_platforms" in names and "on_post_failed" in names
    assert len(names) >= 20


@pytest.mark.parametrize("name", hook_names())
def test_every_hook_has_a_docstring(name):
    doc = inspect.getdoc(getattr(hookspecs, name))
    assert doc, f"hook {name} has no docstring"
    first_line = doc.splitlines()[0]
    assert len(first_line) > 20 and first_line.endswith("."), f"{name}: write a summary sentence"


@pytest.mark.parametrize("name", hook_names())
def test_every_hook_belongs_to_a_family(name):
    options = _spec_options(name)
    if options.get("firstresult"):
        assert not name.startswith(FAMILY_PREFIXES), f"{name}: resolution hooks need their own name"
    else:
        assert name.startswith(FAMILY_PREFIXES), f"{name}: name it after its family"
    assert not options.get("historic")


def _test_modules() -> list[str]:
    import tests.notifications
    import tests.plugin_framework

    found = []
    for package in (tests.plugin_framework, tests.notifications):
        for info in pkgutil.iter_modules(package.__path__):
            if info.name.startswith("test_"):
                found.append(f"{package.__name__}.{info.name}")
    return found


def test_every_hook_has_a_test():
    for module in _test_modules():
        importlib.import_module(module)
    missing = sorted(set(hook_names()) - set(HOOK_TESTS))
    assert not missing, f"hooks without a test (decorate one with @exercises): {missing}"
    unknown = sorted(set(HOOK_TESTS) - set(hook_names()))
    assert not unknown, f"tests declare hooks that do not exist: {unknown}"
