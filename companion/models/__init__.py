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

__all__ = [
    "LANGUAGES", "Alert", "AuditEvent", "AuthSession", "CheckIn", "DiaryEntry", "LoginCode", "Participant", "Site",
    "StaffUser", "SteroidDose", "Visit",
]
