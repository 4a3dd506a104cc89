"""Settings: safe defaults for development, and refusal to start production without its secrets."""

from __future__ import annotations

import dataclasses
import re
import runpy

import pytest

from companion.config import ROOT, SETTINGS, ConfigError, Settings

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


def test_an_empty_value_means_the_default():
    empty = Settings.from_env({setting.name: "" for setting in SETTINGS})
    assert empty == Settings.from_env({})
    assert empty.site_name == "Peking Union Medical College Hospital" and empty.diary_late_days == 3


def test_production_refuses_a_development_default_and_an_in_memory_throttle_store():
    with pytest.raises(ConfigError, match="SECRET_KEY is the development default"):
        Settings.from_env({**PRODUCTION, "SECRET_KEY": "dev-only-not-secret"})
    with pytest.raises(ConfigError, match="RATELIMIT_STORAGE_URI is the development default"):
        Settings.from_env({**PRODUCTION, "RATELIMIT_STORAGE_URI": "memory://"})
    with pytest.raises(ConfigError, match="RATELIMIT_STORAGE_URI must be a redis:// URL"):
        Settings.from_env({**PRODUCTION, "RATELIMIT_STORAGE_URI": "memcached://cache:11211"})


def test_every_required_setting_is_declared_as_such():
    required = {setting.name for setting in SETTINGS if setting.required_in_production}
    assert required == {"SECRET_KEY", "DATABASE_URL", "RATELIMIT_STORAGE_URI"}
    for name in required:
        with pytest.raises(ConfigError, match=f"^{name} is required when APP_ENV=production"):
            Settings.from_env({key: value for key, value in PRODUCTION.items() if key != name})


def test_each_declaration_fills_one_field_and_its_flask_key():
    assert [setting.field for setting in SETTINGS] == [field.name for field in dataclasses.fields(Settings)]
    assert len({setting.name for setting in SETTINGS}) == len(SETTINGS)
    env = {**PRODUCTION, "SITE_CODE": "XH", "DIARY_LATE_DAYS": "5", "PUBLIC_URL": "https://c.example",
           "TWILIO_AUTH_TOKEN": "token", "PROTOCOL_READING": "A"}
    settings = Settings.from_env(env)
    config = settings.flask_config()
    for setting in SETTINGS:
        if setting.flask_key:
            assert config[setting.flask_key] == getattr(settings, setting.field), setting.name
    assert (config["SITE_CODE"], config["DIARY_LATE_DAYS"], config["PUBLIC_URL"]) == ("XH", 5, "https://c.example")
    assert (config["TWILIO_AUTH_TOKEN"], config["PROTOCOL_READING"], config["APP_ENV"]) == ("token", "A", "production")


def test_the_readme_configuration_table_is_the_generated_one():
    script = runpy.run_path(str(ROOT / "scripts" / "settings_table.py"))
    readme = (ROOT / "README.md").read_text()
    assert script["readme_table"](readme) == script["table"](), \
        "README.md's settings table is stale: run .venv/bin/python scripts/settings_table.py --write"
    for setting in SETTINGS:
        assert f"| `{setting.name}` |" in script["table"]()


def test_the_table_script_rewrites_only_the_marked_section():
    script = runpy.run_path(str(ROOT / "scripts" / "settings_table.py"))
    stale = f"# Title\n\nbefore\n{script['START']}\n| old | table |\n{script['END']}\nafter\n"
    rewritten = script["with_table"](stale)
    assert rewritten == f"# Title\n\nbefore\n{script['START']}\n{script['table']()}{script['END']}\nafter\n"
    assert script["with_table"](rewritten) == rewritten


def test_the_environment_template_lists_exactly_the_declared_settings_in_its_app_section():
    template = (ROOT / "deploy" / "companion.env.example").read_text()
    app_section = re.search(r"^# --- the app .*?$(.*?)^# ---", template, re.S | re.M).group(1)
    names = re.findall(r"^([A-Z][A-Z0-9_]*)=", app_section, re.M)
    assert len(names) == len(set(names)), "a setting is listed twice"
    declared = {setting.name for setting in SETTINGS}
    assert set(names) - declared == set(), "the template names settings companion/config.py does not declare"
    assert declared - set(names) == set(), "declared settings missing from the template"
    everywhere = set(re.findall(r"^([A-Z][A-Z0-9_]*)=", template, re.M))
    assert not (everywhere - set(names)) & declared
