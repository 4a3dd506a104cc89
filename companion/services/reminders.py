"""SMS reminders as stored rows: planning and re-planning, preferences, consent and opt-out.

The plan itself is the pure function companion.domain.reminder_plan.plan_reminders; this module feeds it
the stored schedule and settings and turns its answer into rows. Unsent reminders are re-planned at once
when a visit moves or takes place, preferences or the zone change, or SMS is turned off (issue 4,
point 1): a planned key that still exists keeps its row, a reminder no longer in the plan is cancelled,
and a reminder already handed to the provider is never touched again.

``replan`` only flushes; the use cases below (and enrolment and visit changes) own the transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from companion import validation
from companion.domain import reminder_plan
from companion.models import DiaryEntry, Participant, Reminder, ReminderPreference
from companion.models.messaging import CANCELLED, EXPIRED, PENDING, UNSENT
from companion.services import alerts, audit
from companion.services.errors import ValidationFailed

PREFERENCE_FIELDS = ("reminder_time", "morning_time", "quiet_start", "quiet_end", "diary_nudge_time")


@dataclass(frozen=True, slots=True)
class ReplanResult:
    created: int = 0
    updated: int = 0
    cancelled: int = 0
    expired: int = 0


def preferences_for(session: Session, participant: Participant) -> ReminderPreference:
    """The participant's settings row, created with the defaults the first time it is needed."""
    row = session.scalar(select(ReminderPreference).where(ReminderPreference.participant_id == participant.id))
    if row is None:
        defaults = reminder_plan.DEFAULT_PREFERENCES
        row = ReminderPreference(participant_id=participant.id, reminder_time=defaults.reminder_time,
                                 morning_time=defaults.morning_time, quiet_start=defaults.quiet_start,
                                 quiet_end=defaults.quiet_end)
        session.add(row)
        session.flush()
    return row


def as_domain(row: ReminderPreference) -> reminder_plan.Preferences:
    return reminder_plan.Preferences(reminder_time=row.reminder_time, morning_time=row.morning_time,
                                     quiet_start=row.quiet_start, quiet_end=row.quiet_end,
                                     diary_nudge_time=row.diary_nudge_time)


def may_receive(participant: Participant, prefs: ReminderPreference) -> bool:
    """Consent given (DOMAIN.md section 7: PIPL), not opted out by STOP, and a number that takes SMS."""
    return bool(participant.active and participant.sms_consent and prefs.opted_out_at is None
                and prefs.phone_problem is None)


def diary_days(session: Session, participant_id: int, first: date, last: date) -> set[date]:
    """Local days that have a current, non-voided diary entry."""
    return set(session.scalars(select(DiaryEntry.local_date).where(
        DiaryEntry.participant_id == participant_id, DiaryEntry.superseded_at.is_(None),
        DiaryEntry.voided.is_(False), DiaryEntry.local_date >= first, DiaryEntry.local_date <= last)))


def has_diary_entry(session: Session, participant_id: int, day: date) -> bool:
    return day in diary_days(session, participant_id, day, day)


def _planned(session: Session, participant: Participant, prefs: ReminderPreference, now: datetime):
    if not may_receive(participant, prefs):
        return []
    visits = sorted(participant.visits, key=lambda v: v.number)
    slots = [reminder_plan.VisitSlot(id=v.id, key=v.key, date=v.scheduled_date, time=v.planned_time,
                                     done=v.actual_date is not None) for v in visits]
    today = reminder_plan.local_now(now, participant.timezone).date()
    days = diary_days(session, participant.id, today, today + timedelta(days=reminder_plan.NUDGE_HORIZON_DAYS))
    return reminder_plan.plan_reminders(
        slots, as_domain(prefs), participant.timezone, now, clinic_zone=participant.site.timezone,
        diary_days=days, nudge_from=participant.day1,
        nudge_until=max((s.date for s in slots), default=None),
    )


def replan(session: Session, participant: Participant, *, now: datetime) -> ReplanResult:
    """Bring the unsent reminder rows of one participant in line with the plan; flushes, never commits."""
    prefs = preferences_for(session, participant)
    wanted = {r.key: r for r in _planned(session, participant, prefs, now)}
    existing = {r.key: r for r in session.scalars(select(Reminder).where(Reminder.participant_id == participant.id))}
    created = updated = cancelled = expired = 0
    for key, item in wanted.items():
        row = existing.get(key)
        if row is None:
            session.add(Reminder(participant_id=participant.id, key=key, kind=item.kind, visit_id=item.visit_id,
                                 subject_date=item.subject_date, visit_time=item.visit_time, due_at=item.due_at,
                                 expires_at=item.expires_at, status=PENDING, attempts=0, created_at=now,
                                 updated_at=now))
            created += 1
        elif row.status in UNSENT:
            if row.status == CANCELLED:  # planned again (a visit moved back, SMS turned on again)
                row.status, row.attempts, row.next_attempt_at = PENDING, 0, None
                row.error_code = row.error_message = None
            if (row.due_at, row.expires_at, row.visit_time, row.visit_id) != (
                    item.due_at, item.expires_at, item.visit_time, item.visit_id):
                row.due_at, row.expires_at = item.due_at, item.expires_at
                row.visit_time, row.visit_id = item.visit_time, item.visit_id
                updated += 1
    for key, row in existing.items():
        if key not in wanted and row.status == PENDING:
            if row.expires_at <= now:
                row.status = EXPIRED
                expired += 1
            else:
                row.status = CANCELLED
                cancelled += 1
            row.updated_at = now
    session.flush()
    return ReplanResult(created, updated, cancelled, expired)


def replan_all(session: Session, *, now: datetime) -> int:
    """Re-plan every active participant (the hourly job: extends diary nudges, catches missed changes)."""
    ids = session.scalars(select(Participant.id).where(Participant.active.is_(True)).order_by(Participant.id)).all()
    for participant_id in ids:
        replan(session, session.get(Participant, participant_id), now=now)
        # Commits each participant on its own, a deliberate exception to "the job commits once"
        # (companion/db.py): the rows of one plan stay locked only briefly, not for the whole hourly pass,
        # so the dispatcher's claims (which skip locked rows) are not held back.
        session.commit()
    return len(ids)


def _time(raw, field: str, errors: dict, *, optional: bool = False) -> time | None:
    if isinstance(raw, time):
        return raw
    value = (raw or "").strip()
    if not value and optional:
        return None
    try:
        return time.fromisoformat(value).replace(second=0, microsecond=0, tzinfo=None)
    except ValueError:
        errors[field] = _l("Enter a time as HH:MM, for example 19:00.")
        return None


def change_preferences(session: Session, participant: Participant, raw: dict, *, actor: audit.Actor,
                       now: datetime, reason: str | None = None) -> dict:
    """Change reminder times, quiet hours, diary nudge, language and zone; audit and re-plan at once.

    ``raw`` holds the submitted values (strings "HH:MM", "" for no diary nudge); keys not given are kept.
    Staff must give a reason; a participant's own change is recorded as such. Returns the changes.
    """
    errors: dict[str, object] = {}
    prefs = preferences_for(session, participant)
    new: dict[str, object] = {}
    for field in PREFERENCE_FIELDS:
        if field in raw:
            new[field] = _time(raw[field], field, errors, optional=field == "diary_nudge_time")
    for field, rule in (("language", validation.language), ("timezone", validation.timezone)):
        if field in raw:
            try:
                new[field] = rule(raw[field])
            except validation.FieldError as exc:
                errors[field] = exc.message
    why = _reason(actor, reason, errors)
    if errors:
        raise ValidationFailed(errors)
    changes = {}
    for field, value in new.items():
        target = participant if field in ("language", "timezone") else prefs
        old = getattr(target, field)
        if old != value:
            setattr(target, field, value)
            changes[field] = [old, value]
    if changes:
        prefs.updated_at = now
        audit.record(session, actor, "reminders.preferences", at=now, entity=prefs, participant_id=participant.id,
                     site_id=participant.site_id, reason=why, changes=changes)
        replan(session, participant, now=now)
    return changes


def _reason(actor: audit.Actor, reason: str | None, errors: dict) -> str | None:
    if actor.type != "staff":
        return reason or f"changed by the {actor.type}"
    try:
        return validation.reason(reason or "")
    except validation.FieldError as exc:
        errors["reason"] = exc.message
        return None


def set_consent(session: Session, participant: Participant, consent: bool, *, actor: audit.Actor, version: str,
                now: datetime, reason: str | None = None) -> bool:
    """Give or withdraw consent to SMS through the overseas provider (DOMAIN.md section 7, PIPL).

    Recorded with its time and wording version, audited; withdrawing cancels pending reminders at once,
    giving it plans them. Turning SMS on in the app also clears an earlier STOP. Returns whether it changed.
    """
    errors: dict[str, object] = {}
    why = _reason(actor, reason, errors)
    if errors:
        raise ValidationFailed(errors)
    prefs = preferences_for(session, participant)
    if participant.sms_consent == consent and (not consent or prefs.opted_out_at is None):
        return False
    changes = {"sms_consent": [participant.sms_consent, consent],
               "sms_consent_version": [participant.sms_consent_version, version]}
    participant.sms_consent, participant.sms_consent_at, participant.sms_consent_version = consent, now, version
    if consent and prefs.opted_out_at is not None:
        changes["opted_out_at"] = [prefs.opted_out_at, None]
        prefs.opted_out_at = None
    audit.record(session, actor, "sms.consent" if consent else "sms.consent_withdrawn", at=now, entity=participant,
                 participant_id=participant.id, site_id=participant.site_id, reason=why, changes=changes)
    replan(session, participant, now=now)
    return True


def opt_out(session: Session, participant: Participant, *, source: str, now: datetime) -> None:
    """A STOP reply or the provider's 21610: no more SMS until START or a new consent in the app."""
    prefs = preferences_for(session, participant)
    if prefs.opted_out_at is None:
        prefs.opted_out_at = now
        audit.record(session, audit.SYSTEM, "sms.opt_out", at=now, entity=prefs, participant_id=participant.id,
                     site_id=participant.site_id, reason=source, changes={"opted_out_at": [None, now]})
    replan(session, participant, now=now)


def opt_in(session: Session, participant: Participant, *, source: str, now: datetime) -> None:
    """A START reply: undo a STOP. Consent given in the app is still needed for anything to be sent."""
    prefs = preferences_for(session, participant)
    if prefs.opted_out_at is not None:
        audit.record(session, audit.SYSTEM, "sms.opt_in", at=now, entity=prefs, participant_id=participant.id,
                     site_id=participant.site_id, reason=source, changes={"opted_out_at": [prefs.opted_out_at, None]})
        prefs.opted_out_at = None
    replan(session, participant, now=now)


def flag_number(session: Session, participant: Participant, problem: str, *, reminder: Reminder,
                now: datetime) -> None:
    """The provider says the number cannot get SMS (21211/21614): stop sending and alert the coordinator."""
    prefs = preferences_for(session, participant)
    if prefs.phone_problem != problem:
        audit.record(session, audit.SYSTEM, "sms.number_flagged", at=now, entity=prefs,
                     participant_id=participant.id, site_id=participant.site_id,
                     changes={"phone_problem": [prefs.phone_problem, problem]})
        prefs.phone_problem, prefs.phone_problem_at = problem, now
    alerts.raise_alert(session, participant_id=participant.id, tier="AMBER", rule="sms_number_problem",
                       source_type="reminders", source_id=reminder.id, now=now,
                       details={"problem": problem, "error_code": reminder.error_code})
    replan(session, participant, now=now)


def clear_number_problem(session: Session, participant: Participant, *, actor: audit.Actor, reason: str | None,
                         now: datetime) -> None:
    """A coordinator checked (or corrected) the number: reminders may go out again."""
    errors: dict[str, object] = {}
    why = _reason(actor, reason, errors)
    if errors:
        raise ValidationFailed(errors)
    prefs = preferences_for(session, participant)
    if prefs.phone_problem is not None:
        audit.record(session, actor, "sms.number_cleared", at=now, entity=prefs, participant_id=participant.id,
                     site_id=participant.site_id, reason=why, changes={"phone_problem": [prefs.phone_problem, None]})
        prefs.phone_problem = prefs.phone_problem_at = None
        replan(session, participant, now=now)


def messages_of(session: Session, participant: Participant) -> list[Reminder]:
    """Every reminder of a participant, the next due first among the unsent, newest first otherwise."""
    return list(session.scalars(select(Reminder).where(Reminder.participant_id == participant.id)
                                .order_by(Reminder.due_at.desc(), Reminder.id.desc())))
