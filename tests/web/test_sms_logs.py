"""No phone number, one-time code or message text reaches the logs (RELIABILITY-SECURITY.md, test 14):
every log record, at DEBUG and from every library, across sign-in by SMS code, planning, a dispatch
through the real twilio library (its HTTP logging included), errors, and both webhooks."""

from __future__ import annotations

import json
import logging
from datetime import UTC, date, datetime
from urllib.parse import parse_qs

import requests
from twilio.http.http_client import TwilioHttpClient
from twilio.request_validator import RequestValidator

from companion.services import dispatch
from companion.sms.twilio_sender import TwilioSender
from tests import factories
from tests.conftest import code_from

TOKEN = "log-test-token"
ACCOUNT = "AC" + "0" * 32


class OfflineSession(requests.Session):
    """requests' session with the network replaced by canned answers; the library's own logging still runs."""

    def __init__(self, *answers):
        super().__init__()
        self.answers = list(answers)
        self.bodies = []

    def send(self, prepared, **kwargs):
        self.bodies.append(prepared.body)
        status, payload = self.answers.pop(0)
        response = requests.Response()
        response.status_code, response._content = status, json.dumps(payload).encode()  # noqa: SLF001
        response.headers["Content-Type"] = "application/json"
        response.url, response.request = prepared.url, prepared
        return response


def test_nothing_personal_in_any_log_record(make_app, db_session, site, caplog):
    caplog.set_level(logging.DEBUG)
    app = make_app(TWILIO_AUTH_TOKEN=TOKEN, PUBLIC_URL="https://companion.example.org")
    client = app.test_client()
    sender = app.extensions["sms_sender"]
    # sign-in with an SMS code
    person = factories.participant(db_session, site, language="en")
    assert client.post("/signin", data={"phone": person.phone_e164}).status_code == 302
    code = code_from(sender, person.phone_e164)
    assert client.post("/signin/code", data={"code": code}).status_code == 302
    # planning and a dispatch through the real library, one error answer and one success
    other = factories.enrolled(db_session, site, day1=date(2026, 3, 2), now=datetime(2026, 3, 2, 1, tzinfo=UTC))
    http = TwilioHttpClient(timeout=5)
    http.session = OfflineSession(
        (500, {"code": 20500, "message": f"Internal error sending to {other.phone_e164}", "status": 500}),
        (201, {"sid": "SM" + "c" * 32, "status": "queued"}))
    twilio = TwilioSender(ACCOUNT, "secret-token", from_number="+15017122661", http_client=http)
    due = datetime(2026, 3, 14, 11, 0, tzinfo=UTC)
    assert dispatch.dispatch_due(db_session, twilio, now=due).retried == 1
    assert dispatch.dispatch_due(db_session, twilio, now=due.replace(minute=1)).sent == 1
    body_text = parse_qs(http.session.bodies[-1])["Body"][0]
    assert "3月16日" in body_text
    # both webhooks, with a reply whose text is personal
    validator = RequestValidator(TOKEN)
    status = {"MessageSid": "SM" + "c" * 32, "MessageStatus": "undelivered", "ErrorCode": "30003",
              "To": other.phone_e164, "AccountSid": ACCOUNT}
    client.post("/sms/status", data=status, headers={"X-Twilio-Signature": validator.compute_signature(
        "https://companion.example.org/sms/status", status)})
    reply = {"MessageSid": "SM" + "d" * 32, "From": other.phone_e164, "To": "+15017122661",
             "Body": "my rash is back and I took 40 mg", "AccountSid": ACCOUNT}
    client.post("/sms/inbound", data=reply, headers={"X-Twilio-Signature": validator.compute_signature(
        "https://companion.example.org/sms/inbound", reply)})
    client.post("/sms/inbound", data=reply)  # unsigned: refused and logged

    records = caplog.records
    assert any(r.name.startswith("twilio") for r in records), "the library's HTTP logging was not exercised"
    assert any("reminder" in r.getMessage() for r in records)
    text = "\n".join(f"{r.name} {r.getMessage()} {r.args!r} {r.exc_text or ''}" for r in records)
    for number in (person.phone_e164, other.phone_e164):
        assert number not in text and number[3:] not in text
    assert code not in text
    assert body_text not in text and "Mon 16 Mar" not in text and "3月16日" not in text
    assert "rash" not in text and "40 mg" not in text
    assert "secret-token" not in text and TOKEN not in text
