"""Storing alerts for the coordinators (DOMAIN.md section 6). The rules that decide them are pure
functions in companion.domain.alert_rules; this module only records what they found, once per source."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from companion import validation
from companion.models import Alert
from companion.services import audit
from companion.services.errors import ValidationFailed

TIERS = ("RED", "AMBER", "INFO")


def raise_alert(session: Session, *, participant_id: int, tier: str, rule: str, source_type: str,
                source_id: int, now: datetime, details: dict | None = None) -> Alert:
    """Add the alert unless this rule already fired for this source; the caller commits."""
    if tier not in TIERS:
        raise ValueError(f"unknown alert tier {tier!r}")
    existing = session.scalar(select(Alert).where(
        Alert.participant_id == participant_id, Alert.rule == rule, Alert.source_type == source_type,
        Alert.source_id == source_id))
    if existing is not None:
        return existing
    alert = Alert(participant_id=participant_id, tier=tier, rule=rule, source_type=source_type,
                  source_id=source_id, details=details or {}, raised_at=now)
    session.add(alert)
    session.flush()
    audit.record(session, audit.SYSTEM, "alert.raise", at=now, entity=alert, participant_id=participant_id,
                 changes={"tier": [None, tier], "rule": [None, rule]})
    return alert


def open_alerts(session: Session, site_id: int) -> list[Alert]:
    """Unacknowledged alerts of a site, RED first, newest first within a tier."""
    from companion.models import Participant

    order = {"RED": 0, "AMBER": 1, "INFO": 2}
    rows = session.scalars(
        select(Alert).join(Participant, Participant.id == Alert.participant_id)
        .where(Participant.site_id == site_id, Alert.acknowledged_at.is_(None))
        .order_by(Alert.raised_at.desc())
    ).all()
    return sorted(rows, key=lambda a: order.get(a.tier, 9))


def acknowledge(session: Session, alert: Alert, *, note: str, actor: audit.Actor, now: datetime) -> Alert:
    """A person has dealt with the alert: who, when and what was done (the note is required)."""
    if alert.acknowledged_at is not None:
        raise ValidationFailed({"note": _l("This alert was acknowledged already.")})
    try:
        text = validation.reason(note, max_length=1000)
    except validation.FieldError as exc:
        raise ValidationFailed({"note": exc.message}) from exc
    alert.acknowledged_at, alert.acknowledged_by_id, alert.action_note = now, actor.id, text
    audit.record(session, actor, "alert.acknowledge", at=now, entity=alert, participant_id=alert.participant_id,
                 reason=text, changes={"acknowledged_at": [None, now]})
    return alert
