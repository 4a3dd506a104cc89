"""Coordinator workspace services on a real database: assessments and LLDAS, the endpoint report,
alert acknowledgement and escalation, week sign-off, and the dashboard's fixed number of queries."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import event, select

from companion.db import now_utc
from companion.domain.sms_text import count_segments, is_gsm7
from companion.models import AuditEvent
from companion.protocols import load_protocol
from companion.services import alerts, assessments, audit, dashboard, endpoint, escalation, review, steroids
from companion.services.errors import ValidationFailed
from companion.sms import FakeSender
from tests import factories

DAY1 = date(2026, 3, 2)
TODAY = DAY1 + timedelta(days=175)  # after the week-24 window
STAFF = audit.Actor("staff", 1, None)


@pytest.fixture
def person(db_session, site):
    return factories.participant(db_session, site, day1=DAY1)


def _assess(db_session, person, visit, **changes):
    values = {"assessed_on": visit.target_date, "variant": "SLEDAI-2K", "descriptors": ("low_complement",),
              "pga": "0.5", "prednisone_mg": "5", "immunosuppressants": {"hydroxychloroquine": "400"},
              "weight_kg": "60"}
    values.update(changes)
    return assessments.save(db_session, person, visit, assessments.AssessmentInput(**values), actor=STAFF,
                            now=now_utc(), today=TODAY)


def test_lldas_is_computed_and_every_criterion_stored(db_session, person):
    saved = _assess(db_session, person, person.visits[-1])
    assert saved.in_lldas is True and saved.sledai_total == 2
    assert [c["number"] for c in saved.lldas_criteria] == [1, 2, 3, 4, 5]
    assert all(c["met"] for c in saved.lldas_criteria)


def test_one_failing_criterion_is_not_lldas(db_session, person):
    saved = _assess(db_session, person, person.visits[-1], pga="1.5")
    assert saved.in_lldas is False
    assert [c["met"] for c in saved.lldas_criteria] == [True, True, False, True, True]


def test_criterion_2_compares_with_the_previous_assessment(db_session, person):
    _assess(db_session, person, person.visits[5], descriptors=())
    later = _assess(db_session, person, person.visits[6], descriptors=("rash",))
    assert later.lldas_criteria[1]["met"] is False and later.in_lldas is False


def test_prednisone_comes_from_the_diary_unless_corrected_with_a_reason(db_session, person):
    visit = person.visits[-1]
    steroids.add(db_session, person, steroids.DoseInput(local_date=visit.target_date, drug="prednisone",
                                                        strength_mg="5", tablets="2"),
                 actor=audit.Actor("participant", person.id), today=visit.target_date, now=now_utc(), late_days=3)
    from_diary = _assess(db_session, person, visit, prednisone_mg="")
    assert from_diary.prednisone_mg == Decimal("10.00") and from_diary.lldas_criteria[3]["met"] is False
    with pytest.raises(ValidationFailed, match="^prednisone_reason: Give a reason for this change.$") as caught:
        _assess(db_session, person, visit, prednisone_mg="5", reason="re-scored")
    assert "prednisone_reason" in caught.value.errors
    corrected = _assess(db_session, person, visit, prednisone_mg="5", prednisone_reason="tablets miscounted",
                        reason="re-scored")
    assert corrected.version == 2 and corrected.prednisone_from_diary == Decimal("10.00") and corrected.in_lldas


def test_reassessment_needs_a_reason_and_keeps_the_first(db_session, person):
    first = _assess(db_session, person, person.visits[-1])
    with pytest.raises(ValidationFailed, match="^reason: Give a reason for this change.$"):
        _assess(db_session, person, person.visits[-1], pga="2")
    second = _assess(db_session, person, person.visits[-1], pga="2", reason="PGA entered wrong")
    db_session.refresh(first)
    assert first.superseded_at is not None and first.pga == Decimal("0.50") and second.in_lldas is False
    event_row = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "assessments.correct"))
    assert event_row.reason == "PGA entered wrong" and event_row.changes["pga"] == ["0.50", "2.00"]


def test_infusion_visit_gets_dose_and_vials(db_session, person):
    saved = _assess(db_session, person, person.visits[3], weight_kg="60")
    assert saved.dose_mg == Decimal("600.0")
    assert saved.vials == {"400": 0, "120": 5}


@pytest.mark.parametrize(("field", "value", "message"), [
    ("pga", "4", "^pga: Enter a number from 0 to 3.$"),
    ("variant", "SLEDAI", "^variant: Choose the variant that was scored.$"),
    ("descriptors", ("nope",), "^descriptors: Unknown SLEDAI-2K descriptor.$"),
    ("assessed_on", "2099-01-01", "^local_date: An assessment cannot be in the future.$"),
    ("immunosuppressants", {"aspirin": "1"}, "^immunosuppressants: Unknown immunosuppressant.$"),
])
def test_bad_assessment_input_saves_nothing(db_session, person, field, value, message):
    with pytest.raises(ValidationFailed, match=message):
        _assess(db_session, person, person.visits[-1], **{field: value})
    assert assessments.current_for_visit(db_session, person.visits[-1]) is None


def test_endpoint_report_counts_missing_as_not_in_lldas(db_session, site):
    people = [factories.participant(db_session, site, day1=DAY1) for _ in range(16)]
    for n, person in enumerate(people[:12]):
        _assess(db_session, person, person.visits[-1], pga="0.5" if n < 8 else "2")
    report = endpoint.report(db_session, site.id, today=TODAY)
    assert (report.enrolled, report.assessed, report.in_lldas) == (16, 12, 8)
    assert report.interval == pytest.approx((0.2465, 0.7535), abs=1e-4)
    assert len(report.missing) == 4 and {line.missing for line in report.missing} == {endpoint.NOT_ASSESSED}


def test_acknowledging_an_alert_records_who_when_and_what(db_session, person, coordinator):
    staff = audit.Actor("staff", coordinator.user.id, person.site_id)
    alert = alerts.raise_alert(db_session, participant_id=person.id, tier="RED", rule="self_harm",
                               source_type="check_ins", source_id=1, now=now_utc())
    db_session.commit()
    with pytest.raises(ValidationFailed, match="^note: Give a reason for this change.$"):
        alerts.acknowledge(db_session, alert, note=" ", actor=staff, now=now_utc())
    alerts.acknowledge(db_session, alert, note="called the participant; safe", actor=staff, now=now_utc())
    assert alert.acknowledged_by_id == coordinator.user.id and alert.action_note == "called the participant; safe"
    assert db_session.scalar(select(AuditEvent.reason).where(AuditEvent.action == "alert.acknowledge"))


def test_unacknowledged_red_alert_is_escalated_once(db_session, site, person, app):
    site.on_call_phone, site.red_escalation_minutes = "+8613900000000", 30
    raised = now_utc()
    alerts.raise_alert(db_session, participant_id=person.id, tier="RED", rule="self_harm", source_type="check_ins",
                       source_id=1, now=raised)
    alerts.raise_alert(db_session, participant_id=person.id, tier="AMBER", rule="fever", source_type="x",
                       source_id=2, now=raised)
    db_session.commit()
    sender = FakeSender()
    with app.app_context():  # the text is rendered in Chinese, as the scheduler does
        assert escalation.escalate_overdue(db_session, now=raised + timedelta(minutes=29), sender=sender) == 0
        assert escalation.escalate_overdue(db_session, now=raised + timedelta(minutes=31), sender=sender) == 1
        assert escalation.escalate_overdue(db_session, now=raised + timedelta(minutes=40), sender=sender) == 0
    assert len(sender.outbox) == 1 and sender.outbox[0].to == "+8613900000000"
    assert count_segments(sender.outbox[0].body).count == 1 and not is_gsm7(sender.outbox[0].body)
    body = sender.outbox[0].body.lower()
    assert person.study_id.lower() not in body and "lupus" not in body and "自" not in body


def test_week_sign_off_once_per_week(db_session, person, coordinator):
    staff = audit.Actor("staff", coordinator.user.id, person.site_id)
    monday = TODAY - timedelta(days=TODAY.weekday())
    review.sign_off(db_session, person, monday, note="reviewed", actor=staff, now=now_utc(), today=TODAY)
    with pytest.raises(ValidationFailed, match="^week: This week is signed off already.$"):
        review.sign_off(db_session, person, monday, note=None, actor=staff, now=now_utc(), today=TODAY)
    with pytest.raises(ValidationFailed, match=r"^week: Choose a week that has begun \(weeks start on Monday\).$"):
        review.sign_off(db_session, person, monday + timedelta(days=1), note=None, actor=staff, now=now_utc(),
                        today=TODAY)
    weeks = review.weeks(db_session, person, today=TODAY, count=2)
    assert weeks[0].sign_off is not None and weeks[1].sign_off is None


def _count_queries(db_session, site, today) -> int:
    statements = []
    bind = db_session.get_bind()
    engine = getattr(bind, "engine", bind)

    def count(*_args):
        statements.append(1)

    event.listen(engine, "before_cursor_execute", count)
    try:
        rows = dashboard.build(db_session, site.id, load_protocol(), today)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert rows
    return len(statements)


def test_dashboard_queries_do_not_grow_with_participants(db_session, site):
    from companion.models import Participant, Visit
    from companion.services.enrolment import Enrolment, enrol

    def add(count: int, start: int):
        for n in range(start, start + count):
            enrol(db_session, Enrolment(study_id=f"Q-{n:04d}", phone=f"+86139{n:08d}", day1=DAY1, weight_kg="60"),
                  site=site, protocol=load_protocol(), actor=STAFF, now=now_utc(), today=TODAY, consent_version="v")

    add(16, 0)
    db_session.expunge_all()
    at_16 = _count_queries(db_session, site, TODAY)
    add(484, 16)
    db_session.expunge_all()
    at_500 = _count_queries(db_session, site, TODAY)
    assert db_session.scalar(select(Participant.id).order_by(Participant.id.desc()).limit(1))
    assert db_session.query(Visit).count() == 500 * 8
    assert at_16 == at_500 <= 10
