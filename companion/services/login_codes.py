"""Participant sign-in with a one-time code sent by SMS.

Rules (RELIABILITY-SECURITY.md, "One-time codes"): 6 digits, single use, valid for 10 minutes, bound
to one sign-in attempt (a random token kept in the browser's session), at most 5 tries. An unknown
number gets the same answer as a known one, so the form does not reveal who takes part.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from companion.models import LoginCode, Participant
from companion.services import audit
from companion.sms import SmsSender, texts

CODE_DIGITS = 6
log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class CodePolicy:
    ttl: timedelta = timedelta(minutes=10)
    max_tries: int = 5


def _digest(secret: str, value: str) -> str:
    return hmac.new(secret.encode(), value.encode(), hashlib.sha256).hexdigest()


def new_code() -> str:
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def start(
    session: Session, phone_e164: str, *, now: datetime, secret: str, sender: SmsSender, policy: CodePolicy
) -> str:
    """Begin a sign-in attempt; returns the attempt token for the browser's session.

    When the number belongs to an active participant a code is stored (hashed) and sent. Earlier codes
    keep working (each is bound to its own attempt), so a stranger asking for a code cannot spoil the one
    the participant holds; a successful sign-in ends them all. A failure to send is audited, not shown:
    the page must not tell an enrolled number from any other.
    """
    attempt = secrets.token_urlsafe(24)
    participant = session.scalar(
        select(Participant).where(Participant.phone_e164 == phone_e164, Participant.active.is_(True))
    )
    if participant is None:
        return attempt
    code = new_code()
    session.add(
        LoginCode(
            participant_id=participant.id,
            attempt_hash=_digest(secret, attempt),
            code_hash=_digest(secret, code),
            created_at=now,
            expires_at=now + policy.ttl,
        )
    )
    audit.record(session, audit.SYSTEM, "auth.code_sent", at=now, entity=participant,
                 participant_id=participant.id, site_id=participant.site_id)
    # Commits on its own (companion/db.py): the code and the attempt that the throttle counts must persist
    # even if the request then fails, and the code must be stored before it is sent.
    session.commit()
    minutes = int(policy.ttl.total_seconds() // 60)
    try:
        sender.send(participant.phone_e164, texts.login_code(participant.language, code, minutes))
    except Exception as exc:  # noqa: BLE001 - provider errors vary; none may become a 500 or log the number
        log.warning("sign-in code not sent: %s", type(exc).__name__)
        audit.record(session, audit.SYSTEM, "auth.code_not_sent", at=now, entity=participant,
                     participant_id=participant.id, site_id=participant.site_id,
                     changes={"error": type(exc).__name__})
        session.flush()
    return attempt


def verify(
    session: Session, attempt: str, code: str, *, now: datetime, secret: str, policy: CodePolicy
) -> Participant | None:
    """The participant when ``code`` is right for this attempt; None (and one try used) otherwise."""
    row = session.scalar(select(LoginCode).where(LoginCode.attempt_hash == _digest(secret, attempt)))
    if row is None:
        return None
    participant = session.get(Participant, row.participant_id)
    usable = row.used_at is None and now < row.expires_at and row.tries < policy.max_tries
    right = hmac.compare_digest(row.code_hash, _digest(secret, code.strip()))
    if usable and right and participant is not None and participant.active:
        for other in session.scalars(select(LoginCode).where(LoginCode.participant_id == participant.id,
                                                            LoginCode.used_at.is_(None))):
            other.used_at = now  # this code and every other pending one
        audit.record(session, audit.Actor("participant", participant.id), "auth.signin", at=now,
                     participant_id=participant.id, site_id=participant.site_id)
        session.flush()
        return participant
    row.tries += 1
    audit.record(session, audit.SYSTEM, "auth.signin_failed", at=now, entity=row,
                 participant_id=row.participant_id, changes={"tries": row.tries})
    # Commits on its own (companion/db.py): the answer is a 4xx, which rolls the request back, and the
    # count of tries must persist all the same, or a code could be guessed without limit.
    session.commit()
    return None
