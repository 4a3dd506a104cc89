"""Visit schedule: protocol + day 1 -> planned visits with windows, and their status on a given day.

Rules from DOMAIN.md section 1: study day 1 is the first infusion (there is no day 0); every target is
anchored to day 1, so a late visit never moves later targets; visits are allowed within +/- the protocol's
window (a **(setting)**); infusions after the loading doses fewer than the protocol's minimum number of
days apart are warned about, and an infusion outside its window is a possible protocol deviation.
Nothing here reads the clock: ``today`` is always an argument.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from companion.domain.protocol import Protocol

# Visit states (see ``VisitStatus``).
DONE = "done"
MISSED = "missed"
DUE = "due"
UPCOMING = "upcoming"
STATES = (DONE, MISSED, DUE, UPCOMING)

# Flags: possible protocol deviations shown to the coordinator.
OUTSIDE_WINDOW = "outside_window"
TOO_SOON = "too_soon"
FLAGS = (OUTSIDE_WINDOW, TOO_SOON)


@dataclass(frozen=True, slots=True)
class PlannedVisit:
    """A protocol visit placed on the calendar: target date and allowed window (DOMAIN.md section 1)."""

    number: int  # 1-based position in the schedule
    key: str
    day: int
    week: int
    label_en: str
    label_zh: str
    infusion: bool
    endpoint: bool
    loading: bool
    target_date: date
    window_start: date
    window_end: date

    def in_window(self, on: date) -> bool:
        """True when ``on`` lies within [window_start, window_end], edges included."""
        return self.window_start <= on <= self.window_end


@dataclass(frozen=True, slots=True)
class VisitRecord:
    """What the site recorded for one visit.

    ``planned_date`` is set when a coordinator moved the visit away from its target; ``actual_date`` is
    set once the visit took place.
    """

    key: str
    planned_date: date | None = None
    actual_date: date | None = None


@dataclass(frozen=True, slots=True)
class VisitStatus:
    """A planned visit as it stands on ``today``; see ``visit_statuses`` for the rules."""

    visit: PlannedVisit
    scheduled_date: date  # the moved planned date, else the target date
    actual_date: date | None
    state: str  # one of STATES
    days_to_go: int | None  # scheduled_date - today (negative once past); None when done
    flags: tuple[str, ...]  # subset of FLAGS
    gap_days: int | None  # infusions only: days since the previous infusion (None for the first)


def build_schedule(protocol: Protocol, day1: date) -> list[PlannedVisit]:
    """Place every protocol visit on the calendar.

    DOMAIN.md section 1: target = day1 + (study day - 1) days, always from day 1 (never from the previous
    visit's actual date); window = target +/- ``protocol.window_days``.
    """
    window = timedelta(days=protocol.window_days)
    schedule = []
    for number, visit in enumerate(protocol.visits, start=1):
        target = day1 + timedelta(days=visit.day - 1)
        schedule.append(PlannedVisit(
            number=number, key=visit.key, day=visit.day, week=visit.week,
            label_en=visit.label_en, label_zh=visit.label_zh, infusion=visit.infusion,
            endpoint=visit.endpoint, loading=visit.loading,
            target_date=target, window_start=target - window, window_end=target + window,
        ))
    return schedule


def study_day(day1: date, on: date) -> int:
    """Study day of ``on``: day1 is day 1 (DOMAIN.md section 1: there is no day 0).

    Dates before day 1 give 0 (the day before), -1, ...: any value < 1 means the study has not started.
    """
    return (on - day1).days + 1


def study_week(day1: date, on: date) -> int:
    """Study week of ``on``: week N runs from study day 7*N + 1 (its target day) to 7*N + 7.

    Days 1-7 are week 0, days 8-14 week 1, and so on; dates before day 1 give negative weeks.
    """
    return (study_day(day1, on) - 1) // 7


def _state(visit: PlannedVisit, scheduled: date, actual: date | None, today: date) -> str:
    if actual is not None:
        return DONE
    if today > visit.window_end and today > scheduled:
        return MISSED
    if visit.in_window(today) or today >= scheduled:
        return DUE
    return UPCOMING


def visit_statuses(
    schedule: Sequence[PlannedVisit], records: Mapping[str, VisitRecord], today: date, protocol: Protocol
) -> list[VisitStatus]:
    """Status of every planned visit on ``today`` (DOMAIN.md section 1).

    ``records`` is keyed by visit key; a missing key means nothing was recorded, and keys that are not
    in the schedule are ignored.

    States: ``done`` when an actual date is recorded; ``missed`` when not done and ``today`` is past both
    the window end and the scheduled date; ``due`` when ``today`` is in the window or on/after the
    scheduled date (a visit moved before its window is due from its planned date); else ``upcoming``.

    Flags (not given to missed visits, which have no date to judge):
    - ``outside_window``: the actual date, or if not done the moved planned date, is outside the window.
    - ``too_soon``: an infusion that is not a loading dose falls (actually or as planned) fewer than
      ``protocol.min_days_between_maintenance_infusions`` days after the previous infusion. Each
      infusion's effective date is its actual date, else its scheduled date; missed infusions are skipped
      (no dose was given), so the gap is measured from the last dose given or still planned.
    """
    statuses = []
    previous_infusion: date | None = None
    for visit in schedule:
        record = records.get(visit.key)
        planned = record.planned_date if record else None
        actual = record.actual_date if record else None
        scheduled = planned or visit.target_date
        state = _state(visit, scheduled, actual, today)
        effective = actual or scheduled
        flags = []
        if state != MISSED:
            judged = actual or planned
            if judged is not None and not visit.in_window(judged):
                flags.append(OUTSIDE_WINDOW)
        gap = None
        if visit.infusion:
            if previous_infusion is not None:
                gap = (effective - previous_infusion).days
                too_soon = gap < protocol.min_days_between_maintenance_infusions
                if too_soon and not visit.loading and state != MISSED:
                    flags.append(TOO_SOON)
            if state != MISSED:
                previous_infusion = effective
        statuses.append(VisitStatus(
            visit=visit, scheduled_date=scheduled, actual_date=actual, state=state,
            days_to_go=None if state == DONE else (scheduled - today).days,
            flags=tuple(flags), gap_days=gap,
        ))
    return statuses


def next_visit(statuses: Iterable[VisitStatus]) -> VisitStatus | None:
    """The first visit neither done nor missed: the one the participant sees first (None at the end)."""
    return next((s for s in statuses if s.state not in (DONE, MISSED)), None)
