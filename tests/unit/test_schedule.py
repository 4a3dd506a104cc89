"""Visit schedule, windows, states and deviation flags (DOMAIN.md section 1).

Expected dates are written out by hand (counted on a calendar), not computed with timedelta.
"""

from __future__ import annotations

from datetime import date

import pytest

from companion.domain.protocol import Protocol
from companion.domain.schedule import (
    DONE,
    DUE,
    MISSED,
    OUTSIDE_WINDOW,
    TOO_SOON,
    UPCOMING,
    VisitRecord,
    build_schedule,
    next_visit,
    study_day,
    study_week,
    visit_statuses,
)
from companion.protocols import load_protocol

# day1 = 2026-01-01: targets for days 1, 15, 29, 57, 85, 113, 141, 169.
JAN1_TARGETS = [date(2026, 1, 1), date(2026, 1, 15), date(2026, 1, 29), date(2026, 2, 26),
                date(2026, 3, 26), date(2026, 4, 23), date(2026, 5, 21), date(2026, 6, 18)]
DAY1 = date(2026, 1, 1)


@pytest.fixture(scope="module")
def protocol() -> Protocol:
    return load_protocol(reading="B")


def statuses(protocol: Protocol, today: date, **records: VisitRecord):
    schedule = build_schedule(protocol, DAY1)
    return {s.visit.day: s for s in visit_statuses(schedule, records, today, protocol)}


def rec(key: str, planned: date | None = None, actual: date | None = None) -> VisitRecord:
    return VisitRecord(key=key, planned_date=planned, actual_date=actual)


def done_until(day: int) -> dict[str, VisitRecord]:
    """Records with every visit before study ``day`` done on its target date (day1 = 2026-01-01)."""
    days = [1, 15, 29, 57, 85, 113, 141, 169]
    pairs = zip(days, JAN1_TARGETS, strict=True)
    return {f"day-{d:03d}": rec(f"day-{d:03d}", actual=t) for d, t in pairs if d < day}


# --- targets and windows ------------------------------------------------------------------------------------

def test_schedule_reading_b(protocol):
    schedule = build_schedule(protocol, DAY1)
    assert [v.target_date for v in schedule] == JAN1_TARGETS
    assert [v.number for v in schedule] == [1, 2, 3, 4, 5, 6, 7, 8]
    assert [v.week for v in schedule] == [0, 2, 4, 8, 12, 16, 20, 24]
    assert sum(v.infusion for v in schedule) == 7
    assert schedule[-1].infusion is False and schedule[-1].endpoint is True
    assert [v.loading for v in schedule] == [True, True, True, False, False, False, False, False]


def test_schedule_reading_a_has_eight_infusions():
    schedule = build_schedule(load_protocol(reading="A"), DAY1)
    assert sum(v.infusion for v in schedule) == 8
    assert schedule[-1].infusion is True


def test_window_is_three_days_each_side(protocol):
    visit = build_schedule(protocol, DAY1)[3]  # day 57 = 2026-02-26
    assert visit.window_start == date(2026, 2, 23)
    assert visit.window_end == date(2026, 3, 1)
    assert visit.in_window(date(2026, 2, 23)) and visit.in_window(date(2026, 3, 1))
    assert not visit.in_window(date(2026, 2, 22)) and not visit.in_window(date(2026, 3, 2))


def test_day1_on_feb_28_of_leap_year(protocol):
    schedule = build_schedule(protocol, date(2028, 2, 28))
    assert [v.target_date for v in schedule] == [
        date(2028, 2, 28), date(2028, 3, 13), date(2028, 3, 27), date(2028, 4, 24),
        date(2028, 5, 22), date(2028, 6, 19), date(2028, 7, 17), date(2028, 8, 14)]
    assert (schedule[0].window_start, schedule[0].window_end) == (date(2028, 2, 25), date(2028, 3, 2))


def test_day1_on_leap_day(protocol):
    schedule = build_schedule(protocol, date(2028, 2, 29))
    assert [v.target_date for v in schedule] == [
        date(2028, 2, 29), date(2028, 3, 14), date(2028, 3, 28), date(2028, 4, 25),
        date(2028, 5, 23), date(2028, 6, 20), date(2028, 7, 18), date(2028, 8, 15)]
    assert (schedule[0].window_start, schedule[0].window_end) == (date(2028, 2, 26), date(2028, 3, 3))


def test_day1_on_month_end(protocol):
    schedule = build_schedule(protocol, date(2026, 1, 31))
    assert [v.target_date for v in schedule] == [
        date(2026, 1, 31), date(2026, 2, 14), date(2026, 2, 28), date(2026, 3, 28),
        date(2026, 4, 25), date(2026, 5, 23), date(2026, 6, 20), date(2026, 7, 18)]
    assert (schedule[2].window_start, schedule[2].window_end) == (date(2026, 2, 25), date(2026, 3, 3))


def test_late_infusion_does_not_move_later_targets(protocol):
    records = done_until(57)
    records["day-057"] = rec("day-057", actual=date(2026, 3, 1))  # 3 days late
    result = statuses(protocol, date(2026, 3, 2), **records)
    assert result[85].scheduled_date == date(2026, 3, 26)
    assert result[85].visit.target_date == date(2026, 3, 26)
    assert result[113].scheduled_date == date(2026, 4, 23)


def test_study_day_and_week():
    assert study_day(DAY1, date(2026, 1, 1)) == 1
    assert study_day(DAY1, date(2026, 1, 15)) == 15
    assert study_day(DAY1, date(2026, 2, 26)) == 57
    assert study_day(DAY1, date(2025, 12, 31)) == 0
    assert study_week(DAY1, date(2026, 1, 1)) == 0
    assert study_week(DAY1, date(2026, 1, 7)) == 0  # day 7
    assert study_week(DAY1, date(2026, 1, 8)) == 1  # day 8 = target day of week 1
    assert study_week(DAY1, date(2026, 2, 26)) == 8  # day 57
    assert study_week(DAY1, date(2026, 6, 18)) == 24  # day 169
    assert study_week(DAY1, date(2025, 12, 31)) < 0


# --- states -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("today", "state", "days_to_go"), [
    (date(2026, 2, 22), UPCOMING, 4),  # day before the window opens
    (date(2026, 2, 23), DUE, 3),  # window start
    (date(2026, 2, 26), DUE, 0),  # target
    (date(2026, 3, 1), DUE, -3),  # window end
    (date(2026, 3, 2), MISSED, -4),  # day after the window
])
def test_state_at_window_boundaries(protocol, today, state, days_to_go):
    status = statuses(protocol, today, **done_until(57))[57]
    assert (status.state, status.days_to_go) == (state, days_to_go)


def test_done_when_actual_date_recorded(protocol):
    records = done_until(57) | {"day-057": rec("day-057", actual=date(2026, 2, 25))}
    status = statuses(protocol, date(2026, 3, 10), **records)[57]
    assert status.state == DONE
    assert status.days_to_go is None
    assert status.actual_date == date(2026, 2, 25)


def test_moved_visit_after_window_is_not_missed_until_its_planned_date(protocol):
    records = done_until(57) | {"day-057": rec("day-057", planned=date(2026, 3, 4))}
    result = statuses(protocol, date(2026, 3, 2), **records)
    assert result[57].state == UPCOMING
    assert result[57].scheduled_date == date(2026, 3, 4)
    assert result[57].days_to_go == 2
    assert statuses(protocol, date(2026, 3, 4), **records)[57].state == DUE
    assert statuses(protocol, date(2026, 3, 5), **records)[57].state == MISSED


def test_visit_moved_before_its_window_is_due_from_its_planned_date(protocol):
    records = done_until(57) | {"day-057": rec("day-057", planned=date(2026, 2, 20))}
    assert statuses(protocol, date(2026, 2, 19), **records)[57].state == UPCOMING
    assert statuses(protocol, date(2026, 2, 21), **records)[57].state == DUE


def test_next_visit_skips_done_and_missed(protocol):
    records = done_until(29)  # days 1 and 15 done; day 29 never happened
    result = list(statuses(protocol, date(2026, 2, 5), **records).values())
    assert result[2].state == MISSED
    upcoming = next_visit(result)
    assert upcoming is not None and upcoming.visit.day == 57 and upcoming.state == UPCOMING


def test_next_visit_none_when_all_done(protocol):
    records = done_until(170)
    assert next_visit(statuses(protocol, date(2026, 7, 1), **records).values()) is None


def test_next_visit_before_start_is_baseline(protocol):
    upcoming = next_visit(statuses(protocol, date(2025, 12, 20)).values())
    assert upcoming is not None and upcoming.visit.day == 1 and upcoming.days_to_go == 12


# --- flags --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("actual", "flagged"), [
    (date(2026, 3, 1), False),  # target + 3
    (date(2026, 3, 2), True),  # target + 4
    (date(2026, 2, 23), False),  # target - 3
    (date(2026, 2, 22), True),  # target - 4
])
def test_outside_window_for_actual_date(protocol, actual, flagged):
    records = done_until(57) | {"day-057": rec("day-057", actual=actual)}
    status = statuses(protocol, date(2026, 3, 10), **records)[57]
    assert (OUTSIDE_WINDOW in status.flags) is flagged


def test_outside_window_for_moved_planned_date(protocol):
    inside = done_until(57) | {"day-057": rec("day-057", planned=date(2026, 3, 1))}
    outside = done_until(57) | {"day-057": rec("day-057", planned=date(2026, 3, 2))}
    assert statuses(protocol, date(2026, 2, 20), **inside)[57].flags == ()
    assert OUTSIDE_WINDOW in statuses(protocol, date(2026, 2, 20), **outside)[57].flags


def test_on_target_infusions_have_no_flags(protocol):
    result = statuses(protocol, date(2026, 7, 1), **done_until(170))
    assert all(s.flags == () for s in result.values())
    gaps = [result[d].gap_days for d in (1, 15, 29, 57, 85, 113, 141, 169)]
    assert gaps == [None, 14, 14, 28, 28, 28, 28, None]


@pytest.mark.parametrize(("gap", "flagged"), [(20, True), (21, False)])
def test_maintenance_infusion_too_soon_actual(protocol, gap, flagged):
    records = done_until(85)
    records["day-057"] = rec("day-057", actual=date(2026, 3, 1))
    records["day-085"] = rec("day-085", actual=date(2026, 3, 1 + gap))
    status = statuses(protocol, date(2026, 4, 1), **records)[85]
    assert status.gap_days == gap
    assert (TOO_SOON in status.flags) is flagged


@pytest.mark.parametrize(("gap", "flagged"), [(20, True), (21, False)])
def test_maintenance_infusion_too_soon_as_planned(protocol, gap, flagged):
    records = done_until(85)
    records["day-057"] = rec("day-057", actual=date(2026, 3, 1))
    records["day-085"] = rec("day-085", planned=date(2026, 3, 1 + gap))
    status = statuses(protocol, date(2026, 3, 5), **records)[85]
    assert status.state == UPCOMING
    assert status.gap_days == gap
    assert (TOO_SOON in status.flags) is flagged


def test_first_maintenance_infusion_is_checked_against_last_loading_dose(protocol):
    records = done_until(57)
    records["day-057"] = rec("day-057", actual=date(2026, 2, 18))  # 20 days after 2026-01-29
    assert TOO_SOON in statuses(protocol, date(2026, 3, 1), **records)[57].flags


def test_loading_doses_fourteen_days_apart_not_flagged(protocol):
    result = statuses(protocol, date(2026, 2, 1), **done_until(57))
    assert result[15].gap_days == 14 and result[29].gap_days == 14
    assert TOO_SOON not in result[15].flags and TOO_SOON not in result[29].flags


def test_reading_a_day_169_infusion_is_checked():
    protocol = load_protocol(reading="A")
    records = done_until(169) | {"day-169": rec("day-169", planned=date(2026, 6, 10))}  # 20 days after 5-21
    schedule = build_schedule(protocol, DAY1)
    status = visit_statuses(schedule, records, date(2026, 6, 1), protocol)[-1]
    assert status.gap_days == 20 and TOO_SOON in status.flags


def test_day_169_not_an_infusion_under_reading_b_is_not_checked(protocol):
    records = done_until(169) | {"day-169": rec("day-169", planned=date(2026, 6, 10))}
    status = statuses(protocol, date(2026, 6, 1), **records)[169]
    assert status.gap_days is None and TOO_SOON not in status.flags


def test_gap_skips_a_missed_infusion(protocol):
    records = done_until(85)  # day 85 (2026-03-26) never happened
    records["day-113"] = rec("day-113", actual=date(2026, 4, 23))
    result = statuses(protocol, date(2026, 4, 30), **records)
    assert result[85].state == MISSED
    assert result[113].gap_days == 56  # from day 57, 2026-02-26


def test_planned_visits_carry_the_protocol_labels(protocol):
    schedule = build_schedule(protocol, DAY1)
    assert [(v.label_en, v.label_zh) for v in schedule] == [(v.label_en, v.label_zh) for v in protocol.visits]
    assert all(v.label_en and v.label_zh for v in schedule)
