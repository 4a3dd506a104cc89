"""A reminder planned for a participant is sent by the running scheduler process through the real twilio
library, and Twilio's signed status callback comes back through nginx and moves it to "delivered"."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from tests.production import stack
from tests.production.test_journeys import enrol_by_command

pytestmark = pytest.mark.production


def daytime_zone(now: datetime) -> str:
    """A fixed-offset zone where it is about midday now, so the reminder is outside anyone's quiet hours."""
    offset = (12 - now.hour) % 24
    offset = offset - 24 if offset > 14 else offset
    return "Etc/GMT" + (f"{-offset:+d}" if offset else "")  # Etc/GMT-8 is UTC+8: the sign is inverted


def reminder_row(production, reminder_id: int):
    with production.db.connect() as conn:
        return conn.execute(text("SELECT status, provider_sid, provider_status FROM reminders WHERE id = :id"),
                            {"id": reminder_id}).one()


def test_the_scheduler_sends_a_due_reminder_and_the_signed_callback_marks_it_delivered(production):
    now = datetime.now(UTC)
    study_id, phone = enrol_by_command(production, "--timezone", daytime_zone(now))
    with production.db.begin() as conn:
        reminder_id = conn.execute(text(
            "SELECT r.id FROM reminders r JOIN participants p ON p.id = r.participant_id "
            "WHERE p.study_id = :s AND r.status = 'pending' ORDER BY r.due_at LIMIT 1"), {"s": study_id}).scalar_one()
        # the plan put it days ahead; bring it to now, as if those days had passed
        conn.execute(text("UPDATE reminders SET due_at = :due, expires_at = :expires WHERE id = :id"),
                     {"due": now - timedelta(seconds=5), "expires": now + timedelta(hours=6), "id": reminder_id})

    sent = lambda: production.twilio.messages_to(phone)  # noqa: E731
    stack.wait_for(sent, 90, "the scheduler to send the due reminder (it runs every minute)", production.processes)
    message = sent()[-1]
    assert message.status_callback == f"{production.url}/sms/status"
    assert study_id not in message.body and "狼疮" not in message.body and "lupus" not in message.body.lower()
    stack.wait_for(lambda: reminder_row(production, reminder_id).provider_sid == message.sid, 30,
                   "the reminder to be recorded as sent", production.processes)
    assert reminder_row(production, reminder_id).status == "sent"

    forged = production.twilio.report(message, "failed", signature="bm90IGEgc2lnbmF0dXJl")
    assert forged == 403
    assert reminder_row(production, reminder_id).provider_status != "failed"

    assert production.twilio.report(message, "delivered") in (200, 204)
    row = reminder_row(production, reminder_id)
    assert (row.status, row.provider_status) == ("delivered", "delivered")
    assert production.process("scheduler").alive()
