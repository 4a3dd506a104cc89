"""The coordinator dashboard: every participant of a site on one screen.

The number of queries is fixed (one per kind of fact, over the whole site), whatever the number of
participants; tests/integration/test_dashboard.py counts them at 16 and at 500.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from companion.domain import steroid_table
from companion.domain.protocol import Protocol
from companion.models import Alert, DiaryEntry, Participant, SteroidDose
from companion.models.messaging import Reminder, ReminderPreference
from companion.models.workspace import Assessment
from companion.services import schedules

SMS_PROBLEMS = ("failed", "undelivered", "expired", "needs_reconciliation")
SORTS = ("alerts", "study_id", "week", "diary", "steroid", "next_visit")


@dataclass
class Row:
    participant: Participant
    schedule: schedules.ParticipantSchedule
    diary_days: int = 0
    alerts: dict[str, int] = field(default_factory=lambda: {"RED": 0, "AMBER": 0, "INFO": 0})
    steroid_day: date | None = None
    steroid_mg: Decimal | None = None
    lldas_day: date | None = None
    in_lldas: bool | None = None
    sms_problems: int = 0

    @property
    def next_in_window(self) -> bool | None:
        nxt = self.schedule.next
        if nxt is None:
            return None
        return nxt.visit.window_start <= nxt.status.scheduled_date <= nxt.visit.window_end


def _site_ids(session: Session, site_id: int):
    return select(Participant.id).where(Participant.site_id == site_id).scalar_subquery()


def build(session: Session, site_id: int, protocol: Protocol, today: date) -> list[Row]:
    participants = session.scalars(
        select(Participant).where(Participant.site_id == site_id).options(selectinload(Participant.visits))
    ).all()
    rows = {p.id: Row(p, schedules.for_participant(p, protocol, today)) for p in participants}
    if not rows:
        return []
    ids = _site_ids(session, site_id)
    week_ago = today - timedelta(days=6)
    for pid, days in session.execute(
        select(DiaryEntry.participant_id, func.count(func.distinct(DiaryEntry.local_date)))
        .where(DiaryEntry.participant_id.in_(ids), DiaryEntry.superseded_at.is_(None), DiaryEntry.voided.is_(False),
               DiaryEntry.local_date >= week_ago, DiaryEntry.local_date <= today)
        .group_by(DiaryEntry.participant_id)
    ):
        rows[pid].diary_days = days
    for pid, tier, count in session.execute(
        select(Alert.participant_id, Alert.tier, func.count(Alert.id))
        .where(Alert.participant_id.in_(ids), Alert.acknowledged_at.is_(None))
        .group_by(Alert.participant_id, Alert.tier)
    ):
        rows[pid].alerts[tier] = count
    doses: dict[int, dict[date, list]] = defaultdict(lambda: defaultdict(list))
    for dose in session.execute(
        select(SteroidDose.participant_id, SteroidDose.local_date, SteroidDose.drug, SteroidDose.dose_mg)
        .where(SteroidDose.participant_id.in_(ids), SteroidDose.superseded_at.is_(None),
               SteroidDose.voided.is_(False), SteroidDose.local_date >= today - timedelta(days=27))
    ):
        doses[dose.participant_id][dose.local_date].append((dose.drug, dose.dose_mg))
    for pid, by_day in doses.items():
        latest = max(by_day)
        rows[pid].steroid_day, rows[pid].steroid_mg = latest, steroid_table.daily_equivalent(by_day[latest])
    for assessment in session.execute(
        select(Assessment.participant_id, Assessment.local_date, Assessment.in_lldas)
        .where(Assessment.participant_id.in_(ids), Assessment.superseded_at.is_(None),
               Assessment.voided.is_(False))
        .order_by(Assessment.local_date, Assessment.id)
    ):
        rows[assessment.participant_id].lldas_day = assessment.local_date
        rows[assessment.participant_id].in_lldas = assessment.in_lldas
    for pid, count in session.execute(
        select(Reminder.participant_id, func.count(Reminder.id))
        .where(Reminder.participant_id.in_(ids), Reminder.status.in_(SMS_PROBLEMS))
        .group_by(Reminder.participant_id)
    ):
        rows[pid].sms_problems += count
    for pid in session.scalars(
        select(ReminderPreference.participant_id)
        .where(ReminderPreference.participant_id.in_(ids), ReminderPreference.phone_problem.is_not(None))
    ):
        rows[pid].sms_problems += 1
    return list(rows.values())


def arrange(rows: list[Row], *, sort: str = "alerts", tier: str | None = None, query: str = "") -> list[Row]:
    """Filter by open-alert tier and study ID, then sort; open RED alerts come first by default."""
    if tier in ("RED", "AMBER", "INFO"):
        rows = [r for r in rows if r.alerts[tier]]
    if query:
        rows = [r for r in rows if query.strip().upper() in r.participant.study_id]
    keys = {
        "alerts": lambda r: (-r.alerts["RED"], -r.alerts["AMBER"], r.participant.study_id),
        "study_id": lambda r: r.participant.study_id,
        "week": lambda r: (-r.schedule.week, r.participant.study_id),
        "diary": lambda r: (r.diary_days, r.participant.study_id),
        "steroid": lambda r: (-(r.steroid_mg or Decimal(-1)), r.participant.study_id),
        "next_visit": lambda r: (r.schedule.next.status.scheduled_date if r.schedule.next else date.max,
                                 r.participant.study_id),
    }
    return sorted(rows, key=keys.get(sort, keys["alerts"]))
