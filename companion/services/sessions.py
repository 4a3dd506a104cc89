"""Server-side sign-in sessions.

The cookie carries a random token; the server keeps only its SHA-256 with an absolute expiry and the
time of last use. Signing out, "lost phone" and disabling an account end the row, so a replayed
cookie finds nothing (RELIABILITY-SECURITY.md, "Sessions").
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from companion import validation
from companion.models import AuthSession, Participant, StaffUser
from companion.services import audit
from companion.services.errors import ValidationFailed

#: last_seen_at is written at most this often, so page views do not each write a row
TOUCH_EVERY = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class SessionPolicy:
    """How long a session lives: ``absolute`` from sign-in, ``idle`` since last use."""

    absolute: timedelta
    idle: timedelta


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start(
    session: Session, user: Participant | StaffUser, *, now: datetime, policy: SessionPolicy
) -> tuple[str, AuthSession]:
    """Open a session for ``user``; returns the cookie token and the row (the caller commits)."""
    token = secrets.token_urlsafe(32)
    row = AuthSession(
        token_hash=token_hash(token),
        kind="participant" if isinstance(user, Participant) else "staff",
        participant_id=user.id if isinstance(user, Participant) else None,
        staff_id=user.id if isinstance(user, StaffUser) else None,
        created_at=now,
        last_seen_at=now,
        expires_at=now + policy.absolute,
        idle_seconds=int(policy.idle.total_seconds()),
    )
    session.add(row)
    return token, row


def resolve(session: Session, token: str, *, now: datetime) -> AuthSession | None:
    """The live session for a cookie token, or None when it is unknown, ended, expired or idle."""
    row = session.scalar(select(AuthSession).where(AuthSession.token_hash == token_hash(token)))
    if row is None or row.ended_at is not None:
        return None
    if now >= row.expires_at or now - row.last_seen_at >= timedelta(seconds=row.idle_seconds):
        row.ended_at, row.end_reason = now, "expired"
        session.flush()
        return None
    if now - row.last_seen_at >= TOUCH_EVERY:
        row.last_seen_at = now
        session.flush()
    return row


def end(session: Session, token: str, *, now: datetime, reason: str = "sign-out") -> None:
    session.execute(
        update(AuthSession)
        .where(AuthSession.token_hash == token_hash(token), AuthSession.ended_at.is_(None))
        .values(ended_at=now, end_reason=reason)
    )


def end_all_for_participant(
    session: Session, participant: Participant, *, actor: audit.Actor, reason: str, now: datetime
) -> int:
    """"Lost phone": end every live session of a participant, audited with the coordinator's reason."""
    try:
        reason = validation.reason(reason)
    except validation.FieldError as exc:
        raise ValidationFailed({"reason": exc.message}) from exc
    result = session.execute(
        update(AuthSession)
        .where(AuthSession.participant_id == participant.id, AuthSession.ended_at.is_(None))
        .values(ended_at=now, end_reason="revoked")
    )
    audit.record(
        session, actor, "auth.sessions_ended", at=now, entity=participant, participant_id=participant.id,
        site_id=participant.site_id, reason=reason, changes={"sessions_ended": result.rowcount},
    )
    return result.rowcount
