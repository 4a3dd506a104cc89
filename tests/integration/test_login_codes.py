"""One-time code rules on a real database: 6 digits, single use, 10 minutes, 5 tries, one attempt."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from companion.db import now_utc
from companion.models import AuditEvent, LoginCode
from companion.services import login_codes

SECRET = "test-secret"
POLICY = login_codes.CodePolicy()


def _start(db_session, sender, participant, now):
    attempt = login_codes.start(db_session, participant.phone_e164, now=now, secret=SECRET, sender=sender,
                                policy=POLICY)
    code = re.search(r"(?<!\d)(\d{6})(?!\d)", sender.messages_to(participant.phone_e164)[-1].body).group(1)
    return attempt, code


def _verify(db_session, attempt, code, now):
    return login_codes.verify(db_session, attempt, code, now=now, secret=SECRET, policy=POLICY)


def test_code_is_six_digits_and_stored_only_as_a_hash(db_session, sender, participant):
    attempt, code = _start(db_session, sender, participant, now_utc())
    assert re.fullmatch(r"\d{6}", code)
    row = db_session.scalar(select(LoginCode).where(LoginCode.participant_id == participant.id))
    assert code not in row.code_hash and attempt not in row.attempt_hash


def test_right_code_signs_in_once(db_session, sender, participant):
    now = now_utc()
    attempt, code = _start(db_session, sender, participant, now)
    assert _verify(db_session, attempt, code, now) == participant
    assert _verify(db_session, attempt, code, now + timedelta(seconds=5)) is None


def test_code_expires_after_ten_minutes(db_session, sender, participant):
    now = now_utc()
    attempt, code = _start(db_session, sender, participant, now)
    assert _verify(db_session, attempt, code, now + timedelta(minutes=10)) is None
    attempt, code = _start(db_session, sender, participant, now)
    assert _verify(db_session, attempt, code, now + timedelta(minutes=9, seconds=59)) == participant


def test_sixth_guess_is_refused_even_when_right(db_session, sender, participant):
    now = now_utc()
    attempt, code = _start(db_session, sender, participant, now)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(5):
        assert _verify(db_session, attempt, wrong, now) is None
    assert _verify(db_session, attempt, code, now) is None


def test_fifth_try_may_still_be_right(db_session, sender, participant):
    now = now_utc()
    attempt, code = _start(db_session, sender, participant, now)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(4):
        _verify(db_session, attempt, wrong, now)
    assert _verify(db_session, attempt, code, now) == participant


def test_code_is_bound_to_its_attempt(db_session, sender, participant):
    now = now_utc()
    _attempt, code = _start(db_session, sender, participant, now)
    assert _verify(db_session, "someone-elses-attempt", code, now) is None


def test_someone_elses_request_does_not_spoil_the_code_in_hand(db_session, sender, participant):
    now = now_utc()
    first_attempt, first_code = _start(db_session, sender, participant, now)
    second_attempt, second_code = _start(db_session, sender, participant, now)  # e.g. a stranger's request
    assert _verify(db_session, first_attempt, first_code, now) == participant
    assert _verify(db_session, second_attempt, second_code, now) is None  # a sign-in ends every pending code


def test_unknown_number_gets_an_attempt_but_no_message(db_session, sender):
    attempt = login_codes.start(db_session, "+8613912345678", now=now_utc(), secret=SECRET, sender=sender,
                                policy=POLICY)
    assert attempt and sender.outbox == []


def test_sign_ins_and_failures_are_audited(db_session, sender, participant):
    now = now_utc()
    attempt, code = _start(db_session, sender, participant, now)
    _verify(db_session, attempt, "000000" if code != "000000" else "111111", now)
    _verify(db_session, attempt, code, now)
    actions = db_session.scalars(select(AuditEvent.action).where(AuditEvent.participant_id == participant.id)).all()
    assert "auth.signin_failed" in actions and "auth.signin" in actions and "auth.code_sent" in actions


def test_code_text_names_no_health_information(db_session, sender, participant):
    _start(db_session, sender, participant, now_utc())
    body = sender.messages_to(participant.phone_e164)[-1].body.lower()
    for word in ("lupus", "belimumab", "sle", "狼疮", "贝利尤单抗", "trial", "试验", "study", "研究"):
        assert word not in body
