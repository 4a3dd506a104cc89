"""The steroid log: several doses a day, the day's prednisone equivalent, "same as yesterday"
(DOMAIN.md section 2). Doses are versioned like every diary record."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from companion.domain import alert_rules, steroid_table
from companion.models import Participant, SteroidDose, Visit
from companion.services import audit, records
from companion.services.diary import Saved, _raise
from companion.services.errors import ValidationFailed
from companion.services.inputs import check_day, decimal_in, reason_for

MAX_DOSE_MG = Decimal("2000")


@dataclass(frozen=True, slots=True)
class DoseInput:
    local_date: object
    drug: object
    strength_mg: object = None
    tablets: object = None
    dose_mg: object = None
    client_id: str | None = None


def _clean(raw: DoseInput, today: date, late_days: int) -> dict:
    errors: dict[str, object] = {}
    clean: dict = {}
    try:
        clean["local_date"] = check_day(raw.local_date, today, late_days)
    except ValueError as exc:
        errors["local_date"] = exc.args[0]
    if not isinstance(raw.drug, str) or raw.drug not in steroid_table.DRUGS:
        errors["drug"] = _l("Choose a medicine from the list.")
    else:
        clean["drug"] = raw.drug
    try:
        if raw.dose_mg not in (None, ""):
            clean["dose_mg"] = decimal_in(raw.dose_mg, Decimal("0.01"), MAX_DOSE_MG, places="0.01")
            clean["strength_mg"] = clean["tablets"] = None
        else:
            clean["strength_mg"] = decimal_in(raw.strength_mg, Decimal("0.1"), Decimal("100"), places="0.01")
            clean["tablets"] = decimal_in(raw.tablets, Decimal("0.25"), Decimal("40"), places="0.01")
            clean["dose_mg"] = steroid_table.dose_mg(clean["strength_mg"], clean["tablets"]).quantize(Decimal("0.01"))
    except ValueError as exc:
        errors["dose_mg"] = exc.args[0]
    if errors:
        raise ValidationFailed(errors)
    return clean


def check(raw: DoseInput, today: date, late_days: int) -> None:
    """Validate a dose without saving it (raises ValidationFailed)."""
    _clean(raw, today, late_days)


def doses_on(session: Session, participant: Participant, day: date) -> list[SteroidDose]:
    return list(session.scalars(select(SteroidDose).where(
        SteroidDose.participant_id == participant.id, SteroidDose.local_date == day,
        SteroidDose.superseded_at.is_(None), SteroidDose.voided.is_(False)).order_by(SteroidDose.id)))


def daily_equivalent(session: Session, participant: Participant, day: date) -> Decimal:
    return steroid_table.daily_equivalent((d.drug, d.dose_mg) for d in doses_on(session, participant, day))


def _check_day_alerts(session: Session, participant: Participant, day: date, source, now: datetime) -> list:
    endpoint = session.scalar(select(Visit).where(Visit.participant_id == participant.id, Visit.endpoint.is_(True)))
    if endpoint is None:
        return []
    findings = alert_rules.steroid_findings(daily_equivalent(session, participant, day), day, endpoint.target_date)
    _raise(session, participant, source, findings, now)
    return findings


def add(session: Session, participant: Participant, raw: DoseInput, *, actor: audit.Actor, today: date,
        now: datetime, late_days: int) -> Saved:
    existing = records.by_client_id(session, SteroidDose, participant.id, raw.client_id)
    if existing is not None:
        return Saved(existing, created=False)
    clean = _clean(raw, today, late_days)
    row = SteroidDose(participant_id=participant.id, late=clean["local_date"] < today, client_id=raw.client_id,
                      **clean)
    records.create(session, row, actor=actor, now=now, fields=clean)
    findings = _check_day_alerts(session, participant, row.local_date, row, now)
    return Saved(row, created=True, findings=findings)


def same_as_yesterday(session: Session, participant: Participant, *, actor: audit.Actor, today: date,
                      now: datetime, late_days: int) -> list[SteroidDose]:
    """Copy yesterday's doses to today in one tap (nothing is copied when today has doses already)."""
    if doses_on(session, participant, today):
        raise ValidationFailed({"drug": _l("Today already has doses; add or correct them one by one.")})
    copies = []
    for dose in doses_on(session, participant, today - timedelta(days=1)):
        fields = {"local_date": today, "drug": dose.drug, "strength_mg": dose.strength_mg, "tablets": dose.tablets,
                  "dose_mg": dose.dose_mg}
        row = SteroidDose(participant_id=participant.id, late=False, **fields)
        records.create(session, row, actor=actor, now=now, fields=fields)
        copies.append(row)
    if not copies:
        raise ValidationFailed({"drug": _l("Nothing was logged yesterday.")})
    _check_day_alerts(session, participant, today, copies[-1], now)
    return copies


def correct(session: Session, participant: Participant, record_id: int, raw: DoseInput, raw_reason, *,
            actor: audit.Actor, today: date, now: datetime, late_days: int) -> SteroidDose:
    current = records.current_of(session, SteroidDose, participant.id, record_id)
    if current is None or current.voided:
        raise ValidationFailed({"record": _l("This dose does not exist or is voided already.")})
    clean = _clean(raw, today, late_days)
    reason = reason_for(raw_reason, required=current.local_date < today)
    row = records.new_version(session, current, changes=clean, actor=actor, now=now, reason=reason)
    _check_day_alerts(session, participant, row.local_date, row, now)
    return row


def void(session: Session, participant: Participant, record_id: int, raw_reason, *, actor: audit.Actor,
         now: datetime) -> SteroidDose:
    """Void a dose; it stays in the record as voided."""
    return records.void(session, SteroidDose, participant.id, record_id, reason_for(raw_reason, required=True),
                        actor=actor, now=now, missing_message=_l("This dose does not exist or is voided already."))
