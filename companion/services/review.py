"""What a coordinator reviews of one participant: diary weeks (Monday to Sunday) and their sign-off."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from companion import validation
from companion.domain import steroid_table
from companion.models import Alert, CheckIn, DiaryEntry, Participant, SteroidDose
from companion.models.workspace import DiaryWeekReview
from companion.services import audit, steroids
from companion.services.errors import ValidationFailed


@dataclass
class Week:
    start: date
    end: date
    entries: list  # every version, so corrections and voids are visible
    doses: list
    check_ins: list
    equivalents: dict  # day -> prednisone equivalent mg
    sign_off: DiaryWeekReview | None

    @property
    def logged_days(self) -> int:
        return len({e.local_date for e in self.entries if e.superseded_at is None and not e.voided})


def _all_versions(session: Session, model, participant_id: int, start: date, end: date) -> list:
    return list(session.scalars(select(model).where(model.participant_id == participant_id, model.local_date >= start,
                                                    model.local_date <= end)
                                .order_by(model.local_date, model.record_id, model.version)))


def weeks(session: Session, participant: Participant, *, today: date, count: int = 4) -> list[Week]:
    count = max(1, min(count, 30))
    monday = today - timedelta(days=today.weekday())
    first = monday - timedelta(weeks=count - 1)
    end = monday + timedelta(days=6)
    entries = _all_versions(session, DiaryEntry, participant.id, first, end)
    doses = _all_versions(session, SteroidDose, participant.id, first, end)
    check_ins = _all_versions(session, CheckIn, participant.id, first, end)
    reviews = {r.week_start: r for r in session.scalars(select(DiaryWeekReview).where(
        DiaryWeekReview.participant_id == participant.id, DiaryWeekReview.week_start >= first))}
    result = []
    for n in range(count):
        start = monday - timedelta(weeks=n)
        stop = start + timedelta(days=6)
        in_week = [d for d in doses if start <= d.local_date <= stop]
        by_day: dict[date, list] = {}
        for dose in in_week:
            if dose.superseded_at is None and not dose.voided:
                by_day.setdefault(dose.local_date, []).append((dose.drug, dose.dose_mg))
        result.append(Week(start, stop, [e for e in entries if start <= e.local_date <= stop], in_week,
                           [c for c in check_ins if start <= c.local_date <= stop],
                           {day: steroid_table.daily_equivalent(items) for day, items in sorted(by_day.items())},
                           reviews.get(start)))
    return result


def sign_off(session: Session, participant: Participant, week_start: date, *, note: str | None,
             actor: audit.Actor, now: datetime, today: date) -> DiaryWeekReview:
    """Record who reviewed a diary week and when; a week is signed off once, after it has begun."""
    if week_start.weekday() != 0 or week_start > today:
        raise ValidationFailed({"week": _l("Choose a week that has begun (weeks start on Monday).")})
    if session.scalar(select(DiaryWeekReview.id).where(DiaryWeekReview.participant_id == participant.id,
                                                       DiaryWeekReview.week_start == week_start)):
        raise ValidationFailed({"week": _l("This week is signed off already.")})
    text = None
    if note and note.strip():
        try:
            text = validation.reason(note, max_length=1000)
        except validation.FieldError as exc:
            raise ValidationFailed({"note": exc.message}) from exc
    row = DiaryWeekReview(participant_id=participant.id, week_start=week_start, reviewed_by_id=actor.id,
                          reviewed_at=now, note=text)
    session.add(row)
    session.flush()
    audit.record(session, actor, "diary.week_sign_off", at=now, entity=row, participant_id=participant.id,
                 reason=text, changes={"week_start": [None, week_start]})
    return row


def alerts_of(session: Session, participant: Participant) -> list[Alert]:
    order = {"RED": 0, "AMBER": 1, "INFO": 2}
    rows = session.scalars(select(Alert).where(Alert.participant_id == participant.id)
                           .order_by(Alert.raised_at.desc())).all()
    return sorted(rows, key=lambda a: (a.acknowledged_at is not None, order.get(a.tier, 9)))


def diary_equivalent(session: Session, participant: Participant, day: date) -> Decimal | None:
    """The day's prednisone equivalent from the diary, or None when nothing was logged that day."""
    if not steroids.doses_on(session, participant, day):
        return None
    return steroids.daily_equivalent(session, participant, day)



