"""The scheduler process: ``flask --app app scheduler``. Exactly one runs (it holds the lock of
companion.scheduler_lock); web processes never start one. It records a heartbeat (companion.domain.heartbeat_rules)
at start and every 30 s, read by ``GET /healthz`` and by the staff pages' "reminders not running" banner.

APScheduler 3.x (RELIABILITY-SECURITY.md, "Scheduler and reminders"): its job store cannot be shared by
processes, so gunicorn workers or Flask's reloader would each run every job. Its defaults (a 1-second
misfire grace time, the host's zone) are replaced on purpose: the zone is UTC, and each job declares its
own grace time. Jobs are data: one table (``JOBS``), each entry with its fixed id, its trigger and the
function it runs; added with ``replace_existing=True``, they coalesce, never overlap (``max_instances=1``),
and their arguments are ids only. Each job runs in an app context and in ``unit_of_work()`` (one
transaction, committed at its end; the dispatcher, escalation and planning commit more often, and say why).
APScheduler only decides *when* a pass runs; what was sent is recorded in the reminder rows, so a missed or
repeated run loses nothing and sends nothing twice.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC

from flask import Flask, current_app

from companion.domain.heartbeat_rules import BEAT_EVERY

log = logging.getLogger(__name__)


def dispatch_pass():
    """One dispatcher pass (also what ``flask dispatch-once`` runs)."""
    from companion.db import db, now_utc
    from companion.services import dispatch
    from companion.sms import get_sender

    public = current_app.config.get("PUBLIC_URL")
    policy = dispatch.DispatchPolicy(status_callback=f"{public.rstrip('/')}/sms/status" if public else None)
    return dispatch.dispatch_due(db.session, get_sender(), now=now_utc(), policy=policy)


def plan_pass() -> int:
    from companion.db import db, now_utc
    from companion.services import reminders

    return reminders.replan_all(db.session, now=now_utc())


def escalate_pass() -> int:
    from companion.db import db, now_utc
    from companion.services import escalation
    from companion.sms import get_sender

    return escalation.escalate_overdue(db.session, now=now_utc(), sender=get_sender())


def sweep_pass() -> int:
    from companion.db import db, now_utc
    from companion.services import alert_sweep

    return alert_sweep.sweep(db.session, current_app.extensions["protocol"], now=now_utc())


def heartbeat_pass(*, start: bool = False) -> None:
    """Record that this process is alive (``start``: the first beat, which also resets ``started_at``)."""
    import os
    import socket

    from companion.db import db, now_utc
    from companion.services import heartbeat

    heartbeat.record_beat(db.session, name=heartbeat.SCHEDULER, now=now_utc(), host=socket.gethostname(),
                          pid=os.getpid(), start=start)


@dataclass(frozen=True)
class JobSpec:
    id: str
    trigger: str
    trigger_args: dict = field(default_factory=dict)
    #: what the job does, called in an app context inside ``unit_of_work()``
    run: Callable[[], object] = field(kw_only=True)
    #: how late a run may start and still run; a later one is skipped (the next run does the work)
    misfire_grace_time: int = 30


#: every job of the process, with a fixed id and the function it runs
JOBS = (
    # every minute at :00; a run more than 50 s late is dropped because the next one is about to start
    JobSpec("dispatch-reminders", "cron", {"second": 0}, run=dispatch_pass, misfire_grace_time=50),
    # hourly: extends the diary nudges and catches anything the immediate re-planning missed
    JobSpec("plan-reminders", "cron", {"minute": 7}, run=plan_pass, misfire_grace_time=30 * 60),
    # every minute at :30: RED alerts nobody acknowledged in time go to the on-call coordinator
    JobSpec("escalate-alerts", "cron", {"second": 30}, run=escalate_pass, misfire_grace_time=50),
    # hourly: alerts about what did not happen (missed infusions, steroid gaps) and the weekly digest
    JobSpec("sweep-alerts", "cron", {"minute": 17}, run=sweep_pass, misfire_grace_time=30 * 60),
    # every 30 s: "alive" for /healthz and the staff banner (stale after 3 minutes: domain/heartbeat_rules.py);
    # a beat more than 20 s late is dropped, the next one is due anyway
    JobSpec("scheduler-heartbeat", "interval", {"seconds": int(BEAT_EVERY.total_seconds())}, run=heartbeat_pass,
            misfire_grace_time=20),
)


def run_job(app: Flask, job_id: str):
    """Run the job of ``JOBS`` with this id, in an app context and one unit of work; returns what it returns.

    Unless this process still holds the one-scheduler lock (when it has one): then it raises ``LockLost``
    before doing anything, whichever the job, and ``run`` stops the process (systemd's restart takes the
    lock again or refuses)."""
    from companion.db import unit_of_work
    from companion.scheduler_lock import LockLost

    job = next(job for job in JOBS if job.id == job_id)
    lock = app.extensions.get("scheduler_lock")
    if lock is not None and not lock.held():
        raise LockLost("the one-scheduler lock was lost")
    with app.app_context(), unit_of_work():
        return job.run()


class Runner:
    """Runs a job by its id in the app (job arguments stay plain ids, as a persistent store would need)."""

    def __init__(self, app: Flask):
        self.app = app

    def __call__(self, job_id: str) -> None:
        try:
            run_job(self.app, job_id)
        except Exception as exc:  # the type only: details may hold personal data
            log.error("job %s failed: %s", job_id, type(exc).__name__)
            raise


def build_scheduler(app: Flask):
    """A BackgroundScheduler with the declared jobs; not started (``run`` waits for it in the main thread)."""
    from apscheduler.schedulers.background import BackgroundScheduler

    scheduler = BackgroundScheduler(timezone=UTC, job_defaults={"coalesce": True, "max_instances": 1,
                                                                "misfire_grace_time": 30})
    runner = Runner(app)
    for job in JOBS:
        scheduler.add_job(runner, job.trigger, args=[job.id], id=job.id, name=job.id, replace_existing=True,
                          coalesce=True, max_instances=1, misfire_grace_time=job.misfire_grace_time,
                          **job.trigger_args)
    return scheduler


def run(app: Flask, lock=None, announce=None) -> int:
    """Run the scheduler in the foreground until SIGTERM or Ctrl-C, or until its lock is lost.

    ``lock`` (companion.scheduler_lock) is held by the caller for as long as this runs. SIGTERM is handled
    from the start; the first beat is written, then ``announce()`` says the process is up, then jobs run.
    However it stops, the main thread alone shuts the scheduler down and waits for the passes in progress
    (the signal handler and the job threads only ask it to), so the caller releases the lock only once no
    job runs any more. Every job checks the lock first, so none starts work once it is lost.
    Returns the exit status: 0 when stopped, 1 when the lock was lost (systemd then restarts it)."""
    from apscheduler.events import EVENT_JOB_ERROR

    from companion.db import unit_of_work
    from companion.scheduler_lock import LockLost

    stopping = threading.Event()
    status = {"code": 0}

    def stop(signum, _frame):
        log.info("scheduler stopping (signal %s)", signum)
        stopping.set()

    def on_error(event):  # in a job's thread: only ask the main thread to stop
        if isinstance(event.exception, LockLost):
            log.error("scheduler stopping: its one-scheduler lock was lost (database connection ended)")
            status["code"] = 1
            stopping.set()

    signal.signal(signal.SIGTERM, stop)
    app.extensions["scheduler_lock"] = lock
    with app.app_context(), unit_of_work():
        heartbeat_pass(start=True)
    if announce is not None:
        announce()
    if stopping.is_set():  # a SIGTERM that came while it was starting
        return 0
    scheduler = build_scheduler(app)
    scheduler.add_listener(on_error, EVENT_JOB_ERROR)
    log.info("scheduler starting with jobs %s", ", ".join(j.id for j in JOBS))
    scheduler.start()
    try:
        while not stopping.wait(timeout=1):
            pass
    except KeyboardInterrupt:
        pass
    scheduler.shutdown(wait=True)  # a pass in progress is finished first
    return status["code"]
