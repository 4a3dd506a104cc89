"""The restore drill: scripts/backup.sh, scripts/restore.sh and scripts/restore_drill.py, run as an IT person
would run them (subprocesses, settings in an explicit environment) against real PostgreSQL databases.

A source database made for the drill (migrated to head, filled through the services) is backed up, restored
into a new database and migrated, and the drill compares both: every table's row count and the audit trail's
checksum. Then a changed and a deleted audit row in the restored copy must make the drill fail. Retention:
old dumps of the script's own name pattern go, nothing else does, and a failed backup removes nothing.

PostgreSQL only (pg_dump has no SQLite counterpart): skipped on SQLite; a missing pg_dump skips locally and
fails in CI (CI=true), where the PostgreSQL client tools are always present. Every database made here is
named drill_* and dropped afterwards, even when a test fails.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.orm import sessionmaker

from companion.config import ROOT, normalise_database_url
from companion.db import make_engine, now_utc
from companion.migrate import upgrade
from companion.services import audit, diary, steroids
from tests import factories

pytestmark = pytest.mark.postgres
SCRIPTS = ROOT / "scripts"
DAY1 = date(2026, 3, 2)
TODAY = DAY1 + timedelta(days=20)
TOOLS = ("pg_dump", "pg_restore", "psql")
DUMP_PATTERN = "companion-????????T??????Z.dump"


def _server_url() -> str:
    """TEST_DATABASE_URL in the app's form; the drill databases live on the same server."""
    url = normalise_database_url(os.environ.get("TEST_DATABASE_URL", ""))
    if not url.startswith("postgresql"):
        pytest.skip("the backup and restore drill needs PostgreSQL: set TEST_DATABASE_URL=postgresql://... "
                    "(CI's PostgreSQL pass does)")
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        reason = f"{', '.join(missing)} missing: apt-get install postgresql-client"
        if os.environ.get("CI"):
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    return url


def _url(server: str, database: str, driver: str = "postgresql+psycopg") -> str:
    return make_url(server).set(drivername=driver, database=database).render_as_string(hide_password=False)


def _env(**values: str) -> dict[str, str]:
    """What the scripts get: PATH, HOME and locale, the libpq settings of this run (PG*), and ``values``."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/tmp"),  # noqa: S108
           "LANG": "C.UTF-8"}
    env.update({k: v for k, v in os.environ.items() if k.startswith("PG")})
    env.update(values)
    return env


def _run(argv: list, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([str(a) for a in argv], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120,
                          check=False)


def _explain(done: subprocess.CompletedProcess) -> str:
    return f"exit {done.returncode}\n--- stdout\n{done.stdout}\n--- stderr\n{done.stderr}"


def _drill(source: str, target: str) -> subprocess.CompletedProcess:
    return _run([sys.executable, SCRIPTS / "restore_drill.py", "--source", source, "--target", target], _env())


class Databases:
    """drill_* databases on the test server, all dropped by ``drop_all``."""

    def __init__(self, server: str):
        self.server = server
        self.admin = create_engine(server, isolation_level="AUTOCOMMIT")
        self.names: list[str] = []

    def create(self, prefix: str) -> str:
        name = f"drill_{prefix}_{uuid.uuid4().hex[:10]}"
        self.names.append(name)
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        return _url(self.server, name)

    def drop_all(self) -> None:
        with self.admin.connect() as conn:
            for name in self.names:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self.admin.dispose()


@pytest.fixture(scope="module")
def databases():
    made = Databases(_server_url())
    try:
        yield made
    finally:
        made.drop_all()


def _fill(url: str) -> None:
    """A site, a coordinator and two participants with diary days (one corrected with a reason), steroid
    doses and their audit rows, all through the services the app uses."""
    engine = make_engine(url)
    session = sessionmaker(bind=engine, expire_on_commit=False)()
    try:
        site = factories.site(session, code="DRILL")
        factories.coordinator(session, site)
        for n, language in enumerate(("zh-CN", "en")):
            person = factories.participant(session, site, day1=DAY1, language=language, study_id=f"DRILL-{n + 1:03d}")
            me = audit.Actor("participant", person.id, site.id)
            for back in (2, 1, 0):
                raw = diary.DiaryInput(local_date=TODAY - timedelta(days=back), fatigue=3 + n, joint_pain=2,
                                       note="膝盖有点僵硬" if back == 1 else None)
                diary.save_day(session, person, raw, actor=me, today=TODAY, now=now_utc(), late_days=3)
            corrected = diary.DiaryInput(local_date=TODAY - timedelta(days=1), fatigue=7, joint_pain=2,
                                         reason="输错了数字 (tapped the wrong score)")
            diary.save_day(session, person, corrected, actor=me, today=TODAY, now=now_utc(), late_days=3)
            steroids.add(session, person, steroids.DoseInput(TODAY, "prednisone", strength_mg="5", tablets="2"),
                         actor=me, today=TODAY, now=now_utc(), late_days=3)
        session.commit()  # as the requests that saved them would
    finally:
        session.close()
        engine.dispose()


@pytest.fixture(scope="module")
def source(databases) -> str:
    url = databases.create("source")
    upgrade(url)
    _fill(url)
    return url


def _scalar(url: str, query: str):
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            return conn.execute(text(query)).scalar()
    finally:
        engine.dispose()


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_backup_restore_migrate_and_compare(databases, source, tmp_path):
    assert _scalar(source, "SELECT count(*) FROM audit_events") >= 10
    assert _scalar(source, "SELECT count(*) FROM diary_entries") == 8  # 3 days + 1 correction, twice
    backups = tmp_path / "backups"

    done = _run([SCRIPTS / "backup.sh"], _env(DATABASE_URL=source, BACKUP_DIR=str(backups), BACKUP_KEEP_DAYS="35"))
    assert done.returncode == 0, _explain(done)
    dumps = list(backups.glob(DUMP_PATTERN))
    assert len(dumps) == 1, sorted(backups.iterdir())
    dump = dumps[0]
    assert _mode(dump) == 0o600, "the dump holds health data: owner only"
    assert _mode(backups) == 0o700
    assert not list(backups.glob("*.partial"))
    assert f"kept: {dump}" in done.stdout

    target = databases.create("target")
    restore_env = _env(APP_ENV="test", FLASK=str(Path(sys.executable).with_name("flask")))
    # the URL forms the app accepts: postgresql+psycopg:// above, postgresql:// here, postgres:// for the drill
    done = _run([SCRIPTS / "restore.sh", dump, _url(databases.server, make_url(target).database, "postgresql")],
                restore_env)
    assert done.returncode == 0, _explain(done)
    assert "migrations at" in done.stdout
    assert _scalar(target, "SELECT version_num FROM alembic_version") == \
        _scalar(source, "SELECT version_num FROM alembic_version")

    again = _run([SCRIPTS / "restore.sh", dump, target], restore_env)
    assert again.returncode != 0 and "not empty" in again.stderr, "a restore never writes over a database"

    drill_target = _url(databases.server, make_url(target).database, "postgres")
    done = _drill(source, drill_target)
    assert done.returncode == 0, _explain(done)
    assert "restore drill passed" in done.stdout
    for table in ("alembic_version", "audit_events", "diary_entries", "participants", "sites", "staff_users",
                  "steroid_doses", "visits"):
        assert any(line.split()[:1] == [table] and line.endswith(" ok") for line in done.stdout.splitlines()), table

    # a changed audit row: every count still matches, the checksum does not
    engine = make_engine(target)
    with engine.begin() as conn:
        conn.execute(text("UPDATE audit_events SET reason = 'edited after the fact' "
                          "WHERE id = (SELECT max(id) FROM audit_events)"))
    done = _drill(source, drill_target)
    assert done.returncode == 1, _explain(done)
    assert "DIFFERENT" in done.stdout and "1 difference(s): audit_events checksum" in done.stdout

    # a deleted audit row: the count and the checksum both differ
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_events WHERE id = (SELECT min(id) FROM audit_events)"))
    engine.dispose()
    done = _drill(source, drill_target)
    assert done.returncode == 1, _explain(done)
    assert "2 difference(s): audit_events, audit_events checksum" in done.stdout


def _age(path: Path, days: float) -> None:
    then = time.time() - days * 86400
    os.utime(path, (then, then))


def test_retention_removes_only_old_dumps_and_a_failed_backup_removes_nothing(source, tmp_path):
    backups = tmp_path / "backups"
    (backups / "keep").mkdir(parents=True)
    old = backups / "companion-20200101T020000Z.dump"
    recent = backups / "companion-20200102T020000Z.dump"
    others = [backups / "notes.txt", backups / "companion-manual.dump", backups / "companion-20200101T020000Z.dump.bak",
              backups / "keep" / "companion-20200101T020000Z.dump"]
    for path in (old, recent, *others):
        path.write_text("not a real dump")
        _age(path, 40)
    _age(recent, 34)
    before = sorted(backups.rglob("*"))

    secret = "Drill-Secret-pw"
    unreachable = f"postgresql+psycopg://drill:{secret}@127.0.0.1:1/drill_nowhere"
    for settings in ({"DATABASE_URL": unreachable, "BACKUP_KEEP_DAYS": "35"},
                     {"DATABASE_URL": source, "BACKUP_KEEP_DAYS": "0"},
                     {"DATABASE_URL": "sqlite:///instance/companion.db", "BACKUP_KEEP_DAYS": "35"}):
        done = _run([SCRIPTS / "backup.sh"], _env(BACKUP_DIR=str(backups), **settings))
        assert done.returncode != 0, _explain(done)
        assert secret not in done.stdout + done.stderr, "the password never appears in the output"
        assert sorted(backups.rglob("*")) == before, "a failed backup keeps nothing and removes nothing"

    done = _run([SCRIPTS / "backup.sh"], _env(DATABASE_URL=source, BACKUP_DIR=str(backups), BACKUP_KEEP_DAYS="35"))
    assert done.returncode == 0, _explain(done)
    assert not old.exists(), "older than BACKUP_KEEP_DAYS: removed"
    assert f"removed (older than 35 days): {old}" in done.stdout
    assert recent.exists(), "within BACKUP_KEEP_DAYS: kept"
    assert all(path.exists() for path in others), "only the script's own dumps, only in its directory"
    assert len(list(backups.glob(DUMP_PATTERN))) == 2  # the recent one and the new one
    assert _mode(backups) == 0o700, "an existing directory is made owner-only too"
