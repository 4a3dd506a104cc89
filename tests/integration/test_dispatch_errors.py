"""Provider errors in the dispatcher: transient errors retried with backoff and bounded, 21610 opts the
participant out, 21211/21614 flag the number and alert the coordinator, an answer lost after sending is
never retried (RELIABILITY-SECURITY.md, "SMS provider")."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from companion.models import Alert
from companion.services import audit, reminders
from companion.sms import FakeSender
from companion.sms.errors import SmsBadNumber, SmsOptedOut, SmsTransient, SmsUncertain
from tests import factories
from tests.integration.dispatch_helpers import D2, DAY1, ENROLLED, VISIT2, rows, run, visit2_keys


@pytest.fixture
def person(db_session, site):
    return factories.enrolled(db_session, site, day1=DAY1, now=ENROLLED)


class Scripted(FakeSender):
    """Raises the given errors in turn, then sends."""

    def __init__(self, *errors):
        super().__init__()
        self.errors = list(errors)
        self.calls = 0

    def send(self, to, body, **options):
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return super().send(to, body, **options)


def test_transient_errors_are_retried_with_backoff_and_send_once(db_session, person):
    sender = Scripted(SmsTransient(429, 429), SmsTransient(20500, 500))
    assert run(db_session, sender, D2).retried == 1
    assert run(db_session, sender, D2 + timedelta(seconds=59)).sent == 0  # backing off
    assert run(db_session, sender, D2 + timedelta(minutes=1)).retried == 1
    assert run(db_session, sender, D2 + timedelta(minutes=5)).sent == 0
    assert run(db_session, sender, D2 + timedelta(minutes=6)).sent == 1
    row = rows(db_session, person)[visit2_keys(person)[0]]
    assert (row.status, row.attempts, sender.calls, len(sender.outbox)) == ("sent", 3, 3, 1)


def test_retries_are_bounded(db_session, person):
    sender = Scripted(*[SmsTransient(None, 503) for _ in range(10)])
    for minutes in (0, 1, 6, 30, 60):
        run(db_session, sender, D2 + timedelta(minutes=minutes))
    row = rows(db_session, person)[visit2_keys(person)[0]]
    assert (row.status, row.attempts, sender.calls, row.error_code) == ("failed", 3, 3, None)
    alert = db_session.scalar(select(Alert).where(Alert.rule == "sms_failed"))
    assert alert.tier == "AMBER" and alert.source_id == row.id


def test_21610_opts_the_participant_out_without_retry(db_session, person):
    sender = Scripted(SmsOptedOut(21610, 400))
    stats = run(db_session, sender, D2)
    assert stats.failed == 1
    planned = rows(db_session, person)
    assert planned[visit2_keys(person)[0]].status == "failed" and planned[visit2_keys(person)[0]].error_code == 21610
    assert {planned[k].status for k in visit2_keys(person)[1:]} == {"cancelled"}
    assert reminders.preferences_for(db_session, person).opted_out_at == D2
    run(db_session, sender, VISIT2)
    assert sender.calls == 1


@pytest.mark.parametrize(("code", "problem"), [(21211, "invalid"), (21614, "landline")])
def test_a_bad_number_is_flagged_and_the_coordinator_alerted(db_session, person, code, problem):
    sender = Scripted(SmsBadNumber(code, 400))
    run(db_session, sender, D2)
    assert reminders.preferences_for(db_session, person).phone_problem == problem
    alert = db_session.scalar(select(Alert).where(Alert.rule == "sms_number_problem"))
    assert alert.tier == "AMBER" and alert.details["error_code"] == code
    run(db_session, sender, VISIT2)
    assert sender.calls == 1
    reminders.clear_number_problem(db_session, person, actor=audit.Actor("staff", None, person.site_id),
                                   reason="number checked with the participant", now=D2 + timedelta(hours=1))
    assert rows(db_session, person)[visit2_keys(person)[1]].status == "pending"


def test_an_answer_lost_after_sending_is_never_retried(db_session, person):
    sender = Scripted(SmsUncertain())
    stats = run(db_session, sender, D2)
    assert stats.reconciliation == 1
    run(db_session, sender, D2 + timedelta(minutes=30))
    assert sender.calls == 1
    assert rows(db_session, person)[visit2_keys(person)[0]].status == "needs_reconciliation"
