"""Coordinators record when a visit took place, or move a planned visit; both need a reason.

Later targets stay anchored to day 1 (DOMAIN.md section 1): moving one visit changes only that row.
"""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from companion import validation
from companion.models import Visit
from companion.services import audit, reminders
from companion.services.errors import ValidationFailed


def _checked(raw_date, raw_reason, today: date, *, allow_future: bool) -> tuple[date, str]:
    errors: dict[str, object] = {}
    value = why = None
    try:
        value = validation.iso_date(raw_date)
        if not allow_future and value > today:
            raise validation.FieldError(_l("A visit cannot have taken place in the future."))
    except validation.FieldError as exc:
        errors["date"] = exc.message
    try:
        why = validation.reason(raw_reason)
    except validation.FieldError as exc:
        errors["reason"] = exc.message
    if errors:
        raise ValidationFailed(errors)
    return value, why


def record_actual(session: Session, visit: Visit, raw_date, raw_reason, *, actor: audit.Actor,
                  now: datetime, today: date) -> Visit:
    """Record (or correct) the day the visit happened."""
    value, why = _checked(raw_date, raw_reason, today, allow_future=False)
    old = visit.actual_date
    visit.actual_date = value
    audit.record(session, actor, "visit.record_actual", at=now, entity=visit,
                 participant_id=visit.participant_id, reason=why, changes={"actual_date": [old, value]})
    reminders.replan(session, visit.participant, now=now)
    return visit


def move(session: Session, visit: Visit, raw_date, raw_reason, *, actor: audit.Actor,
         now: datetime, today: date) -> Visit:
    """Plan the visit for another day; the protocol target and window do not change."""
    value, why = _checked(raw_date, raw_reason, today, allow_future=True)
    if visit.actual_date is not None:
        raise ValidationFailed({"date": _l("This visit has taken place; correct its date instead.")})
    old = visit.scheduled_date
    visit.planned_date = None if value == visit.target_date else value
    audit.record(session, actor, "visit.move", at=now, entity=visit, participant_id=visit.participant_id,
                 reason=why, changes={"planned_date": [old, value]})
    reminders.replan(session, visit.participant, now=now)
    return visit
