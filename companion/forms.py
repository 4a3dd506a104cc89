"""What every form shares. Each POST is parsed by one input type: a Flask-WTF form in ``<blueprint>/forms.py``
(or an input class with ``from_form``), never field by field in the view. CSRF is checked once, for every
POST, by CSRFProtect (companion/extensions.py); a view does not check it again.

Validation messages have one shape everywhere, pages and JSON API alike: a mapping of field name to a list
of messages, as WTForms' ``form.errors`` (``{"fatigue": ["Enter a number from 0 to 10."]}``).
"""

from __future__ import annotations

from collections.abc import Mapping

from flask import flash, request
from werkzeug.datastructures import MultiDict
from wtforms import Form

from companion.services.errors import ValidationFailed


def field_errors(errors: Mapping[str, object]) -> dict[str, list[str]]:
    """A service's errors ({field: message or messages}) in the one shape: {field: [message, …]}."""
    shaped: dict[str, list[str]] = {}
    for name, messages in errors.items():
        listed = messages if isinstance(messages, list | tuple) else [messages]
        shaped[name] = [str(message) for message in listed]
    return shaped


def errors_onto(form: Form, exc: ValidationFailed, aliases: Mapping[str, str] | None = None) -> None:
    """Put a service's errors on the form's fields (``aliases`` maps a service name to a field name); an error
    of no field is flashed."""
    for name, messages in field_errors(exc.errors).items():
        target = getattr(form, (aliases or {}).get(name, name), None)
        if target is not None and hasattr(target, "errors"):
            target.errors = [*target.errors, *messages]
        else:
            for message in messages:
                flash(message, "error")


def submitted() -> MultiDict | None:
    """The values as posted, to fill a hand-written page again after an error (None on GET)."""
    return request.form if request.method == "POST" else None


class FormInput:
    """An input class read from the posted form: subclasses list their ``FIELDS`` (single values) and
    ``LISTS`` (repeated values such as ticked boxes); a missing field reads as None (a list as [])."""

    FIELDS: tuple[str, ...] = ()
    LISTS: tuple[str, ...] = ()

    def __init__(self, formdata: MultiDict) -> None:
        self.formdata = formdata
        for name in self.FIELDS:
            setattr(self, name, formdata.get(name))
        for name in self.LISTS:
            setattr(self, name, formdata.getlist(name))

    @classmethod
    def from_form(cls, formdata: MultiDict | None = None):
        return cls(request.form if formdata is None else formdata)
