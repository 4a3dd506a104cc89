"""The daily diary: one entry per participant and local day, corrected by new versions (DOMAIN.md 5)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from companion.domain import alert_rules, diary_rules
from companion.models import DiaryEntry, Participant, Visit
from companion.services import audit, records
from companion.services.alerts import raise_alert
from companion.services.errors import ValidationFailed
from companion.services.inputs import check_day, clean_text, decimal_in, integer_in, reason_for


@dataclass(frozen=True, slots=True)
class DiaryInput:
    """What the form or the API sent, before validation."""

    local_date: object
    fatigue: object
    joint_pain: object
    temperature_c: object = None
    symptoms: tuple = ()
    note: object = None
    client_id: str | None = None
    reason: object = None


@dataclass
class Saved:
    """The stored record, whether this call created it, and the alerts it raised (RED first)."""

    record: object
    created: bool
    findings: list = field(default_factory=list)

    @property
    def urgent(self) -> bool:
        return any(f.tier == "RED" for f in self.findings)


def _clean(raw: DiaryInput, today: date, late_days: int) -> dict:
    errors: dict[str, object] = {}
    clean: dict = {}
    checks = {
        "local_date": lambda: check_day(raw.local_date, today, late_days),
        "fatigue": lambda: integer_in(raw.fatigue, diary_rules.SCORE_MIN, diary_rules.SCORE_MAX),
        "joint_pain": lambda: integer_in(raw.joint_pain, diary_rules.SCORE_MIN, diary_rules.SCORE_MAX),
        "temperature_c": lambda: decimal_in(raw.temperature_c, diary_rules.TEMPERATURE_MIN, diary_rules.TEMPERATURE_MAX,
                                            optional=True),
        "note": lambda: clean_text(raw.note, diary_rules.NOTE_MAX_LENGTH),
    }
    for name, check in checks.items():
        try:
            clean[name] = check()
        except ValueError as exc:
            errors[name] = exc.args[0]
    known = {item.key for item in diary_rules.SYMPTOMS}
    symptoms = list(raw.symptoms or ())
    if not isinstance(raw.symptoms, list | tuple) or not all(isinstance(s, str) and s in known for s in symptoms):
        errors["symptoms"] = _l("Unknown symptom.")
    else:
        clean["symptoms"] = [s.key for s in diary_rules.SYMPTOMS if s.key in symptoms]  # the diary's own order
    if errors:
        raise ValidationFailed(errors)
    return clean


def infusion_days_ago(session: Session, participant: Participant, on: date) -> int | None:
    """Days since the latest infusion given (or planned) on or before ``on``."""
    visits = session.scalars(select(Visit).where(Visit.participant_id == participant.id, Visit.infusion.is_(True)))
    dates = [v.effective_date for v in visits]
    past = [d for d in dates if d <= on]
    return (on - max(past)).days if past else None


def _raise(session: Session, participant: Participant, record, findings, now: datetime) -> None:
    for finding in findings:
        raise_alert(session, participant_id=participant.id, tier=finding.tier, rule=finding.rule,
                    source_type=record.__tablename__, source_id=record.id, now=now,
                    details={"reason": finding.reason_en, "local_date": record.local_date.isoformat()})


def save_day(session: Session, participant: Participant, raw: DiaryInput, *, actor: audit.Actor, today: date,
             now: datetime, late_days: int) -> Saved:
    """Create the day's entry, or correct it with a new version (a reason is required once the day is over).

    The same ``client_id`` sent again returns the stored entry and changes nothing.
    """
    existing = records.by_client_id(session, DiaryEntry, participant.id, raw.client_id)
    if existing is not None:
        return Saved(existing, created=False)
    clean = _clean(raw, today, late_days)
    day = clean["local_date"]
    current = session.scalar(select(DiaryEntry).where(
        DiaryEntry.participant_id == participant.id, DiaryEntry.local_date == day,
        DiaryEntry.superseded_at.is_(None), DiaryEntry.voided.is_(False)))
    if current is None:
        row = DiaryEntry(participant_id=participant.id, late=day < today, client_id=raw.client_id, **clean)
        try:
            with session.begin_nested():  # only this insert is undone, not the rest of the request
                records.create(session, row, actor=actor, now=now, fields=clean)
        except IntegrityError as exc:  # the same day saved from another device at the same moment
            raise ValidationFailed({"local_date": _l("This day was just saved from another device; reload.")}) from exc
    else:
        reason = reason_for(raw.reason, required=day < today)
        clean.pop("local_date")
        row = records.new_version(session, current, changes=clean, actor=actor, now=now, reason=reason)
        row.client_id = raw.client_id
    findings = alert_rules.diary_findings(row.symptoms, row.temperature_c, infusion_days_ago(session, participant, day))
    _raise(session, participant, row, findings, now)
    return Saved(row, created=True, findings=findings)


def void(session: Session, participant: Participant, record_id: int, raw_reason, *, actor: audit.Actor,
         now: datetime) -> DiaryEntry:
    """Void a day's entry; it stays visible as voided, and the day can be filled in again."""
    return records.void(session, DiaryEntry, participant.id, record_id, reason_for(raw_reason, required=True),
                        actor=actor, now=now, missing_message=_l("This entry does not exist or is voided already."))


def entry_for(session: Session, participant: Participant, day: date) -> DiaryEntry | None:
    return session.scalar(select(DiaryEntry).where(
        DiaryEntry.participant_id == participant.id, DiaryEntry.local_date == day,
        DiaryEntry.superseded_at.is_(None), DiaryEntry.voided.is_(False)))
