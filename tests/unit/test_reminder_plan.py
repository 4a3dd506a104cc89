"""The reminder plan (companion.domain.reminder_plan): times, quiet hours, zones with and without daylight
saving, moved and finished visits, diary nudges, stable keys, and decisions at dispatch time."""

from __future__ import annotations

import os
import time as clock
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from companion.domain.reminder_plan import (
    DEFAULT_DIARY_NUDGE_TIME,
    DEFAULT_PREFERENCES,
    DIARY,
    VISIT_D0,
    VISIT_D1,
    VISIT_D2,
    Preferences,
    SendDecision,
    VisitSlot,
    local_now,
    out_of_quiet_hours,
    plan_reminders,
    send_decision,
    validity_seconds,
)

SHANGHAI = "Asia/Shanghai"
NEW_YORK = "America/New_York"
NOW = datetime(2026, 3, 1, 4, 0, tzinfo=UTC)


def visit(day: date, key: str = "w4", at: time = time(8, 30), done: bool = False, vid: int = 7) -> VisitSlot:
    return VisitSlot(id=vid, key=key, date=day, time=at, done=done)


def local(instant: datetime, zone: str) -> datetime:
    return instant.astimezone(ZoneInfo(zone)).replace(tzinfo=None)


def by_kind(plan):
    return {r.kind: r for r in plan}


def test_default_settings():
    # issue 4: visit reminders at 19:00 and 07:30, quiet 21:00-08:00, diary nudges off (offered at 20:00)
    assert DEFAULT_PREFERENCES == Preferences(reminder_time=time(19, 0), morning_time=time(7, 30),
                                              quiet_start=time(21, 0), quiet_end=time(8, 0), diary_nudge_time=None)
    assert DEFAULT_DIARY_NUDGE_TIME == time(20, 0)


def test_three_reminders_per_visit_at_the_default_times():
    plan = by_kind(plan_reminders([visit(date(2026, 3, 10))], Preferences(), SHANGHAI, NOW))
    assert set(plan) == {VISIT_D2, VISIT_D1, VISIT_D0}
    assert local(plan[VISIT_D2].due_at, SHANGHAI) == datetime(2026, 3, 8, 19, 0)
    assert local(plan[VISIT_D1].due_at, SHANGHAI) == datetime(2026, 3, 9, 19, 0)
    # 07:30 lies inside the default quiet hours (21:00-08:00): moved to 08:00, not dropped
    assert local(plan[VISIT_D0].due_at, SHANGHAI) == datetime(2026, 3, 10, 8, 0)
    assert plan[VISIT_D0].expires_at == datetime(2026, 3, 10, 0, 30, tzinfo=UTC)  # the visit starts 08:30 +08
    assert plan[VISIT_D2].expires_at == plan[VISIT_D1].due_at
    assert all(r.visit_id == 7 and r.subject_date == date(2026, 3, 10) for r in plan.values())


@pytest.mark.parametrize(("chosen", "expected"), [
    (time(22, 0), datetime(2026, 3, 9, 20, 45)),   # 1h15 back beats 10h forward
    (time(23, 59), datetime(2026, 3, 9, 20, 45)),
    (time(3, 0), datetime(2026, 3, 9, 8, 0)),      # 5h forward beats 6h15 back
    (time(21, 0), datetime(2026, 3, 9, 20, 45)),   # the start of quiet hours is quiet
    (time(8, 0), datetime(2026, 3, 9, 8, 0)),      # their end is not
    (time(20, 30), datetime(2026, 3, 9, 20, 30)),
])
def test_times_inside_quiet_hours_move_to_the_nearest_allowed_time(chosen, expected):
    plan = by_kind(plan_reminders([visit(date(2026, 3, 10))], Preferences(reminder_time=chosen), SHANGHAI, NOW))
    assert local(plan[VISIT_D1].due_at, SHANGHAI) == expected


def test_quiet_hours_that_do_not_wrap_midnight():
    prefs = Preferences(quiet_start=time(13, 0), quiet_end=time(14, 0))
    assert out_of_quiet_hours(datetime(2026, 3, 9, 13, 10), prefs) == datetime(2026, 3, 9, 12, 45)
    assert out_of_quiet_hours(datetime(2026, 3, 9, 13, 50), prefs) == datetime(2026, 3, 9, 14, 0)
    assert out_of_quiet_hours(datetime(2026, 3, 9, 23, 0), prefs) == datetime(2026, 3, 9, 23, 0)


def test_no_reminder_is_ever_planned_inside_quiet_hours():
    prefs = Preferences(reminder_time=time(23, 0), morning_time=time(5, 0), diary_nudge_time=time(22, 30))
    visits = [visit(date(2026, 3, 1) + timedelta(days=n), key=f"v{n}", vid=n) for n in range(2, 40, 3)]
    plan = plan_reminders(visits, prefs, SHANGHAI, NOW, nudge_from=date(2026, 3, 1))
    assert len(plan) > 30
    for reminder in plan:
        at = local(reminder.due_at, SHANGHAI).time()
        assert time(8, 0) <= at < time(21, 0), reminder


def test_a_zone_with_daylight_saving_keeps_the_local_time():
    # New York moves its clocks forward on Sunday 8 March 2026: 19:00 is 00:00Z before, 23:00Z after
    plan = by_kind(plan_reminders([visit(date(2026, 3, 9))], Preferences(), NEW_YORK, NOW))
    assert plan[VISIT_D2].due_at == datetime(2026, 3, 8, 0, 0, tzinfo=UTC)   # Sat 7 Mar 19:00 EST
    assert plan[VISIT_D1].due_at == datetime(2026, 3, 8, 23, 0, tzinfo=UTC)  # Sun 8 Mar 19:00 EDT
    assert local(plan[VISIT_D0].due_at, NEW_YORK) == datetime(2026, 3, 9, 8, 0)
    # and back on Sunday 1 November 2026
    autumn = by_kind(plan_reminders([visit(date(2026, 11, 2))], Preferences(), NEW_YORK,
                                    datetime(2026, 10, 1, tzinfo=UTC)))
    assert autumn[VISIT_D2].due_at == datetime(2026, 10, 31, 23, 0, tzinfo=UTC)  # EDT
    assert autumn[VISIT_D1].due_at == datetime(2026, 11, 2, 0, 0, tzinfo=UTC)    # EST


def test_a_zone_without_daylight_saving_is_a_fixed_offset():
    visits = [visit(date(2026, 3, 9), key="a", vid=1), visit(date(2026, 11, 2), key="b", vid=2)]
    plan = plan_reminders(visits, Preferences(), SHANGHAI, NOW)
    assert {r.due_at.time() for r in plan if r.kind in (VISIT_D1, VISIT_D2)} == {time(11, 0)}


def test_participant_zone_for_reminders_clinic_zone_for_the_visit():
    plan = by_kind(plan_reminders([visit(date(2026, 3, 10))], Preferences(), "Europe/London", NOW,
                                  clinic_zone=SHANGHAI))
    assert local(plan[VISIT_D1].due_at, "Europe/London") == datetime(2026, 3, 9, 19, 0)
    # 08:00 in London is after the visit began in Beijing (00:30Z): no longer useful, not planned
    assert VISIT_D0 not in plan
    assert plan[VISIT_D1].expires_at == datetime(2026, 3, 10, 0, 30, tzinfo=UTC)


def test_a_moved_visit_gets_new_keys_and_the_old_ones_disappear():
    before = plan_reminders([visit(date(2026, 3, 10))], Preferences(), SHANGHAI, NOW)
    after = plan_reminders([visit(date(2026, 3, 12))], Preferences(), SHANGHAI, NOW)
    assert not {r.key for r in before} & {r.key for r in after}
    assert all(local(r.due_at, SHANGHAI).date() >= date(2026, 3, 10) for r in after)


def test_keys_are_stable_and_do_not_depend_on_the_chosen_time():
    first = plan_reminders([visit(date(2026, 3, 10))], Preferences(), SHANGHAI, NOW)
    again = plan_reminders([visit(date(2026, 3, 10))], Preferences(), SHANGHAI, NOW + timedelta(hours=5))
    other_time = plan_reminders([visit(date(2026, 3, 10))], Preferences(reminder_time=time(18, 0)), SHANGHAI, NOW)
    assert [r.key for r in first] == [r.key for r in again] == [r.key for r in other_time]
    assert first[0].key == "v:w4:20260310:d2"
    assert first[0].due_at != other_time[0].due_at


def test_done_visits_and_used_up_reminders_are_not_planned():
    assert plan_reminders([visit(date(2026, 3, 10), done=True)], Preferences(), SHANGHAI, NOW) == []
    late = datetime(2026, 3, 9, 12, 0, tzinfo=UTC)  # an hour after the 1-day reminder was due
    plan = by_kind(plan_reminders([visit(date(2026, 3, 10))], Preferences(), SHANGHAI, late))
    assert set(plan) == {VISIT_D1, VISIT_D0}  # the 2-day one expired when the 1-day one fell due
    assert plan[VISIT_D1].due_at < late  # overdue but still useful: kept, sent late rather than lost
    gone = datetime(2026, 3, 10, 1, 0, tzinfo=UTC)
    assert plan_reminders([visit(date(2026, 3, 10))], Preferences(), SHANGHAI, gone) == []


def test_diary_nudges_are_off_by_default_and_skip_days_with_an_entry():
    assert [r for r in plan_reminders([], Preferences(), SHANGHAI, NOW) if r.kind == DIARY] == []
    prefs = Preferences(diary_nudge_time=time(20, 0))
    plan = plan_reminders([], prefs, SHANGHAI, NOW, diary_days={date(2026, 3, 2)})
    assert [r.key for r in plan] == ["d:20260301", "d:20260303"]
    assert local(plan[0].due_at, SHANGHAI) == datetime(2026, 3, 1, 20, 0)
    assert plan[0].expires_at == datetime(2026, 3, 1, 16, 0, tzinfo=UTC)  # local midnight
    ended = plan_reminders([], prefs, SHANGHAI, NOW, nudge_until=date(2026, 3, 1))
    assert [r.key for r in ended] == ["d:20260301"]
    not_started = plan_reminders([], prefs, SHANGHAI, NOW, nudge_from=date(2026, 3, 3))
    assert [r.key for r in not_started][0] == "d:20260303"


def test_planning_needs_an_aware_now():
    with pytest.raises(ValueError, match="^now must be timezone-aware$"):
        plan_reminders([], Preferences(), SHANGHAI, datetime(2026, 3, 1))  # noqa: DTZ001


@pytest.fixture
def host_zone():
    """Run with the host's TZ set to another zone, then put it back."""
    old = os.environ.get("TZ")

    def set_zone(zone: str):
        os.environ["TZ"] = zone
        clock.tzset()

    yield set_zone
    if old is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = old
    clock.tzset()


def test_the_host_zone_changes_nothing(host_zone):
    visits = [visit(date(2026, 3, 9), key="a", vid=1), visit(date(2026, 3, 20), key="b", vid=2)]
    prefs = Preferences(diary_nudge_time=time(20, 0))
    host_zone("UTC")
    reference = plan_reminders(visits, prefs, NEW_YORK, NOW)
    for zone in ("America/Los_Angeles", "Asia/Kolkata", "Pacific/Chatham"):
        host_zone(zone)
        assert clock.localtime().tm_zone not in ("UTC", "GMT")
        assert plan_reminders(visits, prefs, NEW_YORK, NOW) == reference
        assert send_decision(NOW, NOW + timedelta(hours=1), prefs, SHANGHAI).action == "send"


def test_dispatch_decision_sends_defers_or_expires():
    prefs = Preferences()
    noon = datetime(2026, 3, 9, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai
    assert send_decision(noon, noon + timedelta(hours=1), prefs, SHANGHAI).action == "send"
    assert send_decision(noon, noon, prefs, SHANGHAI).action == "expire"
    night = datetime(2026, 3, 9, 15, 0, tzinfo=UTC)  # 23:00 in Shanghai, quiet
    deferred = send_decision(night, night + timedelta(days=1), prefs, SHANGHAI)
    assert deferred.action == "defer" and deferred.until == datetime(2026, 3, 10, 0, 0, tzinfo=UTC)
    assert send_decision(night, datetime(2026, 3, 10, 0, 0, tzinfo=UTC), prefs, SHANGHAI).action == "expire"


def test_validity_period_stays_within_twilio_limits():
    assert validity_seconds(NOW, NOW + timedelta(minutes=30)) == 1800
    assert validity_seconds(NOW, NOW + timedelta(days=2)) == 36000
    assert validity_seconds(NOW, NOW + timedelta(seconds=5)) == 60


NO_QUIET_HOURS = {"quiet_start": time(9, 0), "quiet_end": time(9, 0)}


def test_reminder_times_are_utc_instants():
    visits = [visit(date(2026, 3, 10))]
    plan = plan_reminders(visits, Preferences(diary_nudge_time=time(20, 0)), NEW_YORK, NOW)
    assert plan and all(r.due_at.tzinfo is UTC and r.expires_at.tzinfo is UTC for r in plan)


def test_quiet_hours_with_the_same_start_and_end_are_off():
    prefs = Preferences(reminder_time=time(23, 30), morning_time=time(6, 0), **NO_QUIET_HOURS)
    plan = by_kind(plan_reminders([visit(date(2026, 3, 10))], prefs, SHANGHAI, NOW))
    assert local(plan[VISIT_D1].due_at, SHANGHAI) == datetime(2026, 3, 9, 23, 30)
    assert local(plan[VISIT_D0].due_at, SHANGHAI) == datetime(2026, 3, 10, 6, 0)
    assert send_decision(datetime(2026, 3, 9, 15, 30, tzinfo=UTC), datetime(2026, 3, 10, tzinfo=UTC), prefs,
                         SHANGHAI).action == "send"  # 23:30 in Shanghai


def test_edges_of_quiet_hours_that_do_not_wrap_midnight():
    prefs = Preferences(quiet_start=time(13, 0), quiet_end=time(14, 0))
    assert out_of_quiet_hours(datetime(2026, 3, 9, 13, 0), prefs) == datetime(2026, 3, 9, 12, 45)  # start: quiet
    # the end is not quiet: sent at once, not deferred to itself
    two_pm = datetime(2026, 3, 9, 6, 0, tzinfo=UTC)  # 14:00 in Shanghai
    assert send_decision(two_pm, two_pm + timedelta(hours=3), prefs, SHANGHAI).action == "send"
    one_pm = two_pm - timedelta(hours=1)  # the start is quiet: deferred to the end
    assert send_decision(one_pm, two_pm + timedelta(hours=3), prefs, SHANGHAI) == SendDecision("defer", two_pm)


def test_the_end_of_quiet_hours_that_wrap_midnight_is_not_quiet():
    eight_am = datetime(2026, 3, 9, 0, 0, tzinfo=UTC)  # 08:00 in Shanghai
    assert send_decision(eight_am, eight_am + timedelta(hours=3), Preferences(), SHANGHAI).action == "send"


def test_a_time_after_midnight_moves_to_the_evening_before_when_that_is_nearer():
    # 00:30 is 3h45 after 20:45 the evening before and 7h30 before 08:00
    plan = by_kind(plan_reminders([visit(date(2026, 3, 10))], Preferences(reminder_time=time(0, 30)), SHANGHAI, NOW))
    assert local(plan[VISIT_D1].due_at, SHANGHAI) == datetime(2026, 3, 8, 20, 45)


def test_an_exact_tie_moves_to_the_end_of_quiet_hours():
    # 02:22:30 lies half way between 20:45 the evening before and 08:00 (5h37m30s each way)
    assert out_of_quiet_hours(datetime(2026, 3, 9, 2, 22, 30), Preferences()) == datetime(2026, 3, 9, 8, 0)
    assert out_of_quiet_hours(datetime(2026, 3, 9, 2, 22, 29), Preferences()) == datetime(2026, 3, 8, 20, 45)


def test_an_ambiguous_local_time_takes_its_first_occurrence():
    # New York's clocks go back at 02:00 EDT on Sunday 1 November 2026: 01:30 happens twice (05:30Z, 06:30Z)
    prefs = Preferences(reminder_time=time(1, 30), **NO_QUIET_HOURS)
    plan = by_kind(plan_reminders([visit(date(2026, 11, 3))], prefs, NEW_YORK, datetime(2026, 10, 1, tzinfo=UTC)))
    assert plan[VISIT_D2].due_at == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)


def test_a_reminder_due_when_the_visit_starts_is_not_planned():
    # the morning reminder (07:30, moved to 08:00) would fall due as an 08:00 visit begins
    plan = by_kind(plan_reminders([visit(date(2026, 3, 10), at=time(8, 0))], Preferences(), SHANGHAI, NOW))
    assert set(plan) == {VISIT_D2, VISIT_D1}
    assert plan[VISIT_D1].visit_time == time(8, 0) and plan[VISIT_D1].visit_id == 7


def test_a_reminder_stops_being_useful_at_its_expiry():
    first = by_kind(plan_reminders([visit(date(2026, 3, 10))], Preferences(), SHANGHAI, NOW))
    at_expiry = plan_reminders([visit(date(2026, 3, 10))], Preferences(), SHANGHAI, first[VISIT_D2].expires_at)
    assert [r.kind for r in at_expiry] == [VISIT_D1, VISIT_D0]


def test_a_diary_nudge_moved_to_midnight_is_not_planned():
    # quiet hours 22:00-00:00: a 23:50 nudge is 10 minutes from midnight, when its day is over
    prefs = Preferences(quiet_start=time(22, 0), quiet_end=time(0, 0), diary_nudge_time=time(23, 50))
    assert plan_reminders([], prefs, SHANGHAI, NOW) == []


def test_diary_nudges_carry_their_kind_and_day():
    plan = plan_reminders([], Preferences(diary_nudge_time=time(20, 0)), SHANGHAI, NOW)
    assert [(r.kind, r.subject_date, r.visit_id, r.visit_time) for r in plan] == [
        (DIARY, date(2026, 3, 1) + timedelta(days=n), None, None) for n in range(3)]


def test_two_visits_with_one_key_on_one_day_are_a_data_error():
    visits = [visit(date(2026, 3, 10), vid=1), visit(date(2026, 3, 10), vid=2)]
    with pytest.raises(ValueError, match="^duplicate reminder keys in the plan$"):
        plan_reminders(visits, Preferences(), SHANGHAI, NOW)


def test_local_time_needs_an_aware_now():
    assert local_now(NOW, SHANGHAI) == datetime(2026, 3, 1, 12, 0)
    with pytest.raises(ValueError, match="^now must be timezone-aware$"):
        local_now(datetime(2026, 3, 1), SHANGHAI)  # noqa: DTZ001
