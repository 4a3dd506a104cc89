"""The scheduler process and the reminder commands: jobs declared as data (fixed ids, UTC, grace time set
on purpose), a job run inside the app, ``dispatch-once``, and a real ``flask scheduler`` process that
starts and stops on SIGTERM. The web app never starts a scheduler."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time as clock
from datetime import UTC, time, timedelta
from pathlib import Path

from sqlalchemy import select

from companion import scheduler
from companion.db import now_utc
from companion.domain.heartbeat_rules import BEAT_EVERY, STALE_AFTER
from companion.models import Reminder, SchedulerHeartbeat
from companion.services import heartbeat, reminders
from tests import factories

ROOT = Path(__file__).resolve().parents[2]


def test_jobs_are_declared_with_fixed_ids_and_deliberate_settings(app):
    built = scheduler.build_scheduler(app)
    assert str(built.timezone) == "UTC" and built.timezone.utcoffset(None) == timedelta(0)
    jobs = {job.id: job for job in built.get_jobs()}
    assert set(jobs) == {"dispatch-reminders", "plan-reminders", "escalate-alerts", "sweep-alerts",
                         "scheduler-heartbeat"}
    for job in jobs.values():
        assert job.coalesce is True and job.max_instances == 1
        assert job.misfire_grace_time not in (None, 1)
        assert job.args == (job.id,)  # ids only
    assert jobs["dispatch-reminders"].misfire_grace_time < 60  # a late minute is left to the next one
    assert str(jobs["dispatch-reminders"].trigger).startswith("cron[") and "second='0'" in str(
        jobs["dispatch-reminders"].trigger)
    # the heartbeat beats several times within the 3 minutes after which /healthz calls it stale
    assert jobs["scheduler-heartbeat"].trigger.interval == BEAT_EVERY <= STALE_AFTER / 4
    assert jobs["scheduler-heartbeat"].misfire_grace_time < BEAT_EVERY.total_seconds()


def test_adding_the_jobs_again_replaces_them(app):
    from apscheduler.schedulers.background import BackgroundScheduler

    background = BackgroundScheduler(timezone=UTC)
    background.start(paused=True)
    try:
        for _ in range(3):
            for job in scheduler.JOBS:
                background.add_job(scheduler.Runner(app), job.trigger, args=[job.id], id=job.id,
                                   replace_existing=True, **job.trigger_args)
        ids = sorted(j.id for j in background.get_jobs())
        assert ids == ["dispatch-reminders", "escalate-alerts", "plan-reminders", "scheduler-heartbeat",
                       "sweep-alerts"]
    finally:
        background.shutdown(wait=False)


def _due_now(db_session, site):
    """A participant with one reminder due two minutes ago, and no quiet hours (so any hour of the day works)."""
    person = factories.participant(db_session, site)
    prefs = reminders.preferences_for(db_session, person)
    prefs.quiet_start = prefs.quiet_end = time(0, 0)
    row = db_session.scalar(select(Reminder).where(Reminder.participant_id == person.id,
                                                   Reminder.status == "pending").order_by(Reminder.due_at))
    row.due_at, row.expires_at = now_utc() - timedelta(minutes=2), now_utc() + timedelta(hours=3)
    db_session.commit()
    return person, row


def test_a_job_runs_a_dispatch_pass_inside_the_app(app, db_session, site, sender):
    person, row = _due_now(db_session, site)
    scheduler.Runner(app)("dispatch-reminders")
    db_session.expire_all()
    assert db_session.get(Reminder, row.id).status == "sent"
    assert len(sender.messages_to(person.phone_e164)) == 1


def test_the_heartbeat_job_records_a_beat_in_its_own_transaction(app, db_session):
    assert heartbeat.scheduler_status(db_session, now=now_utc()).state == "never"
    scheduler.Runner(app)("scheduler-heartbeat")
    status = heartbeat.scheduler_status(db_session, now=now_utc())
    assert status.state == "ok" and now_utc() - status.last_beat < timedelta(seconds=5)
    row = db_session.get(SchedulerHeartbeat, heartbeat.SCHEDULER)
    assert row.pid == os.getpid() and row.host and row.started_at <= row.beat_at


def test_a_scheduler_that_lost_its_lock_stops_beating(app, db_session):
    from companion.scheduler_lock import LockLost

    class Lost:
        def held(self):
            return False

    app.extensions["scheduler_lock"] = Lost()
    try:
        scheduler.Runner(app)("scheduler-heartbeat")
    except LockLost:
        pass
    else:
        raise AssertionError("a lost lock must stop the heartbeat (and run() then stops the process)")
    assert heartbeat.scheduler_status(db_session, now=now_utc()).state == "never"


def test_the_process_stops_with_status_1_when_its_lock_is_lost(app, db_session, monkeypatch):
    class LostAfterStart:
        checks = 0

        def held(self):
            self.checks += 1
            return self.checks == 1  # held for the first beat, then the database dropped the connection

    monkeypatch.setattr(scheduler, "JOBS", (scheduler.JobSpec("scheduler-heartbeat", "interval", {"seconds": 1},
                                                              run=scheduler.heartbeat_pass,
                                                              misfire_grace_time=5),))
    before = signal.getsignal(signal.SIGTERM)
    started = clock.monotonic()
    try:
        assert scheduler.run(app, LostAfterStart()) == 1
    finally:
        signal.signal(signal.SIGTERM, before)
    assert clock.monotonic() - started < 15
    assert heartbeat.scheduler_status(db_session, now=now_utc()).state == "ok"  # the first beat was written


def test_dispatch_once_command(app, db_session, site, sender):
    person, row = _due_now(db_session, site)
    result = app.test_cli_runner().invoke(args=["dispatch-once"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("sent 1,")
    again = app.test_cli_runner().invoke(args=["dispatch-once", "--plan"])
    assert again.exit_code == 0 and "re-planned" in again.output and "sent 0," in again.output
    db_session.expire_all()
    assert db_session.get(Reminder, row.id).status == "sent"
    assert len(sender.messages_to(person.phone_e164)) == 1
    # run by cron instead of the scheduler, it keeps /healthz and the staff banner content
    assert db_session.get(SchedulerHeartbeat, heartbeat.DISPATCH_ONCE) is not None
    assert heartbeat.scheduler_status(db_session, now=now_utc()).state == "ok"


def test_the_web_app_never_starts_a_scheduler():
    code = ("import os, sys; os.environ['APP_ENV']='test'; from companion import create_app; create_app(); "
            "import threading; print(sorted(m for m in sys.modules if m.startswith('apscheduler')), "
            "threading.active_count())")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60,
                         check=True).stdout
    assert out.strip() == "[] 1"


def test_the_scheduler_process_starts_and_stops_on_sigterm(tmp_path):
    env = {**os.environ, "APP_ENV": "development", "DATABASE_URL": f"sqlite:///{tmp_path / 's.db'}",
           "SMS_BACKEND": "fake", "TZ": "America/Los_Angeles"}
    flask = [sys.executable, "-m", "flask", "--app", "app"]
    subprocess.run([*flask, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True, timeout=60)
    process = subprocess.Popen([*flask, "scheduler"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    try:
        first = process.stdout.readline()
        assert "scheduler running" in first
        clock.sleep(1)
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, output
    assert "dispatch-reminders" in output
    from sqlalchemy import create_engine, text

    engine = create_engine(env["DATABASE_URL"])
    with engine.connect() as conn:  # the beat written at start (later ones every 30 s)
        assert conn.scalar(text("SELECT count(*) FROM scheduler_heartbeats")) == 1
    engine.dispose()
