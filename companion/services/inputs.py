"""Checks for diary input from forms (strings) and the API (JSON values), with messages people read.

Each raises ``ValueError(message)``; the services gather them into ``ValidationFailed`` so that nothing
is saved unless everything is right.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l

from companion import validation
from companion.domain.diary_rules import day_status
from companion.services.errors import ValidationFailed

HTML_TAG = re.compile(r"<\s*/?\s*[a-zA-Z!?]")


def integer_in(value, low: int, high: int) -> int:
    if isinstance(value, bool) or value is None or value == "":
        raise ValueError(_l("Choose a number from %(low)s to %(high)s.", low=low, high=high))
    if isinstance(value, str) and re.fullmatch(r"\s*-?\d+\s*", value):
        value = int(value)
    if not isinstance(value, int) or not low <= value <= high:
        raise ValueError(_l("Choose a number from %(low)s to %(high)s.", low=low, high=high))
    return value


def decimal_in(value, low: Decimal, high: Decimal, *, optional: bool = False, places: str = "0.1") -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if optional:
            return None
        raise ValueError(_l("Enter a number."))
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise ValueError(_l("Enter a number."))
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation as exc:
        raise ValueError(_l("Enter a number.")) from exc
    if not number.is_finite() or not low <= number <= high:
        raise ValueError(_l("Enter a number from %(low)s to %(high)s.", low=low, high=high))
    return number.quantize(Decimal(places))


def clean_text(value, max_length: int) -> str | None:
    """Optional free text: plain text only, no invisible or direction-changing characters."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(_l("Enter text."))
    text = unicodedata.normalize("NFC", value.strip())
    if not text:
        return None
    if len(text) > max_length:
        raise ValueError(_l("Keep this under %(n)s characters.", n=max_length))
    if any(ch in validation.INVISIBLE or (unicodedata.category(ch) == "Cc" and ch not in "\n\t") for ch in text):
        raise ValueError(_l("The text contains invisible or control characters; please retype it."))
    if HTML_TAG.search(text):
        raise ValueError(_l("The text cannot contain HTML or code."))
    return text


def check_day(value, today: date, late_days: int) -> date:
    """A local day that may be logged: today, or up to ``late_days`` days back (DOMAIN.md section 5)."""
    try:
        day = value if isinstance(value, date) else date.fromisoformat(str(value).strip())
    except ValueError as exc:
        raise ValueError(_l("Enter a date as YYYY-MM-DD.")) from exc
    status = day_status(day, today, late_days)
    if status == "future":
        raise ValueError(_l("You cannot log a day that has not happened yet."))
    if status == "too_old":
        raise ValueError(_l("Entries can be added up to %(n)s days late; please tell the study team.", n=late_days))
    return day


def reason_for(value, *, required: bool) -> str | None:
    """The reason for a correction; required once the day is over (RELIABILITY-SECURITY.md)."""
    if not required and (value is None or not str(value).strip()):
        return None
    try:
        return validation.reason(value if isinstance(value, str) else "")
    except validation.FieldError as exc:
        raise ValidationFailed({"reason": exc.message}) from exc
