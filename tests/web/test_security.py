"""CSRF, response headers, bad input and the throttles (RELIABILITY-SECURITY.md, "Web security")."""

from __future__ import annotations

import os
import socket
import uuid

import pytest

from companion.security import CSP


@pytest.fixture
def csrf_client(make_app):
    return make_app(WTF_CSRF_ENABLED=True).test_client()


def test_post_without_csrf_token_is_refused(csrf_client, sender):
    response = csrf_client.post("/signin", data={"phone": "+8613800000001"})
    assert response.status_code == 400
    assert sender.outbox == []


def test_post_with_csrf_token_is_accepted(csrf_client):
    page = csrf_client.get("/signin").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    response = csrf_client.post("/signin", data={"phone": "+8613912345678", "csrf_token": token})
    assert response.status_code == 302


@pytest.mark.parametrize("path", ["/signin", "/does-not-exist", "/api/v1/schedule", "/static/css/app.css"])
def test_security_headers_on_every_response(client, path):
    response = client.get(path)
    headers = response.headers
    assert headers["Content-Security-Policy"] == CSP
    assert "unsafe-inline" not in CSP and "object-src 'none'" in CSP and "base-uri 'none'" in CSP
    assert "frame-ancestors 'none'" in CSP
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Strict-Transport-Security"].startswith("max-age=")
    assert headers["Referrer-Policy"] == "same-origin"  # see test_csrf_https.py
    if not path.startswith("/static/"):
        assert headers["Cache-Control"] == "no-store"


def test_headers_on_a_500_too(app, client):
    @app.route("/fails")
    def fails():
        raise RuntimeError("internal detail 42")

    response = client.get("/fails")
    assert response.status_code == 500
    assert response.headers["Content-Security-Policy"] == CSP
    assert "internal detail" not in response.get_data(as_text=True)


def test_session_cookie_flags(make_app, participant):
    app = make_app()
    app.config["SESSION_COOKIE_SECURE"] = True
    client = app.test_client()
    client.post("/signin", data={"phone": participant.phone_e164})
    cookie = client.get_cookie("companion_session", domain="localhost")
    assert cookie.secure and cookie.http_only and cookie.same_site == "Lax"


def test_production_settings_secure_cookies_and_short_remember():
    from companion.config import Settings

    settings = Settings.from_env({"APP_ENV": "production", "SECRET_KEY": "x" * 40,
                                  "DATABASE_URL": "postgresql://db/companion",
                                  "RATELIMIT_STORAGE_URI": "redis://r:6379", "SMS_BACKEND": "twilio"})
    config = settings.flask_config()
    assert config["SESSION_COOKIE_SECURE"] and config["REMEMBER_COOKIE_SECURE"]
    assert config["REMEMBER_COOKIE_DURATION"].total_seconds() <= 3600


def test_api_errors_are_json(client):
    response = client.get("/api/v1/schedule")
    assert response.status_code == 401 and response.get_json()["code"] == 401


def test_oversized_body_is_413_not_500(client):
    response = client.post("/signin", data={"phone": "1" * (300 * 1024)})
    assert response.status_code == 413


def test_code_requests_per_number_are_throttled(client, participant, sender):
    for _ in range(3):
        assert client.post("/signin", data={"phone": participant.phone_e164}).status_code == 302
    assert client.post("/signin", data={"phone": participant.phone_e164}).status_code == 429
    assert len(sender.messages_to(participant.phone_e164)) == 3
    # another person's number is not blocked by it
    assert client.post("/signin", data={"phone": "+8613912345678"}).status_code == 302


def test_a_stranger_elsewhere_cannot_lock_a_participant_out(app, participant):
    stranger = app.test_client()
    for address in ("203.0.113.1", "203.0.113.2", "203.0.113.3"):
        stranger.environ_base["REMOTE_ADDR"] = address
        assert stranger.post("/signin", data={"phone": participant.phone_e164}).status_code == 302
    stranger.environ_base["REMOTE_ADDR"] = "203.0.113.1"
    for _ in range(2):
        stranger.post("/signin", data={"phone": participant.phone_e164})
    assert stranger.post("/signin", data={"phone": participant.phone_e164}).status_code == 429
    victim = app.test_client()
    victim.environ_base["REMOTE_ADDR"] = "198.51.100.7"
    assert victim.post("/signin", data={"phone": participant.phone_e164}).status_code == 302


def test_password_failures_elsewhere_do_not_lock_the_coordinator_out(app, coordinator):
    stranger = app.test_client()
    stranger.environ_base["REMOTE_ADDR"] = "203.0.113.9"
    for _ in range(6):
        stranger.post("/staff/signin", data={"email": coordinator.email, "password": "wrong guess"})
    assert stranger.post("/staff/signin", data={"email": coordinator.email,
                                                "password": coordinator.password}).status_code == 429
    owner = app.test_client()
    owner.environ_base["REMOTE_ADDR"] = "198.51.100.8"
    assert owner.post("/staff/signin", data={"email": coordinator.email,
                                             "password": coordinator.password}).status_code == 302


def test_staff_password_failures_are_throttled_per_account(client, coordinator):
    for _ in range(5):
        response = client.post("/staff/signin", data={"email": coordinator.email, "password": "wrong guess"})
        assert response.status_code == 400
    response = client.post("/staff/signin", data={"email": coordinator.email, "password": coordinator.password})
    assert response.status_code == 429


def test_successful_sign_ins_do_not_count_against_the_account(client, coordinator):
    for _ in range(6):
        response = client.post("/staff/signin", data={"email": coordinator.email, "password": coordinator.password})
        assert response.status_code == 302


def _redis_url() -> str:
    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
    except OSError:
        if os.environ.get("CI"):
            pytest.fail("Redis is not running at 127.0.0.1:6379 (CI must start it)")
        pytest.skip("Redis is not running at 127.0.0.1:6379")
    return url


def test_throttle_is_shared_by_all_workers_through_redis(make_app, participant):
    """Two app instances (two gunicorn workers) count against the same Redis store."""
    url, prefix = _redis_url(), f"test-{uuid.uuid4().hex}"
    worker_a = make_app(RATELIMIT_STORAGE_URI=url, RATELIMIT_KEY_PREFIX=prefix).test_client()
    worker_b = make_app(RATELIMIT_STORAGE_URI=url, RATELIMIT_KEY_PREFIX=prefix).test_client()
    for client in (worker_a, worker_b, worker_a):
        assert client.post("/signin", data={"phone": participant.phone_e164}).status_code == 302
    assert worker_b.post("/signin", data={"phone": participant.phone_e164}).status_code == 429
