"""Post-infusion and mood check-ins (DOMAIN.md section 5): item answers and totals are stored, and the
alert rules of section 6 run on every one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from companion.domain import alert_rules, diary_rules, phq
from companion.models import CheckIn, Participant, Visit
from companion.services import audit, records
from companion.services.diary import Saved, _raise
from companion.services.errors import ValidationFailed
from companion.services.inputs import check_day, integer_in, reason_for

KINDS = ("post_infusion", "phq2", "phq9")


@dataclass(frozen=True, slots=True)
class CheckInInput:
    kind: str
    answers: object
    local_date: object
    client_id: str | None = None


def _items(kind: str):
    if kind == "post_infusion":
        return diary_rules.REACTION_ITEMS, 4
    return (phq.PHQ2_ITEMS if kind == "phq2" else phq.PHQ9_ITEMS), 3


def _answers(raw, kind: str) -> dict[str, int]:
    questions, top = _items(kind)
    if not isinstance(raw, dict) or set(raw) != {q.key for q in questions}:
        raise ValidationFailed({"answers": _l("Please answer every question.")})
    errors, clean = {}, {}
    for question in questions:
        try:
            clean[question.key] = integer_in(raw[question.key], 0, top)
        except ValueError as exc:
            errors[question.key] = exc.args[0]
    if errors:
        raise ValidationFailed(errors)
    return clean


def recent_infusion(session: Session, participant: Participant, today: date) -> tuple[Visit, int] | None:
    """The infusion whose days 1-7 after it include today, and which of those days it is."""
    visits = list(session.scalars(select(Visit).where(Visit.participant_id == participant.id,
                                                      Visit.infusion.is_(True))))
    by_date = {v.effective_date: v for v in visits if v.effective_date <= today}
    found = diary_rules.post_infusion_day(by_date, today)
    return (by_date[found[0]], found[1]) if found else None


def save(session: Session, participant: Participant, raw: CheckInInput, *, actor: audit.Actor, today: date,
         now: datetime, late_days: int) -> Saved:
    """Store a check-in once (same client id: nothing new) and raise what the rules find."""
    existing = records.by_client_id(session, CheckIn, participant.id, raw.client_id)
    if existing is not None:
        return Saved(existing, created=False)
    if raw.kind not in KINDS:
        raise ValidationFailed({"kind": _l("Unknown check-in.")})
    try:
        day = check_day(raw.local_date, today, late_days)
    except ValueError as exc:
        raise ValidationFailed({"local_date": exc.args[0]}) from exc
    answers = _answers(raw.answers, raw.kind)
    visit_id, findings = None, []
    if raw.kind == "post_infusion":
        recent = recent_infusion(session, participant, day)
        if recent is None:
            raise ValidationFailed({"kind": _l("This check-in is for the 7 days after an infusion.")})
        visit_id = recent[0].id
        total = sum(answers.values())
        findings = alert_rules.reaction_findings(answers, recent[1])
    else:
        total = phq.total(answers, phq.PHQ2_ITEMS if raw.kind == "phq2" else phq.PHQ9_ITEMS)
        findings = alert_rules.phq_findings(raw.kind, answers, total)
    row = CheckIn(participant_id=participant.id, kind=raw.kind, answers=answers, total=total, visit_id=visit_id,
                  local_date=day, late=day < today, client_id=raw.client_id)
    records.create(session, row, actor=actor, now=now,
                   fields={"kind": raw.kind, "answers": answers, "total": total, "local_date": day})
    _raise(session, participant, row, findings, now)
    return Saved(row, created=True, findings=findings)


def last_of_kind(session: Session, participant: Participant, kind: str) -> CheckIn | None:
    return session.scalar(select(CheckIn).where(
        CheckIn.participant_id == participant.id, CheckIn.kind == kind, CheckIn.superseded_at.is_(None),
        CheckIn.voided.is_(False)).order_by(CheckIn.local_date.desc(), CheckIn.id.desc()).limit(1))


def correct(session: Session, participant: Participant, record_id: int, raw_answers, raw_reason, *,
            actor: audit.Actor, today: date, now: datetime) -> Saved:
    """Correct a check-in's answers: a new version with a new total; the rules run again."""
    current = records.current_of(session, CheckIn, participant.id, record_id)
    if current is None or current.voided:
        raise ValidationFailed({"record": _l("This check-in does not exist or is voided already.")})
    answers = _answers(raw_answers, current.kind)
    reason = reason_for(raw_reason, required=current.local_date < today)
    if current.kind == "post_infusion":
        visit = session.get(Visit, current.visit_id)
        days_after = (current.local_date - visit.effective_date).days
        total, findings = sum(answers.values()), alert_rules.reaction_findings(answers, days_after)
    else:
        total = phq.total(answers, phq.PHQ2_ITEMS if current.kind == "phq2" else phq.PHQ9_ITEMS)
        findings = alert_rules.phq_findings(current.kind, answers, total)
    row = records.new_version(session, current, changes={"answers": answers, "total": total}, actor=actor, now=now,
                              reason=reason)
    _raise(session, participant, row, findings, now)
    return Saved(row, created=True, findings=findings)
