"""The reminder plan: schedule + preferences + time zone + now -> reminders with stable keys.

Rules (issue 4, DOMAIN.md section 7, RELIABILITY-SECURITY.md "Scheduler and reminders"):

- A visit gets three reminders: two days and one day before, at the participant's chosen time (default
  19:00), and on the morning of the visit (default 07:30), all in the participant's own zone.
- Nothing is planned inside quiet hours (default 21:00-08:00 local, start included, end excluded): a time
  that falls inside them is moved to the nearest allowed time, never dropped. The evening edge is
  ``EVENING_MARGIN`` before quiet hours begin, so that a dispatcher pass a minute late still lands outside.
- A daily diary nudge at a chosen time (off by default), only on days without a diary entry.
- Each reminder has a stable key (visit key + visit date + kind, or the diary day). Re-planning the same
  inputs gives the same keys, so a reminder already sent is never planned again; a moved visit gives new
  keys, so the old plan's unsent reminders can be cancelled.
- Each reminder is useful until ``expires_at``: a visit reminder until the next reminder of the same visit
  is due (or the visit starts), a diary nudge until the end of its day. A reminder that is no longer
  useful is not planned (and the dispatcher expires it instead of sending it late).

Nothing here reads the clock or the host's zone: ``now`` is an aware instant and zones are IANA names.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

VISIT_D2 = "visit_d2"
VISIT_D1 = "visit_d1"
VISIT_D0 = "visit_d0"
DIARY = "diary"
KINDS = (VISIT_D2, VISIT_D1, VISIT_D0, DIARY)

#: a time moved out of quiet hours towards the evening lands this long before they begin
EVENING_MARGIN = timedelta(minutes=15)
#: how many local days of diary nudges are planned ahead (the hourly planning job extends the plan)
NUDGE_HORIZON_DAYS = 3


@dataclass(frozen=True, slots=True)
class Preferences:
    """The participant's reminder settings (defaults from issue 4)."""

    reminder_time: time = time(19, 0)
    morning_time: time = time(7, 30)
    quiet_start: time = time(21, 0)
    quiet_end: time = time(8, 0)
    #: None: no diary nudges (the default)
    diary_nudge_time: time | None = None


#: the settings of a participant who has changed nothing (issue 4): the column defaults of the stored row
DEFAULT_PREFERENCES = Preferences()
#: the diary nudge time the settings page offers while nudges are off
DEFAULT_DIARY_NUDGE_TIME = time(20, 0)


@dataclass(frozen=True, slots=True)
class VisitSlot:
    """A visit as the planner needs it: its scheduled day and clinic time (in the clinic's zone)."""

    id: int | None
    key: str
    date: date
    time: time
    done: bool = False


@dataclass(frozen=True, slots=True)
class PlannedReminder:
    key: str
    kind: str
    due_at: datetime  # aware UTC
    expires_at: datetime  # aware UTC
    #: the visit's day (visit reminders) or the diary day (nudges)
    subject_date: date
    visit_id: int | None = None
    visit_time: time | None = None


def in_quiet_hours(t: time, prefs: Preferences) -> bool:
    """True when the local time ``t`` lies in [quiet_start, quiet_end), which may wrap past midnight."""
    start, end = prefs.quiet_start, prefs.quiet_end
    if start == end:
        return False
    if start < end:
        return start <= t < end
    return t >= start or t < end


def _quiet_window(local: datetime, prefs: Preferences) -> tuple[datetime, datetime]:
    """The quiet period (naive local start, end) that contains ``local``; call only when it is quiet."""
    day = local.date()
    start, end = prefs.quiet_start, prefs.quiet_end
    if start < end:
        return datetime.combine(day, start), datetime.combine(day, end)
    if local.time() >= start:
        return datetime.combine(day, start), datetime.combine(day + timedelta(days=1), end)
    return datetime.combine(day - timedelta(days=1), start), datetime.combine(day, end)


def out_of_quiet_hours(local: datetime, prefs: Preferences) -> datetime:
    """Move a naive local time out of quiet hours to the nearest allowed time (issue 4, point 1).

    The candidates are the end of the quiet period and ``EVENING_MARGIN`` before its start; the nearer
    one wins, and a tie goes to the end (later, never earlier than asked for no reason).
    """
    if not in_quiet_hours(local.time(), prefs):
        return local
    start, end = _quiet_window(local, prefs)
    before = start - EVENING_MARGIN
    return before if (local - before) < (end - local) else end


def to_utc(local: datetime, zone: str) -> datetime:
    """A naive wall-clock time in ``zone`` as an aware UTC instant.

    Ambiguous times (clocks going back) take the first occurrence (fold=0); a time that does not exist
    (clocks going forward) is read with the offset before the change, i.e. it lands an hour later.
    """
    return local.replace(tzinfo=ZoneInfo(zone), fold=0).astimezone(UTC)


def local_now(now: datetime, zone: str) -> datetime:
    """``now`` as a naive wall-clock time in ``zone``."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return now.astimezone(ZoneInfo(zone)).replace(tzinfo=None)


def visit_key(visit: VisitSlot, kind: str) -> str:
    """Stable: the same visit on the same day gives the same key, a moved visit a new one."""
    return f"v:{visit.key}:{visit.date:%Y%m%d}:{kind.removeprefix('visit_')}"


def diary_key(day: date) -> str:
    return f"d:{day:%Y%m%d}"


def _visit_reminders(visit: VisitSlot, prefs: Preferences, zone: str, clinic_zone: str) -> list[PlannedReminder]:
    starts = to_utc(datetime.combine(visit.date, visit.time), clinic_zone)
    wanted = [
        (VISIT_D2, visit.date - timedelta(days=2), prefs.reminder_time),
        (VISIT_D1, visit.date - timedelta(days=1), prefs.reminder_time),
        (VISIT_D0, visit.date, prefs.morning_time),
    ]
    dues = [to_utc(out_of_quiet_hours(datetime.combine(day, at), prefs), zone) for _kind, day, at in wanted]
    planned = []
    for index, (kind, _day, _at) in enumerate(wanted):
        # useful until the next reminder of this visit takes over, and never after the visit starts
        expires = min([starts, *dues[index + 1:]])
        if dues[index] < expires:
            planned.append(PlannedReminder(
                key=visit_key(visit, kind), kind=kind, due_at=dues[index], expires_at=expires,
                subject_date=visit.date, visit_id=visit.id, visit_time=visit.time,
            ))
    return planned


def _diary_nudges(prefs: Preferences, zone: str, now: datetime, diary_days: frozenset[date],
                  nudge_from: date | None, nudge_until: date | None) -> list[PlannedReminder]:
    if prefs.diary_nudge_time is None:
        return []
    today = local_now(now, zone).date()
    first = max(today, nudge_from) if nudge_from else today
    planned = []
    for offset in range(NUDGE_HORIZON_DAYS):
        day = first + timedelta(days=offset)
        if (nudge_until is not None and day > nudge_until) or day in diary_days:
            continue
        due = to_utc(out_of_quiet_hours(datetime.combine(day, prefs.diary_nudge_time), prefs), zone)
        expires = to_utc(datetime.combine(day + timedelta(days=1), time(0, 0)), zone)
        if due < expires:
            planned.append(PlannedReminder(key=diary_key(day), kind=DIARY, due_at=due, expires_at=expires,
                                           subject_date=day))
    return planned


def plan_reminders(
    visits: Sequence[VisitSlot],
    prefs: Preferences,
    zone: str,
    now: datetime,
    *,
    clinic_zone: str | None = None,
    diary_days: Iterable[date] = (),
    nudge_from: date | None = None,
    nudge_until: date | None = None,
) -> list[PlannedReminder]:
    """Every reminder still useful at ``now``, ordered by due time (see the module docstring).

    ``zone`` is the participant's zone (reminder times, quiet hours, diary days); ``clinic_zone`` the zone
    of the visits' clinic times (default: the participant's). Visits already done get no reminders.
    Diary nudges run from ``nudge_from`` (e.g. day 1) to ``nudge_until`` (e.g. the last visit), for the
    next ``NUDGE_HORIZON_DAYS`` local days, skipping ``diary_days`` (days that have an entry).
    A reminder whose due time has passed but that is still useful is kept: after downtime it is sent late
    rather than lost.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    planned: list[PlannedReminder] = []
    for visit in visits:
        if not visit.done:
            planned += _visit_reminders(visit, prefs, zone, clinic_zone or zone)
    planned += _diary_nudges(prefs, zone, now, frozenset(diary_days), nudge_from, nudge_until)
    useful = [r for r in planned if r.expires_at > now]
    keys = [r.key for r in useful]
    if len(keys) != len(set(keys)):  # two visits with one key on one day: a data error, not a plan
        raise ValueError("duplicate reminder keys in the plan")
    return sorted(useful, key=lambda r: (r.due_at, r.key))


@dataclass(frozen=True, slots=True)
class SendDecision:
    """What the dispatcher does with a due reminder at ``now``: "send", "defer" (to ``until``) or "expire"."""

    action: str
    until: datetime | None = None


def send_decision(now: datetime, expires_at: datetime, prefs: Preferences, zone: str) -> SendDecision:
    """Judge a due reminder at dispatch time (RELIABILITY-SECURITY.md: downtime across a due time).

    Past its useful time it expires (shown to coordinators, never sent). Inside quiet hours, e.g. after the
    scheduler was down over the evening, it waits for the end of the quiet period, or expires if it would
    no longer be useful by then. Otherwise it is sent now.
    """
    if now >= expires_at:
        return SendDecision("expire")
    local = local_now(now, zone)
    if not in_quiet_hours(local.time(), prefs):
        return SendDecision("send")
    _start, end = _quiet_window(local, prefs)
    until = to_utc(end, zone)
    if until >= expires_at:
        return SendDecision("expire")
    return SendDecision("defer", until)


def validity_seconds(now: datetime, expires_at: datetime, *, floor: int = 60, ceiling: int = 36000) -> int:
    """Twilio's ValidityPeriod for a message sent at ``now``: it must not arrive after it stops being useful.

    Twilio accepts 1-36000 seconds; below ``floor`` the reminder is not worth sending (the caller expires it).
    """
    return max(floor, min(ceiling, int((expires_at - now).total_seconds())))
