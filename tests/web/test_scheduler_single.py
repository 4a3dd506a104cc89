"""The scheduler never runs twice for one database (issue 8, point 2; companion/scheduler_lock.py): a second
``flask scheduler`` refuses to start with a clear message and a non-zero exit while the first keeps running;
the first stops cleanly on SIGTERM and its lock goes with it. PostgreSQL: a session-level advisory lock held
on a connection of its own; SQLite (development): an flock on a file in instance/.

The PostgreSQL processes work in a schema of their own inside the test database (the lock is per database,
the tables per schema), so nothing they commit reaches the other tests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text

from companion.scheduler_lock import ADVISORY_KEY, AlreadyRunning, SchedulerLock

ROOT = Path(__file__).resolve().parents[2]
FLASK = [sys.executable, "-m", "flask", "--app", "app"]


@pytest.fixture
def postgres_url(database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("needs PostgreSQL (the advisory lock); runs in CI's PostgreSQL pass")
    schema = f"sched_{uuid.uuid4().hex[:10]}"
    admin = create_engine(database_url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(database_url).update_query_dict({"options": f"-csearch_path={schema}"})
    yield url.render_as_string(hide_password=False)
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def scheduler_database(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'scheduler.db'}"
    return request.getfixturevalue("postgres_url")


def _env(url: str) -> dict:
    return {**os.environ, "APP_ENV": "development", "DATABASE_URL": url, "SMS_BACKEND": "fake"}


def _start(url: str) -> subprocess.Popen:
    return subprocess.Popen([*FLASK, "scheduler"], cwd=ROOT, env=_env(url), stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


def _stop(process: subprocess.Popen) -> str:
    process.send_signal(signal.SIGTERM)
    try:
        output, _ = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    return output


def test_a_second_scheduler_refuses_to_start_while_the_first_runs(scheduler_database):
    url = scheduler_database
    subprocess.run([*FLASK, "db", "upgrade"], cwd=ROOT, env=_env(url), check=True, capture_output=True, timeout=120)
    first = _start(url)
    try:
        assert "scheduler running" in first.stdout.readline()
        second = subprocess.run([*FLASK, "scheduler"], cwd=ROOT, env=_env(url), capture_output=True, text=True,
                                timeout=60)
        assert second.returncode != 0
        assert "another reminder scheduler is already running for this database" in second.stderr
        assert "scheduler running" not in second.stdout
        assert "Traceback" not in second.stderr
        assert first.poll() is None, "the first scheduler keeps running"
    finally:
        output = _stop(first)
    assert first.returncode == 0, output
    # its lock went with it: the next one starts
    third = _start(url)
    try:
        assert "scheduler running" in third.stdout.readline()
    finally:
        output = _stop(third)
    assert third.returncode == 0, output
    engine = create_engine(url)
    with engine.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM scheduler_heartbeats WHERE name = 'scheduler'")) == 1
    engine.dispose()


def test_a_scheduler_without_a_usable_database_says_so(tmp_path):
    url = f"sqlite:///{tmp_path / 'not-migrated.db'}"
    result = subprocess.run([*FLASK, "scheduler"], cwd=ROOT, env=_env(url), capture_output=True, text=True,
                            timeout=60)
    assert result.returncode != 0
    assert "cannot use the database" in result.stderr and "db upgrade" in result.stderr
    assert "Traceback" not in result.stderr and "scheduler running" not in result.stdout


def test_the_postgresql_lock_is_one_per_database_and_lost_with_its_connection(postgres_url):
    first = SchedulerLock(postgres_url, str(ROOT / "instance"))
    try:
        with pytest.raises(AlreadyRunning, match="another reminder scheduler is already running for this database"):
            SchedulerLock(postgres_url, str(ROOT / "instance"))
        assert first.held()
        engine = create_engine(postgres_url)
        with engine.begin() as conn:  # the server drops the lock's connection (a restart, an admin)
            killed = conn.scalar(text(
                "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted "
                "AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
                "AND classid::bigint = :high AND objid::bigint = :low AND objsubid = 1"),
                {"high": ADVISORY_KEY >> 32, "low": ADVISORY_KEY & 0xFFFFFFFF})
        engine.dispose()
        assert killed
        assert not first.held()  # the heartbeat job sees this and stops the process (systemd restarts it)
        second = SchedulerLock(postgres_url, str(ROOT / "instance"))
        second.release()
    finally:
        first.release()


def test_the_sqlite_lock_is_a_file_next_to_the_database(tmp_path):
    url = f"sqlite:///{tmp_path / 'dev.db'}"
    with SchedulerLock(url, str(tmp_path / "instance")) as lock:
        assert lock.held()
        assert (tmp_path / "dev.db.scheduler-lock").exists()  # the default database's is in instance/
        with pytest.raises(AlreadyRunning, match="already running"):
            SchedulerLock(url, str(tmp_path / "instance"))
        SchedulerLock(f"sqlite:///{tmp_path / 'other.db'}", str(tmp_path / "instance")).release()  # another database
    SchedulerLock(url, str(tmp_path / "instance")).release()
