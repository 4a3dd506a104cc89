"""Forms in a real browser over HTTPS (issue 8): with `Referrer-Policy: no-referrer` Chromium sent no Referer,
Flask-WTF's strict HTTPS check refused every POST, and nobody could sign in. RELIABILITY-SECURITY.md,
"Web security": CSRF on every form, a referrer policy; so a POST from any other origin is still refused and
our pages' addresses never reach other sites.

The app runs on werkzeug with TLS (a certificate made here with openssl) and production's secure cookies;
"another origin" is a second small HTTPS server, reached as https://localhost:<other port> (same site,
so the Lax session cookie goes along: only the Referer check stands in the way) and as
https://127.0.0.1:<other port> (another site).
"""

from __future__ import annotations

import html
import itertools
import subprocess
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from flask import Flask, request
from playwright.sync_api import expect

from companion import create_app
from tests.conftest import app_config
from tests.e2e.conftest import LiveServer, serving
from tests.e2e.helpers import participant_sign_in, submit

pytestmark = pytest.mark.e2e

REFUSED = "This form has expired or was not sent from this site."
_numbers = itertools.count(1)


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> tuple[str, str]:
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )
    return str(cert), str(key)


class PostRecorder:
    """WSGI middleware: the Referer and Origin of every POST, as the server received them."""

    def __init__(self, wsgi_app: Callable) -> None:
        self.wsgi_app = wsgi_app
        self.posts: list[dict] = []

    def __call__(self, environ, start_response):
        if environ["REQUEST_METHOD"] == "POST":
            self.posts.append({"path": environ["PATH_INFO"], "referer": environ.get("HTTP_REFERER"),
                               "origin": environ.get("HTTP_ORIGIN")})
        return self.wsgi_app(environ, start_response)


@dataclass
class HttpsServer(LiveServer):
    recorder: PostRecorder | None = None


@pytest.fixture(scope="module")
def https_server(e2e_database_url, certificate):
    """The app over https://localhost:<port> with production's secure cookies and the strict CSRF check."""
    app = create_app(app_config(e2e_database_url, SERVER_NAME=None, WTF_CSRF_ENABLED=True, APP_ENV="production",
                                SESSION_COOKIE_SECURE=True))
    recorder = PostRecorder(app.wsgi_app)
    app.wsgi_app = recorder
    with serving(app, ssl_context=certificate) as port:
        yield HttpsServer(url=f"https://localhost:{port}", app=app, recorder=recorder)


@pytest.fixture(scope="module")
def elsewhere(certificate):
    """Another origin: serves the HTML a test hands it at /, and records the headers of each request."""
    other = Flask("elsewhere")
    other.config.update(page="", seen=[])

    @other.route("/")
    def page():
        other.config["seen"].append({"referer": request.headers.get("Referer")})
        return other.config["page"]

    with serving(other, ssl_context=certificate) as port:
        yield other, port


@pytest.fixture
def https_phone(phone):
    def new_context(locale: str = "zh-CN"):
        return phone(locale=locale, ignore_https_errors=True)  # our own test certificate

    return new_context


def test_participant_signs_in_over_https(https_server, https_phone):
    """Fails with `no-referrer`: the phone form came back with "This form has expired"."""
    participant = https_server.participant(phone="+8613930000901", study_id="E2E-TLS-1")
    context = https_phone()
    page = context.new_page()
    posts_before = len(https_server.recorder.posts)

    participant_sign_in(page, https_server.url, https_server.sender, participant.phone_e164)

    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.locator("main")).to_contain_text(participant.study_id)
    posts = https_server.recorder.posts[posts_before:]
    assert [p["path"] for p in posts] == ["/signin", "/signin/code"]
    assert [p["referer"] for p in posts] == [f"{https_server.url}/signin", f"{https_server.url}/signin/code"]
    session = [c for c in context.cookies() if c["name"] == "companion_session"]
    assert session and session[0]["secure"] and session[0]["httpOnly"]


def _attack_page(target: str, token: str, phone: str, policy: str | None) -> str:
    meta = f'<meta name="referrer" content="{policy}">' if policy else ""
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8">{meta}<title>Win a prize</title></head>'
            f'<body><main><form method="post" action="{html.escape(target)}">'
            f'<input type="hidden" name="csrf_token" value="{html.escape(token)}">'
            f'<input type="hidden" name="phone" value="{phone}">'
            '<button type="submit">Claim</button></form></main></body></html>')


@pytest.mark.parametrize(("host", "policy"), [
    ("localhost", None),            # same site, another port; the browser's default policy sends its origin
    ("localhost", "no-referrer"),   # the attacker hides where the POST comes from
    ("127.0.0.1", None),            # another site altogether
], ids=["sibling-origin", "sibling-origin-no-referrer", "cross-site"])
def test_a_post_from_another_origin_is_refused(https_server, https_phone, elsewhere, host, policy):
    """Even with the victim's own valid token planted in the attacker's form and the session cookie going
    along (same site), the POST is refused, no code is sent, and the victim's own form still works."""
    other, port = elsewhere
    n = next(_numbers)
    participant = https_server.participant(phone=f"+86139300001{n:02d}", study_id=f"E2E-TLS-X{n}")
    page = https_phone(locale="en").new_page()
    page.goto(f"{https_server.url}/signin")
    token = page.locator("main form input[name=csrf_token]").input_value()
    other.config["page"] = _attack_page(f"{https_server.url}/signin", token, participant.phone_e164, policy)
    sent_before = len(https_server.sender.messages_to(participant.phone_e164))

    page.goto(f"https://{host}:{port}/")
    with page.expect_response(f"{https_server.url}/signin") as refused:
        submit(page)
    assert refused.value.status == 400
    expect(page.locator("main")).to_contain_text(REFUSED)
    assert len(https_server.sender.messages_to(participant.phone_e164)) == sent_before

    # the same browser, cookie and token from our own page: accepted, so the refusal above was the origin check
    page.goto(f"{https_server.url}/signin")
    page.fill("input[name=phone]", participant.phone_e164)
    submit(page)
    expect(page).to_have_url(f"{https_server.url}/signin/code")
    assert len(https_server.sender.messages_to(participant.phone_e164)) == sent_before + 1


def test_our_address_is_not_sent_to_other_sites(https_server, https_phone, elsewhere):
    """Leaving a page of ours for another site tells that site nothing, not even our origin."""
    other, port = elsewhere
    other.config["page"] = "<!doctype html><title>elsewhere</title>"
    page = https_phone().new_page()
    page.goto(f"{https_server.url}/signin")
    seen_before = len(other.config["seen"])
    page.evaluate("url => { window.location.href = url }", f"https://127.0.0.1:{port}/")
    expect(page).to_have_url(f"https://127.0.0.1:{port}/")
    assert other.config["seen"][seen_before:] == [{"referer": None}]
