"""One scheduler per database: ``flask scheduler`` takes this lock first and holds it while it runs.

RELIABILITY-SECURITY.md, "Scheduler and reminders": exactly one scheduler process runs (issue 8: "the
scheduler never twice"). systemd runs one unit, but a second process started by hand, or on a second server
pointed at the same database, must refuse to start instead of doing every job twice.

- PostgreSQL: a session-level advisory lock (``pg_try_advisory_lock``) with a fixed key, taken on a
  connection of its own kept open (in autocommit: never "idle in transaction") for the process's lifetime.
  The server releases it when that connection ends, however the process ends, so a crashed scheduler never
  blocks its successor. Advisory locks belong to one database: two sites' databases on one server do not
  interfere.
- SQLite (development): an exclusive ``flock`` on a file next to the database file (for the default
  database, ``instance/companion.db.scheduler-lock``), so that two clones pointed at one file also exclude
  each other, and test databases leave nothing in instance/; a database without a file (``sqlite://``) uses
  a file in instance/ named after its URL. The kernel releases the lock when the process ends.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from pathlib import Path

from sqlalchemy import create_engine, make_url, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

log = logging.getLogger(__name__)

#: the advisory lock key of the reminder scheduler: the bytes "remindr1" as a signed 64-bit integer
ADVISORY_KEY = int.from_bytes(b"remindr1", "big", signed=True)


class AlreadyRunning(RuntimeError):
    """Another scheduler holds the lock for this database."""


class LockLost(RuntimeError):
    """The lock's connection ended (the database restarted or dropped it): another scheduler could start."""


class _PostgresLock:
    def __init__(self, database_url: str):
        self._engine = create_engine(database_url, poolclass=NullPool)
        try:
            self._conn = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        except Exception:
            self._engine.dispose()
            raise
        try:
            taken = self._conn.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": ADVISORY_KEY})
        except Exception:
            self.release()
            raise
        if not taken:
            self.release()
            raise AlreadyRunning("another reminder scheduler is already running for this database "
                                 f"(it holds PostgreSQL advisory lock {ADVISORY_KEY}); not starting a second one")

    def held(self) -> bool:
        """Still holding the lock: its connection still answers (a closed one never reconnects by itself)."""
        try:
            return self._conn.scalar(text("SELECT 1")) == 1
        except SQLAlchemyError:
            return False

    def release(self) -> None:
        try:
            self._conn.close()  # ends the session, and with it the lock
        except SQLAlchemyError:
            pass
        self._engine.dispose()


def _lock_file(database_url: str, instance_path: str) -> Path:
    database = make_url(database_url).database
    if database and database != ":memory:":
        return Path(database).resolve().with_name(Path(database).name + ".scheduler-lock")
    return Path(instance_path) / f"scheduler-{hashlib.sha256(database_url.encode()).hexdigest()[:16]}.lock"


class _FileLock:
    def __init__(self, database_url: str, instance_path: str):
        import fcntl

        self.path = _lock_file(database_url, instance_path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file = self.path.open("a")
        try:
            fcntl.flock(self._file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._file.close()
            raise AlreadyRunning("another reminder scheduler is already running for this database "
                                 f"(it holds {self.path}); not starting a second one") from None

    def held(self) -> bool:
        return not self._file.closed

    def release(self) -> None:
        self._file.close()  # the kernel drops the flock; the file stays (removing it would race)


class SchedulerLock:
    """Held from construction until ``release`` (or the end of a ``with`` block).

    ``held()`` is asked by every job, from the scheduler's worker threads: the checks and the release take
    turns (one connection is never used by two threads at once), and a lock once lost stays lost (an
    invalidated connection would otherwise reconnect, without the lock, and answer ``SELECT 1``)."""

    def __init__(self, database_url: str, instance_path: str):
        if database_url.startswith("sqlite"):
            self._lock = _FileLock(database_url, instance_path)
        else:
            self._lock = _PostgresLock(database_url)
        self._guard = threading.Lock()
        self._held = True

    def held(self) -> bool:
        with self._guard:
            if self._held and not self._lock.held():
                self._held = False
            return self._held

    def release(self) -> None:
        with self._guard:
            self._held = False
            self._lock.release()

    def __enter__(self) -> SchedulerLock:
        return self

    def __exit__(self, *_exc) -> None:
        self.release()
