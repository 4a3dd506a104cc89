"""Settings: safe defaults for development, and refusal to start production without its secrets."""

from __future__ import annotations

import pytest

from companion.config import ConfigError, Settings

PRODUCTION = {"APP_ENV": "production", "SECRET_KEY": "s" * 40, "DATABASE_URL": "postgres://db/companion",
              "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0", "SMS_BACKEND": "twilio"}


def test_development_defaults_need_nothing():
    settings = Settings.from_env({})
    assert settings.env == "development" and settings.database_url.startswith("sqlite:///")
    assert settings.sms_backend == "console" and settings.ratelimit_storage_uri == "memory://"


def test_production_uses_psycopg_for_postgres_urls():
    assert Settings.from_env(PRODUCTION).database_url == "postgresql+psycopg://db/companion"


@pytest.mark.parametrize(("missing", "message"), [
    ("SECRET_KEY", "SECRET_KEY"),
    ("DATABASE_URL", "PostgreSQL"),
    ("RATELIMIT_STORAGE_URI", "redis"),
])
def test_production_refuses_to_start_without(missing, message):
    env = {k: v for k, v in PRODUCTION.items() if k != missing}
    with pytest.raises(ConfigError, match=message):
        Settings.from_env(env)


def test_production_refuses_a_short_secret_and_the_console_sender():
    with pytest.raises(ConfigError, match="32"):
        Settings.from_env({**PRODUCTION, "SECRET_KEY": "short"})
    with pytest.raises(ConfigError, match="twilio"):
        Settings.from_env({**PRODUCTION, "SMS_BACKEND": "console"})


def test_unknown_environment_and_bad_numbers_are_errors():
    with pytest.raises(ConfigError, match="APP_ENV"):
        Settings.from_env({"APP_ENV": "staging"})
    with pytest.raises(ConfigError, match="PARTICIPANT_SESSION_DAYS"):
        Settings.from_env({"PARTICIPANT_SESSION_DAYS": "thirty"})
