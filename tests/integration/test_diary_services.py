"""Diary services on a real database: one entry a day, versions and audit, idempotency, alerts."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from companion.db import now_utc
from companion.models import Alert, AuditEvent, CheckIn, DiaryEntry, SteroidDose
from companion.services import audit, checkins, diary, steroids
from companion.services.errors import ValidationFailed
from tests import factories

DAY1 = date(2026, 3, 2)


@pytest.fixture
def person(db_session, site):
    return factories.participant(db_session, site, day1=DAY1)


def _actor(person):
    return audit.Actor("participant", person.id, person.site_id)


def _save(db_session, person, today, day=None, **fields):
    values = {"local_date": day or today, "fatigue": 3, "joint_pain": 2}
    values.update(fields)
    return diary.save_day(db_session, person, diary.DiaryInput(**values), actor=_actor(person), today=today,
                          now=now_utc(), late_days=3)


def _count(db_session, model):
    return db_session.scalar(select(func.count(model.id)))


def test_same_client_id_three_times_gives_one_row(db_session, person):
    today = DAY1 + timedelta(days=20)
    results = [_save(db_session, person, today, client_id="offline-0001") for _ in range(3)]
    assert [r.created for r in results] == [True, False, False]
    assert _count(db_session, DiaryEntry) == 1


def test_a_second_save_the_same_day_is_a_new_version_keeping_the_old(db_session, person):
    today = DAY1 + timedelta(days=20)
    first = _save(db_session, person, today, fatigue=3).record
    second = _save(db_session, person, today, fatigue=7).record
    assert (second.version, second.supersedes_id, second.record_id) == (2, first.id, first.record_id)
    db_session.refresh(first)
    assert first.fatigue == 3 and first.superseded_at is not None
    event = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "diary_entries.correct"))
    assert event.changes == {"fatigue": [3, 7]} and event.actor_type == "participant"


def test_correcting_an_earlier_day_needs_a_reason(db_session, person):
    today = DAY1 + timedelta(days=20)
    yesterday = today - timedelta(days=1)
    _save(db_session, person, today, yesterday)
    with pytest.raises(ValidationFailed, match="^reason: Give a reason for this change.$") as caught:
        _save(db_session, person, today, yesterday, fatigue=5)
    assert "reason" in caught.value.errors
    corrected = _save(db_session, person, today, yesterday, fatigue=5, reason="tapped the wrong number").record
    assert corrected.version == 2
    event = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "diary_entries.correct"))
    assert event.reason == "tapped the wrong number"


def test_late_entries_are_marked_and_limited(db_session, person):
    today = DAY1 + timedelta(days=20)
    assert _save(db_session, person, today, today - timedelta(days=3)).record.late is True
    assert _save(db_session, person, today).record.late is False
    for day, message in ((today - timedelta(days=4), "Entries can be added up to 3 days late; please tell the study"),
                         (today + timedelta(days=1), "You cannot log a day that has not happened yet.")):
        with pytest.raises(ValidationFailed, match=f"^local_date: {message}") as caught:
            _save(db_session, person, today, day)
        assert "local_date" in caught.value.errors


@pytest.mark.parametrize(("field", "value", "message"), [
    ("fatigue", 11, "Choose a number from 0 to 10."), ("fatigue", -1, "Choose a number from 0 to 10."),
    ("fatigue", "3.5", "Choose a number from 0 to 10."), ("fatigue", True, "Choose a number from 0 to 10."),
    ("joint_pain", None, "Choose a number from 0 to 10."),
    ("temperature_c", "45", "Enter a number from 34.0 to 43.0."), ("temperature_c", "hot", "Enter a number."),
    ("note", "x" * 501, "Keep this under 500 characters."),
    ("note", "<script>alert(1)</script>", "The text cannot contain HTML or code."),
    ("note", "right\u202eto-left", "The text contains invisible or control characters; please retype it."),
    ("note", "zero\u200bwidth", "The text contains invisible or control characters; please retype it."),
    ("symptoms", ["not_a_symptom"], "Unknown symptom."), ("symptoms", "new_rash", "Unknown symptom."),
])
def test_bad_input_saves_nothing(db_session, person, field, value, message):
    with pytest.raises(ValidationFailed, match=f"^{field}: {re.escape(message)}$") as caught:
        _save(db_session, person, DAY1 + timedelta(days=20), **{field: value})
    assert field in caught.value.errors
    assert _count(db_session, DiaryEntry) == 0 and _count(db_session, Alert) == 0


def test_voided_entry_stays_visible_as_voided(db_session, person):
    today = DAY1 + timedelta(days=20)
    entry = _save(db_session, person, today).record
    voided = diary.void(db_session, person, entry.record_id, "duplicate", actor=_actor(person), now=now_utc())
    assert voided.voided and voided.version == 2
    assert diary.entry_for(db_session, person, today) is None
    assert _count(db_session, DiaryEntry) == 2
    assert _save(db_session, person, today).record.version == 1  # the day can be filled in again


def test_breathlessness_within_a_week_of_an_infusion_raises_red(db_session, person):
    today = DAY1 + timedelta(days=16)  # 2 days after infusion 2 (day 15)
    saved = _save(db_session, person, today, symptoms=["breathless"])
    assert saved.urgent
    alert = db_session.scalar(select(Alert))
    assert (alert.tier, alert.source_type, alert.source_id) == ("RED", "diary_entries", saved.record.id)


@pytest.mark.parametrize(("temperature", "expected"), [("37.9", []), ("38.0", ["fever"])])
def test_fever_threshold(db_session, person, temperature, expected):
    _save(db_session, person, DAY1 + timedelta(days=20), temperature_c=temperature)
    assert db_session.scalars(select(Alert.rule)).all() == expected


def _dose(db_session, person, today, **fields):
    values = {"local_date": today, "drug": "prednisone_acetate", "strength_mg": "5", "tablets": "1"}
    values.update(fields)
    return steroids.add(db_session, person, steroids.DoseInput(**values), actor=_actor(person), today=today,
                        now=now_utc(), late_days=3)


def test_daily_equivalent_sums_the_days_doses(db_session, person):
    today = DAY1 + timedelta(days=20)
    _dose(db_session, person, today, tablets="2")
    _dose(db_session, person, today, drug="methylprednisolone", strength_mg="4", tablets="1")
    _dose(db_session, person, today, local_date=today - timedelta(days=1), tablets="4")
    assert steroids.daily_equivalent(db_session, person, today) == Decimal("15.00")


@pytest.mark.parametrize(("mg", "alerts"), [("7.5", 0), ("7.6", 1)])
def test_above_7_5_mg_near_the_endpoint_raises_amber(db_session, person, mg, alerts):
    today = DAY1 + timedelta(days=150)  # within 4 weeks of day 169
    _dose(db_session, person, today, strength_mg=None, tablets=None, dose_mg=mg)
    assert db_session.scalar(select(func.count(Alert.id)).where(Alert.rule == "steroid_above_lldas")) == alerts


def test_same_as_yesterday_copies_the_doses(db_session, person):
    today = DAY1 + timedelta(days=20)
    _dose(db_session, person, today, local_date=today - timedelta(days=1), tablets="2")
    _dose(db_session, person, today, local_date=today - timedelta(days=1), drug="hydrocortisone", strength_mg="10",
          tablets="1")
    copies = steroids.same_as_yesterday(db_session, person, actor=_actor(person), today=today, now=now_utc(),
                                        late_days=3)
    assert [(c.drug, c.dose_mg) for c in copies] == [("prednisone_acetate", Decimal("10.00")),
                                                      ("hydrocortisone", Decimal("10.00"))]
    with pytest.raises(ValidationFailed, match="^drug: Today already has doses; add or correct them one by one.$"):
        steroids.same_as_yesterday(db_session, person, actor=_actor(person), today=today, now=now_utc(),
                                   late_days=3)


def test_unknown_drug_is_refused(db_session, person):
    with pytest.raises(ValidationFailed, match="^drug: Choose a medicine from the list.$") as caught:
        _dose(db_session, person, DAY1 + timedelta(days=20), drug="aspirin")
    assert "drug" in caught.value.errors and _count(db_session, SteroidDose) == 0


def test_correcting_a_dose_keeps_the_original(db_session, person):
    today = DAY1 + timedelta(days=20)
    first = _dose(db_session, person, today).record
    corrected = steroids.correct(db_session, person, first.record_id,
                                 steroids.DoseInput(local_date=today, drug="prednisone_acetate", strength_mg="5",
                                                    tablets="2"),
                                 None, actor=_actor(person), today=today, now=now_utc(), late_days=3)
    assert corrected.dose_mg == Decimal("10.00") and corrected.version == 2
    assert steroids.daily_equivalent(db_session, person, today) == Decimal("10.00")
    event = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "steroid_doses.correct"))
    assert event.changes["tablets"] == ["1.00", "2.00"]


def _check_in(db_session, person, today, kind, answers, client_id=None):
    return checkins.save(db_session, person, checkins.CheckInInput(kind=kind, answers=answers, local_date=today,
                                                                   client_id=client_id),
                         actor=_actor(person), today=today, now=now_utc(), late_days=3)


def test_phq9_item_9_raises_red_and_stores_items_and_total(db_session, person):
    answers = {f"phq{i}": 0 for i in range(1, 10)} | {"phq9": 1, "phq1": 2}
    saved = _check_in(db_session, person, DAY1 + timedelta(days=20), "phq9", answers)
    assert saved.urgent and saved.record.total == 3 and saved.record.answers == answers
    assert db_session.scalar(select(Alert.rule).where(Alert.tier == "RED")) == "self_harm"


@pytest.mark.parametrize(("answers", "alerts"), [({"phq1": 1, "phq2": 1}, []), ({"phq1": 2, "phq2": 1},
                                                                                   ["phq2_positive"])])
def test_phq2_threshold(db_session, person, answers, alerts):
    _check_in(db_session, person, DAY1 + timedelta(days=20), "phq2", answers)
    assert db_session.scalars(select(Alert.rule)).all() == alerts


def test_post_infusion_check_in_only_in_the_7_days_after(db_session, person):
    answers = {k: 0 for k in ("itching", "hives_rash", "face_swelling", "breathless_wheeze", "dizzy_faint", "nausea",
                              "headache", "muscle_pain", "fatigue")}
    saved = _check_in(db_session, person, DAY1 + timedelta(days=7), "post_infusion", answers | {"nausea": 2})
    assert saved.record.visit_id == person.visits[0].id
    assert db_session.scalars(select(Alert.rule)).all() == ["reaction"]
    with pytest.raises(ValidationFailed, match="^kind: This check-in is for the 7 days after an infusion.$"):
        _check_in(db_session, person, DAY1 + timedelta(days=8), "post_infusion", answers)
    assert _count(db_session, CheckIn) == 1


def test_check_in_with_a_missing_answer_saves_nothing(db_session, person):
    with pytest.raises(ValidationFailed, match="^answers: Please answer every question.$"):
        _check_in(db_session, person, DAY1 + timedelta(days=20), "phq2", {"phq1": 1})
    with pytest.raises(ValidationFailed, match="^phq2: Choose a number from 0 to 3.$"):
        _check_in(db_session, person, DAY1 + timedelta(days=20), "phq2", {"phq1": 1, "phq2": 4})
    assert _count(db_session, CheckIn) == 0
