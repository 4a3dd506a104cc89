"""RED alerts that nobody acknowledged in time go to the on-call coordinator by SMS (issue 5, item 3).

The text says only that an urgent alert waits: no participant, no health information (DOMAIN.md
section 7). Each alert is escalated at most once (``escalated_at``), claimed with a conditional UPDATE
so that two schedulers cannot both send it.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from flask_babel import force_locale, gettext
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from companion.models import Alert, Participant, Site
from companion.services import audit
from companion.sms import SmsSender

log = logging.getLogger(__name__)


def overdue(session: Session, now: datetime) -> list[tuple[Alert, Site]]:
    """Unacknowledged, not yet escalated RED alerts older than their site's escalation time."""
    rows = session.execute(
        select(Alert, Site).join(Participant, Participant.id == Alert.participant_id)
        .join(Site, Site.id == Participant.site_id)
        .where(Alert.tier == "RED", Alert.acknowledged_at.is_(None), Alert.escalated_at.is_(None))
    ).all()
    return [(alert, site) for alert, site in rows
            if now - alert.raised_at >= timedelta(minutes=site.red_escalation_minutes)]


def escalation_text(site: Site, waiting: int) -> str:
    with force_locale("zh_Hans_CN"):
        return gettext("%(site)s: %(n)s urgent alert(s) not acknowledged. Open the coordinator dashboard now.",
                       site=site.code, n=waiting)


def escalate_overdue(session: Session, *, now: datetime, sender: SmsSender) -> int:
    """Send one SMS per site with overdue RED alerts; returns the number of alerts escalated."""
    by_site: dict[int, tuple[Site, list[Alert]]] = {}
    for alert, site in overdue(session, now):
        claimed = session.execute(update(Alert).where(Alert.id == alert.id, Alert.escalated_at.is_(None))
                                  .values(escalated_at=now)).rowcount
        if claimed:
            by_site.setdefault(site.id, (site, []))[1].append(alert)
    # Commits on its own, a deliberate exception to "the job commits once" (companion/db.py), like the
    # dispatcher: the claim is committed before the SMS goes out, so a second pass never sends it again,
    # and a failed send gives its claim back at once for the next pass.
    session.commit()
    escalated = 0
    for site, alerts in by_site.values():
        if not site.on_call_phone:
            log.warning("site %s has no on-call number: %d urgent alert(s) not escalated", site.code, len(alerts))
            continue
        try:
            sender.send(site.on_call_phone, escalation_text(site, len(alerts)))
        except Exception as exc:  # noqa: BLE001 - provider errors vary; retry on the next pass
            log.warning("escalation SMS not sent: %s", type(exc).__name__)
            session.execute(update(Alert).where(Alert.id.in_([a.id for a in alerts])).values(escalated_at=None))
            session.commit()
            continue
        for alert in alerts:
            audit.record(session, audit.SYSTEM, "alert.escalate", at=now, entity=alert,
                         participant_id=alert.participant_id, site_id=site.id,
                         changes={"escalated_at": [None, now]})
        escalated += len(alerts)
    session.flush()  # the audit rows: committed with the job (companion/db.py unit_of_work)
    return escalated
