"""One transaction per request, per CLI command and per scheduler job (companion/db.py): services flush, the
request commits once when it answers below 400 and rolls back otherwise, so two use cases in one request both
land or neither does. The few deliberate exceptions (sign-in attempts and failures, the dispatcher,
escalation, an export's audit row) commit on their own and say why; the 4xx test names the ones it meets."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import event, func, select
from werkzeug.exceptions import Conflict

from companion import scheduler
from companion.db import Base, now_utc
from companion.models import AuditEvent, DiaryEntry, LoginCode, SteroidDose
from companion.services import heartbeat, steroids
from companion.services.schedules import local_today
from tests import factories

DAY_AND_DOSE = {"fatigue": "3", "joint_pain": "2", "drug": "prednisone", "strength_mg": "5", "tablets": "2"}


@contextmanager
def commits(app):
    """The commits of the app's sessions (the request's, the command's, the job's) while the block runs; the
    release of a SAVEPOINT (``begin_nested``) commits nothing and is not counted."""
    seen: list[int] = []
    factory = app.extensions["database"][1]

    def count(session):
        if not session.in_nested_transaction():
            seen.append(id(session))

    event.listen(factory, "after_commit", count)
    try:
        yield seen
    finally:
        event.remove(factory, "after_commit", count)


def counts(session) -> dict[str, int]:
    """The number of rows of every table: what a request wrote, whatever it was."""
    session.expire_all()
    return {table.name: session.scalar(select(func.count()).select_from(table))
            for table in Base.metadata.sorted_tables}


@pytest.fixture
def me(client, db_session, site, signin_participant):
    today = local_today("Asia/Shanghai", now_utc())
    person = factories.participant(db_session, site, day1=today - timedelta(days=20), language="en")
    signin_participant(client, person)
    return person


def test_the_diary_page_saves_the_day_and_the_dose_in_one_commit(app, client, db_session, me):
    with commits(app) as seen:
        response = client.post("/my/diary", data=DAY_AND_DOSE)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert len(seen) == 1
    assert db_session.scalar(select(func.count(DiaryEntry.id))) == 1
    assert db_session.scalar(select(func.count(SteroidDose.id))) == 1


def _add_then(failure):
    real = steroids.add

    def add_then_fail(*args, **kwargs):
        real(*args, **kwargs)  # the dose is written (flushed), and then the request fails
        raise failure

    return add_then_fail


@pytest.mark.parametrize(("failure", "status"), [(RuntimeError("after the dose"), 500), (Conflict(), 409)])
def test_when_the_second_use_case_fails_neither_lands(app, client, db_session, me, monkeypatch, failure, status):
    monkeypatch.setattr(steroids, "add", _add_then(failure))
    before = counts(db_session)
    with commits(app) as seen:
        response = client.post("/my/diary", data=DAY_AND_DOSE)
    assert response.status_code == status
    assert seen == []
    assert counts(db_session) == before  # neither the day, nor the dose, nor their audit rows or alerts


def test_a_4xx_answer_writes_nothing(app, client, db_session, me):
    before = counts(db_session)
    with commits(app) as seen:
        bad_day = client.post("/my/diary", data={"fatigue": "12", "joint_pain": "3"})
        bad_dose = client.post("/my/steroids", data={"drug": "aspirin", "strength_mg": "5", "tablets": "1"})
        missing = client.post("/my/steroids/999999/void", data={"reason": "typo"})
    assert (bad_day.status_code, bad_dose.status_code, missing.status_code) == (400, 400, 404)
    assert seen == []
    assert counts(db_session) == before


def test_the_documented_exceptions_persist_although_the_answer_is_a_4xx(app, client, db_session, participant,
                                                                         coordinator):
    # a wrong sign-in code: its try is counted (else a code could be guessed without limit)
    assert client.post("/signin", data={"phone": participant.phone_e164}).status_code == 302
    assert client.post("/signin/code", data={"code": "000000"}).status_code == 400
    db_session.expire_all()
    assert db_session.scalar(select(LoginCode.tries)) == 1
    # a wrong staff password, and a wrong TOTP code after a right password: audited
    staff_client = app.test_client()
    assert staff_client.post("/staff/signin", data={"email": coordinator.email, "password": "wrong"}).status_code == 400
    staff_client.post("/staff/signin", data={"email": coordinator.email, "password": coordinator.password})
    assert staff_client.post("/staff/signin/verify", data={"code": "000000"}).status_code == 400
    actions = set(db_session.scalars(select(AuditEvent.action)))
    assert {"auth.code_sent", "auth.signin_failed", "auth.staff_password_failed", "auth.staff_totp_failed"} <= actions


def test_a_cli_command_commits_once(app, db_session, site):
    with commits(app) as seen:
        result = app.test_cli_runner().invoke(args=["site-settings", "--address", "Building 2", "--contact-phone",
                                                    "+86 10 1234 5678"])
    assert result.exit_code == 0, result.output
    assert len(seen) == 1
    db_session.expire_all()
    assert db_session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "site.settings")) == 1


def test_a_failed_cli_command_writes_nothing(app, db_session, site):
    before = counts(db_session)
    with commits(app) as seen:
        result = app.test_cli_runner().invoke(args=["enrol", "--study-id", "S-1", "--phone", "not a number",
                                                    "--start", "2026-01-05", "--weight", "60"])
    assert result.exit_code == 2, result.output
    assert seen == [] and counts(db_session) == before


@pytest.mark.parametrize("job_id", ["scheduler-heartbeat", "sweep-alerts"])
def test_a_scheduler_job_commits_once(app, db_session, site, job_id):
    factories.participant(db_session, site)
    with commits(app) as seen:
        scheduler.Runner(app)(job_id)
    assert len(seen) == 1


def test_a_failed_scheduler_job_writes_nothing(app, db_session, monkeypatch):
    def beat_then_fail():
        scheduler.heartbeat_pass()
        raise RuntimeError("after the beat")

    job = scheduler.JobSpec("scheduler-heartbeat", "interval", {"seconds": 30}, run=beat_then_fail)
    monkeypatch.setattr(scheduler, "JOBS", (job,))
    with commits(app) as seen, pytest.raises(RuntimeError, match="after the beat"):
        scheduler.Runner(app)("scheduler-heartbeat")
    assert seen == []
    assert heartbeat.scheduler_status(db_session, now=now_utc()).state == "never"
