"""Per-record access, declared: one guard per kind of record reached through an id in the URL.

A guard sits under the role decorator (``@roles_required`` / ``@participant_required`` first, so someone
is signed in), takes the id out of the URL arguments, loads the record within the signed-in user's reach
and hands the object to the view in its place: ``participant_id`` becomes ``participant``. A record out
of reach (another site's, another participant's, or none) is a 404 that does not say whether it exists.

Each guard names what it guards in ``view.record_guards`` ({URL argument: kind}); the access tests walk
every route and require a guard for each id in its URL (``unguarded_ids``).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import Flask, abort
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from companion.db import db
from companion.models import Alert, CheckIn, DiaryEntry, Participant, StaffUser, SteroidDose, Visit
from companion.services import records


def is_id_argument(name: str) -> bool:
    """A URL argument naming a record (participant_id, user_id, alert_id, record_id, visit_id, any ``*_id``)."""
    return name.endswith("_id")


def record_guard(argument: str, name: str, kind: str, load: Callable[[int, dict], object | None]):
    """A guard replacing the URL argument ``argument`` by ``name`` = ``load(id, kwargs)``, or 404 if None."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            record = load(kwargs.pop(argument), kwargs)
            if record is None:
                abort(404)
            kwargs[name] = record
            return view(*args, **kwargs)

        wrapped.record_guards = {**getattr(view, "record_guards", {}), argument: kind}
        return wrapped

    return decorator


def _site_id() -> int:
    return current_user.user.site_id


def _participant(participant_id: int, _kwargs) -> Participant | None:
    return db.session.scalar(
        select(Participant).where(Participant.id == participant_id, Participant.site_id == _site_id())
        .options(selectinload(Participant.visits)))


def _staff_user(user_id: int, _kwargs) -> StaffUser | None:
    return db.session.scalar(select(StaffUser).where(StaffUser.id == user_id, StaffUser.site_id == _site_id()))


def _alert(alert_id: int, _kwargs) -> Alert | None:
    return db.session.scalar(select(Alert).join(Participant, Participant.id == Alert.participant_id)
                             .where(Alert.id == alert_id, Participant.site_id == _site_id()))


def _visit(visit_id: int, kwargs) -> Visit | None:
    return db.session.scalar(select(Visit).where(Visit.id == visit_id,
                                                 Visit.participant_id == kwargs["participant"].id))


#: a participant of the signed-in staff member's site
site_participant = record_guard("participant_id", "participant", "site_participant", _participant)
#: a staff account of the signed-in administrator's site
site_staff_user = record_guard("user_id", "user", "site_staff_user", _staff_user)
#: an alert about a participant of the signed-in staff member's site
site_alert = record_guard("alert_id", "alert", "site_alert", _alert)
#: a visit of the participant already loaded by ``site_participant`` (put that guard above this one)
participant_visit = record_guard("visit_id", "visit", "participant_visit", _visit)


def own_record(model: type[DiaryEntry] | type[SteroidDose] | type[CheckIn]):
    """The current version of the signed-in participant's own record ``record_id`` (a diary entry, a steroid
    dose, a check-in); another participant's is a 404."""

    def load(record_id: int, _kwargs):
        return records.current_of(db.session, model, current_user.user.id, record_id)

    return record_guard("record_id", "record", f"own_record:{model.__tablename__}", load)


def unguarded_ids(app: Flask) -> list[tuple[str, str]]:
    """(endpoint, argument) for every route whose URL holds a record id that no guard of its view covers."""
    missing = []
    for rule in app.url_map.iter_rules():
        guarded = getattr(app.view_functions[rule.endpoint], "record_guards", {})
        missing += [(rule.endpoint, arg) for arg in sorted(rule.arguments)
                    if is_id_argument(arg) and arg not in guarded]
    return missing
