"""Settings, read from the environment here and nowhere else.

Every variable is listed in README.md ("Configuration"). Outside development and tests a missing
secret is a start-up error, not a silent default.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
ENVIRONMENTS = ("development", "test", "production")


class ConfigError(RuntimeError):
    """A required setting is missing or invalid."""


def _bool(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(env: dict, name: str, default: int) -> int:
    raw = env.get(name)
    if raw in (None, ""):
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a whole number, not {raw!r}") from exc


def _api_base_url(url: str | None) -> str | None:
    """Twilio's API address is replaced only by HTTPS, or by plain HTTP on this host (a local test double)."""
    if url is None:
        return None
    parts = urlsplit(url)
    local = parts.hostname in ("127.0.0.1", "localhost", "::1")
    if not parts.netloc or not (parts.scheme == "https" or (parts.scheme == "http" and local)):
        raise ConfigError("TWILIO_API_BASE_URL must be an https:// URL (or http:// on this host), "
                          f"not {url!r}")
    return url.rstrip("/")


def default_sqlite_url() -> str:
    return f"sqlite:///{ROOT / 'instance' / 'companion.db'}"


def normalise_database_url(url: str) -> str:
    """Let people paste a plain postgres:// URL; we always talk to PostgreSQL through psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


@dataclass(frozen=True)
class Settings:
    """The environment turned into typed values (see README.md for each variable)."""

    env: str
    secret_key: str
    database_url: str
    ratelimit_storage_uri: str
    sms_backend: str
    site_code: str
    site_name: str
    site_timezone: str
    participant_session_days: int
    staff_idle_minutes: int
    diary_late_days: int
    behind_proxy: bool
    public_url: str | None
    protocol: str
    protocol_reading: str | None
    twilio_account_sid: str | None
    twilio_auth_token: str | None
    twilio_from_number: str | None
    twilio_messaging_service_sid: str | None
    twilio_api_base_url: str | None = None

    @classmethod
    def from_env(cls, env: dict | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        app_env = env.get("APP_ENV", "development")
        if app_env not in ENVIRONMENTS:
            raise ConfigError(f"APP_ENV must be one of {', '.join(ENVIRONMENTS)}, not {app_env!r}")
        production = app_env == "production"
        secret = env.get("SECRET_KEY", "")
        if not secret:
            if production:
                raise ConfigError("SECRET_KEY is required when APP_ENV=production")
            secret = "dev-only-not-secret"  # noqa: S105 - development and tests only
        elif production and len(secret) < 32:
            raise ConfigError("SECRET_KEY must be at least 32 characters in production")
        database_url = normalise_database_url(env.get("DATABASE_URL") or default_sqlite_url())
        if production and database_url.startswith("sqlite"):
            raise ConfigError("DATABASE_URL must point at PostgreSQL when APP_ENV=production")
        limiter = env.get("RATELIMIT_STORAGE_URI") or ("" if production else "memory://")
        if production and not limiter.startswith(("redis://", "rediss://")):
            raise ConfigError("RATELIMIT_STORAGE_URI must be a redis:// URL in production (shared by workers)")
        sms_backend = env.get("SMS_BACKEND") or ("twilio" if production else "console")
        if sms_backend not in {"console", "twilio", "fake"}:
            raise ConfigError(f"SMS_BACKEND must be console, twilio or fake, not {sms_backend!r}")
        if production and sms_backend != "twilio":
            raise ConfigError("SMS_BACKEND must be twilio when APP_ENV=production")
        return cls(
            env=app_env,
            secret_key=secret,
            database_url=database_url,
            ratelimit_storage_uri=limiter,
            sms_backend=sms_backend,
            site_code=env.get("SITE_CODE", "PUMCH"),
            site_name=env.get("SITE_NAME", "Peking Union Medical College Hospital"),
            site_timezone=env.get("SITE_TIMEZONE", "Asia/Shanghai"),
            participant_session_days=_int(env, "PARTICIPANT_SESSION_DAYS", 30),
            staff_idle_minutes=_int(env, "STAFF_IDLE_MINUTES", 30),
            diary_late_days=_int(env, "DIARY_LATE_DAYS", 3),
            behind_proxy=_bool(env.get("BEHIND_PROXY"), False),
            public_url=env.get("PUBLIC_URL") or None,
            protocol=env.get("PROTOCOL", "nct04956484"),
            protocol_reading=env.get("PROTOCOL_READING") or None,
            twilio_account_sid=env.get("TWILIO_ACCOUNT_SID") or None,
            twilio_auth_token=env.get("TWILIO_AUTH_TOKEN") or None,
            twilio_from_number=env.get("TWILIO_FROM_NUMBER") or None,
            twilio_messaging_service_sid=env.get("TWILIO_MESSAGING_SERVICE_SID") or None,
            twilio_api_base_url=_api_base_url(env.get("TWILIO_API_BASE_URL") or None),
        )

    def flask_config(self) -> dict:
        """The Flask and extension settings that follow from these values."""
        secure_cookies = self.env == "production"
        return {
            "APP_ENV": self.env,
            "TESTING": self.env == "test",
            "SECRET_KEY": self.secret_key,
            "DATABASE_URL": self.database_url,
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
            "RATELIMIT_STORAGE_URI": self.ratelimit_storage_uri,
            "RATELIMIT_HEADERS_ENABLED": False,
            "RATELIMIT_KEY_PREFIX": "companion",
            "BABEL_DEFAULT_LOCALE": "zh_Hans_CN",
            "BABEL_DEFAULT_TIMEZONE": "UTC",
            "BABEL_TRANSLATION_DIRECTORIES": str(ROOT / "companion" / "translations"),
            "SMS_BACKEND": self.sms_backend,
            "PROTOCOL": self.protocol,
            "PROTOCOL_READING": self.protocol_reading,
            "PARTICIPANT_SESSION_DAYS": self.participant_session_days,
            "STAFF_IDLE_MINUTES": self.staff_idle_minutes,
            "DIARY_LATE_DAYS": self.diary_late_days,
            "STAFF_SESSION_HOURS": 12,
            "OTP_TTL_MINUTES": 10,
            "OTP_MAX_TRIES": 5,
            "SITE_CODE": self.site_code,
            "SITE_NAME": self.site_name,
            "SITE_TIMEZONE": self.site_timezone,
            "SMS_CONSENT_VERSION": "sms-consent-2026-11",
            # SMS reminders: webhook signatures are checked with the auth token against the public URL
            "TWILIO_AUTH_TOKEN": self.twilio_auth_token,
            "PUBLIC_URL": self.public_url,
            # flask-smorest: the OpenAPI document of /api/v1, generated from the schemas
            "API_TITLE": "Trial companion API",
            "API_VERSION": "v1",
            "OPENAPI_VERSION": "3.0.3",
            "OPENAPI_URL_PREFIX": "/api/v1",
            "OPENAPI_JSON_PATH": "openapi.json",
        }
