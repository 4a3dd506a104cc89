"""Forms over HTTPS (issue 8): Flask-WTF's strict check wants a same-origin Referer on every HTTPS POST, and
the app's own referrer policy must let browsers send it to us while sending nothing to other sites
(RELIABILITY-SECURITY.md, "Web security": CSRF on every state-changing form, a Referrer-Policy).

The browser half of this (a real Chromium over TLS) is tests/e2e/test_e2e_https.py.
"""

from __future__ import annotations

import dataclasses

import pytest

from companion.config import Settings

HTTPS = "https://localhost"
REFUSED = "This form has expired or was not sent from this site."

#: What a browser sends as Referer under each policy (W3C Referrer Policy, section 3), for an HTTPS page
#: posting to its own origin and for one sending a request to another site over HTTPS.
POLICIES = {
    "no-referrer": ("none", "none"),
    "no-referrer-when-downgrade": ("url", "url"),
    "same-origin": ("url", "none"),
    "origin": ("origin", "origin"),
    "strict-origin": ("origin", "origin"),
    "origin-when-cross-origin": ("url", "origin"),
    "strict-origin-when-cross-origin": ("url", "origin"),
    "unsafe-url": ("url", "url"),
}


def _token(client, base_url: str = HTTPS) -> str:
    page = client.get("/signin", base_url=base_url).get_data(as_text=True)
    return page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]


def _post_phone(client, token: str, referer: str | None, base_url: str = HTTPS, **headers):
    if referer is not None:
        headers["Referer"] = referer
    return client.post("/signin", base_url=base_url, headers={"Accept-Language": "en", **headers},
                       data={"phone": "+8613912340001", "csrf_token": token})


@pytest.fixture
def https_app(make_app):
    """Production's cookie and CSRF settings, reached over https:// (the strict Referer check applies)."""
    app = make_app(WTF_CSRF_ENABLED=True, APP_ENV="production", SESSION_COOKIE_SECURE=True)
    assert app.config.get("WTF_CSRF_SSL_STRICT", True), "the strict HTTPS check must stay on"
    return app


@pytest.fixture
def https_client(https_app):
    return https_app.test_client()


def test_a_same_origin_post_with_a_valid_token_passes(https_client):
    token = _token(https_client)
    response = _post_phone(https_client, token, referer=f"{HTTPS}/signin")
    assert response.status_code == 302 and response.location.endswith("/signin/code")


@pytest.mark.parametrize("referer", [
    "https://attacker.example/signin",   # another site
    "http://localhost/signin",           # our host over plain HTTP
    "https://localhost:8443/signin",     # our host, another port: another origin
    "https://localhost.attacker.example/",
])
def test_a_post_from_another_origin_is_refused_with_the_friendly_page(https_client, referer, sender):
    token = _token(https_client)
    response = _post_phone(https_client, token, referer=referer)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert REFUSED in page and "<main" in page  # the error page, in the site's layout
    assert response.headers["Content-Security-Policy"]
    assert sender.outbox == []


def test_a_post_without_a_referer_is_refused(https_client, sender):
    token = _token(https_client)
    response = _post_phone(https_client, token, referer=None)
    assert response.status_code == 400 and REFUSED in response.get_data(as_text=True)
    assert sender.outbox == []


def test_the_referrer_policy_sends_our_pages_to_us_and_nothing_to_other_sites(https_client):
    """A browser applies the policy of the page a request comes from: from our pages, our forms must carry a
    same-origin Referer (or the check above refuses them) and requests to other sites must carry none."""
    policy = https_client.get("/signin", base_url=HTTPS).headers["Referrer-Policy"]
    assert policy in POLICIES, f"{policy!r} is not a policy browsers know: they would use their default"
    to_us, to_others = POLICIES[policy]
    assert to_us != "none", f"with {policy!r} browsers send no Referer with our forms: every HTTPS POST fails"
    assert to_others == "none", f"with {policy!r} browsers tell other sites which of our pages was open"


@pytest.fixture
def proxied_app(make_app):
    """As deployed: nginx on https://localhost:8443 in front, ProxyFix trusting one proxy (BEHIND_PROXY)."""
    settings = dataclasses.replace(Settings.from_env(), behind_proxy=True)
    return make_app(WTF_CSRF_ENABLED=True, APP_ENV="production", SESSION_COOKIE_SECURE=True,
                    SETTINGS=settings, SERVER_NAME=None)


FORWARDED = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "localhost:8443", "X-Forwarded-For": "203.0.113.5"}


@pytest.mark.parametrize(("referer", "status"), [
    ("https://localhost:8443/signin", 302),  # the public origin, port included
    ("https://localhost/signin", 400),       # same host name, another port
    ("http://localhost:8443/signin", 400),   # plain HTTP
])
def test_behind_the_proxy_the_public_origin_with_its_port_is_compared(proxied_app, referer, status):
    client = proxied_app.test_client()
    internal = "http://127.0.0.1:8000"  # what gunicorn sees; the forwarded headers say what the browser used
    page = client.get("/signin", base_url=internal, headers=FORWARDED).get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    response = _post_phone(client, token, referer=referer, base_url=internal, **FORWARDED)
    assert response.status_code == status, response.get_data(as_text=True)[:500]
