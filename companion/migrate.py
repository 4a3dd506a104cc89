"""Alembic, driven from Python (the ``db upgrade`` command and the tests use the same path)."""

from __future__ import annotations

from functools import cache

from alembic import command
from alembic.config import Config

from companion.config import ROOT


def alembic_config(database_url: str, connection=None) -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade(database_url: str, revision: str = "head", connection=None) -> None:
    if database_url.startswith("sqlite:///"):
        from pathlib import Path

        Path(database_url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(database_url, connection), revision)


def downgrade(database_url: str, revision: str = "base", connection=None) -> None:
    command.downgrade(alembic_config(database_url, connection), revision)


@cache
def script_heads() -> frozenset[str]:
    """The head revision(s) of migrations/ (read once per process; ``GET /healthz`` compares the database's)."""
    from alembic.script import ScriptDirectory

    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    return frozenset(ScriptDirectory.from_config(config).get_heads())
