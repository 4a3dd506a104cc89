"""Who is signed in: Flask-Login loads a ``Principal`` from a server-side session token."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import Flask, current_app, session
from flask_login import login_user

from companion.db import db, now_utc
from companion.extensions import login_manager
from companion.models import AuthSession, Participant, StaffUser
from companion.services import sessions


@dataclass
class Principal:
    """The signed-in participant or staff user, with the session row that admits them."""

    user: Participant | StaffUser
    auth_session: AuthSession
    token: str

    is_authenticated = True
    is_active = True
    is_anonymous = False

    @property
    def kind(self) -> str:
        return self.auth_session.kind

    def get_id(self) -> str:
        return self.token


def _policy(user: Participant | StaffUser) -> sessions.SessionPolicy:
    if isinstance(user, Participant):
        days = timedelta(days=current_app.config["PARTICIPANT_SESSION_DAYS"])
        return sessions.SessionPolicy(absolute=days, idle=days)
    return sessions.SessionPolicy(
        absolute=timedelta(hours=current_app.config["STAFF_SESSION_HOURS"]),
        idle=timedelta(minutes=current_app.config["STAFF_IDLE_MINUTES"]),
    )


def load_principal(token: str) -> Principal | None:
    row = sessions.resolve(db.session, token, now=now_utc())
    if row is None:
        return None
    if row.kind == "participant":
        user = db.session.get(Participant, row.participant_id)
    else:
        user = db.session.get(StaffUser, row.staff_id)
    if user is None or not user.active:
        return None
    return Principal(user=user, auth_session=row, token=token)


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.session_protection = None  # sessions are checked on the server instead
    login_manager.user_loader(load_principal)


def begin_session(user: Participant | StaffUser) -> None:
    """A new session on sign-in: the old cookie contents are dropped and a new token issued."""
    language = session.get("language")
    session.clear()
    token, row = sessions.start(db.session, user, now=now_utc(), policy=_policy(user))
    session.permanent = isinstance(user, Participant)
    if language:
        session["language"] = language
    login_user(Principal(user=user, auth_session=row, token=token))
