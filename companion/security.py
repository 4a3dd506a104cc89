"""Response headers on every response, errors included, and safe redirects.

RELIABILITY-SECURITY.md, "Web security": a CSP without 'unsafe-inline', HSTS, nosniff, a referrer
policy, and no-store on every page that may show personal data.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response, request

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ]
)
#: Our own URL goes to our own pages only, and nothing at all (not even the origin) to any other site.
#: Not "no-referrer": over HTTPS Flask-WTF's strict CSRF check (WTF_CSRF_SSL_STRICT, kept on) refuses a
#: POST without a same-origin Referer, and with "no-referrer" browsers send none, so every form failed
#: (issue 8). We keep that check rather than switch to Origin/Sec-Fetch-Site: under "no-referrer" a form
#: POST carries `Origin: null`, and Sec-Fetch-Site is missing from older phone browsers, so either would
#: need fallbacks of its own; "same-origin" needs none and leaks nothing to other sites. An attacker's page
#: sends its own origin or no Referer, and both are refused.
REFERRER_POLICY = "same-origin"
HEADERS = {
    "Content-Security-Policy": CSP,
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": REFERRER_POLICY,
    "X-Frame-Options": "DENY",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def add_headers(response: Response) -> Response:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if not request.path.startswith("/static/"):
        response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    app.after_request(add_headers)


def safe_next(target: str | None, fallback: str) -> str:
    """Only a path on this site: no scheme, no host, no "//evil.example", no backslashes."""
    if not target or "\\" in target:
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return fallback
    return target
