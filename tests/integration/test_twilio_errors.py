"""Twilio's error answers through the real library with a stub HTTP client (Prism cannot produce Twilio
error codes): what the dispatcher is told, and what it then does."""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, date, datetime

import pytest
import requests
from sqlalchemy import select
from twilio.http import HttpClient
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from urllib3.exceptions import MaxRetryError, NewConnectionError

from companion.models import Alert, Reminder
from companion.services import dispatch, reminders
from companion.sms.errors import SmsBadNumber, SmsOptedOut, SmsRejected, SmsTransient, SmsUncertain
from companion.sms.twilio_sender import TIMEOUT_SECONDS, TwilioSender
from tests import factories

ACCOUNT = "AC" + "0" * 32
NUMBER = "+8613912345678"
CREATED = json.dumps({"sid": "SM" + "b" * 32, "status": "queued"})


class StubHttp(HttpClient):
    """Answers each request with the next canned response (or raises it)."""

    def __init__(self, *answers):
        super().__init__(logging.getLogger("tests.stub_http"), False, 5)
        self.answers = list(answers)
        self.requests = []

    def request(self, method, url, params=None, data=None, headers=None, auth=None, timeout=None,
                allow_redirects=False):
        self.requests.append({"method": method, "url": url, "data": dict(data or {}), "timeout": timeout})
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


def error(status: int, code: int, message: str = "") -> Response:
    return Response(status, json.dumps({"code": code, "message": message, "status": status,
                                        "more_info": f"https://www.twilio.com/docs/errors/{code}"}))


def sender(*answers, **kwargs) -> TwilioSender:
    return TwilioSender(ACCOUNT, "token", from_number="+15017122661", http_client=StubHttp(*answers), **kwargs)


def refused() -> requests.ConnectionError:
    return requests.ConnectionError(MaxRetryError(None, "/", NewConnectionError(None, "refused")))


UNCERTAIN = "no answer after sending; the message may have been accepted (code None, HTTP None)"


@pytest.mark.parametrize(("answer", "expected", "code", "message"), [
    (error(400, 21610, "Attempt to send to unsubscribed recipient"), SmsOptedOut, 21610,
     "recipient has opted out (code 21610, HTTP 400)"),
    (error(400, 21211, f"The 'To' number {NUMBER} is not a valid phone number."), SmsBadNumber, 21211,
     "number cannot receive SMS (code 21211, HTTP 400)"),
    (error(400, 21614, f"'To' number {NUMBER} is not a mobile number"), SmsBadNumber, 21614,
     "number cannot receive SMS (code 21614, HTTP 400)"),
    (error(429, 20429, "Too Many Requests"), SmsTransient, 20429, "provider unavailable (code 20429, HTTP 429)"),
    (error(500, 20500, "Internal Server Error"), SmsTransient, 20500, "provider unavailable (code 20500, HTTP 500)"),
    (error(503, 20503, "Service Unavailable"), SmsTransient, 20503, "provider unavailable (code 20503, HTTP 503)"),
    (error(400, 21602, "Message body is required."), SmsRejected, 21602,
     "the provider refused the message (code 21602, HTTP 400)"),
    (requests.ConnectTimeout("connect timed out"), SmsTransient, None, "provider unavailable (code None, HTTP None)"),
    (refused(), SmsTransient, None, "provider unavailable (code None, HTTP None)"),
    (requests.ReadTimeout("read timed out"), SmsUncertain, None, UNCERTAIN),
    (requests.ConnectionError("Connection aborted: RemoteDisconnected"), SmsUncertain, None, UNCERTAIN),
])
def test_error_classification(answer, expected, code, message):
    with pytest.raises(expected, match=f"^{re.escape(message)}$") as caught:
        sender(answer).send(NUMBER, "text", validity_seconds=600)
    assert caught.value.code == code
    assert NUMBER not in str(caught.value) and caught.value.__cause__ is None
    assert caught.value.__suppress_context__


def test_bad_number_problems():
    assert SmsBadNumber(21211).problem == "invalid" and SmsBadNumber(21614).problem == "landline"


def test_what_is_sent_and_the_timeout():
    ok = sender(Response(201, CREATED))
    result = ok.send(NUMBER, "text", validity_seconds=900, status_callback="https://example.org/sms/status")
    assert (result.provider_id, result.status) == ("SM" + "b" * 32, "queued")
    request = ok.http_client.requests[0]
    assert request["url"] == f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT}/Messages.json"
    assert request["data"] == {"To": NUMBER, "Body": "text", "From": "+15017122661", "ValidityPeriod": 900,
                               "StatusCallback": "https://example.org/sms/status"}
    default = TwilioSender(ACCOUNT, "token", messaging_service_sid="MG" + "1" * 32)
    default._client()
    assert isinstance(default.http_client, TwilioHttpClient) and default.http_client.timeout == TIMEOUT_SECONDS == 10


DAY1 = date(2026, 3, 2)
DUE = datetime(2026, 3, 14, 11, 0, tzinfo=UTC)


@pytest.mark.parametrize("code", [21610, 21211])
def test_through_the_dispatcher_no_retry_and_one_request(db_session, site, code):
    person = factories.enrolled(db_session, site, day1=DAY1, now=datetime(2026, 3, 2, 1, tzinfo=UTC))
    twilio = sender(error(400, code), Response(201, CREATED), Response(201, CREATED))
    for minutes in (0, 1, 10, 60 * 24):
        dispatch.dispatch_due(db_session, twilio, now=DUE.replace(minute=minutes % 60))
    assert len(twilio.http_client.requests) == 1
    prefs = reminders.preferences_for(db_session, person)
    if code == 21610:
        assert prefs.opted_out_at is not None and prefs.phone_problem is None
    else:
        assert prefs.phone_problem == "invalid"
        assert db_session.scalar(select(Alert).where(Alert.rule == "sms_number_problem")).tier == "AMBER"
    failed = db_session.scalar(select(Reminder).where(Reminder.status == "failed"))
    assert failed.error_code == code and NUMBER not in (failed.error_message or "")


def test_through_the_dispatcher_retry_after_a_503_sends_once(db_session, site):
    person = factories.enrolled(db_session, site, day1=DAY1, now=datetime(2026, 3, 2, 1, tzinfo=UTC))
    twilio = sender(error(503, 20503), Response(201, CREATED))
    assert dispatch.dispatch_due(db_session, twilio, now=DUE).retried == 1
    assert dispatch.dispatch_due(db_session, twilio, now=DUE.replace(minute=1)).sent == 1
    assert [r["data"]["To"] for r in twilio.http_client.requests] == [person.phone_e164] * 2
    row = db_session.scalar(select(Reminder).where(Reminder.status == "sent"))
    assert (row.provider_sid, row.provider_status, row.attempts) == ("SM" + "b" * 32, "queued", 2)
