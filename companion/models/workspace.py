"""The coordinator workspace: visit assessments (SLEDAI-2K, PGA, LLDAS) and diary week sign-offs."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from companion.db import Base, UTCDateTime, now_utc
from companion.models.diary import VersionedRecord


class Assessment(VersionedRecord, Base):
    """A visit assessment (DOMAIN.md sections 3 and 4). ``local_date`` is the day it was scored.

    LLDAS is computed by companion.domain.lldas when the assessment is saved, and every criterion is
    stored with the verdict, so that the endpoint can be checked criterion by criterion later.
    """

    __tablename__ = "assessments"
    __table_args__ = (UniqueConstraint("participant_id", "client_id"),)

    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id"), index=True)
    #: "SLEDAI-2K" or "SELENA-SLEDAI"
    variant: Mapped[str] = mapped_column(String(16))
    #: keys of the SLEDAI-2K descriptors present (companion.domain.sledai)
    descriptors: Mapped[list] = mapped_column(JSON, default=list)
    sledai_total: Mapped[int] = mapped_column(Integer)
    haemolytic_anaemia: Mapped[bool] = mapped_column(Boolean)
    gi_activity: Mapped[bool] = mapped_column(Boolean)
    #: the coordinator's answer: new lupus activity since the previous assessment
    new_activity: Mapped[bool] = mapped_column(Boolean)
    #: physician global assessment, 0-3
    pga: Mapped[Decimal] = mapped_column(Numeric(3, 2))
    #: current immunosuppressants: {key: mg/day}
    immunosuppressants: Mapped[dict] = mapped_column(JSON, default=dict)
    immunosuppressants_tolerated: Mapped[bool] = mapped_column(Boolean, default=True)
    #: prednisone equivalent mg/day used for LLDAS; from the diary unless corrected
    prednisone_mg: Mapped[Decimal] = mapped_column(Numeric(7, 2))
    #: what the diary said that day (None: nothing logged)
    prednisone_from_diary: Mapped[Decimal | None] = mapped_column(Numeric(7, 2))
    #: why the coordinator used another value than the diary's
    prednisone_reason: Mapped[str | None] = mapped_column(Text)
    #: weight on the day, and the dose at infusion visits (10 mg/kg) with the vials that make it up
    weight_kg: Mapped[Decimal | None] = mapped_column(Numeric(5, 1))
    dose_mg: Mapped[Decimal | None] = mapped_column(Numeric(7, 1))
    vials: Mapped[dict] = mapped_column(JSON, default=dict)
    #: [{"number": 1, "key": ..., "met": true, "detail": ...}, ...] for the five criteria
    lldas_criteria: Mapped[list] = mapped_column(JSON, default=list)
    in_lldas: Mapped[bool] = mapped_column(Boolean)


class DiaryWeekReview(Base):
    """A coordinator or investigator signed off one participant's diary week (Monday to Sunday)."""

    __tablename__ = "diary_week_reviews"
    __table_args__ = (UniqueConstraint("participant_id", "week_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id"), index=True)
    week_start: Mapped[date] = mapped_column(Date)
    reviewed_by_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id"))
    reviewed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    note: Mapped[str | None] = mapped_column(Text)
