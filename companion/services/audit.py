"""The audit trail: who, when (UTC), what (old and new values) and why.

Rows are only ever added. An attempt to update or delete one raises, so no code path of the app can
rewrite the trail (RELIABILITY-SECURITY.md, "Electronic records").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal

from sqlalchemy import event
from sqlalchemy.orm import Session

from companion.models import AuditEvent


@dataclass(frozen=True, slots=True)
class Actor:
    """Who acts: a staff user, a participant, the command line or the system itself."""

    type: str
    id: int | None = None
    site_id: int | None = None


CLI = Actor("cli")
SYSTEM = Actor("system")


class AuditTrailIsAppendOnly(RuntimeError):
    pass


def _refuse(*_args) -> None:
    raise AuditTrailIsAppendOnly("audit events are never changed or deleted")


event.listen(AuditEvent, "before_update", _refuse)
event.listen(AuditEvent, "before_delete", _refuse)


def plain(value):
    """A JSON-safe form of a column value for the ``changes`` document."""
    if isinstance(value, date | datetime | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def record(
    session: Session,
    actor: Actor,
    action: str,
    *,
    at: datetime,
    entity: object | None = None,
    participant_id: int | None = None,
    site_id: int | None = None,
    reason: str | None = None,
    changes: dict | None = None,
) -> AuditEvent:
    """Add one audit row to the session; it commits with the change it describes."""
    row = AuditEvent(
        at=at,
        actor_type=actor.type,
        actor_id=actor.id,
        action=action,
        entity_type=type(entity).__name__ if entity is not None else None,
        entity_id=getattr(entity, "id", None),
        participant_id=participant_id,
        site_id=site_id if site_id is not None else actor.site_id,
        reason=reason,
        changes={k: plain(v) if not isinstance(v, list) else [plain(x) for x in v] for k, v in (changes or {}).items()},
    )
    session.add(row)
    return row
