"""The diary through the pages and the API: forms, urgent advice, idempotent API, clear 4xx."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from companion.db import now_utc
from companion.models import Alert, DiaryEntry, SteroidDose
from companion.services.schedules import local_today
from tests import factories


@pytest.fixture
def today():
    return local_today("Asia/Shanghai", now_utc())


@pytest.fixture
def me(client, db_session, site, signin_participant, today):
    person = factories.participant(db_session, site, day1=today - timedelta(days=20), language="en")
    signin_participant(client, person)
    return person


def test_a_day_is_logged_on_one_screen(client, db_session, me):
    page = client.get("/my/diary").get_data(as_text=True)
    for name in ('name="fatigue"', 'name="joint_pain"', 'name="symptoms"', 'name="temperature_c"', 'name="note"',
                 "Steroid tablets"):
        assert name in page
    response = client.post("/my/diary", data={"fatigue": "4", "joint_pain": "6", "symptoms": ["hair_loss"]})
    assert response.status_code == 302 and response.location == "/my/diary"
    entry = db_session.scalar(select(DiaryEntry))
    assert (entry.fatigue, entry.joint_pain, entry.symptoms) == (4, 6, ["hair_loss"])
    assert 'id="fatigue-4" name="fatigue" value="4" checked' in client.get("/my/diary").get_data(as_text=True)


def test_bad_form_input_is_a_400_with_the_message_and_nothing_saved(client, db_session, me):
    response = client.post("/my/diary", data={"fatigue": "12", "joint_pain": "3", "temperature_c": "45",
                                              "note": "<b>hi</b>"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Choose a number from 0 to 10" in page and "cannot contain HTML" in page and "<b>hi</b>" not in page
    assert db_session.scalar(select(func.count(DiaryEntry.id))) == 0


def test_future_day_in_the_address_is_a_400(client, me, today):
    assert client.get(f"/my/diary?day={today + timedelta(days=1)}").status_code == 400
    assert client.get("/my/diary?day=yesterday").status_code == 400


def test_urgent_advice_shows_at_once_after_a_self_harm_answer(client, db_session, me, site):
    site.emergency_number, site.contact_phone = "120", "+86 10 1234 5678"
    db_session.commit()
    response = client.post("/my/check-in/mood", data={"phq1": "2", "phq2": "2"})
    assert response.location == "/my/check-in/mood/more"
    answers = {f"phq{i}": "0" for i in range(1, 10)} | {"phq9": "1"}
    response = client.post("/my/check-in/mood/more", data=answers)
    assert response.location == "/my/urgent"
    page = client.get("/my/urgent").get_data(as_text=True)
    assert 'href="tel:120"' in page and "+86 10 1234 5678" in page
    assert db_session.scalar(select(Alert.tier).where(Alert.rule == "self_harm")) == "RED"


def test_steroid_dose_and_same_as_yesterday(client, db_session, me):
    response = client.post("/my/steroids", data={"drug": "prednisone_acetate", "strength_mg": "5", "tablets": "2"})
    assert response.status_code == 302
    assert "Prednisone equivalent today: 10 mg" in client.get("/my/diary").get_data(as_text=True)
    assert client.post("/my/steroids/same-as-yesterday").status_code == 400  # today has doses already
    assert client.post("/my/steroids", data={"drug": "aspirin", "strength_mg": "5", "tablets": "1"}).status_code == 400
    assert db_session.scalar(select(func.count(SteroidDose.id))) == 1


def test_trends_have_a_text_alternative(client, me):
    client.post("/my/steroids", data={"drug": "prednisone", "strength_mg": "5", "tablets": "2"})
    page = client.get("/my/trends").get_data(as_text=True)
    assert page.count('role="img"') == 3 and "<desc" in page
    assert "latest 10 mg" in page and "7.5 mg/day" in page


def test_api_same_client_id_three_times_is_one_row(client, db_session, me, today):
    body = {"client_id": "phone-0001-abc", "local_date": today.isoformat(), "fatigue": 2, "joint_pain": 1}
    codes = [client.post("/api/v1/diary-entries", json=body).status_code for _ in range(3)]
    assert codes == [201, 200, 200]
    assert db_session.scalar(select(func.count(DiaryEntry.id))) == 1


@pytest.mark.parametrize("change", [{"fatigue": "2"}, {"fatigue": 2.5}, {"symptoms": "new_rash"},
                                    {"note": "x" * 501}, {"local_date": "2099-01-01"}, {"client_id": "x"},
                                    {"temperature_c": "warm"}])
def test_api_wrong_types_and_values_are_422(client, db_session, me, today, change):
    body = {"client_id": "phone-0002-abc", "local_date": today.isoformat(), "fatigue": 2, "joint_pain": 1} | change
    response = client.post("/api/v1/diary-entries", json=body)
    assert response.status_code == 422 and response.get_json()["errors"]
    assert db_session.scalar(select(func.count(DiaryEntry.id))) == 0


def test_api_error_messages_follow_the_participants_language(client, db_session, me, today):
    me.language = "zh-CN"
    db_session.commit()
    body = {"client_id": "phone-0003-abc", "local_date": today.isoformat(), "fatigue": 20, "joint_pain": 1}
    message = client.post("/api/v1/diary-entries", json=body).get_json()["errors"]["json"]["fatigue"][0]
    assert "0" in message and "10" in message and any("\u4e00" <= ch <= "\u9fff" for ch in message)


def test_api_lists_and_corrects(client, me, today):
    body = {"client_id": "phone-0004-abc", "local_date": today.isoformat(), "fatigue": 2, "joint_pain": 1}
    record_id = client.post("/api/v1/diary-entries", json=body).get_json()["record_id"]
    fix = {"local_date": today.isoformat(), "fatigue": 5, "joint_pain": 1, "reason": "wrong tap"}
    corrected = client.post(f"/api/v1/diary-entries/{record_id}/corrections", json=fix).get_json()
    assert corrected["version"] == 2 and corrected["fatigue"] == 5
    listed = client.get(f"/api/v1/diary-entries?start={today}&end={today}").get_json()
    assert [(e["record_id"], e["version"], e["fatigue"]) for e in listed] == [(record_id, 2, 5)]


def test_api_cannot_correct_another_participants_entry(client, db_session, site, me, today, signin_participant,
                                                       app):
    other = factories.participant(db_session, site, day1=today - timedelta(days=20))
    other_client = signin_participant(app.test_client(), other)
    body = {"client_id": "phone-0005-abc", "local_date": today.isoformat(), "fatigue": 2, "joint_pain": 1}
    record_id = other_client.post("/api/v1/diary-entries", json=body).get_json()["record_id"]
    fix = {"local_date": today.isoformat(), "fatigue": 9, "joint_pain": 9, "reason": "not mine"}
    assert client.post(f"/api/v1/diary-entries/{record_id}/corrections", json=fix).status_code == 404
    assert client.get(f"/api/v1/diary-entries?start={today}&end={today}").get_json() == []


def test_api_check_in_reports_urgent(client, me, today):
    answers = {f"phq{i}": 0 for i in range(1, 10)} | {"phq9": 2}
    body = {"client_id": "phone-0006-abc", "local_date": today.isoformat(), "kind": "phq9", "answers": answers}
    response = client.post("/api/v1/check-ins", json=body)
    assert response.status_code == 201 and response.get_json()["urgent"] is True


def test_openapi_describes_the_diary_endpoints(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in ("/api/v1/diary-entries", "/api/v1/steroid-doses", "/api/v1/check-ins",
                 "/api/v1/diary-entries/{record_id}/corrections"):
        assert path in paths


def test_coordinator_sees_the_alert_list(client, db_session, site, coordinator, signin_staff, app, today,
                                         signin_participant):
    person = factories.participant(db_session, site, day1=today - timedelta(days=20))
    phone = signin_participant(app.test_client(), person)
    phone.post("/my/diary", data={"fatigue": "1", "joint_pain": "1", "symptoms": ["neuro"]})
    signin_staff(client, coordinator)
    page = client.get("/coordinator/alerts").get_data(as_text=True)
    assert "RED" in page and person.study_id in page


def test_api_check_in_correction_keeps_the_first_answers(client, db_session, me, today):
    body = {"client_id": "phone-0007-abc", "local_date": today.isoformat(), "kind": "phq2",
            "answers": {"phq1": 0, "phq2": 1}}
    record_id = client.post("/api/v1/check-ins", json=body).get_json()["record_id"]
    response = client.post(f"/api/v1/check-ins/{record_id}/corrections",
                           json={"answers": {"phq1": 2, "phq2": 2}, "reason": "answered too fast"})
    assert response.status_code == 201
    assert response.get_json()["total"] == 4 and response.get_json()["version"] == 2
    assert db_session.scalar(select(Alert.rule)) == "phq2_positive"
    listed = client.get(f"/api/v1/check-ins?start={today}&end={today}").get_json()
    assert [(c["version"], c["total"]) for c in listed] == [(2, 4)]


def test_dose_in_mg_without_tablets(client, db_session, me):
    response = client.post("/my/steroids", data={"drug": "dexamethasone", "strength_mg": "", "tablets": "",
                                                 "dose_mg": "0.75"})
    assert response.status_code == 302
    assert "Prednisone equivalent today: 5 mg" in client.get("/my/diary").get_data(as_text=True)


def test_adding_a_dose_keeps_what_was_tapped(client, me):
    response = client.post("/my/steroids", data={"fatigue": "4", "joint_pain": "6", "symptoms": ["hair_loss"],
                                                 "drug": "prednisone", "strength_mg": "5", "tablets": "1"})
    assert response.status_code == 302
    page = client.get("/my/diary").get_data(as_text=True)
    assert 'id="fatigue-4" name="fatigue" value="4" checked' in page
    assert 'id="joint_pain-6" name="joint_pain" value="6" checked' in page
    assert 'value="hair_loss" checked' in page
    assert 'value="None"' not in page


def test_save_with_a_typed_dose_saves_both_or_neither(client, db_session, me):
    bad = client.post("/my/diary", data={"fatigue": "2", "joint_pain": "2", "drug": "prednisone",
                                         "strength_mg": "5", "tablets": "-1"})
    assert bad.status_code == 400
    assert db_session.scalar(select(func.count(DiaryEntry.id))) == 0
    good = client.post("/my/diary", data={"fatigue": "2", "joint_pain": "2", "drug": "prednisone",
                                          "strength_mg": "5", "tablets": "1"})
    assert good.status_code == 302
    assert db_session.scalar(select(func.count(DiaryEntry.id))) == 1
    assert db_session.scalar(select(func.count(SteroidDose.id))) == 1


def test_scores_have_no_default_answer(client, db_session, me):
    page = client.get("/my/diary").get_data(as_text=True)
    assert " checked" not in page
    assert client.post("/my/diary", data={"joint_pain": "2"}).status_code == 400


def test_same_as_yesterday_is_offered_only_when_yesterday_has_doses(client, db_session, me, today):
    assert "same-as-yesterday" not in client.get("/my/diary").get_data(as_text=True)
    client.post(f"/my/steroids?day={today - timedelta(days=1)}", data={"drug": "prednisone", "strength_mg": "5",
                                                                       "tablets": "1"})
    assert "same-as-yesterday" in client.get("/my/diary").get_data(as_text=True)
    assert client.post("/my/steroids/same-as-yesterday").status_code == 302
    assert "Prednisone equivalent today: 5 mg" in client.get("/my/diary").get_data(as_text=True)


def test_api_correction_with_an_overlong_client_id_is_422(client, me, today):
    body = {"client_id": "phone-0008-abc", "local_date": today.isoformat(), "fatigue": 2, "joint_pain": 1}
    record_id = client.post("/api/v1/diary-entries", json=body).get_json()["record_id"]
    fix = {"local_date": today.isoformat(), "fatigue": 5, "joint_pain": 1, "reason": "x", "client_id": "a" * 300}
    assert client.post(f"/api/v1/diary-entries/{record_id}/corrections", json=fix).status_code == 422


def test_free_text_never_goes_into_the_draft_cookie(client, me):
    client.post("/my/steroids", data={"fatigue": "4", "joint_pain": "6", "note": "private words",
                                      "drug": "prednisone", "strength_mg": "5", "tablets": "1"})
    with client.session_transaction() as session:
        assert "private words" not in str(session.get("diary_draft"))
        assert session["diary_draft"]["values"]["fatigue"] == "4"


def test_phq9_offered_on_the_home_page_after_an_infusion(client, db_session, site, signin_participant, today, app):
    person = factories.participant(db_session, site, day1=today - timedelta(days=1), language="en")
    phone = signin_participant(app.test_client(), person)
    assert "/my/check-in/mood/more" in phone.get("/my/").get_data(as_text=True)
    answers = {f"phq{i}": "0" for i in range(1, 10)}
    assert phone.post("/my/check-in/mood/more", data=answers).status_code == 302
    assert "/my/check-in/mood/more" not in phone.get("/my/").get_data(as_text=True)
