"""Operating the running stack the README "Deploy" way: a second scheduler refuses to start, and a backup
taken with the environment file restores into a new database identical to the live one (step 9), with the
scheduler stopped and started again around it as an upgrade does (step 10)."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.production import stack

pytestmark = pytest.mark.production


def test_a_second_scheduler_from_the_same_unit_refuses_to_start(production):
    argv, workdir = stack.unit_command("companion-scheduler.service")
    second = subprocess.run(stack.with_env_file(production.env_file, argv), cwd=workdir, env=stack.BASE_ENV,
                            capture_output=True, text=True, timeout=60, check=False)
    assert second.returncode != 0
    assert "already running" in second.stderr + second.stdout
    assert production.process("scheduler").alive(), "the first scheduler keeps running"


def test_backup_restore_and_drill_with_the_environment_file_around_an_upgrade(production):
    scheduler = production.process("scheduler")
    scheduler.stop()  # README step 10: no reminders sent while the database is worked on
    target_name = "test_production_restored"
    server = create_engine(production.db.url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{target_name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{target_name}"'))
    target = production.db.url.set(database=target_name, drivername="postgresql").render_as_string(
        hide_password=False)
    try:
        out = stack.run(production.env_file, ["scripts/backup.sh"])
        dumps = sorted(Path(production.settings["BACKUP_DIR"]).glob("companion-*.dump"))
        assert len(dumps) == 1 and dumps[0].name in out
        assert dumps[0].stat().st_mode & 0o777 == 0o600
        stack.run(production.env_file, ["scripts/restore.sh", str(dumps[0]), target])
        report = stack.run(production.env_file, [".venv/bin/python", "scripts/restore_drill.py", "--target", target])
        assert "audit" in report
        stack.run(production.env_file, [".venv/bin/flask", "--app", "app", "db", "upgrade"])  # a no-op at head
    finally:
        with server.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{target_name}" WITH (FORCE)'))
        server.dispose()
        restarted_after = datetime.now(UTC)
        scheduler.start()

    def new_scheduler_reports() -> bool:
        with production.db.connect() as conn:
            started = conn.execute(text("SELECT max(started_at) FROM scheduler_heartbeats")).scalar()
        answer = production.get("/healthz")
        return (started is not None and started > restarted_after and answer.status_code == 200
                and answer.json()["checks"]["scheduler"] == "ok")

    stack.wait_for(new_scheduler_reports, 60, "the restarted scheduler to report", production.processes)
