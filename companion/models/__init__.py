"""ORM mapping only: no commits, no Flask imports, no clock defaults evaluated at import.

One module per area; importing this package registers every table on ``Base.metadata``.
"""

from companion.models.core import (
    LANGUAGES,
    AuditEvent,
    AuthSession,
    LoginCode,
    Participant,
    Site,
    StaffUser,
    Visit,
)
from companion.models.diary import Alert, CheckIn, DiaryEntry, SteroidDose
from companion.models.messaging import InboundMessage, Reminder, ReminderPreference
from companion.models.operations import SchedulerHeartbeat
from companion.models.workspace import Assessment, DiaryWeekReview

__all__ = [
    "LANGUAGES", "Alert", "AuditEvent", "AuthSession", "CheckIn", "DiaryEntry", "LoginCode", "Participant", "Site",
    "StaffUser", "SteroidDose", "Visit",
    "InboundMessage", "Reminder", "ReminderPreference", "Assessment", "DiaryWeekReview", "SchedulerHeartbeat",
]
