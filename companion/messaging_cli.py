"""Commands of the SMS reminders: ``flask --app app scheduler`` (the one scheduler process) and
``flask --app app dispatch-once`` (a single pass, for cron users and tests)."""

from __future__ import annotations

import logging

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy.exc import SQLAlchemyError

# The twilio library logs every request and response (about 11 lines per SMS) at INFO; our own one line per
# send (companion.services.dispatch: reminder id and outcome) is enough.
QUIET_LIBRARIES = ("twilio.http_client",)


def configure_logging() -> None:
    """INFO for our own loggers, WARNING for the chatty libraries of QUIET_LIBRARIES."""
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for name in QUIET_LIBRARIES:
        logging.getLogger(name).setLevel(logging.WARNING)


@click.command("scheduler")
@with_appcontext
def scheduler_command() -> None:
    """Run the reminder scheduler in the foreground. Run exactly one, never inside a web worker: a second one
    for the same database refuses to start (companion/scheduler_lock.py)."""
    from companion import scheduler, scheduler_lock

    configure_logging()
    app = current_app._get_current_object()  # noqa: SLF001 - the real app, for the job runner
    unreachable = ("cannot use the database ({}): is it running, and migrated (flask --app app db upgrade)? "
                   "The scheduler did not start")
    try:
        lock = scheduler_lock.SchedulerLock(app.config["DATABASE_URL"], app.instance_path)
    except scheduler_lock.AlreadyRunning as exc:
        raise click.ClickException(str(exc)) from None
    except SQLAlchemyError as exc:
        raise click.ClickException(unreachable.format(type(exc).__name__)) from None
    with lock:
        try:
            code = scheduler.run(app, lock, announce=lambda: click.echo(
                "reminder scheduler running (UTC); stop with Ctrl-C or SIGTERM"))
        except SQLAlchemyError as exc:  # its first heartbeat could not be written
            raise click.ClickException(unreachable.format(type(exc).__name__)) from None
    if code:
        raise SystemExit(code)


def _record_cron_beat() -> None:
    """A pass run by cron counts as the scheduler being alive (README "SMS reminders": cron instead of it)."""
    import os
    import socket

    from companion.db import now_utc, unit_of_work
    from companion.services import heartbeat

    with unit_of_work() as session:
        heartbeat.record_beat(session, name=heartbeat.DISPATCH_ONCE, now=now_utc(), host=socket.gethostname(),
                              pid=os.getpid(), start=True)


@click.command("dispatch-once")
@click.option("--plan/--no-plan", default=False, help="Re-plan every participant's reminders first.")
@with_appcontext
def dispatch_once(plan: bool) -> None:
    """Send what is due now, once (for cron: every minute; two passes at once are safe)."""
    from companion import scheduler

    configure_logging()

    app = current_app._get_current_object()  # noqa: SLF001
    if plan:
        click.echo(f"re-planned {scheduler.run_job(app, 'plan-reminders')} participant(s)")
    stats = scheduler.run_job(app, "dispatch-reminders")
    _record_cron_beat()
    click.echo(f"sent {stats.sent}, expired {stats.expired}, deferred {stats.deferred}, cancelled {stats.cancelled}, "
               f"retried {stats.retried}, failed {stats.failed}, to reconcile {stats.reconciliation}")


@click.command("escalate-once")
@with_appcontext
def escalate_once() -> None:
    """Send overdue, unacknowledged RED alerts on to the site's on-call coordinator (one pass)."""
    from companion.scheduler import run_job

    click.echo(f"escalated {run_job(current_app._get_current_object(), 'escalate-alerts')} alert(s)")


@click.command("alert-sweep-once")
@with_appcontext
def alert_sweep_once() -> None:
    """Run the periodic alert rules once (missed infusions, steroid gaps, weekly digests)."""
    from companion.scheduler import run_job

    click.echo(f"checked {run_job(current_app._get_current_object(), 'sweep-alerts')} participant(s)")


def init_app(app: Flask) -> None:
    app.cli.add_command(scheduler_command)
    app.cli.add_command(dispatch_once)
    app.cli.add_command(escalate_once)
    app.cli.add_command(alert_sweep_once)
