"""The periodic alert pass (scheduler job ``sweep-alerts``, or ``flask --app app alert-sweep-once``):
rules that no single entry triggers, because they are about what did not happen or about whole weeks
(DOMAIN.md section 6). Each alert is raised once per source, so running the pass again adds nothing."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from companion.domain.alert_rules import missed_steroid_findings
from companion.domain.periodic_alerts import visit_findings, weekly_digest
from companion.domain.protocol import Protocol
from companion.models import DiaryEntry, Participant, SteroidDose
from companion.services import schedules
from companion.services.alerts import raise_alert

USUAL_DAYS = 5  # steroids logged on at least 5 of 7 days counts as "usually logs daily"


def _raise(session, participant, finding, source_type, source_id, now, details=None) -> None:
    raise_alert(session, participant_id=participant.id, tier=finding.tier, rule=finding.rule,
                source_type=source_type, source_id=source_id, now=now,
                details={"reason": finding.reason_en, **(details or {})})


def _dose_days(session: Session, participant: Participant, start: date, end: date) -> set[date]:
    return set(session.scalars(select(SteroidDose.local_date).where(
        SteroidDose.participant_id == participant.id, SteroidDose.superseded_at.is_(None),
        SteroidDose.voided.is_(False), SteroidDose.local_date >= start, SteroidDose.local_date <= end)))


def _steroids(session: Session, participant: Participant, today: date, now: datetime) -> None:
    last = session.scalar(select(func.max(SteroidDose.local_date)).where(
        SteroidDose.participant_id == participant.id, SteroidDose.superseded_at.is_(None),
        SteroidDose.voided.is_(False), SteroidDose.local_date < today))
    if last is None:
        return
    usual = len(_dose_days(session, participant, last - timedelta(days=6), last)) >= USUAL_DAYS
    for finding in missed_steroid_findings(last, today, usual):
        _raise(session, participant, finding, "steroid_gap", last.toordinal(), now)


def _scores(session: Session, participant: Participant, start: date) -> tuple[list[int], list[int]]:
    rows = session.execute(select(DiaryEntry.fatigue, DiaryEntry.joint_pain).where(
        DiaryEntry.participant_id == participant.id, DiaryEntry.superseded_at.is_(None),
        DiaryEntry.voided.is_(False), DiaryEntry.local_date >= start,
        DiaryEntry.local_date <= start + timedelta(days=6))).all()
    return [r.fatigue for r in rows], [r.joint_pain for r in rows]


def _digest(session: Session, participant: Participant, today: date, now: datetime) -> None:
    week = today - timedelta(days=today.weekday() + 7)  # Monday of the last finished week
    if week + timedelta(days=6) < participant.day1:
        return
    fatigue, pain = _scores(session, participant, week)
    before_fatigue, before_pain = _scores(session, participant, week - timedelta(days=7))
    finding, summary = weekly_digest(week, fatigue, pain, before_fatigue, before_pain)
    _raise(session, participant, finding, "diary_week", week.toordinal(), now,
           details={"week_start": week.isoformat(), "days_logged": summary.days_logged,
                    "fatigue_mean": summary.fatigue_mean, "pain_mean": summary.pain_mean,
                    "fatigue_change": summary.fatigue_change, "pain_change": summary.pain_change})


def sweep(session: Session, protocol: Protocol, *, now: datetime) -> int:
    """Run the periodic rules for every active participant; returns how many participants were checked."""
    participants = session.scalars(select(Participant).where(Participant.active.is_(True))
                                   .options(selectinload(Participant.visits))).all()
    for participant in participants:
        today = schedules.local_today(participant.timezone, now)
        for row in schedules.for_participant(participant, protocol, today).rows:
            for finding in visit_findings(row.status):
                _raise(session, participant, finding, "visits", row.visit.id, now)
        _steroids(session, participant, today, now)
        _digest(session, participant, today, now)
    return len(participants)
