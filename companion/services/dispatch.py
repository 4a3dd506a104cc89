"""The dispatcher: claims due reminders one at a time, sends each at most once, records what happened.

RELIABILITY-SECURITY.md, "Scheduler and reminders" and "SMS provider":

- A claim is atomic and committed before anything is sent: ``SELECT ... FOR UPDATE SKIP LOCKED`` picks a
  row on PostgreSQL (SQLite has no row locks and ignores the clause), and the conditional
  ``UPDATE ... SET status='claimed' WHERE id=:id AND status='pending'`` decides: only the dispatcher whose
  update changed the row sends it. Two dispatchers therefore never send one reminder twice.
- Each step commits on its own, a deliberate exception to "the job commits once" (companion/db.py): the
  claim is committed before the send and the outcome right after it, so a dispatcher killed half-way leaves
  at most one reminder claimed, and the other dispatchers see every claim at once.
- No transaction is held open during the call to the provider. The result is recorded under the claim's
  token. A row still "claimed" after ``lease`` means a dispatcher died between claiming and recording: it
  may or may not have reached the provider, so it is flagged ``needs_reconciliation`` for a person, never
  resent blindly.
- A reminder no longer useful (past ``expires_at``) is expired, never sent; one due inside quiet hours
  (after downtime) waits for their end if still useful then.
- 429/5xx/refused connections are retried a bounded number of times with backoff; 21610 opts the
  participant out, 21211/21614 flag the number and alert the coordinator; neither is retried.

Every function takes ``now``; the clock is read only at the edges (CLI, scheduler job).
"""

from __future__ import annotations

import logging
import secrets
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from companion.domain import reminder_plan
from companion.models import Participant, Reminder
from companion.models.messaging import (
    CANCELLED,
    CLAIMED,
    EXPIRED,
    FAILED,
    NEEDS_RECONCILIATION,
    PENDING,
    SENT,
)
from companion.services import alerts, reminders
from companion.sms import templates
from companion.sms.errors import SmsBadNumber, SmsError, SmsOptedOut, SmsTransient, SmsUncertain

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DispatchPolicy:
    #: a claim older than this, still unrecorded, belonged to a dispatcher that died (sends time out in 10 s)
    lease: timedelta = timedelta(minutes=5)
    #: attempts in all, the first one included (retries only after 429, 5xx or a refused connection)
    max_attempts: int = 3
    #: wait before the 2nd, 3rd... attempt
    backoff: tuple[timedelta, ...] = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=15))
    #: a reminder with less useful time left than this is expired rather than sent
    min_useful: timedelta = timedelta(minutes=1)
    #: at most this many reminders per pass (the next pass takes the rest)
    batch: int = 500
    #: the provider's delivery-status webhook (https://HOST/sms/status), when the site has a public URL
    status_callback: str | None = None


@dataclass
class DispatchStats:
    sent: int = 0
    expired: int = 0
    deferred: int = 0
    cancelled: int = 0
    retried: int = 0
    failed: int = 0
    reconciliation: int = 0
    ids: dict[str, list[int]] = field(default_factory=dict)

    def add(self, what: str, reminder_id: int) -> None:
        setattr(self, what, getattr(self, what) + 1)
        self.ids.setdefault(what, []).append(reminder_id)


def dispatch_due(session: Session, sender, *, now: datetime, policy: DispatchPolicy | None = None) -> DispatchStats:
    """One pass: flag dead claims, expire what is past its use, then claim and send what is due."""
    policy = policy or DispatchPolicy()
    stats = DispatchStats()
    flag_stale_claims(session, now=now, lease=policy.lease, stats=stats)
    expire_overdue(session, now=now, stats=stats)
    token = secrets.token_hex(16)
    started = time.monotonic()
    for _ in range(policy.batch):
        # a claim is stamped with the time it is made, so a long pass cannot look like a dead one
        claimed_at = now + timedelta(seconds=time.monotonic() - started)
        reminder_id = claim_next(session, now=now, token=token, claimed_at=claimed_at)
        if reminder_id is None:
            break
        _handle(session, sender, reminder_id, token, now, policy, stats)
    log.info("dispatch pass: %s sent, %s expired, %s deferred, %s cancelled, %s retried, %s failed, "
             "%s to reconcile", stats.sent, stats.expired, stats.deferred, stats.cancelled, stats.retried,
             stats.failed, stats.reconciliation)
    return stats


def flag_stale_claims(session: Session, *, now: datetime, lease: timedelta, stats: DispatchStats) -> None:
    """Claimed rows past their lease: the outcome is unknown, so a person checks (never a blind resend)."""
    stale = session.scalars(select(Reminder).where(Reminder.status == CLAIMED,
                                                   Reminder.claimed_at < now - lease)).all()
    for row in stale:
        row.status, row.updated_at = NEEDS_RECONCILIATION, now
        row.error_message = "dispatcher stopped between claiming and recording; check the provider's log"
        session.flush()
        alerts.raise_alert(session, participant_id=row.participant_id, tier="INFO", rule="sms_needs_check",
                           source_type="reminders", source_id=row.id, now=now, details={"reminder": row.key})
        stats.add("reconciliation", row.id)
        log.warning("reminder %s left claimed past its lease: needs reconciliation", row.id)
    session.commit()


def expire_overdue(session: Session, *, now: datetime, stats: DispatchStats) -> None:
    """Pending reminders whose useful time has passed (e.g. the scheduler was down): expired, not sent."""
    ids = session.scalars(select(Reminder.id).where(Reminder.status == PENDING, Reminder.expires_at <= now)).all()
    if ids:
        session.execute(update(Reminder).where(Reminder.id.in_(ids), Reminder.status == PENDING)
                        .values(status=EXPIRED, updated_at=now).execution_options(synchronize_session=False))
        for reminder_id in ids:
            stats.add("expired", reminder_id)
    session.commit()


def claim_next(session: Session, *, now: datetime, token: str, claimed_at: datetime | None = None) -> int | None:
    """Claim the next due reminder for this pass and commit the claim; None when nothing is due."""
    while True:
        candidate = session.scalar(
            select(Reminder.id)
            .where(Reminder.status == PENDING, Reminder.due_at <= now, Reminder.expires_at > now,
                   (Reminder.next_attempt_at.is_(None)) | (Reminder.next_attempt_at <= now))
            .order_by(Reminder.due_at, Reminder.id)
            .limit(1)
            .with_for_update(skip_locked=True)
        )
        if candidate is None:
            session.commit()
            return None
        result = session.execute(
            update(Reminder).where(Reminder.id == candidate, Reminder.status == PENDING)
            .values(status=CLAIMED, claim_token=token, claimed_at=claimed_at or now, attempts=Reminder.attempts + 1,
                    updated_at=now)
            .execution_options(synchronize_session=False)
        )
        session.commit()
        if result.rowcount == 1:
            return candidate
        # another dispatcher claimed it between our SELECT and UPDATE (SQLite): try the next one


def _finish(session: Session, reminder_id: int, token: str, now: datetime, **values) -> None:
    """Record the outcome, but only for this pass's claim (a later pass may have flagged it meanwhile)."""
    session.execute(update(Reminder).where(Reminder.id == reminder_id, Reminder.claim_token == token)
                    .values(updated_at=now, **values).execution_options(synchronize_session=False))
    session.commit()


def _handle(session: Session, sender, reminder_id: int, token: str, now: datetime, policy: DispatchPolicy,
            stats: DispatchStats) -> None:
    reminder = session.get(Reminder, reminder_id, populate_existing=True)
    participant = session.get(Participant, reminder.participant_id, populate_existing=True)
    prefs = reminders.preferences_for(session, participant)
    session.commit()
    if not reminders.may_receive(participant, prefs) or (
            reminder.kind == reminder_plan.DIARY
            and reminders.has_diary_entry(session, participant.id, reminder.subject_date)):
        _finish(session, reminder_id, token, now, status=CANCELLED)
        stats.add("cancelled", reminder_id)
        return
    decision = reminder_plan.send_decision(now, reminder.expires_at - policy.min_useful, reminders.as_domain(prefs),
                                           participant.timezone)
    if decision.action == "expire":
        _finish(session, reminder_id, token, now, status=EXPIRED)
        stats.add("expired", reminder_id)
        return
    if decision.action == "defer":
        _finish(session, reminder_id, token, now, status=PENDING, next_attempt_at=decision.until,
                attempts=reminder.attempts - 1, claim_token=None, claimed_at=None)
        stats.add("deferred", reminder_id)
        return
    text = templates.for_reminder(reminder.kind, participant.language, day=reminder.subject_date,
                                  at=reminder.visit_time)
    options = {"validity_seconds": reminder_plan.validity_seconds(now, reminder.expires_at)}
    if policy.status_callback:
        options["status_callback"] = policy.status_callback
    _finish(session, reminder_id, token, now, language=text.language, segments=text.segments.count)
    try:
        result = sender.send(participant.phone_e164, text.body, **options)
    except SmsError as exc:
        _failed(session, reminder, participant, token, now, policy, stats, exc)
        return
    except Exception as exc:  # noqa: BLE001 - an unknown failure: the message may have gone out
        _failed(session, reminder, participant, token, now, policy, stats, SmsUncertain())
        log.error("reminder %s: unexpected %s from the SMS sender", reminder_id, type(exc).__name__)
        return
    _finish(session, reminder_id, token, now, status=SENT, sent_at=now, provider_sid=result.provider_id,
            provider_status=result.status, status_changed_at=now, error_code=None, error_message=None,
            next_attempt_at=None)
    stats.add("sent", reminder_id)
    log.info("reminder %s sent (%s, %s segment(s))", reminder_id, text.language, text.segments.count)


def _failed(session: Session, reminder: Reminder, participant: Participant, token: str, now: datetime,
            policy: DispatchPolicy, stats: DispatchStats, exc: SmsError) -> None:
    reminder_id = reminder.id
    error = {"error_code": exc.code, "error_message": exc.description}
    log.warning("reminder %s not sent: %s (code %s)", reminder_id, type(exc).__name__, exc.code)
    if isinstance(exc, SmsTransient) and reminder.attempts < policy.max_attempts:
        wait = policy.backoff[min(reminder.attempts - 1, len(policy.backoff) - 1)]
        _finish(session, reminder_id, token, now, status=PENDING, next_attempt_at=now + wait, claim_token=None,
                claimed_at=None, **error)
        stats.add("retried", reminder_id)
        return
    if isinstance(exc, SmsUncertain):
        _finish(session, reminder_id, token, now, status=NEEDS_RECONCILIATION, **error)
        alerts.raise_alert(session, participant_id=participant.id, tier="INFO", rule="sms_needs_check",
                           source_type="reminders", source_id=reminder_id, now=now, details={"reminder": reminder.key})
        session.commit()
        stats.add("reconciliation", reminder_id)
        return
    _finish(session, reminder_id, token, now, status=FAILED, **error)
    stats.add("failed", reminder_id)
    session.refresh(reminder)
    if isinstance(exc, SmsOptedOut):
        reminders.opt_out(session, participant, source="provider error 21610", now=now)
    elif isinstance(exc, SmsBadNumber):
        reminders.flag_number(session, participant, exc.problem, reminder=reminder, now=now)
    else:
        alerts.raise_alert(session, participant_id=participant.id, tier="AMBER", rule="sms_failed",
                           source_type="reminders", source_id=reminder_id, now=now,
                           details={"error_code": exc.code})
    session.commit()  # the failure's consequences (opt-out, flagged number, alert) with it, before the next claim
