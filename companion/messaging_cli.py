"""Commands of the SMS reminders: ``flask --app app scheduler`` (the one scheduler process) and
``flask --app app dispatch-once`` (a single pass, for cron users and tests)."""

from __future__ import annotations

import logging

import click
from flask import Flask, current_app
from flask.cli import with_appcontext


@click.command("scheduler")
@with_appcontext
def scheduler_command() -> None:
    """Run the reminder scheduler in the foreground. Run exactly one, never inside a web worker."""
    from companion import scheduler

    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = current_app._get_current_object()  # noqa: SLF001 - the real app, for the job runner
    click.echo("reminder scheduler running (UTC); stop with Ctrl-C or SIGTERM")
    scheduler.run(app)


@click.command("dispatch-once")
@click.option("--plan/--no-plan", default=False, help="Re-plan every participant's reminders first.")
@with_appcontext
def dispatch_once(plan: bool) -> None:
    """Send what is due now, once (for cron: every minute; two passes at once are safe)."""
    from companion import scheduler

    app = current_app._get_current_object()  # noqa: SLF001
    if plan:
        click.echo(f"re-planned {scheduler.plan_pass(app)} participant(s)")
    stats = scheduler.dispatch_pass(app)
    click.echo(f"sent {stats.sent}, expired {stats.expired}, deferred {stats.deferred}, cancelled {stats.cancelled}, "
               f"retried {stats.retried}, failed {stats.failed}, to reconcile {stats.reconciliation}")


@click.command("escalate-once")
@with_appcontext
def escalate_once() -> None:
    """Send overdue, unacknowledged RED alerts on to the site's on-call coordinator (one pass)."""
    from companion.scheduler import escalate_pass

    click.echo(f"escalated {escalate_pass(current_app._get_current_object())} alert(s)")


@click.command("alert-sweep-once")
@with_appcontext
def alert_sweep_once() -> None:
    """Run the periodic alert rules once (missed infusions, steroid gaps, weekly digests)."""
    from companion.scheduler import sweep_pass

    click.echo(f"checked {sweep_pass(current_app._get_current_object())} participant(s)")


def init_app(app: Flask) -> None:
    app.cli.add_command(scheduler_command)
    app.cli.add_command(dispatch_once)
    app.cli.add_command(escalate_once)
    app.cli.add_command(alert_sweep_once)
