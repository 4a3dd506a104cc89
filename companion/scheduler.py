"""The scheduler process: ``flask --app app scheduler``. Exactly one runs; web processes never start one.

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
from dataclasses import dataclass, field
from datetime import UTC

from flask import Flask

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


RUNNERS = {"dispatch-reminders": dispatch_pass, "plan-reminders": plan_pass, "escalate-alerts": escalate_pass,
           "sweep-alerts": sweep_pass}


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


def run(app: Flask) -> None:
    """Start the scheduler in the foreground until SIGTERM or Ctrl-C; a pass in progress is finished first."""
    scheduler = build_scheduler(app)

    def stop(signum, _frame):
        log.info("scheduler stopping (signal %s)", signum)
        scheduler.shutdown(wait=False)

    signal.signal(signal.SIGTERM, stop)
    log.info("scheduler starting with jobs %s", ", ".join(j.id for j in JOBS))
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        pass
