"""What nginx and gunicorn do in front of the app, checked over real HTTPS (the ``production`` stack)."""

from __future__ import annotations

import gzip
import re

import pytest
import requests

from companion.config import ROOT

pytestmark = pytest.mark.production


def test_plain_http_only_redirects_to_https(production):
    answer = requests.get(f"{production.http_url}/signin?lang=en", allow_redirects=False, timeout=10)
    assert answer.status_code == 301
    assert answer.headers["Location"] == f"{production.url}/signin?lang=en"


def test_health_check_through_nginx_says_ok_and_nothing_else(production):
    answer = production.get("/healthz")
    assert answer.status_code == 200
    body = answer.json()
    assert body["status"] == "ok"
    assert set(body["checks"].values()) == {"ok"}, body
    assert "Set-Cookie" not in answer.headers


def test_pages_come_from_the_app_over_https_with_its_security_headers(production):
    answer = production.get("/signin", headers={"Accept-Encoding": "gzip"})
    assert answer.status_code == 200
    assert "max-age=31536000" in answer.headers["Strict-Transport-Security"]
    assert answer.headers["Referrer-Policy"] == "same-origin", "the strict Referer check of CSRF over HTTPS needs it"
    assert "Secure" in answer.headers["Set-Cookie"] and "HttpOnly" in answer.headers["Set-Cookie"]
    assert answer.headers.get("Content-Encoding") is None, "pages carry CSRF tokens: not compressed (BREACH)"
    assert answer.headers["Server"] == "nginx", "nginx names no version"


def test_static_files_are_served_by_nginx_cached_and_compressed(production):
    page = production.get("/signin").text
    stylesheet = re.search(r'href="(/static/css/app\.css\?v=[0-9a-f]+)"', page)
    assert stylesheet, "the stylesheet's URL carries its version"
    answer = production.get(stylesheet.group(1), headers={"Accept-Encoding": "gzip"})
    assert answer.status_code == 200
    assert answer.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert answer.headers["Content-Encoding"] == "gzip"
    assert answer.headers["Content-Type"].startswith("text/css")
    raw = requests.get(production.url + stylesheet.group(1), verify=str(production.cert), timeout=10, stream=True,
                       headers={"Accept-Encoding": "gzip"}).raw.read()
    assert gzip.decompress(raw) == (ROOT / "static" / "css" / "app.css").read_bytes()
    unversioned = production.get("/static/icon.svg")
    assert unversioned.headers["Cache-Control"] == "public, max-age=3600"
    gunicorn_log = production.process("gunicorn").log.read_text()
    assert "/static/" not in gunicorn_log, "static files never reach a worker"


def test_a_request_body_over_the_limit_is_stopped_by_nginx(production):
    answer = requests.post(f"{production.url}/signin", data=b"x" * (300 * 1024), verify=str(production.cert),
                           timeout=10, headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert answer.status_code == 413


def test_a_cross_site_form_post_is_refused_and_a_same_origin_one_accepted(production):
    """The strict CSRF check over HTTPS: a Referer from another site is refused, our own passes."""
    browser = requests.Session()  # keeps the session cookie; verify is per request (REQUESTS_CA_BUNDLE wins else)
    form = browser.get(f"{production.url}/signin", timeout=10, verify=str(production.cert)).text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form).group(1)
    data = {"csrf_token": token, "phone": "+8613900009999"}
    refused = browser.post(f"{production.url}/signin", data=data, allow_redirects=False, timeout=10,
                           verify=str(production.cert), headers={"Referer": "https://evil.example/signin", "Origin": "https://evil.example"})
    assert refused.status_code == 400
    accepted = browser.post(f"{production.url}/signin", data=data, allow_redirects=False, timeout=10,
                            verify=str(production.cert),
                            headers={"Referer": f"{production.url}/signin", "Origin": production.url})
    assert accepted.status_code in (302, 303), accepted.text[:500]
    assert accepted.headers["Location"].endswith("/signin/code")


def test_access_logs_hold_paths_but_never_query_strings(production):
    marker = "8613912345678"
    production.get(f"/signin?phone=%2B{marker}&next=/my/")
    production.get("/no-such-page?q=" + marker)
    nginx_log = (production.log_dir / "companion.access.log").read_text()
    gunicorn_log = production.process("gunicorn").log.read_text()
    assert '"GET /signin HTTP/' in nginx_log and "/no-such-page" in nginx_log
    assert '"GET /signin HTTP/' in gunicorn_log
    for name, log in (("nginx", nginx_log), ("gunicorn", gunicorn_log)):
        assert marker not in log, f"a query string reached the {name} access log"
