"""Sign-in through the web: participants by code, staff by password and TOTP, and sessions ending."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from companion.models import AuditEvent, AuthSession
from tests.conftest import code_from


def test_participant_signs_in_with_the_code_and_lands_on_the_schedule(client, participant, signin_participant):
    signin_participant(client, participant)
    page = client.get("/my/")
    assert page.status_code == 200
    assert participant.study_id in page.get_data(as_text=True)


def test_unknown_number_looks_the_same_as_a_known_one(client, sender):
    response = client.post("/signin", data={"phone": "+8613912345678"})
    assert response.status_code == 302 and response.location.endswith("/signin/code")
    assert sender.outbox == []


def test_invalid_number_gets_a_message_not_a_500(client):
    response = client.post("/signin", data={"phone": "12<script>"})
    assert response.status_code == 400
    assert "<script>" not in response.get_data(as_text=True)


def test_wrong_code_is_a_400_with_a_message(client, participant, sender):
    client.post("/signin", data={"phone": participant.phone_e164})
    right = code_from(sender, participant.phone_e164)
    wrong = f"{(int(right) + 1) % 10**6:06d}"
    response = client.post("/signin/code", data={"code": wrong})
    assert response.status_code == 400
    assert client.get("/my/").status_code == 302


def test_code_page_without_an_attempt_goes_back(client):
    assert client.post("/signin/code", data={"code": "123456"}).status_code == 302


def test_cookie_replayed_after_sign_out_is_rejected(client, app, participant, signin_participant):
    signin_participant(client, participant)
    cookie = client.get_cookie("companion_session", domain="localhost")
    assert client.post("/signout").status_code == 302
    replay = app.test_client()
    replay.set_cookie("companion_session", cookie.value, domain="localhost")
    response = replay.get("/my/")
    assert response.status_code == 302 and "/signin" in response.location


def test_lost_phone_ends_every_session_of_the_participant(app, client, participant, coordinator,
                                                          signin_participant, signin_staff, db_session):
    phone = signin_participant(app.test_client(), participant)
    assert phone.get("/my/").status_code == 200
    signin_staff(client, coordinator)
    response = client.post(f"/coordinator/participants/{participant.id}/end-sessions",
                           data={"reason": "phone reported lost"})
    assert response.status_code == 302
    assert phone.get("/my/").status_code == 302
    event = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "auth.sessions_ended"))
    assert event.reason == "phone reported lost" and event.actor_id == coordinator.user.id


def test_lost_phone_needs_a_reason(client, participant, coordinator, signin_staff):
    signin_staff(client, coordinator)
    response = client.post(f"/coordinator/participants/{participant.id}/end-sessions", data={"reason": "  "})
    assert response.status_code == 400


def test_staff_need_both_factors(client, coordinator):
    response = client.post("/staff/signin", data={"email": coordinator.email, "password": coordinator.password})
    assert response.status_code == 302 and response.location.endswith("/staff/signin/verify")
    assert client.get("/coordinator/").status_code == 302  # not signed in after the password alone
    wrong = "000000" if coordinator.current_code() != "000000" else "111111"
    assert client.post("/staff/signin/verify", data={"code": wrong}).status_code == 400
    assert client.post("/staff/signin/verify", data={"code": coordinator.current_code()}).status_code == 302
    assert client.get("/coordinator/").status_code == 200


def test_wrong_password_and_unknown_email_look_the_same(client, coordinator):
    wrong = client.post("/staff/signin", data={"email": coordinator.email, "password": "not the password"})
    unknown = client.post("/staff/signin", data={"email": "nobody@example.org", "password": "not the password"})
    assert wrong.status_code == unknown.status_code == 400
    def page(response, email):
        text = response.get_data(as_text=True).replace(email, "EMAIL")
        return re.sub(r'name="csrf_token" value="[^"]*"', "", text)

    assert page(wrong, coordinator.email) == page(unknown, "nobody@example.org")


def test_totp_code_cannot_be_replayed(app, coordinator):
    code = coordinator.current_code()  # the same code twice, even if the clock ticks into the next step
    for expected in (302, 400):
        client = app.test_client()
        client.post("/staff/signin", data={"email": coordinator.email, "password": coordinator.password})
        assert client.post("/staff/signin/verify", data={"code": code}).status_code == expected


def test_disabled_staff_account_is_signed_out(client, coordinator, signin_staff, db_session):
    signin_staff(client, coordinator)
    coordinator.user.active = False
    db_session.commit()
    assert client.get("/coordinator/").status_code == 302


def test_idle_staff_session_ends(client, coordinator, signin_staff, db_session, app):
    signin_staff(client, coordinator)
    idle = timedelta(minutes=app.config["STAFF_IDLE_MINUTES"], seconds=1)
    for row in db_session.scalars(select(AuthSession)):
        row.last_seen_at -= idle
    db_session.commit()
    assert client.get("/coordinator/").status_code == 302


def test_sign_in_starts_a_new_session(client, participant, signin_participant):
    client.get("/signin")
    with client.session_transaction() as before:
        before["stale"] = "left from before"
    signin_participant(client, participant)
    with client.session_transaction() as after:
        assert "stale" not in after


def test_next_stays_on_the_site(client, coordinator):
    client.post("/staff/signin?next=//evil.example/x", data={"email": coordinator.email,
                                                              "password": coordinator.password})
    response = client.post("/staff/signin/verify", data={"code": coordinator.current_code()})
    assert response.status_code == 302
    assert response.location == "/coordinator/"


def test_next_inside_the_site_is_followed(client, participant, sender):
    client.post("/signin?next=/my/calendar.ics", data={"phone": participant.phone_e164})
    response = client.post("/signin/code", data={"code": code_from(sender, participant.phone_e164)})
    assert response.location == "/my/calendar.ics"


def test_console_sender_refuses_production(make_app):
    with pytest.raises(RuntimeError, match="console SMS sender"):
        make_app(APP_ENV="production", SMS_BACKEND="console", SMS_SENDER=None)


def test_sms_failure_looks_like_any_other_number_and_is_audited(make_app, participant, db_session):
    class Broken:
        def send(self, to, body, **options):
            raise ConnectionError("provider down")

    client = make_app(SMS_SENDER=Broken()).test_client()
    known = client.post("/signin", data={"phone": participant.phone_e164})
    unknown = client.post("/signin", data={"phone": "+8613912345678"})
    assert known.status_code == unknown.status_code == 302  # no 500, and nothing tells the numbers apart
    event = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "auth.code_not_sent"))
    assert event.participant_id == participant.id and event.changes == {"error": "ConnectionError"}


def test_participant_language_choice_is_saved_and_audited(client, participant, signin_participant, db_session):
    signin_participant(client, participant)
    response = client.post("/language", data={"language": "en", "next": "/my/"})
    assert response.status_code == 302 and response.location == "/my/"
    db_session.refresh(participant)
    assert participant.language == "en"
    event = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "participant.language"))
    assert event.changes == {"language": ["zh-CN", "en"]}
    assert 'lang="en"' in client.get("/my/").get_data(as_text=True)


def test_unknown_language_is_a_400(client):
    assert client.post("/language", data={"language": "fr"}).status_code == 400
