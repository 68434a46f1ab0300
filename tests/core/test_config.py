from __future__ import annotations

import pytest

from smmflow import create_app
from smmflow.config import load_settings
from smmflow.errors import ConfigError
from smmflow.testing.settings import TEST_FERNET_KEY, TEST_SECRET

BASE = {"SMMFLOW_SECRET_KEY": TEST_SECRET, "SMMFLOW_ENCRYPTION_KEY": TEST_FERNET_KEY}


@pytest.mark.parametrize(("variable", "value"), [
    ("SMMFLOW_DATABASE_URL", "mysql://nope"),
    ("SMMFLOW_REDIS_URL", "http://localhost"),
    ("SMMFLOW_ENCRYPTION_KEY", "short"),
    ("SMMFLOW_TOKEN_TTL_DAYS", "-3"),
    ("SMMFLOW_TRACE_HOOKS", "perhaps"),
    ("SMMFLOW_HTTP_TIMEOUT", "zero"),
])
def test_bad_value_names_the_variable(tmp_path, variable, value):
    env = {**BASE, "SMMFLOW_INSTANCE_PATH": str(tmp_path), variable: value}
    with pytest.raises(ConfigError) as info:
        load_settings(env)
    assert variable in str(info.value)
    assert info.value.variable == variable


def test_missing_secret_names_the_variable(tmp_path):
    with pytest.raises(ConfigError, match="SMMFLOW_SECRET_KEY"):
        load_settings({"SMMFLOW_INSTANCE_PATH": str(tmp_path)})


def test_postgres_urls_use_psycopg3(tmp_path):
    settings = load_settings({**BASE, "SMMFLOW_INSTANCE_PATH": str(tmp_path),
                              "SMMFLOW_DATABASE_URL": "postgresql://u@h/db"})
    assert settings.database_url == "postgresql+psycopg://u@h/db"


def test_plugin_settings_are_kept_for_plugins(tmp_path):
    settings = load_settings({**BASE, "SMMFLOW_INSTANCE_PATH": str(tmp_path),
                              "SMMFLOW_TELEGRAM_API_BASE": "http://127.0.0.1:9"})
    assert settings.plugin_setting("TELEGRAM_API_BASE") == "http://127.0.0.1:9"


def test_two_apps_with_different_settings_live_in_one_process(tmp_path, smmflow_settings):
    a = create_app({**smmflow_settings, "instance_path": tmp_path / "a",
                    "database_url": f"sqlite:///{tmp_path / 'a.db'}"}, plugins=[])
    b = create_app({**smmflow_settings, "instance_path": tmp_path / "b",
                    "database_url": f"sqlite:///{tmp_path / 'b.db'}", "token_ttl_days": 7},
                   plugins=[])
    sa, sb = a.extensions["smmflow"], b.extensions["smmflow"]
    assert sa.engine is not sb.engine
    assert str(sa.engine.url) != str(sb.engine.url)
    assert sa.settings.token_ttl_days != sb.settings.token_ttl_days
    sa.engine.dispose()
    sb.engine.dispose()
