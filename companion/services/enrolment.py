"""Enrolling a participant: the record, the consent to SMS, and the visits from the protocol."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from companion import validation
from companion.domain.protocol import Protocol
from companion.domain.schedule import build_schedule
from companion.models import Participant, Site, Visit
from companion.services import audit, reminders
from companion.services.errors import ValidationFailed


@dataclass(frozen=True, slots=True)
class Enrolment:
    """Raw input, as typed on the form or the command line."""

    study_id: str
    phone: str
    day1: str | date
    weight_kg: str
    language: str = "zh-CN"
    timezone: str = ""
    sms_consent: bool = False


def _clean(session: Session, raw: Enrolment, site: Site, today: date) -> dict:
    errors: dict[str, object] = {}
    clean: dict = {}
    rules = {
        "study_id": lambda: validation.study_id(raw.study_id),
        "phone_e164": lambda: validation.phone(raw.phone),
        "day1": lambda: validation.day1(raw.day1, today),
        "weight_kg": lambda: validation.weight_kg(raw.weight_kg),
        "language": lambda: validation.language(raw.language),
        "timezone": lambda: validation.timezone(raw.timezone or site.timezone),
    }
    for field, rule in rules.items():
        try:
            clean[field] = rule()
        except validation.FieldError as exc:
            errors[field] = exc.message
    if "study_id" in clean and session.scalar(select(Participant.id).where(Participant.study_id == clean["study_id"])):
        errors["study_id"] = _l("This study ID is enrolled already.")
    if "phone_e164" in clean and session.scalar(
        select(Participant.id).where(Participant.phone_e164 == clean["phone_e164"])
    ):
        errors["phone_e164"] = _l("Another participant has this phone number.")
    if errors:
        raise ValidationFailed(errors)
    return clean


def enrol(
    session: Session,
    raw: Enrolment,
    *,
    site: Site,
    protocol: Protocol,
    actor: audit.Actor,
    now: datetime,
    today: date,
    consent_version: str,
) -> Participant:
    """Validate, store the participant and their visits, and audit it, in one transaction."""
    clean = _clean(session, raw, site, today)
    participant = Participant(
        site_id=site.id,
        protocol_id=protocol.id,
        protocol_reading=protocol.reading,
        sms_consent=raw.sms_consent,
        sms_consent_at=now if raw.sms_consent else None,
        sms_consent_version=consent_version if raw.sms_consent else None,
        created_at=now,
        **clean,
    )
    for planned in build_schedule(protocol, clean["day1"]):
        participant.visits.append(
            Visit(
                key=planned.key, number=planned.number, study_day=planned.day, week=planned.week,
                infusion=planned.infusion, endpoint=planned.endpoint, loading=planned.loading,
                target_date=planned.target_date, window_start=planned.window_start,
                window_end=planned.window_end, planned_time=protocol.visit_time,
            )
        )
    try:
        with session.begin_nested():  # only this insert is undone, not the rest of the request
            session.add(participant)
    except IntegrityError as exc:  # a concurrent enrolment took the study ID or number
        raise ValidationFailed({"study_id": _l("This study ID or phone number is enrolled already.")}) from exc
    changes = {k: [None, v] for k, v in clean.items()}
    changes["sms_consent"] = [None, raw.sms_consent]
    if raw.sms_consent:
        changes["sms_consent_version"] = [None, consent_version]
    audit.record(session, actor, "participant.enrol", at=now, entity=participant,
                 participant_id=participant.id, site_id=site.id, changes=changes)
    reminders.replan(session, participant, now=now)
    return participant
