"""The participant's diary: daily entries, steroid doses and check-ins (DOMAIN.md sections 2 and 5).

Records are never changed in place (RELIABILITY-SECURITY.md, "Electronic records"): a correction is a
new row with ``version`` + 1 that points at the row it replaces (``supersedes_id``); the replaced row
gets ``superseded_at``. A voided record is a new version with ``voided`` set. The current version of a
record is the one with ``superseded_at`` NULL. ``record_id`` is shared by every version of a record.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from companion.db import Base, UTCDateTime, now_utc


class VersionedRecord:
    """Columns every versioned diary record has."""

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id"), index=True)
    #: the same for all versions of one record (the id of its first version)
    record_id: Mapped[int | None] = mapped_column(Integer, index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    supersedes_id: Mapped[int | None] = mapped_column(Integer)
    #: set when a newer version replaces this one; NULL on the current version
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    voided: Mapped[bool] = mapped_column(Boolean, default=False)
    #: the participant's local calendar day the record is about
    local_date: Mapped[date] = mapped_column(Date)
    #: entered after the day was over (a late entry, within the allowed days)
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    #: a client-generated id (offline diary): the same id sent again creates nothing new
    client_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    #: "participant" or "staff"
    created_by_type: Mapped[str] = mapped_column(String(16), default="participant")
    created_by_id: Mapped[int | None] = mapped_column(Integer)
    #: why this version was made (required for corrections once the day is over)
    reason: Mapped[str | None] = mapped_column(Text)


class DiaryEntry(VersionedRecord, Base):
    """One day's symptoms; at most one current, non-voided entry per participant and local day."""

    __tablename__ = "diary_entries"
    __table_args__ = (
        UniqueConstraint("participant_id", "client_id"),
        Index("ix_diary_entries_participant_day", "participant_id", "local_date"),
        # one current entry per participant and day, even when two phones save at the same moment
        Index("uq_diary_entries_current_day", "participant_id", "local_date", unique=True,
              sqlite_where=text("superseded_at IS NULL AND NOT voided"),
              postgresql_where=text("superseded_at IS NULL AND NOT voided")),
    )

    fatigue: Mapped[int] = mapped_column(Integer)
    joint_pain: Mapped[int] = mapped_column(Integer)
    #: degrees Celsius, only when unwell
    temperature_c: Mapped[Decimal | None] = mapped_column(Numeric(3, 1))
    #: yes/no items answered yes, by key (companion.domain.diary_rules.SYMPTOMS)
    symptoms: Mapped[list] = mapped_column(JSON, default=list)
    note: Mapped[str | None] = mapped_column(Text)


class SteroidDose(VersionedRecord, Base):
    """One oral steroid intake; several a day. ``dose_mg`` is the drug's own mg, not prednisone's."""

    __tablename__ = "steroid_doses"
    __table_args__ = (
        UniqueConstraint("participant_id", "client_id"),
        Index("ix_steroid_doses_participant_day", "participant_id", "local_date"),
    )

    #: key in companion.domain.steroid_table.DRUGS
    drug: Mapped[str] = mapped_column(String(32))
    strength_mg: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    tablets: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    dose_mg: Mapped[Decimal] = mapped_column(Numeric(7, 2))


class CheckIn(VersionedRecord, Base):
    """A post-infusion reaction check-in, a PHQ-2 or a PHQ-9, with item answers and total."""

    __tablename__ = "check_ins"
    __table_args__ = (
        UniqueConstraint("participant_id", "client_id"),
        Index("ix_check_ins_participant_day", "participant_id", "local_date"),
    )

    #: "post_infusion", "phq2" or "phq9"
    kind: Mapped[str] = mapped_column(String(16))
    #: {item key: score}
    answers: Mapped[dict] = mapped_column(JSON, default=dict)
    total: Mapped[int] = mapped_column(Integer)
    #: the infusion visit a post-infusion check-in follows
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visits.id"))


class Alert(Base):
    """Something that needs a person (DOMAIN.md section 6): RED, AMBER or INFO, from one source."""

    __tablename__ = "alerts"
    __table_args__ = (UniqueConstraint("participant_id", "rule", "source_type", "source_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id"), index=True)
    #: "RED", "AMBER" or "INFO"
    tier: Mapped[str] = mapped_column(String(8))
    #: the rule's key, e.g. "phq9_item9" (companion.domain.alert_rules)
    rule: Mapped[str] = mapped_column(String(48))
    #: the record that raised it: table name and id (e.g. "check_ins", 12)
    source_type: Mapped[str] = mapped_column(String(32))
    source_id: Mapped[int] = mapped_column(Integer)
    #: plain details for the coordinator (no free text of the participant)
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, index=True)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    #: what was done about it
    action_note: Mapped[str | None] = mapped_column(Text)
    #: when an unacknowledged RED alert was sent on to the on-call coordinator by SMS
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
