"""The schedule of one participant as people see it: stored visits plus the domain's statuses."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from companion.domain.protocol import Protocol
from companion.domain.schedule import PlannedVisit, VisitRecord, VisitStatus, next_visit, study_week, visit_statuses
from companion.models import Participant, Visit


@dataclass(frozen=True, slots=True)
class ScheduleRow:
    visit: Visit
    status: VisitStatus
    label_en: str
    label_zh: str

    def label(self, language: str) -> str:
        return self.label_en if language == "en" else self.label_zh

    def starts_at(self, timezone: str) -> datetime:
        """The appointment as an aware instant in the clinic's zone."""
        return datetime.combine(self.status.scheduled_date, self.visit.planned_time or time(8, 30), ZoneInfo(timezone))


@dataclass(frozen=True, slots=True)
class ParticipantSchedule:
    participant: Participant
    rows: list[ScheduleRow]
    next: ScheduleRow | None
    week: int


def local_today(timezone: str, now: datetime) -> date:
    """The calendar day it is for someone in ``timezone`` at the instant ``now``."""
    return now.astimezone(ZoneInfo(timezone)).date()


def _planned(visit: Visit, protocol: Protocol) -> PlannedVisit:
    definition = next((d for d in protocol.visits if d.key == visit.key), None)
    return PlannedVisit(
        number=visit.number, key=visit.key, day=visit.study_day, week=visit.week,
        label_en=definition.label_en if definition else f"Clinic visit (week {visit.week})",
        label_zh=definition.label_zh if definition else f"门诊访视（第{visit.week}周）",
        infusion=visit.infusion, endpoint=visit.endpoint, loading=visit.loading,
        target_date=visit.target_date, window_start=visit.window_start, window_end=visit.window_end,
    )


def for_participant(participant: Participant, protocol: Protocol, today: date) -> ParticipantSchedule:
    """Statuses of the stored visits (the snapshot taken at enrolment), judged on ``today``."""
    visits = sorted(participant.visits, key=lambda v: v.number)
    planned = [_planned(v, protocol) for v in visits]
    records = {v.key: VisitRecord(key=v.key, planned_date=v.planned_date, actual_date=v.actual_date) for v in visits}
    statuses = visit_statuses(planned, records, today, protocol)
    rows = [ScheduleRow(v, s, p.label_en, p.label_zh) for v, s, p in zip(visits, statuses, planned, strict=True)]
    upcoming = next_visit(statuses)
    nxt = next((r for r in rows if upcoming is not None and r.status is upcoming), None)
    return ParticipantSchedule(participant=participant, rows=rows, next=nxt, week=study_week(participant.day1, today))
