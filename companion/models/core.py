"""Core tables: sites, staff, participants, visits, sessions, sign-in codes and the audit trail.

Instants are ``UTCDateTime`` columns named ``*_at``; calendar days are ``Date`` columns.
"""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, Numeric, String, Text, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from companion.db import Base, UTCDateTime, now_utc

LANGUAGES = ("zh-CN", "en")


class Site(Base):
    __tablename__ = "sites"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: short code used on the command line, e.g. "PUMCH"
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    #: IANA zone of the clinic; default zone for its participants and its coordinators' screens
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai")
    #: where visits take place, shown to participants and put in calendar files
    address: Mapped[str] = mapped_column(String(300), default="")
    #: the study team's phone number, shown to participants
    contact_phone: Mapped[str] = mapped_column(String(32), default="")
    #: shown with urgent advice (DOMAIN.md section 6): emergency number and nearest emergency department
    emergency_number: Mapped[str] = mapped_column(String(16), default="120")
    emergency_department: Mapped[str] = mapped_column(String(300), default="")
    #: E.164 number of the on-call coordinator: RED alerts not acknowledged in time are sent there
    on_call_phone: Mapped[str] = mapped_column(String(20), default="")
    #: minutes a RED alert may stay unacknowledged before it is escalated (a setting)
    red_escalation_minutes: Mapped[int] = mapped_column(Integer, default=30)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)


class StaffUser(Base):
    __tablename__ = "staff_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: stored lower-case; the sign-in name
    email: Mapped[str] = mapped_column(String(254), unique=True)
    #: Argon2id hash (argon2-cffi); never the password
    password_hash: Mapped[str] = mapped_column(String(255))
    #: base32 TOTP secret (RFC 6238)
    totp_secret: Mapped[str] = mapped_column(String(64))
    #: last accepted TOTP time step, so a code cannot be replayed within its window
    totp_last_step: Mapped[int | None] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(20), default="coordinator")
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    site: Mapped[Site] = relationship()


class Participant(Base):
    __tablename__ = "participants"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    #: the trial's participant identifier (no name is ever stored)
    study_id: Mapped[str] = mapped_column(String(32), unique=True)
    #: E.164, validated with phonenumbers; the sign-in channel
    phone_e164: Mapped[str] = mapped_column(String(20), unique=True)
    #: "zh-CN" or "en"
    language: Mapped[str] = mapped_column(String(8), default="zh-CN")
    #: IANA zone for showing times and planning reminders
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai")
    #: study day 1, the date of the first infusion
    day1: Mapped[date] = mapped_column(Date)
    weight_kg: Mapped[Decimal] = mapped_column(Numeric(5, 1))
    #: protocol file and reading in force when the schedule was generated
    protocol_id: Mapped[str] = mapped_column(String(64))
    protocol_reading: Mapped[str] = mapped_column(String(8))
    sms_consent: Mapped[bool] = mapped_column(Boolean, default=False)
    #: when consent to SMS through an overseas provider was given or withdrawn, and its wording
    sms_consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sms_consent_version: Mapped[str | None] = mapped_column(String(40))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    site: Mapped[Site] = relationship()
    visits: Mapped[list[Visit]] = relationship(
        back_populates="participant", order_by="Visit.number", cascade="all, delete-orphan"
    )


class Visit(Base):
    """One protocol visit of one participant; targets are a snapshot of the protocol at enrolment."""

    __tablename__ = "visits"
    __table_args__ = (UniqueConstraint("participant_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id"), index=True)
    key: Mapped[str] = mapped_column(String(32))
    number: Mapped[int] = mapped_column(Integer)
    study_day: Mapped[int] = mapped_column(Integer)
    week: Mapped[int] = mapped_column(Integer)
    infusion: Mapped[bool] = mapped_column(Boolean)
    endpoint: Mapped[bool] = mapped_column(Boolean, default=False)
    loading: Mapped[bool] = mapped_column(Boolean, default=False)
    target_date: Mapped[date] = mapped_column(Date)
    window_start: Mapped[date] = mapped_column(Date)
    window_end: Mapped[date] = mapped_column(Date)
    #: set when a coordinator moves the visit; later targets stay anchored to day 1
    planned_date: Mapped[date | None] = mapped_column(Date)
    #: local clinic time of the appointment
    planned_time: Mapped[time] = mapped_column(Time)
    #: the day the visit took place, recorded by a coordinator
    actual_date: Mapped[date | None] = mapped_column(Date)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, onupdate=now_utc)

    participant: Mapped[Participant] = relationship(back_populates="visits")

    @property
    def scheduled_date(self) -> date:
        return self.planned_date or self.target_date

    @property
    def effective_date(self) -> date:
        """The day the visit took place, else the day it is scheduled for (what "the visit's date" means)."""
        return self.actual_date or self.scheduled_date


class AuthSession(Base):
    """A signed-in session, held on the server so that sign-out and "lost phone" really end it."""

    __tablename__ = "auth_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: SHA-256 of the random token in the cookie; the token itself is never stored
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: "participant" or "staff"
    kind: Mapped[str] = mapped_column(String(16))
    participant_id: Mapped[int | None] = mapped_column(ForeignKey("participants.id"), index=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    #: the session ends after this many seconds without a request
    idle_seconds: Mapped[int] = mapped_column(Integer)
    #: absolute end, whatever the activity
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: "sign-out", "revoked", "replaced", "disabled"
    end_reason: Mapped[str | None] = mapped_column(String(32))


class LoginCode(Base):
    """A one-time SMS code, bound to the browser's sign-in attempt (its hashed attempt id)."""

    __tablename__ = "login_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id"), index=True)
    attempt_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: HMAC-SHA256 of the code with the app's secret
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    tries: Mapped[int] = mapped_column(Integer, default=0)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AuditEvent(Base):
    """Who did what, when and why. Rows are only ever added (see services/audit.py)."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, index=True)
    #: "staff", "participant", "cli" or "system"
    actor_type: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int | None] = mapped_column(Integer)
    #: e.g. "participant.enrol", "auth.signin", "auth.signin_failed", "visit.move"
    action: Mapped[str] = mapped_column(String(64), index=True)
    entity_type: Mapped[str | None] = mapped_column(String(32))
    entity_id: Mapped[int | None] = mapped_column(Integer)
    participant_id: Mapped[int | None] = mapped_column(ForeignKey("participants.id"), index=True)
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"))
    reason: Mapped[str | None] = mapped_column(Text)
    #: {"field": [old, new], ...} for changes; other details for events
    changes: Mapped[dict] = mapped_column(JSON, default=dict)
