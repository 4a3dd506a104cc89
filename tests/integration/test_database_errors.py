"""A failed insert never carries what was being written: no note or phone number in the error's text or in a
log (companion/db.py: hide_parameters and the handle_error redaction)."""

from __future__ import annotations

import logging
import traceback
from datetime import date

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DataError, IntegrityError

from companion.db import now_utc
from companion.models import DiaryEntry, Participant
from tests import factories

NOTE = "NOTE-RECOGNISABLE-7431 my husband's pills"
PHONE = "+8613811112222"


def _assert_nothing_leaks(exc_info, caplog, value: str) -> None:
    text = "".join(traceback.format_exception(exc_info.value))  # the chained driver error included
    assert value not in text
    assert value not in caplog.text
    assert "parameters hidden" in str(exc_info.value)


def test_a_failed_insert_of_a_note_shows_no_note(db_session, participant, caplog):
    caplog.set_level(logging.INFO, logger="sqlalchemy.engine")  # the engine's own statement log, at its most
    row = DiaryEntry(participant_id=participant.id, local_date=None, fatigue=2, joint_pain=1, symptoms=[],
                     note=NOTE, late=False, version=1, created_at=now_utc(), created_by_type="participant",
                     created_by_id=participant.id)
    with pytest.raises(IntegrityError, match=r"(?i)null") as exc_info, db_session.begin_nested():
        db_session.add(row)
        db_session.flush()
    _assert_nothing_leaks(exc_info, caplog, NOTE)
    assert "diary_entries" in str(exc_info.value)  # the table is still named: the error stays useful


def test_a_failed_insert_of_a_phone_number_shows_no_number(db_session, site, caplog):
    caplog.set_level(logging.INFO, logger="sqlalchemy.engine")
    first = factories.participant(db_session, site, phone=PHONE)
    copy = Participant(**{column.key: getattr(first, column.key) for column in Participant.__table__.columns
                          if column.key not in ("id", "study_id")}, study_id="COPY-1")
    copy.day1 = date(2026, 1, 5)
    with pytest.raises(IntegrityError, match=r"(?i)unique|duplicate|uq_") as exc_info, db_session.begin_nested():
        db_session.add(copy)
        db_session.flush()
    _assert_nothing_leaks(exc_info, caplog, PHONE)
    assert PHONE.removeprefix("+") not in str(exc_info.value)
    assert "phone" in str(exc_info.value)  # the constraint is still named: the error stays useful


def test_bad_input_quoted_by_postgresql_is_not_repeated(db_session, caplog):
    """PostgreSQL's data errors (SQLSTATE class 22) quote the input: ``invalid input syntax …: "…"``."""
    if db_session.get_bind().dialect.name != "postgresql":
        pytest.skip("SQLite converts the text without an error; runs in CI's PostgreSQL pass")
    with pytest.raises(DataError, match=r"sqlstate 22") as exc_info, db_session.begin_nested():
        db_session.execute(text("SELECT CAST(:value AS integer)"), {"value": PHONE})
    _assert_nothing_leaks(exc_info, caplog, PHONE)
