"""Command-line commands: ``flask --app app <command>``. Each one is a thin shell over a service, and each one that
writes runs in one ``unit_of_work()`` (companion/db.py): committed once at its end, rolled back if it fails."""

from __future__ import annotations

import json
import sys
from datetime import date

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from companion.db import db, now_utc, unit_of_work
from companion.domain.protocol import ProtocolError
from companion.domain.schedule import build_schedule
from companion.protocols import load_protocol
from companion.services import audit, enrolment, schedules, staff
from companion.services.errors import ValidationFailed

db_cli = AppGroup("db", help="Database migrations (Alembic).")
protocol_cli = AppGroup("protocol", help="The protocol definition.")


def _site():
    config = current_app.config
    return staff.get_or_create_site(db.session, code=config["SITE_CODE"], name=config["SITE_NAME"],
                                    timezone=config["SITE_TIMEZONE"], now=now_utc())


def _fail(exc: ValidationFailed) -> None:
    for field, message in exc.errors.items():
        click.echo(f"error: {field}: {message}", err=True)
    sys.exit(2)


@db_cli.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Migrate the database to REVISION (default: the newest)."""
    from companion.migrate import upgrade

    upgrade(current_app.config["DATABASE_URL"], revision)
    click.echo(f"database at {revision}")


@click.command("create-coordinator")
@with_appcontext
@unit_of_work()
@click.option("--email", required=True)
@click.option("--password-stdin", is_flag=True,
              help="Read the password from the first line of standard input (for scripts) instead of asking.")
@click.option("--role", default="coordinator", type=click.Choice(staff.ROLES), show_default=True)
def create_coordinator(email: str, password_stdin: bool, role: str) -> None:
    """Create a coordinator (or another staff role) of the site; prints the TOTP secret and URI once.

    The password is asked for twice, not shown; with --password-stdin it is read from standard input.
    """
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        new = staff.create_coordinator(db.session, email=email, password=password, site=_site(), now=now_utc(),
                                       role=role)
    except ValidationFailed as exc:
        _fail(exc)
    click.echo(f"{role} {new.user.email} created")
    click.echo(f"TOTP secret: {new.totp_secret}")
    click.echo(f"otpauth URI: {new.otpauth_uri}")


@click.command("enrol")
@with_appcontext
@unit_of_work()
@click.option("--study-id", required=True)
@click.option("--phone", required=True, help="Mobile number, E.164 (+8613...) or Chinese national format.")
@click.option("--start", "day1", required=True, help="Day 1 (first infusion), YYYY-MM-DD.")
@click.option("--weight", required=True, help="Weight in kg.")
@click.option("--language", default="zh-CN", type=click.Choice(["zh-CN", "en"]))
@click.option("--timezone", default="", help="IANA zone; default the site's.")
@click.option("--sms-consent/--no-sms-consent", default=False, help="Consent to SMS was given (recorded now).")
def enrol(study_id, phone, day1, weight, language, timezone, sms_consent) -> None:
    """Enrol one participant without the browser (for bulk enrolment from a script)."""
    site = _site()
    raw = enrolment.Enrolment(study_id=study_id, phone=phone, day1=day1, weight_kg=weight, language=language,
                              timezone=timezone, sms_consent=sms_consent)
    try:
        participant = enrolment.enrol(
            db.session, raw, site=site, protocol=current_app.extensions["protocol"], actor=audit.CLI,
            now=now_utc(), today=schedules.local_today(site.timezone, now_utc()),
            consent_version=current_app.config["SMS_CONSENT_VERSION"],
        )
    except ValidationFailed as exc:
        _fail(exc)
    click.echo(f"enrolled {participant.study_id} (id {participant.id}) with {len(participant.visits)} visits")


@click.command("site-settings")
@with_appcontext
@unit_of_work()
@click.option("--address", help="Where visits take place (shown to participants and in calendar files).")
@click.option("--contact-phone", help="The study team's phone number.")
@click.option("--emergency-number", help="Emergency number shown with urgent advice (e.g. 120).")
@click.option("--emergency-department", help="The nearest emergency department, shown with urgent advice.")
def site_settings(**values) -> None:
    """Show the site's settings, or change the ones given (audited)."""
    site = _site()
    changes = {k: [getattr(site, k), v] for k, v in values.items() if v is not None and getattr(site, k) != v}
    for key, (_old, new) in changes.items():
        setattr(site, key, new.strip())
    if changes:
        audit.record(db.session, audit.CLI, "site.settings", at=now_utc(), entity=site, site_id=site.id,
                     changes=changes)
    db.session.flush()
    for key in ("code", "name", "timezone", "address", "contact_phone", "emergency_number", "emergency_department"):
        click.echo(f"{key}: {getattr(site, key)}")


@protocol_cli.command("preview")
@click.option("--start", "day1", required=True, help="Day 1, YYYY-MM-DD.")
@click.option("--reading", default=None, help="Protocol reading (A or B); default the file's.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def protocol_preview(day1: str, reading: str | None, as_json: bool) -> None:
    """Print the schedule for a day-1 date. Reads the protocol file only, never the database."""
    try:
        start = date.fromisoformat(day1)
        protocol = load_protocol(current_app.config["PROTOCOL"], reading or current_app.config["PROTOCOL_READING"])
    except ValueError as exc:  # ProtocolError is a ValueError too
        raise click.UsageError(str(exc) if isinstance(exc, ProtocolError) else "--start must be YYYY-MM-DD") from exc
    visits = build_schedule(protocol, start)
    if as_json:
        click.echo(json.dumps([
            {"number": v.number, "key": v.key, "study_day": v.day, "week": v.week, "date": v.target_date.isoformat(),
             "window_start": v.window_start.isoformat(), "window_end": v.window_end.isoformat(),
             "infusion": v.infusion, "endpoint": v.endpoint, "label": v.label_en}
            for v in visits
        ], indent=2))
        return
    click.echo(f"{protocol.id} reading {protocol.reading}, window +/-{protocol.window_days} days, day 1 = {start}")
    click.echo(f"{'#':>2}  {'day':>4}  {'week':>4}  {'date':10}  {'window':23}  infusion  endpoint")
    for v in visits:
        click.echo(f"{v.number:>2}  {v.day:>4}  {v.week:>4}  {v.target_date}  {v.window_start}..{v.window_end}"
                   f"  {'yes' if v.infusion else 'no':8}  {'yes' if v.endpoint else ''}")


def init_app(app: Flask) -> None:
    from companion.demo import seed_demo, totp_now

    app.cli.add_command(db_cli)
    app.cli.add_command(protocol_cli)
    app.cli.add_command(create_coordinator)
    app.cli.add_command(enrol)
    app.cli.add_command(site_settings)
    app.cli.add_command(seed_demo)
    app.cli.add_command(totp_now)
