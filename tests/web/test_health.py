"""``GET /healthz`` (issue 8, point 4): for nginx and monitoring. Public, no cookie, never cached, not
rate-limited; 200 only when the database answers, its migrations are at head and the scheduler's heartbeat is
fresh; otherwise 503 naming the failed check, never a 500; the body holds check words only."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text

from companion import create_app
from companion.db import now_utc
from companion.migrate import script_heads
from companion.services import heartbeat
from tests.conftest import app_config

HOST = "ward3-scheduler-host"
PID = 48213


def _beat(db_session, age: timedelta = timedelta(0)) -> None:
    heartbeat.record_beat(db_session, name=heartbeat.SCHEDULER, now=now_utc() - age, host=HOST, pid=PID, start=True)


def _get(client, path="/healthz"):
    response = client.get(path)
    assert response.mimetype == "application/json"
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers
    return response


def test_all_ok_is_200(client, db_session):
    _beat(db_session, timedelta(seconds=20))
    response = _get(client)
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok",
                                   "checks": {"database": "ok", "migrations": "ok", "scheduler": "ok"}}


def test_head_answers_the_same_status_without_a_body(client, db_session):
    _beat(db_session)
    response = client.head("/healthz")
    assert response.status_code == 200 and response.get_data() == b""
    assert client.head("/healthz").headers["Cache-Control"] == "no-store"


def test_a_stale_heartbeat_is_503(client, db_session):
    _beat(db_session, timedelta(minutes=3, seconds=5))
    response = _get(client)
    assert response.status_code == 503
    assert response.get_json() == {"status": "fail",
                                   "checks": {"database": "ok", "migrations": "ok", "scheduler": "stale"}}


def test_no_heartbeat_at_all_is_never(client):
    response = _get(client)
    assert response.status_code == 503
    assert response.get_json()["checks"] == {"database": "ok", "migrations": "ok", "scheduler": "never"}


def test_the_freshest_of_several_schedulers_counts(client, db_session):
    _beat(db_session, timedelta(hours=2))
    heartbeat.record_beat(db_session, name=heartbeat.DISPATCH_ONCE, now=now_utc(), host=HOST, pid=PID)
    assert _get(client).status_code == 200


def test_migrations_behind_head_is_503(client, db_session, connection):
    _beat(db_session)
    assert "0004" not in script_heads()
    connection.execute(text("UPDATE alembic_version SET version_num = '0004'"))  # rolled back after the test
    response = _get(client)
    assert response.status_code == 503
    assert response.get_json() == {"status": "fail",
                                   "checks": {"database": "ok", "migrations": "fail", "scheduler": "ok"}}


def test_an_empty_database_is_503_not_500(tmp_path):
    app = create_app(app_config(f"sqlite:///{tmp_path / 'empty.db'}"))
    response = _get(app.test_client())
    assert response.status_code == 503
    assert response.get_json() == {"status": "fail",
                                   "checks": {"database": "ok", "migrations": "fail", "scheduler": "unknown"}}


@pytest.mark.parametrize("url", [
    "postgresql+psycopg://companion:secret-password@127.0.0.1:1/companion",  # nothing listens on port 1
    "sqlite:////nonexistent-directory/for/sure/companion.db",
])
def test_database_down_is_503_not_500_and_says_nothing_of_why(url, caplog):
    app = create_app(app_config(url))
    response = _get(app.test_client())
    assert response.status_code == 503
    assert response.get_json() == {"status": "fail",
                                   "checks": {"database": "fail", "migrations": "fail", "scheduler": "unknown"}}
    body = response.get_data(as_text=True)
    for secret in ("secret-password", "127.0.0.1", "nonexistent", "Error", "psycopg", "sqlite"):
        assert secret not in body
    assert "secret-password" not in caplog.text


def test_the_body_names_no_person_host_or_process(client, db_session, participant, coordinator):
    _beat(db_session)
    body = _get(client).get_data(as_text=True)
    for private in (participant.study_id, participant.phone_e164, coordinator.email, HOST, str(PID)):
        assert private not in body
    assert set(_get(client).get_json()) == {"status", "checks"}


def test_it_is_public_and_never_rate_limited(client, db_session):
    _beat(db_session)
    statuses = {client.get("/healthz").status_code for _ in range(40)}
    assert statuses == {200}


def test_a_signed_in_staff_cookie_is_left_alone(client, db_session, coordinator, signin_staff):
    _beat(db_session)
    signin_staff(client, coordinator)
    response = _get(client)
    assert response.status_code == 200
