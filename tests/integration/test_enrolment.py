"""Enrolment and visit changes on a real database: rows, audit trail, validation."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from companion.db import now_utc
from companion.models import AuditEvent, Participant, Visit
from companion.protocols import load_protocol
from companion.services import audit, enrolment, visits
from companion.services.errors import ValidationFailed

TODAY = date(2026, 3, 1)


def _enrol(db_session, site, **changes):
    fields = {"study_id": "PUMCH-01", "phone": "138 0013 8000", "day1": "2026-03-02", "weight_kg": "61.5",
              "language": "zh-CN", "sms_consent": True}
    fields.update(changes)
    return enrolment.enrol(db_session, enrolment.Enrolment(**fields), site=site, protocol=load_protocol(),
                           actor=audit.Actor("staff", 7, site.id), now=now_utc(), today=TODAY,
                           consent_version="sms-v1")


def test_enrolment_stores_e164_the_schedule_and_consent(db_session, site):
    participant = _enrol(db_session, site)
    assert participant.phone_e164 == "+8613800138000"
    assert participant.timezone == "Asia/Shanghai"  # the site's, by default
    assert [v.study_day for v in participant.visits] == [1, 15, 29, 57, 85, 113, 141, 169]
    assert [v.infusion for v in participant.visits] == [True] * 7 + [False]
    assert participant.visits[-1].endpoint and participant.visits[-1].target_date == date(2026, 8, 17)
    assert participant.sms_consent_version == "sms-v1" and participant.sms_consent_at is not None


def test_enrolment_is_audited_with_who_and_what(db_session, site):
    participant = _enrol(db_session, site)
    event = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "participant.enrol"))
    assert (event.actor_type, event.actor_id, event.participant_id) == ("staff", 7, participant.id)
    assert event.changes["study_id"] == [None, "PUMCH-01"]
    assert event.changes["sms_consent_version"] == [None, "sms-v1"]


def test_reading_a_gives_an_eighth_infusion(db_session, site):
    participant = enrolment.enrol(
        db_session, enrolment.Enrolment(study_id="A-1", phone="+8613800138009", day1="2026-03-02", weight_kg="60"),
        site=site, protocol=load_protocol(reading="A"), actor=audit.CLI, now=now_utc(), today=TODAY,
        consent_version="v")
    assert sum(v.infusion for v in participant.visits) == 8 and participant.protocol_reading == "A"


@pytest.mark.parametrize(("field", "value", "error_key", "message"), [
    ("phone", "12345", "phone_e164", "This is not a valid phone number."),
    ("phone", "+86 10 6915 6114", "phone_e164",  # a landline cannot receive SMS
     "This number cannot receive text messages; enter a mobile number."),
    ("study_id", "bad id!", "study_id", "Study ID: 2-32 letters, digits or hyphens."),
    ("weight_kg", "abc", "weight_kg", "Weight must be a number in kilograms."),
    ("weight_kg", "250", "weight_kg", "Weight must be between 30 and 200 kg."),
    ("day1", "2026-02-30", "day1", "Enter a date as YYYY-MM-DD."),
    ("day1", "2029-01-01", "day1", "Day 1 must lie within a year of today."),
    ("language", "fr", "language", "Language must be zh-CN or en."),
    ("timezone", "Mars/Olympus", "timezone", "Unknown time zone; use a name such as Asia/Shanghai."),
])
def test_bad_input_is_refused_and_nothing_is_saved(db_session, site, field, value, error_key, message):
    with pytest.raises(ValidationFailed, match=f"^{error_key}: {re.escape(message)}$") as caught:
        _enrol(db_session, site, **{field: value})
    assert error_key in caught.value.errors
    assert db_session.scalar(select(func.count(Participant.id))) == 0
    assert db_session.scalar(select(func.count(Visit.id))) == 0


def test_study_id_and_number_are_unique(db_session, site):
    _enrol(db_session, site)
    with pytest.raises(ValidationFailed, match="^study_id: This study ID is enrolled already.$") as caught:
        _enrol(db_session, site, study_id="pumch-01", phone="+8613800138001")
    assert "study_id" in caught.value.errors
    with pytest.raises(ValidationFailed, match="^phone_e164: Another participant has this phone number.$") as caught:
        _enrol(db_session, site, study_id="PUMCH-02")
    assert "phone_e164" in caught.value.errors


def test_moving_a_visit_keeps_later_targets_and_is_audited(db_session, site):
    participant = _enrol(db_session, site)
    week4, week8 = participant.visits[2], participant.visits[3]
    target8 = week8.target_date
    visits.move(db_session, week4, "2026-04-03", "participant travelling", actor=audit.Actor("staff", 7),
                now=now_utc(), today=TODAY)
    assert week4.planned_date == date(2026, 4, 3) and week4.target_date == date(2026, 3, 30)
    assert week8.target_date == target8 and week8.planned_date is None
    event = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "visit.move"))
    assert event.reason == "participant travelling"
    assert event.changes == {"planned_date": ["2026-03-30", "2026-04-03"]}


@pytest.mark.parametrize(("reason", "message"), [
    ("", "Give a reason for this change."), ("   ", "Give a reason for this change."),
    ("x" * 501, "Keep the reason under 500 characters."),
    ("ok\u202eevil", "The reason contains invisible or control characters."),
    ("zero\u200bwidth", "The reason contains invisible or control characters."),
])
def test_a_visit_change_needs_a_clean_reason(db_session, site, reason, message):
    participant = _enrol(db_session, site)
    with pytest.raises(ValidationFailed, match=f"^reason: {re.escape(message)}$") as caught:
        visits.record_actual(db_session, participant.visits[0], "2026-03-02", reason, actor=audit.CLI,
                             now=now_utc(), today=date(2026, 3, 5))
    assert "reason" in caught.value.errors
    db_session.refresh(participant.visits[0])
    assert participant.visits[0].actual_date is None


def test_a_visit_cannot_have_taken_place_in_the_future(db_session, site):
    participant = _enrol(db_session, site)
    with pytest.raises(ValidationFailed, match="^date: A visit cannot have taken place in the future.$") as caught:
        visits.record_actual(db_session, participant.visits[0], TODAY + timedelta(days=1), "typo", actor=audit.CLI,
                             now=now_utc(), today=TODAY)
    assert "date" in caught.value.errors


def test_recording_the_actual_date_keeps_old_and_new_values(db_session, site):
    participant = _enrol(db_session, site)
    first = participant.visits[0]
    visits.record_actual(db_session, first, "2026-03-02", "given", actor=audit.CLI, now=now_utc(),
                         today=date(2026, 3, 10))
    visits.record_actual(db_session, first, "2026-03-03", "wrong day entered", actor=audit.CLI, now=now_utc(),
                         today=date(2026, 3, 10))
    changes = db_session.scalars(select(AuditEvent.changes).where(AuditEvent.action == "visit.record_actual")
                                 .order_by(AuditEvent.id)).all()
    assert changes == [{"actual_date": [None, "2026-03-02"]}, {"actual_date": ["2026-03-02", "2026-03-03"]}]


def test_audit_rows_cannot_be_changed_or_deleted(db_session, site):
    _enrol(db_session, site)
    db_session.commit()  # as the request or the command that enrols does (services flush, never commit)
    event = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "participant.enrol"))
    event.reason = "rewritten"
    with pytest.raises(audit.AuditTrailIsAppendOnly, match="audit events are never changed or deleted"):
        db_session.flush()
    db_session.rollback()
    db_session.delete(db_session.scalar(select(AuditEvent).where(AuditEvent.action == "participant.enrol")))
    with pytest.raises(audit.AuditTrailIsAppendOnly, match="audit events are never changed or deleted"):
        db_session.flush()
