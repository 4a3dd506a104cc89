"""The periodic alert pass on a real database: once per source, whatever how often it runs."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from companion.db import now_utc
from companion.models import Alert
from companion.protocols import load_protocol
from companion.services import alert_sweep, audit, diary, steroids, visits
from tests import factories

DAY1 = date(2026, 3, 2)


def _at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 4, 0, tzinfo=UTC)  # noon in Beijing


def test_missed_infusion_and_weekly_digest_once(db_session, site):
    person = factories.participant(db_session, site, day1=DAY1)
    visits.record_actual(db_session, person.visits[0], DAY1, "given", actor=audit.CLI, now=now_utc(),
                         today=DAY1)  # day 15 is then the one missed
    actor = audit.Actor("participant", person.id)
    for day in (date(2026, 3, 9), date(2026, 3, 10)):
        diary.save_day(db_session, person, diary.DiaryInput(local_date=day, fatigue=5, joint_pain=1), actor=actor,
                       today=day, now=now_utc(), late_days=3)
    for _ in range(2):
        alert_sweep.sweep(db_session, load_protocol(), now=_at(date(2026, 3, 20)))
    rows = db_session.scalars(select(Alert).order_by(Alert.rule)).all()
    assert [(a.tier, a.rule) for a in rows] == [("AMBER", "infusion_missed"), ("INFO", "weekly_digest")]
    assert rows[0].source_id == person.visits[1].id
    digest = rows[1]
    assert digest.details["week_start"] == "2026-03-09" and digest.details["days_logged"] == 2
    assert digest.source_type == "diary_week"


def test_steroid_gap_for_someone_who_logs_daily(db_session, site):
    person = factories.participant(db_session, site, day1=DAY1)
    actor = audit.Actor("participant", person.id)
    first = date(2026, 3, 3)
    for n in range(7):
        day = first + timedelta(days=n)
        steroids.add(db_session, person, steroids.DoseInput(local_date=day, drug="prednisone", strength_mg="5",
                                                            tablets="1"),
                     actor=actor, today=day, now=now_utc(), late_days=3)
    last = first + timedelta(days=6)
    alert_sweep.sweep(db_session, load_protocol(), now=_at(last + timedelta(days=3)))
    assert db_session.scalar(select(Alert).where(Alert.rule == "steroid_entries_missing")) is None
    alert_sweep.sweep(db_session, load_protocol(), now=_at(last + timedelta(days=4)))
    alert = db_session.scalar(select(Alert).where(Alert.rule == "steroid_entries_missing"))
    assert alert.tier == "AMBER" and alert.source_id == last.toordinal()
