"""Changes a participant makes to their own settings, each audited."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from companion import validation
from companion.models import Participant
from companion.services import audit


def set_language(session: Session, participant: Participant, language: str, *, now: datetime) -> None:
    language = validation.language(language)
    if participant.language == language:
        return
    old, participant.language = participant.language, language
    audit.record(session, audit.Actor("participant", participant.id, participant.site_id), "participant.language",
                 at=now, entity=participant, participant_id=participant.id,
                 reason="changed by the participant", changes={"language": [old, language]})
