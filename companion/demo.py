"""Demo data for the Quick start: a site, a coordinator and participants at different study weeks.

Development only: both commands refuse to run with APP_ENV=production.
"""

from __future__ import annotations

import os
import sys
from datetime import timedelta
from pathlib import Path

import click
import pyotp
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from companion.db import db, now_utc, unit_of_work
from companion.models import Participant, StaffUser
from companion.services import audit, diary, enrolment, schedules, staff, steroids

DEMO_EMAIL = "coordinator@demo.example"
DEMO_PASSWORD = "demo password for the trial companion"  # noqa: S105 - printed for the local demo
#: (study ID, mobile number, language, study week reached today)
DEMO_PARTICIPANTS = [
    ("DEMO-001", "+8613800138001", "zh-CN", 0),
    ("DEMO-002", "+8613800138002", "en", 3),
    ("DEMO-003", "+8613800138003", "zh-CN", 11),
    ("DEMO-004", "+8613800138004", "zh-CN", 23),
]


def _refuse_in_production() -> None:
    if current_app.config["APP_ENV"] == "production":
        raise click.UsageError("demo commands are for development only")


@click.command("seed-demo")
@with_appcontext
@unit_of_work()
def seed_demo() -> None:
    """Create the demo site, coordinator and participants (again safe: existing ones are kept)."""
    _refuse_in_production()
    now = now_utc()
    config = current_app.config
    site = staff.get_or_create_site(db.session, code=config["SITE_CODE"], name=config["SITE_NAME"],
                                    timezone=config["SITE_TIMEZONE"], now=now)
    if not site.address:
        site.address = "Outpatient building, 1 Shuaifuyuan, Dongcheng District, Beijing"
        site.contact_phone = "+86 10 6915 0000"
        site.emergency_number = "120"
        site.emergency_department = "Emergency department, Peking Union Medical College Hospital, Dongcheng campus"
    user = db.session.scalar(select(StaffUser).where(StaffUser.email == DEMO_EMAIL))
    if user is None:
        user = staff.create_coordinator(db.session, email=DEMO_EMAIL, password=DEMO_PASSWORD, site=site, now=now).user
    today = schedules.local_today(site.timezone, now)
    protocol = current_app.extensions["protocol"]
    for study_id, phone, language, week in DEMO_PARTICIPANTS:
        if db.session.scalar(select(Participant.id).where(Participant.study_id == study_id)):
            continue
        raw = enrolment.Enrolment(study_id=study_id, phone=phone, day1=today - timedelta(days=7 * week + 1),
                                  weight_kg="58.5", language=language, sms_consent=True)
        participant = enrolment.enrol(db.session, raw, site=site, protocol=protocol, actor=audit.CLI, now=now,
                                      today=today, consent_version=config["SMS_CONSENT_VERSION"])
        for visit in participant.visits:  # the past visits took place on their target day
            if visit.target_date < today:
                visit.actual_date = visit.target_date
        db.session.flush()
        if week:
            _demo_diary(participant, today, now, fever=study_id == "DEMO-003")
    address = f"http://{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '5000')}/"
    click.echo(f"Demo data ready. Sign in at {address} (dev.sh run serves HOST and PORT)")
    click.echo(f"  Coordinator: /staff/signin  email {DEMO_EMAIL}  password '{DEMO_PASSWORD}'")
    click.echo(f"    TOTP secret {user.totp_secret} (add it to an authenticator app,")
    click.echo(f"    or run: {_flask_command()} --app app totp-now --email {DEMO_EMAIL})")
    click.echo("  Participants: /signin with one of these mobile numbers; the code is printed on this console:")
    for study_id, phone, language, week in DEMO_PARTICIPANTS:
        click.echo(f"    {study_id}  {phone}  ({language}, week {week})")


def _flask_command() -> str:
    """The flask of this virtualenv, as a path that works when pasted in the current directory."""
    flask = Path(sys.prefix) / "bin" / "flask"
    if not flask.exists():
        return "flask"
    try:
        return "./" + str(flask.relative_to(Path.cwd()))
    except ValueError:
        return str(flask)


def _demo_diary(participant: Participant, today, now, *, fever: bool) -> None:
    """A few days of diary and steroid doses, so that trends and the dashboard have something to show."""
    actor = audit.Actor("participant", participant.id, participant.site_id)
    for back in range(3, 0, -1):
        day = today - timedelta(days=back)
        temperature = "38.2" if fever and back == 1 else None
        diary.save_day(db.session, participant, diary.DiaryInput(
            local_date=day, fatigue=3 + back % 3, joint_pain=2 + back % 2, temperature_c=temperature,
            client_id=f"demo-{participant.study_id}-{day.isoformat()}"), actor=actor, today=day, now=now, late_days=3)
        steroids.add(db.session, participant, steroids.DoseInput(
            local_date=day, drug="prednisone_acetate", strength_mg="5", tablets="2",
            client_id=f"demo-dose-{participant.study_id}-{day.isoformat()}"), actor=actor, today=day, now=now,
            late_days=3)


@click.command("totp-now")
@with_appcontext
@click.option("--email", required=True)
def totp_now(email: str) -> None:
    """Print the current TOTP code of a staff account (development only, for the demo)."""
    _refuse_in_production()
    user = db.session.scalar(select(StaffUser).where(StaffUser.email == staff.normalise_email(email)))
    if user is None:
        raise click.UsageError("no such staff account")
    click.echo(pyotp.TOTP(user.totp_secret).now())
