"""The schema comes from Alembic, and Alembic agrees with the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from companion.db import Base
from companion.migrate import downgrade, upgrade
from tests.conftest import reset_database


def test_upgrade_from_empty_matches_the_models(engine):
    """The session's ``engine`` fixture upgraded an empty database to head; nothing may differ."""
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, Base.metadata)
    assert diff == [], f"models and migrations differ, write a migration: {diff}"


def test_every_table_exists_after_upgrade(engine):
    tables = set(inspect(engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    assert "alembic_version" in tables


def test_downgrade_and_upgrade_again(tmp_path):
    url = f"sqlite:///{tmp_path / 'roundtrip.db'}"
    reset_database(url)
    upgrade(url)
    downgrade(url, "base")
    upgrade(url)
    from companion.db import make_engine

    engine = make_engine(url)
    assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())
    engine.dispose()
