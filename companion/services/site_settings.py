"""A site's settings that people see or that drive escalation, changed by an administrator (audited)."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from companion import validation
from companion.models import Site
from companion.services import audit
from companion.services.errors import ValidationFailed
from companion.services.inputs import clean_text, integer_in

#: field -> label; all plain text except the two checked specially below
SETTINGS = {
    "address": _l("Where visits take place"),
    "contact_phone": _l("Study team phone (shown to participants)"),
    "emergency_number": _l("Emergency number (shown with urgent advice)"),
    "emergency_department": _l("Nearest emergency department"),
    "on_call_phone": _l("On-call coordinator mobile (E.164) for escalated RED alerts"),
    "red_escalation_minutes": _l("Minutes before an unacknowledged RED alert is escalated"),
}


def update_site(session: Session, site: Site, raw: dict, *, actor: audit.Actor, now: datetime) -> dict:
    errors: dict[str, object] = {}
    clean: dict = {}
    for key, value in raw.items():
        if key not in SETTINGS or value is None:
            continue
        try:
            if key == "on_call_phone":
                clean[key] = validation.phone(value) if value.strip() else ""
            elif key == "red_escalation_minutes":
                clean[key] = integer_in(value, 5, 24 * 60)
            else:
                clean[key] = clean_text(value, 300) or ""
        except ValueError as exc:
            errors[key] = str(exc)
    if errors:
        raise ValidationFailed(errors)
    changes = {k: [getattr(site, k), v] for k, v in clean.items() if getattr(site, k) != v}
    for key, (_old, new) in changes.items():
        setattr(site, key, new)
    if changes:
        audit.record(session, actor, "site.settings", at=now, entity=site, site_id=site.id, changes=changes)
    return changes
