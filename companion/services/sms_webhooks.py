"""What happens when Twilio's webhooks arrive: the delivery status of our reminders, and replies
(RELIABILITY-SECURITY.md, "SMS provider"; DOMAIN.md section 7). The routes are companion/webhooks/views.py;
they check Twilio's signature (companion/sms/twilio_webhooks.py) and the request commits what these flush.

- Status callbacks are idempotent and only move forward: a status ranked no higher than the stored one
  (``delivered`` then a late ``sent``) changes nothing, and final statuses are never left. ``undelivered``
  and ``failed`` raise an AMBER alert for the coordinator, with the error code.
- Replies: STOP and the other standard opt-out words opt out, START/UNSTOP opt back in, HELP answers with
  the site's contact, C confirms attendance at the next visit. Replies from mainland Chinese numbers do
  not reach us (two-way SMS is not supported there), so the app's own controls are the main way.
  Each reply is processed once (by its MessageSid); its text is neither stored nor logged, only its keyword.
"""

from __future__ import annotations

import logging
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from companion.domain.reminder_plan import local_now
from companion.models import InboundMessage, Participant, Reminder, Visit
from companion.models.messaging import CANCELLED, DELIVERED, FAILED, UNDELIVERED
from companion.services import alerts, audit, reminders
from companion.sms import templates

log = logging.getLogger(__name__)

#: Twilio's message statuses in the order they happen; a callback never moves a message backwards
RANK = {"accepted": 0, "scheduled": 0, "queued": 1, "sending": 2, "sent": 3,
        "delivered": 4, "undelivered": 4, "failed": 4, "canceled": 4, "read": 5}
FINAL = {"delivered", "undelivered", "failed", "canceled", "read"}
REMINDER_STATUS = {"delivered": DELIVERED, "read": DELIVERED, "undelivered": UNDELIVERED, "failed": FAILED,
                   "canceled": CANCELLED}

#: Twilio's standard opt-out and opt-in words, plus the usual Chinese unsubscribe replies (TD = 退订)
OPT_OUT_WORDS = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT", "TD", "退订"}
OPT_IN_WORDS = {"START", "UNSTOP", "YES"}
HELP_WORDS = {"HELP", "INFO", "帮助"}
CONFIRM_WORDS = {"C", "确认"}


def keyword(body: str) -> str:
    """"stop", "start", "help", "confirm" or "other" for a reply (one word, case and punctuation ignored)."""
    word = unicodedata.normalize("NFKC", body or "").strip().strip(".!。！ ").upper()
    if word in OPT_OUT_WORDS:
        return "stop"
    if word in OPT_IN_WORDS:
        return "start"
    if word in HELP_WORDS:
        return "help"
    if word in CONFIRM_WORDS:
        return "confirm"
    return "other"


def apply_status(session: Session, *, message_sid: str, status: str, error_code: str | None,
                 now: datetime) -> bool:
    """Record a delivery status callback; returns whether anything changed."""
    status = (status or "").strip().lower()
    if not message_sid or status not in RANK:
        return False
    reminder = session.scalar(select(Reminder).where(Reminder.provider_sid == message_sid).with_for_update())
    if reminder is None:  # e.g. a sign-in code, which has no reminder row
        return False
    current = reminder.provider_status
    if current in FINAL or RANK[status] <= RANK.get(current or "", -1):
        return False
    reminder.provider_status, reminder.status_changed_at, reminder.updated_at = status, now, now
    if status in REMINDER_STATUS:
        reminder.status = REMINDER_STATUS[status]
    code = int(error_code) if (error_code or "").strip().isdigit() else None
    if code is not None:
        reminder.error_code = code
    if status in ("undelivered", "failed"):
        reminder.error_message = f"provider status {status}"
        alerts.raise_alert(session, participant_id=reminder.participant_id, tier="AMBER", rule="sms_undelivered",
                           source_type="reminders", source_id=reminder.id, now=now,
                           details={"status": status, "error_code": code})
    session.flush()
    log.info("reminder %s: provider status %s", reminder.id, status)
    return True


@dataclass(frozen=True, slots=True)
class InboundResult:
    keyword: str
    reply: templates.Rendered | None = None
    duplicate: bool = False


def _next_visit(participant: Participant, now: datetime) -> Visit | None:
    today = local_now(now, participant.site.timezone).date()
    upcoming = [v for v in participant.visits if v.actual_date is None and v.scheduled_date >= today]
    return min(upcoming, key=lambda v: (v.scheduled_date, v.number), default=None)


def handle_inbound(session: Session, *, message_sid: str, from_number: str, body: str,
                   now: datetime) -> InboundResult:
    """Act on one reply, once. The caller answers with ``reply`` (a registered template) if there is one."""
    word = keyword(body)
    if not message_sid:
        return InboundResult(word, duplicate=True)
    if session.scalar(select(InboundMessage.id).where(InboundMessage.provider_sid == message_sid)):
        return InboundResult(word, duplicate=True)
    participant = session.scalar(select(Participant).where(Participant.phone_e164 == (from_number or "").strip()))
    visit = _next_visit(participant, now) if participant is not None and word == "confirm" else None
    try:
        with session.begin_nested():  # only this insert is undone, not the rest of the request
            session.add(InboundMessage(provider_sid=message_sid, keyword=word, received_at=now,
                                       participant_id=participant.id if participant else None,
                                       visit_id=visit.id if visit else None))
    except IntegrityError:  # the same webhook, delivered twice at once
        return InboundResult(word, duplicate=True)
    log.info("SMS reply (%s) from participant %s", word, participant.id if participant else "unknown")
    if participant is None:
        return InboundResult(word)
    if word == "stop":
        reminders.opt_out(session, participant, source="SMS reply STOP", now=now)
    elif word == "start":
        reminders.opt_in(session, participant, source="SMS reply START", now=now)
    elif word == "help":
        return InboundResult(word, templates.help_reply(participant.language, participant.site.contact_phone))
    elif word == "confirm" and visit is not None:
        audit.record(session, audit.Actor("participant", participant.id, participant.site_id),
                     "visit.attendance_confirmed", at=now, entity=visit, participant_id=participant.id,
                     reason="SMS reply C", changes={"scheduled_date": [None, visit.scheduled_date]})
        return InboundResult(word, templates.render("confirmed", participant.language, day=visit.scheduled_date,
                                                    at=visit.planned_time))
    return InboundResult(word)
