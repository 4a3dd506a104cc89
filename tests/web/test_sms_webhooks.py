"""Twilio's webhooks, signed with the real RequestValidator: signatures (missing, tampered, extra
parameter, public URL, behind a proxy), idempotent and forward-only status callbacks, and replies."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select
from twilio.request_validator import RequestValidator

from companion.config import Settings
from companion.models import Alert, AuditEvent, InboundMessage, Reminder
from companion.services import dispatch, reminders
from companion.sms import FakeSender
from tests import factories

TOKEN = "webhook-test-token"
ACCOUNT = "AC" + "0" * 32
STATUS_URL = "http://localhost/sms/status"
INBOUND_URL = "http://localhost/sms/inbound"
DUE = datetime(2026, 3, 14, 11, 0, tzinfo=UTC)


@pytest.fixture
def app(make_app):
    return make_app(TWILIO_AUTH_TOKEN=TOKEN, WTF_CSRF_ENABLED=True)


def signed(url: str, params: dict, token: str = TOKEN) -> dict:
    return {"X-Twilio-Signature": RequestValidator(token).compute_signature(url, params)}


@pytest.fixture
def sent(db_session, site):
    """A participant whose 2-day reminder has gone to the provider (sid FAKE000001)."""
    person = factories.enrolled(db_session, site, day1=date(2026, 3, 2), now=datetime(2026, 3, 2, 1, tzinfo=UTC))
    assert dispatch.dispatch_due(db_session, FakeSender(), now=DUE).sent == 1
    return person, db_session.scalar(select(Reminder).where(Reminder.status == "sent"))


def status_params(sid: str, status: str, **extra) -> dict:
    return {"MessageSid": sid, "MessageStatus": status, "AccountSid": ACCOUNT, "To": "+8613900000001", **extra}


def post_status(client, params, headers=None):
    return client.post("/sms/status", data=params, headers=headers if headers is not None else signed(STATUS_URL,
                                                                                                         params))


def fresh(db_session, row):
    db_session.expire_all()
    return db_session.get(type(row), row.id)


def test_no_signature_is_403_and_writes_nothing(client, db_session, sent):
    _person, row = sent
    response = post_status(client, status_params(row.provider_sid, "undelivered"), headers={})
    assert response.status_code == 403
    assert fresh(db_session, row).provider_status == "sent"
    response = client.post("/sms/inbound", data={"MessageSid": "SM" + "1" * 32, "From": "+8613900000001",
                                                 "Body": "STOP"})
    assert response.status_code == 403
    assert db_session.scalar(select(func.count(InboundMessage.id))) == 0


def test_tampered_or_wrongly_signed_is_403(client, db_session, sent):
    _person, row = sent
    params = status_params(row.provider_sid, "delivered")
    headers = signed(STATUS_URL, params)
    assert post_status(client, {**params, "MessageStatus": "undelivered"}, headers).status_code == 403
    assert post_status(client, params, signed(STATUS_URL, params, token="another")).status_code == 403
    assert post_status(client, params, {"X-Twilio-Signature": "\x00not base64 at all"}).status_code == 403
    assert post_status(client, params, signed("http://localhost/sms/inbound", params)).status_code == 403
    assert fresh(db_session, row).provider_status == "sent"
    assert db_session.scalar(select(func.count(Alert.id))) == 0


def test_valid_signature_with_an_unknown_extra_parameter_is_accepted(client, db_session, sent):
    _person, row = sent
    params = status_params(row.provider_sid, "delivered", SomethingNew="1", RawDlrDoneDate="2603141101")
    assert post_status(client, params).status_code == 204
    row = fresh(db_session, row)
    assert (row.status, row.provider_status) == ("delivered", "delivered")


def test_without_a_token_configured_nothing_is_accepted(make_app, db_session, sent):
    client = make_app(TWILIO_AUTH_TOKEN=None).test_client()
    _person, row = sent
    assert post_status(client, status_params(row.provider_sid, "delivered")).status_code == 403


def test_the_same_callback_twice_is_processed_once(client, db_session, sent):
    _person, row = sent
    params = status_params(row.provider_sid, "undelivered", ErrorCode="30003")
    assert post_status(client, params).status_code == 204
    first = fresh(db_session, row).status_changed_at
    assert post_status(client, params).status_code == 204
    row = fresh(db_session, row)
    assert (row.status, row.error_code, row.status_changed_at) == ("undelivered", 30003, first)
    alerts = db_session.scalars(select(Alert).where(Alert.rule == "sms_undelivered")).all()
    assert len(alerts) == 1 and alerts[0].tier == "AMBER" and alerts[0].details["error_code"] == 30003
    assert db_session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "alert.raise")) == 1


def test_status_only_moves_forward(client, db_session, sent):
    _person, row = sent
    for status in ("delivered", "sent", "queued", "failed"):
        assert post_status(client, status_params(row.provider_sid, status)).status_code == 204
    row = fresh(db_session, row)
    assert (row.status, row.provider_status) == ("delivered", "delivered")
    assert db_session.scalar(select(func.count(Alert.id))) == 0


def test_failed_raises_an_amber_alert(client, db_session, sent):
    person, row = sent
    assert post_status(client, status_params(row.provider_sid, "failed", ErrorCode="30008")).status_code == 204
    alert = db_session.scalar(select(Alert).where(Alert.participant_id == person.id))
    assert (alert.tier, alert.rule, alert.source_id) == ("AMBER", "sms_undelivered", row.id)
    assert fresh(db_session, row).status == "failed"


def test_an_unknown_message_sid_is_ignored(client, db_session, sent):
    assert post_status(client, status_params("SM" + "9" * 32, "delivered")).status_code == 204


def test_the_public_url_is_what_is_signed(make_app, db_session, sent):
    _person, row = sent
    client = make_app(TWILIO_AUTH_TOKEN=TOKEN, PUBLIC_URL="https://companion.example.org/").test_client()
    params = status_params(row.provider_sid, "delivered")
    assert post_status(client, params, signed(STATUS_URL, params)).status_code == 403
    assert post_status(client, params, signed("https://companion.example.org/sms/status", params)).status_code == 204


def test_behind_a_proxy_the_forwarded_url_is_what_is_signed(make_app, db_session, sent):
    _person, row = sent
    settings = dataclasses.replace(Settings.from_env(), behind_proxy=True)
    client = make_app(TWILIO_AUTH_TOKEN=TOKEN, SETTINGS=settings).test_client()
    params = status_params(row.provider_sid, "delivered")
    headers = {**signed("https://companion.example.org/sms/status", params), "X-Forwarded-Proto": "https",
               "X-Forwarded-Host": "companion.example.org", "X-Forwarded-For": "203.0.113.9"}
    assert client.post("/sms/status", data=params, headers=headers).status_code == 204
    assert fresh(db_session, row).status == "delivered"


def inbound(client, sender_number: str, body: str, sid: str = "SM" + "1" * 32):
    params = {"MessageSid": sid, "AccountSid": ACCOUNT, "From": sender_number, "To": "+15017122661", "Body": body}
    return client.post("/sms/inbound", data=params, headers=signed(INBOUND_URL, params))


def test_stop_opts_out_once_and_cancels_pending_reminders(client, db_session, sent):
    person, _row = sent
    for _ in range(2):
        response = inbound(client, person.phone_e164, "stop")
        assert response.status_code == 200 and response.mimetype == "application/xml"
        assert "<Message>" not in response.get_data(as_text=True)
    assert reminders.preferences_for(db_session, person).opted_out_at is not None
    statuses = set(db_session.scalars(select(Reminder.status).where(Reminder.participant_id == person.id)))
    assert "pending" not in statuses
    assert db_session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "sms.opt_out")) == 1
    stored = db_session.scalars(select(InboundMessage)).all()
    assert [(m.keyword, m.participant_id) for m in stored] == [("stop", person.id)]


@pytest.mark.parametrize("word", ["STOP", "Unsubscribe", "cancel", "END", "quit", "STOPALL", "TD", "退订"])
def test_standard_opt_out_words(client, db_session, sent, word):
    person, _row = sent
    inbound(client, person.phone_e164, word)
    assert reminders.preferences_for(db_session, person).opted_out_at is not None


def test_start_opts_back_in(client, db_session, site):
    person = factories.participant(db_session, site)  # day 21 today: visits ahead, reminders pending
    inbound(client, person.phone_e164, "STOP", sid="SM" + "2" * 32)
    inbound(client, person.phone_e164, "START", sid="SM" + "3" * 32)
    db_session.expire_all()
    assert reminders.preferences_for(db_session, person).opted_out_at is None
    pending = db_session.scalars(select(Reminder).where(Reminder.participant_id == person.id,
                                                        Reminder.status == "pending")).all()
    assert pending


def test_help_answers_with_the_sites_contact(client, db_session, sent, site):
    person, _row = sent
    site.contact_phone = "+86 10 6915 0000"
    db_session.commit()
    body = inbound(client, person.phone_e164, "HELP").get_data(as_text=True)
    assert "<Message>" in body and "+86 10 6915 0000" in body


def test_c_confirms_the_next_visit(client, db_session, site):
    person = factories.participant(db_session, site, language="en")  # day 21 today: next is day 29
    next_visit = person.visits[2]
    body = inbound(client, person.phone_e164, "c").get_data(as_text=True)
    stored = db_session.scalar(select(InboundMessage))
    assert (stored.keyword, stored.visit_id) == ("confirm", next_visit.id)
    assert "is confirmed" in body and str(next_visit.target_date.day) in body
    event = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "visit.attendance_confirmed"))
    assert event.entity_id == next_visit.id


def test_a_number_we_do_not_know_gets_nothing(client, db_session, sent):
    response = inbound(client, "+447700900123", "HELP")
    assert response.status_code == 200 and "<Message>" not in response.get_data(as_text=True)
    assert db_session.scalar(select(InboundMessage)).participant_id is None


def test_the_reply_text_is_not_stored(client, db_session, sent):
    person, _row = sent
    inbound(client, person.phone_e164, "I have a fever of 39 degrees")
    stored = db_session.scalar(select(InboundMessage))
    assert stored.keyword == "other"
    assert all("fever" not in str(getattr(stored, c.key)) for c in InboundMessage.__table__.columns)
