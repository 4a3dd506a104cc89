"""Twilio's webhooks: POST /sms/status (delivery status) and POST /sms/inbound (replies).

They are the only routes without a CSRF token (RELIABILITY-SECURITY.md, "Web security"): Twilio proves
itself with ``X-Twilio-Signature`` (companion/sms/twilio_webhooks.py). A missing or wrong signature answers
403 before anything is read from or written to the database, and never 500. What a callback or a reply
changes is the use case companion/services/sms_webhooks.py; the request commits it once.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response, abort, request

from companion.auth.access import public
from companion.db import db, now_utc
from companion.extensions import csrf
from companion.services import sms_webhooks
from companion.sms.twilio_webhooks import signature_is_valid

#: named "sms" so that the endpoints stay sms.status and sms.inbound
blueprint = Blueprint("sms", __name__, url_prefix="/sms")
log = logging.getLogger(__name__)


def _require_signature() -> None:
    if not signature_is_valid():
        log.warning("webhook %s refused: missing or invalid signature", request.path)
        abort(403)


@blueprint.route("/status", methods=["POST"])
@public
@csrf.exempt
def status():
    _require_signature()
    sms_webhooks.apply_status(db.session, message_sid=request.form.get("MessageSid", ""),
                              status=request.form.get("MessageStatus", ""),
                              error_code=request.form.get("ErrorCode"), now=now_utc())
    return Response(status=204)


@blueprint.route("/inbound", methods=["POST"])
@public
@csrf.exempt
def inbound():
    from twilio.twiml.messaging_response import MessagingResponse

    _require_signature()
    result = sms_webhooks.handle_inbound(db.session, message_sid=request.form.get("MessageSid", ""),
                                         from_number=request.form.get("From", ""),
                                         body=request.form.get("Body", ""), now=now_utc())
    twiml = MessagingResponse()
    if result.reply is not None:
        twiml.message(result.reply.body)
    return Response(str(twiml), mimetype="application/xml")
