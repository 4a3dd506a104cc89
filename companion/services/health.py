"""The health check behind ``GET /healthz`` (issue 8, point 4): for nginx and monitoring.

Three checks, each answered by a word and never by an error's text (RELIABILITY-SECURITY.md, "Web
security" and "Logs": no personal data, hosts or internals leave the app):

- ``database``: ``SELECT 1`` answers -> "ok", else "fail";
- ``migrations``: the database's ``alembic_version`` equals the head(s) of migrations/ -> "ok", else "fail"
  (also when the database cannot be read);
- ``scheduler``: the freshest heartbeat (companion.domain.heartbeat_rules) -> "ok", "stale" or "never";
  "unknown" when the database cannot be read.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from companion.services import heartbeat

log = logging.getLogger(__name__)

OK = "ok"
FAIL = "fail"
UNKNOWN = "unknown"


@dataclass(frozen=True)
class Health:
    database: str
    migrations: str
    scheduler: str

    @property
    def ok(self) -> bool:
        return all(value == OK for value in asdict(self).values())

    def as_json(self) -> dict:
        return {"status": OK if self.ok else FAIL, "checks": asdict(self)}


def _rollback(session: Session) -> None:
    try:
        session.rollback()
    except SQLAlchemyError:
        pass


def _failed(session: Session, what: str, exc: Exception) -> None:
    log.warning("health check: %s failed (%s)", what, type(exc).__name__)  # the type only
    _rollback(session)


def check(session: Session, *, now: datetime, heads: frozenset[str]) -> Health:
    """Run the three checks (read-only; the transaction is rolled back)."""
    try:
        session.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        _failed(session, "database", exc)
        return Health(database=FAIL, migrations=FAIL, scheduler=UNKNOWN)
    try:
        versions = set(session.scalars(text("SELECT version_num FROM alembic_version")))
        migrations = OK if versions == set(heads) else FAIL
    except SQLAlchemyError as exc:
        _failed(session, "migrations", exc)
        migrations = FAIL
    try:
        scheduler = heartbeat.scheduler_status(session, now=now).state
    except SQLAlchemyError as exc:
        _failed(session, "scheduler", exc)
        scheduler = UNKNOWN
    _rollback(session)
    return Health(database=OK, migrations=migrations, scheduler=scheduler)
