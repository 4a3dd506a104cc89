"""Test data made through the same services the app uses (so a factory cannot build what the app
would refuse). Each factory commits, as the request or the command that calls those services would."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, timedelta

import pyotp

from companion.db import now_utc
from companion.models import Participant, Site, StaffUser
from companion.protocols import load_protocol
from companion.services import audit, enrolment, staff

_numbers = itertools.count(1)
PASSWORD = "correct horse battery staple"


@dataclass
class StaffLogin:
    user: StaffUser
    email: str
    password: str
    secret: str

    def current_code(self, steps_ahead: int = 0) -> str:
        totp = pyotp.TOTP(self.secret)
        return totp.at(now_utc(), counter_offset=steps_ahead)


def site(session, code: str = "PUMCH", timezone: str = "Asia/Shanghai") -> Site:
    result = staff.get_or_create_site(session, code=code, name=f"Site {code}", timezone=timezone, now=now_utc())
    result.address = "Outpatient building 2"
    session.commit()
    return result


def coordinator(session, site: Site, email: str | None = None) -> StaffLogin:
    email = email or f"coordinator{next(_numbers)}@example.org"
    new = staff.create_coordinator(session, email=email, password=PASSWORD, site=site, now=now_utc())
    session.commit()
    return StaffLogin(user=new.user, email=email, password=PASSWORD, secret=new.totp_secret)


def participant(session, site: Site, *, day1: date | None = None, language: str = "zh-CN",
                study_id: str | None = None, phone: str | None = None, reading: str | None = None) -> Participant:
    n = next(_numbers)
    raw = enrolment.Enrolment(
        study_id=study_id or f"P-{n:04d}",
        phone=phone or f"+86138{n:08d}",
        day1=day1 or date.today() - timedelta(days=20),  # noqa: DTZ011 - a plausible day 1, not a rule input
        weight_kg="60",
        language=language,
        sms_consent=True,
    )
    person = enrolment.enrol(session, raw, site=site, protocol=load_protocol(reading=reading), actor=audit.CLI,
                             now=now_utc(), today=date.today(), consent_version="test-1")  # noqa: DTZ011
    session.commit()
    return person


def enrolled(session, site: Site, *, day1: date, now, language: str = "zh-CN", timezone: str = "",
             sms_consent: bool = True, phone: str | None = None, study_id: str | None = None) -> Participant:
    """A participant enrolled at the instant ``now`` (reminders are planned for that instant)."""
    n = next(_numbers)
    raw = enrolment.Enrolment(study_id=study_id or f"R-{n:04d}", phone=phone or f"+86139{n:08d}", day1=day1,
                              weight_kg="60", language=language, timezone=timezone, sms_consent=sms_consent)
    person = enrolment.enrol(session, raw, site=site, protocol=load_protocol(), actor=audit.CLI, now=now,
                             today=now.date(), consent_version="test-1")
    session.commit()
    return person
