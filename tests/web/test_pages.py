"""What participants and coordinators see: the schedule first screen, the API, the coordinator pages."""

from __future__ import annotations

from datetime import timedelta

from icalendar import Calendar
from openapi_spec_validator import validate
from sqlalchemy import select

from companion.db import now_utc
from companion.models import AuditEvent, Participant
from companion.services.schedules import local_today
from tests import factories


def _today():
    return local_today("Asia/Shanghai", now_utc())


def test_first_screen_shows_the_next_visit_before_the_list(client, db_session, site, signin_participant):
    participant = factories.participant(db_session, site, day1=_today() - timedelta(days=20), language="en")
    signin_participant(client, participant)
    page = client.get("/my/").get_data(as_text=True)
    week4 = participant.visits[2].target_date
    assert page.index("Next visit") < page.index("All visits")
    assert "In 8 days" in page  # day 21 today, day 29 next
    assert "Outpatient building 2" in page
    assert page.count('class="visit visit-done"') == 0 and page.count("Missed") == 2
    assert week4.strftime("%Y") in page


def test_schedule_in_chinese(client, db_session, site, signin_participant):
    participant = factories.participant(db_session, site, day1=_today() - timedelta(days=20), language="zh-CN")
    signin_participant(client, participant)
    page = client.get("/my/").get_data(as_text=True)
    assert 'lang="zh-CN"' in page and "下次" in page


def test_api_schedule_matches_the_page(client, db_session, site, signin_participant):
    participant = factories.participant(db_session, site, day1=_today() - timedelta(days=20))
    signin_participant(client, participant)
    data = client.get("/api/v1/schedule").get_json()
    assert data["study_id"] == participant.study_id
    assert data["next_visit"]["study_day"] == 29 and data["next_visit"]["days_to_go"] == 8
    assert [v["state"] for v in data["visits"]][:3] == ["missed", "missed", "upcoming"]
    assert data["visits"][-1]["endpoint"] is True and data["visits"][-1]["week"] == 24
    assert data["next_visit"]["starts_at"].endswith("+08:00")


def test_openapi_document_is_valid_and_describes_the_schedule(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    validate(spec)
    assert "/api/v1/schedule" in spec["paths"]
    assert "Schedule" in spec["components"]["schemas"]


def test_calendar_file_names_no_drug_or_disease(client, db_session, site, signin_participant):
    participant = factories.participant(db_session, site, day1=_today(), language="zh-CN")
    signin_participant(client, participant)
    response = client.get("/my/calendar.ics")
    assert response.mimetype == "text/calendar"
    calendar = Calendar.from_ical(response.data)
    events = list(calendar.walk("VEVENT"))
    assert len(events) == 8
    text = response.data.decode().lower()
    for word in ("belimumab", "benlysta", "lupus", "sle", "狼疮", "贝利尤单抗", "infusion", "输注", "study", "研究"):
        assert word not in text
    first = events[0]
    assert first.decoded("dtstart").utcoffset() == timedelta(0)
    assert first.decoded("dtstart").hour == 0 and first.decoded("dtstart").minute == 30  # 08:30 in Beijing


def test_coordinator_enrols_through_the_form(client, db_session, coordinator, signin_staff):
    signin_staff(client, coordinator)
    response = client.post("/coordinator/participants/new", data={
        "study_id": "web-01", "phone": "13800138055", "language": "en", "timezone": "", "day1": "2026-12-01",
        "weight_kg": "64.2", "sms_consent": "y"})
    assert response.status_code == 302, response.get_data(as_text=True)
    participant = db_session.scalar(select(Participant).where(Participant.study_id == "WEB-01"))
    assert participant.phone_e164 == "+8613800138055" and participant.timezone == "Asia/Shanghai"
    assert participant.sms_consent and participant.sms_consent_at is not None
    event = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "participant.enrol"))
    assert event.actor_id == coordinator.user.id


def test_enrol_form_shows_errors_and_saves_nothing(client, db_session, coordinator, signin_staff):
    signin_staff(client, coordinator)
    response = client.post("/coordinator/participants/new", data={
        "study_id": "<script>alert(1)</script>", "phone": "555", "language": "en", "day1": "2026-12-01",
        "weight_kg": "-3"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page and "not a valid phone number" in page
    assert db_session.scalar(select(Participant)) is None


def test_flags_show_on_the_coordinator_screen(client, db_session, site, coordinator, signin_staff):
    participant = factories.participant(db_session, site, day1=_today() - timedelta(days=70))
    signin_staff(client, coordinator)
    visits = participant.visits
    for visit, day in ((visits[0], 0), (visits[1], 14), (visits[2], 28), (visits[3], 45)):
        response = client.post(f"/coordinator/participants/{participant.id}/visits", data={
            "visit_id": visit.id, "action": "record", "date": (participant.day1 + timedelta(days=day)).isoformat(),
            "reason": "infusion given"})
        assert response.status_code == 302
    page = client.get(f"/coordinator/participants/{participant.id}").get_data(as_text=True)
    assert "Outside window" in page  # day 46 against a target of day 57
    assert "Fewer than 21 days after the previous infusion (17 days)" in page


def test_moving_a_visit_through_the_page_needs_a_reason(client, participant, coordinator, signin_staff):
    signin_staff(client, coordinator)
    response = client.post(f"/coordinator/participants/{participant.id}/visits", data={
        "visit_id": participant.visits[4].id, "action": "move", "date": "2027-01-01", "reason": ""})
    assert response.status_code == 400
