"""The scheduler process: ``flask --app app scheduler``. Exactly one runs (it holds the lock of
companion.scheduler_lock); web processes never start one. It records a heartbeat (companion.domain.heartbeat_rules)
at start and every 30 s, read by ``GET /healthz`` and by the staff pages' "reminders not running" banner.

APScheduler 3.x (RELIABILITY-SECURITY.md, "Scheduler and reminders"): its job store cannot be shared by
processes, so gunicorn workers or Flask's reloader would each run every job. Its defaults (a 1-second
misfire grace time, the host's zone) are replaced on purpose: the zone is UTC, and each job declares its
own grace time. Jobs are data with fixed ids and ``replace_existing=True``; they coalesce, never overlap
(``max_instances=1``), and their arguments are ids only. APScheduler only decides *when* a pass runs; what
was sent is recorded in the reminder rows, so a missed or repeated run loses nothing and sends nothing twice.
"""

from __future__ import annotations

import logging
import signal
import threading
from dataclasses import dataclass, field
from datetime import UTC

from flask import Flask

from companion.domain.heartbeat_rules import BEAT_EVERY

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class JobSpec:
    id: str
    trigger: str
    trigger_args: dict = field(default_factory=dict)
    #: how late a run may start and still run; a later one is skipped (the next run does the work)
    misfire_grace_time: int = 30


#: every job of the process, with a fixed id
JOBS = (
    # every minute at :00; a run more than 50 s late is dropped because the next one is about to start
    JobSpec("dispatch-reminders", "cron", {"second": 0}, misfire_grace_time=50),
    # hourly: extends the diary nudges and catches anything the immediate re-planning missed
    JobSpec("plan-reminders", "cron", {"minute": 7}, misfire_grace_time=30 * 60),
    # every minute at :30: RED alerts nobody acknowledged in time go to the on-call coordinator
    JobSpec("escalate-alerts", "cron", {"second": 30}, misfire_grace_time=50),
    # hourly: alerts about what did not happen (missed infusions, steroid gaps) and the weekly digest
    JobSpec("sweep-alerts", "cron", {"minute": 17}, misfire_grace_time=30 * 60),
    # every 30 s: "alive" for /healthz and the staff banner (stale after 3 minutes, companion.domain.heartbeat_rules);
    # a beat more than 20 s late is dropped, the next one is due anyway
    JobSpec("scheduler-heartbeat", "interval", {"seconds": int(BEAT_EVERY.total_seconds())}, misfire_grace_time=20),
)


def dispatch_pass(app: Flask):
    """One dispatcher pass inside an app context (also what ``flask dispatch-once`` runs)."""
    from companion.db import db, now_utc
    from companion.services import dispatch
    from companion.sms import get_sender

    with app.app_context():
        public = app.config.get("PUBLIC_URL")
        policy = dispatch.DispatchPolicy(status_callback=f"{public.rstrip('/')}/sms/status" if public else None)
        return dispatch.dispatch_due(db.session, get_sender(), now=now_utc(), policy=policy)


def plan_pass(app: Flask) -> int:
    from companion.db import db, now_utc
    from companion.services import reminders

    with app.app_context():
        return reminders.replan_all(db.session, now=now_utc())


def escalate_pass(app: Flask) -> int:
    from companion.db import db, now_utc
    from companion.services import escalation
    from companion.sms import get_sender

    with app.app_context():
        return escalation.escalate_overdue(db.session, now=now_utc(), sender=get_sender())


def sweep_pass(app: Flask) -> int:
    from companion.db import db, now_utc
    from companion.services import alert_sweep

    with app.app_context():
        return alert_sweep.sweep(db.session, app.extensions["protocol"], now=now_utc())


def heartbeat_pass(app: Flask, *, start: bool = False) -> None:
    """Record that this process is alive, unless it no longer holds the one-scheduler lock (then raise
    ``LockLost``: ``run`` stops the process, and systemd's restart takes the lock again or refuses)."""
    import os
    import socket

    from companion.db import db, now_utc
    from companion.scheduler_lock import LockLost
    from companion.services import heartbeat

    lock = app.extensions.get("scheduler_lock")
    if lock is not None and not lock.held():
        raise LockLost("the one-scheduler lock was lost")
    with app.app_context():
        heartbeat.record_beat(db.session, name=heartbeat.SCHEDULER, now=now_utc(), host=socket.gethostname(),
                              pid=os.getpid(), start=start)


RUNNERS = {"dispatch-reminders": dispatch_pass, "plan-reminders": plan_pass, "escalate-alerts": escalate_pass,
           "sweep-alerts": sweep_pass, "scheduler-heartbeat": heartbeat_pass}


class Runner:
    """Runs a job by its id in the app (job arguments stay plain ids, as a persistent store would need)."""

    def __init__(self, app: Flask):
        self.app = app

    def __call__(self, job_id: str) -> None:
        try:
            RUNNERS[job_id](self.app)
        except Exception as exc:  # the type only: details may hold personal data
            log.error("job %s failed: %s", job_id, type(exc).__name__)
            raise


def build_scheduler(app: Flask):
    """A BlockingScheduler with the declared jobs; not started."""
    from apscheduler.schedulers.blocking import BlockingScheduler

    scheduler = BlockingScheduler(timezone=UTC, job_defaults={"coalesce": True, "max_instances": 1,
                                                              "misfire_grace_time": 30})
    runner = Runner(app)
    for job in JOBS:
        scheduler.add_job(runner, job.trigger, args=[job.id], id=job.id, name=job.id, replace_existing=True,
                          coalesce=True, max_instances=1, misfire_grace_time=job.misfire_grace_time,
                          **job.trigger_args)
    return scheduler


def run(app: Flask, lock=None, announce=None) -> int:
    """Start the scheduler in the foreground until SIGTERM or Ctrl-C; a pass in progress is finished first.

    ``lock`` (companion.scheduler_lock) is held by the caller for as long as this runs. SIGTERM is handled
    from the start; the first beat is written, then ``announce()`` says the process is up, then jobs run.
    Returns the exit status: 0 when stopped, 1 when the lock was lost (systemd then restarts it)."""
    from apscheduler.events import EVENT_JOB_ERROR, EVENT_SCHEDULER_STARTED
    from apscheduler.schedulers import SchedulerNotRunningError

    from companion.scheduler_lock import LockLost

    stopping = threading.Event()
    status = {"code": 0}
    scheduler = None

    def shutdown() -> None:
        if scheduler is not None and scheduler.running:
            try:
                scheduler.shutdown(wait=False)
            except SchedulerNotRunningError:
                pass

    def stop(signum, _frame):
        log.info("scheduler stopping (signal %s)", signum)
        stopping.set()
        shutdown()

    def on_started(_event):  # a SIGTERM that came while it was starting
        if stopping.is_set():
            shutdown()

    def on_error(event):
        if isinstance(event.exception, LockLost):
            log.error("scheduler stopping: its one-scheduler lock was lost (database connection ended)")
            status["code"] = 1
            shutdown()

    signal.signal(signal.SIGTERM, stop)
    app.extensions["scheduler_lock"] = lock
    heartbeat_pass(app, start=True)
    if announce is not None:
        announce()
    scheduler = build_scheduler(app)
    scheduler.add_listener(on_started, EVENT_SCHEDULER_STARTED)
    scheduler.add_listener(on_error, EVENT_JOB_ERROR)
    if stopping.is_set():
        return 0
    log.info("scheduler starting with jobs %s", ", ".join(j.id for j in JOBS))
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        pass
    return status["code"]
