"""Versioned diary records: a record is never changed in place (RELIABILITY-SECURITY.md, "Electronic
records"). A correction or a void adds a version; the old one is kept, marked superseded, and the audit
trail holds who, when, old and new values and why."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from companion.models.diary import VersionedRecord
from companion.services import audit
from companion.services.errors import ValidationFailed


def current_versions(session: Session, model, participant_id: int, start: date, end: date) -> list:
    """Current versions (voided ones included, so that they stay visible) between two local days."""
    return list(session.scalars(
        select(model).where(model.participant_id == participant_id, model.superseded_at.is_(None),
                            model.local_date >= start, model.local_date <= end)
        .order_by(model.local_date, model.id)
    ))


def by_client_id(session: Session, model, participant_id: int, client_id: str | None):
    if not client_id:
        return None
    return session.scalar(select(model).where(model.participant_id == participant_id, model.client_id == client_id))


def current_of(session: Session, model, participant_id: int, record_id: int):
    """The current version of a participant's record, or None (another participant's is None too)."""
    return session.scalar(select(model).where(model.participant_id == participant_id, model.record_id == record_id,
                                              model.superseded_at.is_(None)))


def create(session: Session, row: VersionedRecord, *, actor: audit.Actor, now: datetime, fields: dict) -> None:
    """Add the first version of a record and audit its values."""
    row.version, row.created_at = 1, now
    row.created_by_type, row.created_by_id = actor.type, actor.id
    session.add(row)
    session.flush()
    row.record_id = row.id
    audit.record(session, actor, f"{row.__tablename__}.create", at=now, entity=row,
                 participant_id=row.participant_id, changes={k: [None, v] for k, v in fields.items()})


def new_version(session: Session, current: VersionedRecord, *, changes: dict, actor: audit.Actor, now: datetime,
                reason: str | None, voided: bool = False) -> VersionedRecord:
    """Supersede ``current`` with a copy that has ``changes`` applied; audit old and new values."""
    model = type(current)
    columns = [c.key for c in model.__table__.columns
               if c.key not in {"id", "version", "supersedes_id", "superseded_at", "created_at", "created_by_type",
                                "created_by_id", "reason", "client_id", "voided"}]
    copy = model(**{key: getattr(current, key) for key in columns})
    diff = {}
    for key, value in changes.items():
        if getattr(current, key) != value:
            diff[key] = [getattr(current, key), value]
        setattr(copy, key, value)
    if voided:
        diff["voided"] = [False, True]
    copy.version, copy.supersedes_id, copy.voided, copy.reason = current.version + 1, current.id, voided, reason
    copy.created_at, copy.created_by_type, copy.created_by_id = now, actor.type, actor.id
    current.superseded_at = now
    session.add(copy)
    session.flush()
    action = "void" if voided else "correct"
    audit.record(session, actor, f"{model.__tablename__}.{action}", at=now, entity=copy,
                 participant_id=current.participant_id, reason=reason, changes=diff)
    return copy


def void(session: Session, model, participant_id: int, record_id: int, reason: str, *, actor: audit.Actor,
         now: datetime, missing_message) -> VersionedRecord:
    """Void the current version of a participant's record: a new, voided version that stays visible.

    ``reason`` is already checked by the caller; ``missing_message`` is raised (as a ValidationFailed on
    "record") when there is no such record of this participant, or it is voided already.
    """
    current = current_of(session, model, participant_id, record_id)
    if current is None or current.voided:
        raise ValidationFailed({"record": missing_message})
    row = new_version(session, current, changes={}, actor=actor, now=now, reason=reason, voided=True)
    return row
