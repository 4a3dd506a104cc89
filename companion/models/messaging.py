"""SMS reminders: each participant's settings, one row per planned reminder, and inbound replies.

A reminder row is what makes "exactly once" hold (RELIABILITY-SECURITY.md, "Scheduler and reminders"):
its key is unique per participant, and its status only moves
pending -> claimed -> sent -> delivered/undelivered/failed, or to expired/cancelled/needs_reconciliation.
No message text is stored: the body is rendered from a registered template when it is sent.
"""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from companion.db import Base, UTCDateTime, now_utc
from companion.domain.reminder_plan import DEFAULT_PREFERENCES

PENDING = "pending"
CLAIMED = "claimed"
SENT = "sent"
DELIVERED = "delivered"
UNDELIVERED = "undelivered"
FAILED = "failed"
EXPIRED = "expired"
CANCELLED = "cancelled"
NEEDS_RECONCILIATION = "needs_reconciliation"
STATUSES = (PENDING, CLAIMED, SENT, DELIVERED, UNDELIVERED, FAILED, EXPIRED, CANCELLED, NEEDS_RECONCILIATION)
#: statuses of a reminder that may still be re-planned (nothing has gone to the provider)
UNSENT = (PENDING, CANCELLED)


class ReminderPreference(Base):
    """One row per participant: when reminders go out, and whether the number can receive them."""

    __tablename__ = "reminder_preferences"

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id"), unique=True)
    #: local time of the reminders 2 days and 1 day before a visit
    reminder_time: Mapped[time] = mapped_column(Time, default=DEFAULT_PREFERENCES.reminder_time)
    #: local time of the reminder on the morning of a visit
    morning_time: Mapped[time] = mapped_column(Time, default=DEFAULT_PREFERENCES.morning_time)
    #: no message is planned in [quiet_start, quiet_end) local time (the period may wrap midnight)
    quiet_start: Mapped[time] = mapped_column(Time, default=DEFAULT_PREFERENCES.quiet_start)
    quiet_end: Mapped[time] = mapped_column(Time, default=DEFAULT_PREFERENCES.quiet_end)
    #: local time of the daily diary nudge; NULL = off (the default)
    diary_nudge_time: Mapped[time | None] = mapped_column(Time)
    #: set when the participant replied STOP (or the provider answered 21610); START clears it
    opted_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: "invalid" (21211) or "landline" (21614): the number cannot get SMS until a coordinator fixes it
    phone_problem: Mapped[str | None] = mapped_column(String(16))
    phone_problem_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, onupdate=now_utc)


class Reminder(Base):
    """One planned SMS reminder; the key is stable across re-planning (companion.domain.reminder_plan)."""

    __tablename__ = "reminders"
    __table_args__ = (
        UniqueConstraint("participant_id", "key"),
        Index("ix_reminders_status_due", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id"), index=True)
    #: e.g. "v:w4:20260310:d1" or "d:20260310"
    key: Mapped[str] = mapped_column(String(64))
    #: companion.domain.reminder_plan.KINDS
    kind: Mapped[str] = mapped_column(String(16))
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visits.id"))
    #: the visit's day or the diary day the reminder is about
    subject_date: Mapped[date] = mapped_column(Date)
    #: clinic time of the visit, shown in the message
    visit_time: Mapped[time | None] = mapped_column(Time)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: after this instant the reminder is no longer useful: expired, never sent
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(24), default=PENDING)
    #: send attempts made (a retry after 429/5xx counts again)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    #: a retry waits until then
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: random token of the dispatcher pass that claimed the row; only that pass records the result
    claim_token: Mapped[str | None] = mapped_column(String(32))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: the provider's message id (Twilio MessageSid)
    provider_sid: Mapped[str | None] = mapped_column(String(64), unique=True)
    #: the provider's last status (queued, sent, delivered, undelivered, failed...)
    provider_status: Mapped[str | None] = mapped_column(String(20))
    status_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error_code: Mapped[int | None] = mapped_column(Integer)
    #: a short technical message (never the text or the number)
    error_message: Mapped[str | None] = mapped_column(String(200))
    #: language the message was rendered in, and its segment count
    language: Mapped[str | None] = mapped_column(String(8))
    segments: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, onupdate=now_utc)


class InboundMessage(Base):
    """A reply received through the provider's webhook; the text itself is never stored, only its keyword."""

    __tablename__ = "inbound_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Twilio MessageSid: the same webhook delivered twice is processed once
    provider_sid: Mapped[str] = mapped_column(String(64), unique=True)
    #: NULL when the number is not a participant's
    participant_id: Mapped[int | None] = mapped_column(ForeignKey("participants.id"), index=True)
    #: "stop", "start", "help", "confirm" or "other"
    keyword: Mapped[str] = mapped_column(String(16))
    #: the visit a "C" reply confirmed
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visits.id"))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
