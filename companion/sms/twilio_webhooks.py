"""Proving that a webhook request comes from Twilio: the ``X-Twilio-Signature`` header, checked by the library's
RequestValidator against the exact public URL Twilio called (PUBLIC_URL if set, else the URL as seen through
ProxyFix when BEHIND_PROXY=1). An adapter helper of the webhook routes (companion/webhooks/views.py): it reads
the request and the settings, never the database."""

from __future__ import annotations

import logging

from flask import current_app, request

log = logging.getLogger(__name__)


def public_url() -> str:
    """The URL Twilio signed: the configured public address plus this path and query."""
    base = current_app.config.get("PUBLIC_URL")
    if not base:
        return request.url
    return base.rstrip("/") + request.full_path.rstrip("?")


def signature_is_valid() -> bool:
    from twilio.request_validator import RequestValidator

    token = current_app.config.get("TWILIO_AUTH_TOKEN")
    signature = request.headers.get("X-Twilio-Signature", "")
    if not token or not signature:
        return False
    try:
        return RequestValidator(token).validate(public_url(), request.form, signature)
    except Exception as exc:  # noqa: BLE001 - a malformed request is refused, never a 500
        log.warning("webhook signature check failed: %s", type(exc).__name__)
        return False
