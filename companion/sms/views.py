"""Twilio's webhooks: POST /sms/status (delivery status) and POST /sms/inbound (replies).

They are the only routes without a CSRF token (RELIABILITY-SECURITY.md, "Web security"): Twilio proves
itself with ``X-Twilio-Signature``, checked by the library's RequestValidator against the exact public URL
Twilio called (PUBLIC_URL if set, else the URL as seen through ProxyFix when BEHIND_PROXY=1). A missing or
wrong signature answers 403 before anything is read from or written to the database, and never 500.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response, abort, current_app, request

from companion.auth.access import public
from companion.db import db, now_utc
from companion.extensions import csrf
from companion.sms import webhooks

blueprint = Blueprint("sms", __name__, url_prefix="/sms")
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


def _require_signature() -> None:
    if not signature_is_valid():
        log.warning("webhook %s refused: missing or invalid signature", request.path)
        abort(403)


@blueprint.route("/status", methods=["POST"])
@public
@csrf.exempt
def status():
    _require_signature()
    webhooks.apply_status(db.session, message_sid=request.form.get("MessageSid", ""),
                          status=request.form.get("MessageStatus", ""), error_code=request.form.get("ErrorCode"),
                          now=now_utc())
    return Response(status=204)


@blueprint.route("/inbound", methods=["POST"])
@public
@csrf.exempt
def inbound():
    from twilio.twiml.messaging_response import MessagingResponse

    _require_signature()
    result = webhooks.handle_inbound(db.session, message_sid=request.form.get("MessageSid", ""),
                                     from_number=request.form.get("From", ""), body=request.form.get("Body", ""),
                                     now=now_utc())
    twiml = MessagingResponse()
    if result.reply is not None:
        twiml.message(result.reply.body)
    return Response(str(twiml), mimetype="application/xml")
