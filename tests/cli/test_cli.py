"""The ``smmflow`` command line on a fresh SQLite instance."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, func, select, text

from smmflow.cli import main
from smmflow.testing.settings import TEST_FERNET_KEY, TEST_SECRET


@pytest.fixture
def cli_env(tmp_path):
    return {
        "SMMFLOW_INSTANCE_PATH": str(tmp_path / "instance"),
        "SMMFLOW_SECRET_KEY": TEST_SECRET,
        "SMMFLOW_ENCRYPTION_KEY": TEST_FERNET_KEY,
        "SMMFLOW_PASSWORD_TIME_COST": "1",
        "SMMFLOW_PASSWORD_MEMORY_COST": "64",
        "SMMFLOW_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}",
    }


def _run(env, *args, input=None):
    result = CliRunner().invoke(main, list(args), env=env, input=input, catch_exceptions=False)
    return result


def _counts(url):
    import smmflow.models  # noqa: F401
    from smmflow.db import Base

    engine = create_engine(url)
    with engine.connect() as conn:
        counts = {t.name: conn.scalar(select(func.count()).select_from(t))
                  for t in Base.metadata.sorted_tables}
    engine.dispose()
    return counts


def test_db_upgrade_users_create_and_demo_twice(cli_env):
    up = _run(cli_env, "db", "upgrade")
    assert up.exit_code == 0, up.output
    assert "schema at" in up.output
    created = _run(cli_env, "users", "create", "--email", "Lead@Agency.test", "--name", "Lead",
                   "--role", "owner", "--password", "a-long-password")
    assert created.exit_code == 0, created.output
    assert "lead@agency.test" in created.output
    duplicate = _run(cli_env, "users", "create", "--email", "lead@agency.test", "--name", "L",
                     "--password", "a-long-password")
    assert duplicate.exit_code == 1
    assert "already exists" in duplicate.output

    first = _run(cli_env, "demo")
    assert first.exit_code == 0, first.output
    counts = _counts(cli_env["SMMFLOW_DATABASE_URL"])
    assert counts["users"] == 8 and counts["clients"] == 2
    assert counts["social_accounts"] == 8 and counts["campaigns"] == 1
    assert counts["contractor_profiles"] == 2
    second = _run(cli_env, "demo")
    assert second.exit_code == 0
    assert "0 object(s) created" in second.output
    again = _counts(cli_env["SMMFLOW_DATABASE_URL"])
    assert again == counts


def test_users_create_rejects_bad_input_naming_the_field(cli_env):
    _run(cli_env, "db", "upgrade")
    bad = _run(cli_env, "users", "create", "--email", "not-an-email", "--name", "X",
               "--password", "short")
    assert bad.exit_code == 2
    assert "email" in bad.output and "password" in bad.output


def test_config_error_is_one_clear_line(cli_env):
    env = {**cli_env, "SMMFLOW_DATABASE_URL": "mysql://nope"}
    result = _run(env, "db", "upgrade")
    assert result.exit_code == 2
    assert "SMMFLOW_DATABASE_URL" in result.output


def test_init_writes_keys_once(tmp_path):
    env = {"SMMFLOW_INSTANCE_PATH": str(tmp_path / "inst")}
    first = _run(env, "init")
    assert "wrote" in first.output
    content = (tmp_path / "inst" / "smmflow.env").read_text()
    assert "SMMFLOW_SECRET_KEY=" in content and "SMMFLOW_ENCRYPTION_KEY=" in content
    second = _run(env, "init")
    assert "kept existing" in second.output
    assert (tmp_path / "inst" / "smmflow.env").read_text() == content


def _target_states(url):
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT p.title, a.platform, t.status, t.scheduled_at FROM post_targets t "
            "JOIN posts p ON p.id = t.post_id JOIN social_accounts a ON a.id = t.social_account_id "
            "ORDER BY t.id")).all()
    engine.dispose()
    return rows


def test_demo_publish_schedules_the_approved_demo_posts(cli_env):
    assert _run(cli_env, "db", "upgrade").exit_code == 0
    nothing = _run(cli_env, "demo", "publish")
    assert nothing.exit_code == 1 and "run `smmflow demo` first" in nothing.output

    seeded = _run(cli_env, "demo")
    assert seeded.exit_code == 0, seeded.output
    before = _target_states(cli_env["SMMFLOW_DATABASE_URL"])
    assert len(before) == 7 and {status for _, _, status, _ in before} == {"draft"}
    assert {platform for _, platform, _, _ in before} == {"telegram", "vk", "instagram", "youtube"}

    published = _run(cli_env, "demo", "publish", "--lead", "30")
    assert published.exit_code == 0, published.output
    assert "7 target(s) scheduled" in published.output
    assert "'Winter launch: meet the Winter Roast': scheduled on telegram acme_telegram" in \
        published.output and "instagram acme_instagram" in published.output
    after = _target_states(cli_env["SMMFLOW_DATABASE_URL"])
    assert {status for _, _, status, _ in after} == {"scheduled"}
    assert len({at for _, _, _, at in after}) == 1  # all at the same moment, soon
    counts = _counts(cli_env["SMMFLOW_DATABASE_URL"])
    assert counts["posts"] == 3 and counts["post_targets"] == 7
