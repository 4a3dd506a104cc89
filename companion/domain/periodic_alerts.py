"""Alert rules that look at the schedule and at whole weeks rather than at one entry (DOMAIN.md
section 6): an infusion missed or drifting out of its window (AMBER), and the weekly INFO digest of
fatigue and pain trends and diary completion."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from companion.domain.alert_rules import AMBER, INFO, Finding
from companion.domain.schedule import MISSED, OUTSIDE_WINDOW, TOO_SOON, VisitStatus


def visit_findings(status: VisitStatus) -> list[Finding]:
    """AMBER for an infusion visit that was missed, or given (or planned) outside its window or too soon
    after the previous infusion (DOMAIN.md section 6: "an infusion missed or drifting out of its window")."""
    if not status.visit.infusion:
        return []
    if status.state == MISSED:
        return [Finding(AMBER, "infusion_missed", f"Infusion {status.visit.number} (day {status.visit.day}) missed")]
    findings = []
    if OUTSIDE_WINDOW in status.flags:
        findings.append(Finding(AMBER, "infusion_out_of_window",
                                f"Infusion {status.visit.number} outside its window: possible protocol deviation"))
    if TOO_SOON in status.flags:
        findings.append(Finding(AMBER, "infusion_too_soon",
                                f"Infusion {status.visit.number} only {status.gap_days} days after the previous one"))
    return findings


@dataclass(frozen=True, slots=True)
class WeekSummary:
    week_start: date
    days_logged: int
    fatigue_mean: float | None
    pain_mean: float | None
    fatigue_change: float | None  # against the week before; positive = worse
    pain_change: float | None


def _mean(values: Sequence[int]) -> float | None:
    return round(sum(values) / len(values), 1) if values else None


def _change(now: float | None, before: float | None) -> float | None:
    return None if now is None or before is None else round(now - before, 1)


def weekly_digest(week_start: date, fatigue: Sequence[int], pain: Sequence[int],
                  previous_fatigue: Sequence[int], previous_pain: Sequence[int]) -> tuple[Finding, WeekSummary]:
    """The INFO digest of one finished week (DOMAIN.md section 6: "weekly digest: fatigue and pain trends,
    diary completion"): days logged, mean fatigue and pain, and their change from the week before."""
    summary = WeekSummary(week_start, len(fatigue), _mean(fatigue), _mean(pain),
                          _change(_mean(fatigue), _mean(previous_fatigue)), _change(_mean(pain), _mean(previous_pain)))
    text = f"Week of {week_start.isoformat()}: diary on {summary.days_logged} of 7 days"
    if summary.fatigue_mean is not None:
        text += f"; fatigue {summary.fatigue_mean}, joint pain {summary.pain_mean} (means of 0-10)"
    return Finding(INFO, "weekly_digest", text), summary
