"""Withdrawing a participant from the study (RELIABILITY-SECURITY.md, "Consent"): their sessions end,
pending reminders are cancelled at once, they can no longer sign in or write to their record, and the
record itself is kept, read-only, with the reason in the audit trail."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import update
from sqlalchemy.orm import Session

from companion import validation
from companion.models import AuthSession, Participant
from companion.services import audit, reminders
from companion.services.errors import ValidationFailed


def withdraw(session: Session, participant: Participant, *, reason: str, actor: audit.Actor, now: datetime) -> None:
    if not participant.active:
        raise ValidationFailed({"reason": _l("This participant is withdrawn already.")})
    try:
        why = validation.reason(reason)
    except validation.FieldError as exc:
        raise ValidationFailed({"reason": exc.message}) from exc
    participant.active = False
    ended = session.execute(update(AuthSession).where(AuthSession.participant_id == participant.id,
                                                      AuthSession.ended_at.is_(None))
                            .values(ended_at=now, end_reason="withdrawn")).rowcount
    cancelled = reminders.replan(session, participant, now=now).cancelled
    audit.record(session, actor, "participant.withdraw", at=now, entity=participant, participant_id=participant.id,
                 site_id=participant.site_id, reason=why,
                 changes={"active": [True, False], "sessions_ended": ended, "reminders_cancelled": cancelled})
