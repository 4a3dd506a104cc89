"""Schedule- and week-based alert rules (DOMAIN.md section 6)."""

from __future__ import annotations

from datetime import date

from companion.domain.periodic_alerts import visit_findings, weekly_digest
from companion.domain.schedule import VisitRecord, build_schedule, visit_statuses
from companion.protocols import load_protocol

DAY1 = date(2026, 3, 2)


def _statuses(records, today):
    protocol = load_protocol()
    return visit_statuses(build_schedule(protocol, DAY1), records, today, protocol)


def test_missed_infusion_is_amber():
    statuses = _statuses({}, date(2026, 3, 20))  # day 15's window ended on day 18
    assert [f.rule for f in visit_findings(statuses[1])] == ["infusion_missed"]
    assert visit_findings(statuses[2]) == []  # day 29 not yet due


def test_infusion_outside_window_and_too_soon_are_amber():
    records = {"day-001": VisitRecord("day-001", actual_date=DAY1),
               "day-015": VisitRecord("day-015", actual_date=date(2026, 3, 16)),
               "day-029": VisitRecord("day-029", actual_date=date(2026, 3, 30)),
               "day-057": VisitRecord("day-057", actual_date=date(2026, 4, 18))}  # day 48: 19 days after day 29
    statuses = _statuses(records, date(2026, 4, 20))
    assert [f.rule for f in visit_findings(statuses[3])] == ["infusion_out_of_window", "infusion_too_soon"]
    assert all(f.tier == "AMBER" for f in visit_findings(statuses[3]))
    assert visit_findings(statuses[2]) == []


def test_assessment_only_visit_gives_no_infusion_alert():
    statuses = _statuses({}, date(2026, 9, 1))
    assert statuses[-1].state == "missed" and visit_findings(statuses[-1]) == []


def test_weekly_digest_is_info_with_completion_and_trend():
    finding, summary = weekly_digest(date(2026, 3, 9), [4, 6], [2, 2], [2, 2, 2], [3, 3, 3])
    assert finding.tier == "INFO" and finding.rule == "weekly_digest"
    assert (summary.days_logged, summary.fatigue_mean, summary.pain_mean) == (2, 5.0, 2.0)
    assert (summary.fatigue_change, summary.pain_change) == (3.0, -1.0)
    assert "2 of 7 days" in finding.reason_en


def test_empty_week_digest_says_nothing_was_logged():
    finding, summary = weekly_digest(date(2026, 3, 9), [], [], [], [])
    assert summary.days_logged == 0 and summary.fatigue_mean is None and "0 of 7 days" in finding.reason_en


def test_visit_findings_name_the_infusion_and_the_gap():
    missed = visit_findings(_statuses({}, date(2026, 3, 20))[1])
    assert missed[0].tier == "AMBER" and missed[0].reason_en == "Infusion 2 (day 15) missed"
    records = {"day-001": VisitRecord("day-001", actual_date=DAY1),
               "day-015": VisitRecord("day-015", actual_date=date(2026, 3, 16)),
               "day-029": VisitRecord("day-029", actual_date=date(2026, 3, 30)),
               "day-057": VisitRecord("day-057", actual_date=date(2026, 4, 18))}
    window, soon = visit_findings(_statuses(records, date(2026, 4, 20))[3])
    assert window.reason_en == "Infusion 4 outside its window: possible protocol deviation"
    assert soon.reason_en == "Infusion 4 only 19 days after the previous one"


def test_weekly_digest_means_and_changes_are_rounded_to_one_decimal():
    # means 5/3 = 1.67 -> 1.7 and 6/5 = 1.2; the change 1.7 - 1.2 is 0.5, not 0 (rounding to whole numbers)
    finding, summary = weekly_digest(date(2026, 3, 9), [2, 1, 2], [1, 1, 2], [1, 1, 2, 1, 1], [3, 3, 3])
    assert summary.week_start == date(2026, 3, 9)
    assert (summary.fatigue_mean, summary.pain_mean) == (1.7, 1.3)
    assert summary.fatigue_change == 0.5 and summary.pain_change == -1.7
    assert finding.reason_en == "Week of 2026-03-09: diary on 3 of 7 days; fatigue 1.7, joint pain 1.3 (means of 0-10)"


def test_weekly_digest_has_no_change_when_either_week_is_empty():
    _finding, first_week = weekly_digest(date(2026, 3, 9), [4], [2], [], [])
    assert (first_week.fatigue_change, first_week.pain_change) == (None, None)
    finding, empty_week = weekly_digest(date(2026, 3, 16), [], [], [4], [2])
    assert (empty_week.fatigue_change, empty_week.pain_change) == (None, None)
    assert finding.reason_en == "Week of 2026-03-16: diary on 0 of 7 days"
