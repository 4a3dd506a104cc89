"""The participant's visits as an iCalendar file for the phone's calendar.

Summaries say "Clinic visit" and nothing more: no drug, no disease, no study name (a calendar is
often synced to other services and shown on lock screens).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from icalendar import Calendar, Event

from companion.services.schedules import ParticipantSchedule

SUMMARY = {"en": "Clinic visit", "zh-CN": "门诊就诊"}


def build_ics(schedule: ParticipantSchedule, *, site_timezone: str, location: str, duration_minutes: int,
              now: datetime) -> bytes:
    participant = schedule.participant
    cal = Calendar()
    cal.add("prodid", "-//trial companion//visits//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    for row in schedule.rows:
        if row.status.state in ("done", "missed"):
            continue
        start = row.starts_at(site_timezone).astimezone(UTC)
        event = Event()
        event.add("uid", f"visit-{row.visit.id}@companion")
        event.add("dtstamp", now.astimezone(UTC))
        event.add("dtstart", start)
        event.add("dtend", start + timedelta(minutes=duration_minutes))
        event.add("summary", SUMMARY.get(participant.language, SUMMARY["en"]))
        if location:
            event.add("location", location)
        cal.add_component(event)
    return cal.to_ical()
