"""The real twilio library against Prism serving Twilio's own OpenAPI document (../shared/twilio/): Prism
rejects (422) any request that breaks Twilio's schema, so a 201 means the request is one Twilio accepts.
Prism answers with fixed examples, so the assertions are on what was sent.

Prism and the spec come from PRISM_BIN and TWILIO_SPEC (.ci/run sets both). Without them these tests
skip with a message, except in CI (CI set), where they fail.
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import socket
import subprocess
import time
from datetime import UTC, date, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from sqlalchemy import select
from twilio.http.http_client import TwilioHttpClient

from companion.models import Reminder
from companion.services import dispatch
from companion.sms.twilio_sender import TwilioSender
from tests import factories

ROOT = Path(__file__).resolve().parents[2]
SPEC = Path(os.environ.get("TWILIO_SPEC") or ROOT.parent / "shared" / "twilio" / "twilio_api_v2010.json")
PRISM = os.environ.get("PRISM_BIN") or shutil.which("prism") or "/tmp/prism/node_modules/.bin/prism"  # noqa: S108
ACCOUNT = "AC" + "0" * 32


class MockTwilioHttpClient(TwilioHttpClient):
    """Sends every request meant for *.twilio.com to the local Prism and keeps what was sent."""

    def __init__(self, mock_base: str, **kwargs):
        super().__init__(timeout=10, **kwargs)
        self.mock = urlsplit(mock_base)
        self.sent = []
        self.statuses = []

    def request(self, method, url, params=None, data=None, headers=None, **kwargs):
        parts = urlsplit(url)
        if parts.hostname and parts.hostname.endswith("twilio.com"):
            url = urlunsplit((self.mock.scheme, self.mock.netloc, parts.path, parts.query, parts.fragment))
        self.sent.append((method, url, dict(data or {})))
        response = super().request(method, url, params=params, data=data, headers=headers, **kwargs)
        self.statuses.append(response.status_code)
        return response


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def prism(tmp_path_factory):
    missing = [what for what, ok in (("the Twilio spec at " + str(SPEC), SPEC.is_file()),
                                     ("Prism at " + PRISM, os.access(PRISM, os.X_OK))) if not ok]
    if missing:
        message = (f"Twilio contract tests need {' and '.join(missing)}; set TWILIO_SPEC and PRISM_BIN "
                   "(.ci/run installs Prism; the spec comes from github.com/twilio/twilio-oai)")
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    port = _free_port()
    log_path = tmp_path_factory.mktemp("prism") / "prism.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen([PRISM, "mock", "-h", "127.0.0.1", "-p", str(port), str(SPEC)],
                                   stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"Prism did not start; see {log_path}")
            time.sleep(0.1)
    yield f"http://127.0.0.1:{port}"
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def test_a_reminder_through_the_real_library_with_a_from_number(prism, db_session, site):
    person = factories.enrolled(db_session, site, day1=date(2026, 3, 2), now=datetime(2026, 3, 2, 1, tzinfo=UTC))
    http = MockTwilioHttpClient(prism)
    sender = TwilioSender(ACCOUNT, "any-token", from_number="+15017122661", http_client=http)
    due = datetime(2026, 3, 14, 11, 0, tzinfo=UTC)
    policy = dispatch.DispatchPolicy(status_callback="https://companion.example.org/sms/status")
    stats = dispatch.dispatch_due(db_session, sender, now=due, policy=policy)
    assert stats.sent == 1, http.statuses
    assert http.statuses == [201]
    method, url, data = http.sent[0]
    assert method == "POST" and url == f"{prism}/2010-04-01/Accounts/{ACCOUNT}/Messages.json"
    assert data["To"] == person.phone_e164 and data["From"] == "+15017122661"
    assert "MessagingServiceSid" not in data
    assert "3月16日周一" in data["Body"] and "08:30" in data["Body"]
    assert data["ValidityPeriod"] == 36000
    assert data["StatusCallback"] == "https://companion.example.org/sms/status"
    row = db_session.scalar(select(Reminder).where(Reminder.status == "sent"))
    assert row.provider_sid.startswith("SM") and len(row.provider_sid) == 34
    assert row.provider_status == "queued"


def test_a_messaging_service_and_a_short_validity(prism):
    http = MockTwilioHttpClient(prism)
    sender = TwilioSender(ACCOUNT, "any-token", messaging_service_sid="MG" + "1" * 32, http_client=http)
    result = sender.send("+8613912345678", "Today, Mon 16 Mar: your clinic visit is at 08:30. See you soon.",
                         validity_seconds=1800)
    assert http.statuses == [201] and result.provider_id.startswith("SM")
    data = http.sent[0][2]
    assert data["MessagingServiceSid"] == "MG" + "1" * 32 and "From" not in data
    assert data["ValidityPeriod"] == 1800 and data["To"] == "+8613912345678"


def test_prism_really_checks_requests_against_the_spec(prism):
    """A request that breaks Twilio's schema is refused, so the 201s above mean something."""
    from twilio.base.exceptions import TwilioRestException
    from twilio.rest import Client

    http = MockTwilioHttpClient(prism)
    client = Client(ACCOUNT, "any-token", http_client=http)
    with pytest.raises(TwilioRestException, match="HTTP 422 error"):
        client.messages.create(to="+8613912345678", body="x", from_="+15017122661", validity_period="soon")
    assert http.statuses == [422]


@pytest.fixture
def scheduler_logging():
    """The logging the scheduler and dispatch-once set up, undone afterwards."""
    from companion import messaging_cli

    levels = {name: logging.getLogger(name).level for name in messaging_cli.QUIET_LIBRARIES}
    messaging_cli.configure_logging()
    yield
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


def test_one_log_line_per_send_not_the_librarys_request_dump(prism, db_session, site, caplog, scheduler_logging):
    person = factories.enrolled(db_session, site, day1=date(2026, 3, 2), now=datetime(2026, 3, 2, 1, tzinfo=UTC))
    http = MockTwilioHttpClient(prism)
    sender = TwilioSender(ACCOUNT, "any-token", from_number="+15017122661", http_client=http)
    caplog.set_level(logging.INFO)
    stats = dispatch.dispatch_due(db_session, sender, now=datetime(2026, 3, 14, 11, 0, tzinfo=UTC))
    assert stats.sent == 1 and http.statuses == [201]
    assert [r.name for r in caplog.records if r.name.startswith("twilio")] == []
    ours = [r.getMessage() for r in caplog.records if r.name == "companion.services.dispatch"]
    sends = [message for message in ours if "sent (" in message]
    assert len(sends) == 1 and sends[0].startswith("reminder ")
    assert person.phone_e164 not in caplog.text
