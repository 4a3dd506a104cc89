"""Staff accounts: creation from the command line, password and TOTP checks at sign-in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pyotp
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from companion.models import Site, StaffUser
from companion.passwords import hash_password, password_problems, verify_password
from companion.services import audit
from companion.services.errors import ValidationFailed

ISSUER = "Trial companion"
ROLES = ("coordinator", "investigator", "administrator")


@dataclass(frozen=True, slots=True)
class NewStaff:
    user: StaffUser
    totp_secret: str
    otpauth_uri: str


def normalise_email(email: str) -> str:
    return email.strip().lower()


def create_coordinator(
    session: Session, *, email: str, password: str, site: Site, now: datetime, actor: audit.Actor = audit.CLI,
    role: str = "coordinator",
) -> NewStaff:
    """A staff account (a coordinator unless ``role`` says otherwise) of ``site`` with a fresh TOTP
    secret; refuses weak passwords, taken emails and unknown roles."""
    email = normalise_email(email)
    errors: dict[str, object] = {}
    if role not in ROLES:
        errors["role"] = f"role must be one of {', '.join(ROLES)}"
    if "@" not in email or len(email) > 254:
        errors["email"] = "a valid email address is needed"
    elif session.scalar(select(StaffUser.id).where(func.lower(StaffUser.email) == email)):
        errors["email"] = "an account with this email exists already"
    problems = password_problems(password, email)
    if problems:
        errors["password"] = "; ".join(problems)
    if errors:
        raise ValidationFailed(errors)
    secret = pyotp.random_base32()
    user = StaffUser(email=email, password_hash=hash_password(password), totp_secret=secret,
                     role=role, site_id=site.id, created_at=now)
    session.add(user)
    session.flush()
    audit.record(session, actor, "staff.create", at=now, entity=user, site_id=site.id,
                 changes={"email": [None, email], "role": [None, role]})
    uri = pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)
    return NewStaff(user=user, totp_secret=secret, otpauth_uri=uri)


def check_password(session: Session, email: str, password: str, *, now: datetime) -> StaffUser | None:
    """First factor. A wrong password and an unknown email look the same and cost the same time."""
    user = session.scalar(select(StaffUser).where(StaffUser.email == normalise_email(email)))
    ok = verify_password(user.password_hash if user else None, password)
    if user is None or not ok or not user.active:
        audit.record(session, audit.SYSTEM, "auth.staff_password_failed", at=now,
                     entity=user, site_id=user.site_id if user else None)
        # Commits on its own (companion/db.py): the answer is a 4xx, which rolls the request back, and the
        # failure must stay in the audit trail all the same.
        session.commit()
        return None
    return user


def check_totp(session: Session, user: StaffUser, code: str, *, now: datetime) -> bool:
    """Second factor: a current TOTP code (one step of clock drift allowed), never the same step twice."""
    totp = pyotp.TOTP(user.totp_secret)
    code = code.strip().replace(" ", "")
    step_now = totp.timecode(now)
    for step in (step_now, step_now - 1, step_now + 1):
        if user.totp_last_step is not None and step <= user.totp_last_step:
            continue
        if code.isdigit() and pyotp.utils.strings_equal(totp.generate_otp(step), code):
            user.totp_last_step = step
            audit.record(session, audit.Actor("staff", user.id, user.site_id), "auth.signin", at=now)
            session.flush()
            return True
    audit.record(session, audit.SYSTEM, "auth.staff_totp_failed", at=now, entity=user, site_id=user.site_id)
    # Commits on its own (companion/db.py): the answer is a 4xx, and the failure must persist all the same.
    session.commit()
    return False


def get_or_create_site(session: Session, *, code: str, name: str, timezone: str, now: datetime) -> Site:
    site = session.scalar(select(Site).where(Site.code == code))
    if site is None:
        site = Site(code=code, name=name, timezone=timezone, created_at=now)
        session.add(site)
        session.flush()
        audit.record(session, audit.CLI, "site.create", at=now, entity=site, site_id=site.id,
                     changes={"code": [None, code], "timezone": [None, timezone]})
    return site


def set_active(session: Session, user: StaffUser, active: bool, *, reason: str, actor: audit.Actor,
               now: datetime) -> None:
    """Enable or disable an account; disabling ends its sessions at once (a replayed cookie fails)."""
    from companion.models import AuthSession

    if user.active == active:
        return
    user.active = active
    ended = 0
    if not active:
        ended = session.execute(update(AuthSession).where(AuthSession.staff_id == user.id,
                                                          AuthSession.ended_at.is_(None))
                                .values(ended_at=now, end_reason="disabled")).rowcount
    audit.record(session, actor, "staff.enable" if active else "staff.disable", at=now, entity=user,
                 site_id=user.site_id, reason=reason,
                 changes={"active": [not active, active], "sessions_ended": ended})


def set_role(session: Session, user: StaffUser, role: str, *, reason: str, actor: audit.Actor,
             now: datetime) -> None:
    if role not in ROLES:
        raise ValidationFailed({"role": f"role must be one of {', '.join(ROLES)}"})
    if user.role == role:
        return
    old, user.role = user.role, role
    audit.record(session, actor, "staff.role", at=now, entity=user, site_id=user.site_id, reason=reason,
                 changes={"role": [old, role]})
