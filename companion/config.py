"""Settings, declared once in ``SETTINGS`` and read from the environment here and nowhere else.

Each ``Setting`` names its environment variable, how its text is read, its default, whether production
requires it, the Flask config key it fills and what it means. From that one table come the reading
(``Settings.from_env``), the production checks (a missing required setting, a development default or an
unsafe value stops start-up) and README.md's "Configuration" table (``scripts/settings_table.py``).
An empty value (``SITE_NAME=``) means "use the default", like an absent one.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
ENVIRONMENTS = ("development", "test", "production")
SMS_BACKENDS = ("console", "twilio", "fake")
DEV_SECRET_KEY = "dev-only-not-secret"  # noqa: S105 - development and tests only
SAME = object()  # production_default: the same as the default


class ConfigError(RuntimeError):
    """A required setting is missing or invalid."""


# --- how a value's text is read: each returns the value or raises ValueError("must be ...") ---

def text(raw: str) -> str:
    return raw


def whole_number(raw: str) -> int:
    try:
        return int(raw)
    except ValueError:
        raise ValueError("must be a whole number") from None


def yes_no(raw: str) -> bool:
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def one_of(*choices: str) -> Callable[[str], str]:
    words = f"{', '.join(choices[:-1])} or {choices[-1]}"

    def parse(raw: str) -> str:
        if raw not in choices:
            raise ValueError(f"must be {words}")
        return raw
    return parse


def api_base_url(url: str) -> str:
    """Twilio's API address is replaced only by HTTPS, or by plain HTTP on this host (a local test double)."""
    parts = urlsplit(url)
    local = parts.hostname in ("127.0.0.1", "localhost", "::1")
    if not parts.netloc or not (parts.scheme == "https" or (parts.scheme == "http" and local)):
        raise ValueError("must be an https:// URL (or http:// on this host)")
    return url.rstrip("/")


def default_sqlite_url() -> str:
    return f"sqlite:///{ROOT / 'instance' / 'companion.db'}"


def normalise_database_url(url: str) -> str:
    """Let people paste a plain postgres:// URL; we always talk to PostgreSQL through psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


# --- what production additionally demands of a value: None, or the reason it is refused ---

def _long_secret(value: str) -> str | None:
    return None if len(value) >= 32 else "must be at least 32 characters in production"


def _postgresql(value: str) -> str | None:
    return None if not value.startswith("sqlite") else "must point at PostgreSQL when APP_ENV=production"


def _redis(value: str) -> str | None:
    return (None if value.startswith(("redis://", "rediss://"))
            else "must be a redis:// URL in production (shared by workers)")


def _twilio(value: str) -> str | None:
    return None if value == "twilio" else "must be twilio when APP_ENV=production"


@dataclass(frozen=True)
class Setting:
    """One environment variable: the single place its name, reading, default and meaning are written."""

    name: str
    parse: Callable[[str], Any]
    default: Any
    required_in_production: bool
    flask_key: str | None
    description: str
    attribute: str = ""  # the field of ``Settings``; empty: the name in lower case
    production_default: Any = SAME  # when production has a default of its own
    production_check: Callable[[Any], str | None] | None = None
    shown_default: str | None = None  # README wording when the default itself is not shown

    @property
    def field(self) -> str:
        return self.attribute or self.name.lower()

    def default_for(self, production: bool) -> Any:
        default = self.production_default if production and self.production_default is not SAME else self.default
        return default() if callable(default) else default


SETTINGS: tuple[Setting, ...] = (
    Setting("APP_ENV", one_of(*ENVIRONMENTS), "development", False, "APP_ENV",
            "`development`, `test` or `production`", attribute="env"),
    Setting("SECRET_KEY", text, DEV_SECRET_KEY, True, "SECRET_KEY",
            "signs cookies and hashes one-time codes; 32+ characters in production",
            production_check=_long_secret, shown_default="dev-only value"),
    Setting("DATABASE_URL", normalise_database_url, default_sqlite_url, True, "DATABASE_URL",
            "SQLAlchemy URL; `postgresql://…` is used through psycopg 3; PostgreSQL in production",
            production_check=_postgresql, shown_default="`sqlite:///instance/companion.db`"),
    Setting("RATELIMIT_STORAGE_URI", text, "memory://", True, "RATELIMIT_STORAGE_URI",
            "store of the sign-in throttles, shared by all web workers: `redis://host:6379/0` in production",
            production_check=_redis),
    Setting("SMS_BACKEND", one_of(*SMS_BACKENDS), "console", False, "SMS_BACKEND",
            "`console` prints and keeps an outbox (refused in production), `fake` keeps an outbox, "
            "`twilio` sends", production_default="twilio", production_check=_twilio),
    Setting("TWILIO_ACCOUNT_SID", text, None, False, None, "Twilio account (with `SMS_BACKEND=twilio`)"),
    Setting("TWILIO_AUTH_TOKEN", text, None, False, "TWILIO_AUTH_TOKEN",
            "Twilio credential (with `SMS_BACKEND=twilio`); also checks the webhooks' signatures"),
    Setting("TWILIO_FROM_NUMBER", text, None, False, None,
            "the sender: a number, or else `TWILIO_MESSAGING_SERVICE_SID`"),
    Setting("TWILIO_MESSAGING_SERVICE_SID", text, None, False, None,
            "the sender: a Twilio messaging service, or else `TWILIO_FROM_NUMBER`"),
    Setting("TWILIO_API_BASE_URL", api_base_url, None, False, None,
            "where the twilio library sends its API requests: an `https://` egress proxy, or a local test "
            "double (`http://127.0.0.1:…`; the production-shaped tests)", shown_default="Twilio's own"),
    Setting("SITE_CODE", text, "PUMCH", False, "SITE_CODE",
            "code of the site created by `create-coordinator`, `enrol` and `seed-demo`"),
    Setting("SITE_NAME", text, "Peking Union Medical College Hospital", False, "SITE_NAME",
            "name of that site"),
    Setting("SITE_TIMEZONE", text, "Asia/Shanghai", False, "SITE_TIMEZONE", "time zone of that site"),
    Setting("PROTOCOL", text, "nct04956484", False, "PROTOCOL", "protocol file in `companion/protocols/`"),
    Setting("PROTOCOL_READING", text, None, False, "PROTOCOL_READING", "`A` or `B` (see below)",
            shown_default="the file's `reading`"),
    Setting("DIARY_LATE_DAYS", whole_number, 3, False, "DIARY_LATE_DAYS",
            "how many days back a participant may still log a day (marked late)"),
    Setting("PARTICIPANT_SESSION_DAYS", whole_number, 30, False, "PARTICIPANT_SESSION_DAYS",
            "a participant's phone stays signed in this long at most"),
    Setting("STAFF_IDLE_MINUTES", whole_number, 30, False, "STAFF_IDLE_MINUTES",
            "staff sessions end after this much inactivity (and after 12 hours in any case)"),
    Setting("BEHIND_PROXY", yes_no, False, False, None, "trust one proxy's `X-Forwarded-*` headers (ProxyFix)"),
    Setting("PUBLIC_URL", text, None, False, "PUBLIC_URL",
            "the site's public address (Twilio's webhook signatures are checked against it)"),
)

BY_NAME = {setting.name: setting for setting in SETTINGS}


def read(setting: Setting, env: dict, production: bool) -> Any:
    """One setting's value: its text read by its parser, or its default when the variable is absent or empty."""
    raw = env.get(setting.name)
    if raw is None or raw == "":
        if production and setting.required_in_production:
            raise ConfigError(f"{setting.name} is required when APP_ENV=production: {setting.description}")
        return setting.default_for(production)
    try:
        value = setting.parse(raw)
    except ValueError as exc:
        raise ConfigError(f"{setting.name} {exc}, not {raw!r}") from None
    if production and setting.required_in_production and value == setting.default_for(False):
        raise ConfigError(f"{setting.name} is the development default; set a real value in production")
    return value


@dataclass(frozen=True)
class Settings:
    """The environment turned into typed values: one field per entry of ``SETTINGS``."""

    env: str
    secret_key: str
    database_url: str
    ratelimit_storage_uri: str
    sms_backend: str
    twilio_account_sid: str | None
    twilio_auth_token: str | None
    twilio_from_number: str | None
    twilio_messaging_service_sid: str | None
    twilio_api_base_url: str | None
    site_code: str
    site_name: str
    site_timezone: str
    protocol: str
    protocol_reading: str | None
    diary_late_days: int
    participant_session_days: int
    staff_idle_minutes: int
    behind_proxy: bool
    public_url: str | None

    @classmethod
    def from_env(cls, env: dict | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        production = read(BY_NAME["APP_ENV"], env, production=False) == "production"
        values = {setting.field: read(setting, env, production) for setting in SETTINGS}
        if production:
            for setting in SETTINGS:
                problem = setting.production_check and setting.production_check(values[setting.field])
                if problem:
                    raise ConfigError(f"{setting.name} {problem}")
        return cls(**values)

    def flask_config(self) -> dict:
        """The Flask and extension settings that follow from these values (each setting's ``flask_key``)."""
        secure_cookies = self.env == "production"
        return {
            **{setting.flask_key: getattr(self, setting.field) for setting in SETTINGS if setting.flask_key},
            "TESTING": self.env == "test",
            "SETTINGS": self,
            "SESSION_COOKIE_SECURE": secure_cookies,
            "SESSION_COOKIE_HTTPONLY": True,
            "SESSION_COOKIE_SAMESITE": "Lax",
            "SESSION_COOKIE_NAME": "companion_session",
            "PERMANENT_SESSION_LIFETIME": timedelta(days=self.participant_session_days),
            "REMEMBER_COOKIE_SECURE": True,
            "REMEMBER_COOKIE_HTTPONLY": True,
            "REMEMBER_COOKIE_SAMESITE": "Lax",
            "REMEMBER_COOKIE_DURATION": timedelta(hours=1),
            "WTF_CSRF_TIME_LIMIT": None,
            "MAX_CONTENT_LENGTH": 256 * 1024,
            "RATELIMIT_HEADERS_ENABLED": False,
            "RATELIMIT_KEY_PREFIX": "companion",
            "BABEL_DEFAULT_LOCALE": "zh_Hans_CN",
            "BABEL_DEFAULT_TIMEZONE": "UTC",
            "BABEL_TRANSLATION_DIRECTORIES": str(ROOT / "companion" / "translations"),
            "STAFF_SESSION_HOURS": 12,
            "OTP_TTL_MINUTES": 10,
            "OTP_MAX_TRIES": 5,
            "SMS_CONSENT_VERSION": "sms-consent-2026-11",
            # flask-smorest: the OpenAPI document of /api/v1, generated from the schemas
            "API_TITLE": "Trial companion API",
            "API_VERSION": "v1",
            "OPENAPI_VERSION": "3.0.3",
            "OPENAPI_URL_PREFIX": "/api/v1",
            "OPENAPI_JSON_PATH": "openapi.json",
        }
