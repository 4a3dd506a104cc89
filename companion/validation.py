"""Field rules shared by the web forms, the API and the command line, so all three say the same.

Each parser returns the clean value or raises ``ValueError`` whose message is translatable.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo, available_timezones

import phonenumbers
from flask_babel import lazy_gettext as _l

from companion.models import LANGUAGES

STUDY_ID = re.compile(r"^[A-Z0-9][A-Z0-9-]{1,31}$")
#: a plausible adult weight; the trial's own range (45-80 kg) is the site's eligibility check
WEIGHT_MIN, WEIGHT_MAX = Decimal("30"), Decimal("200")
#: bidirectional overrides and zero-width characters, refused in free text
INVISIBLE = {"\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u202a", "\u202b", "\u202c", "\u202d",
             "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"}


class FieldError(ValueError):
    """A value that breaks a rule; ``str()`` gives the message in the current language."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return str(self.message)


def phone(raw: str, region: str = "CN") -> str:
    """A mobile number in E.164 ("+8613812345678"); national numbers are read as ``region``'s."""
    try:
        number = phonenumbers.parse((raw or "").strip(), region)
    except phonenumbers.NumberParseException as exc:
        raise FieldError(_l("Enter a mobile phone number, for example +86 138 0013 8000.")) from exc
    if not phonenumbers.is_valid_number(number):
        raise FieldError(_l("This is not a valid phone number."))
    kind = phonenumbers.number_type(number)
    if kind not in (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE):
        raise FieldError(_l("This number cannot receive text messages; enter a mobile number."))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def study_id(raw: str) -> str:
    value = (raw or "").strip().upper()
    if not STUDY_ID.match(value):
        raise FieldError(_l("Study ID: 2-32 letters, digits or hyphens."))
    return value


def timezone(raw: str) -> str:
    value = (raw or "").strip()
    if value not in available_timezones():
        raise FieldError(_l("Unknown time zone; use a name such as Asia/Shanghai."))
    ZoneInfo(value)
    return value


def language(raw: str) -> str:
    if raw not in LANGUAGES:
        raise FieldError(_l("Language must be zh-CN or en."))
    return raw


def weight_kg(raw) -> Decimal:
    try:
        value = Decimal(str(raw).strip()).quantize(Decimal("0.1"))
    except (InvalidOperation, ValueError) as exc:
        raise FieldError(_l("Weight must be a number in kilograms.")) from exc
    if not (WEIGHT_MIN <= value <= WEIGHT_MAX):
        raise FieldError(_l("Weight must be between 30 and 200 kg."))
    return value


def iso_date(raw) -> date:
    if isinstance(raw, date):
        return raw
    try:
        return date.fromisoformat(str(raw).strip())
    except ValueError as exc:
        raise FieldError(_l("Enter a date as YYYY-MM-DD.")) from exc


def day1(raw, today: date) -> date:
    """Day 1 may lie in the past (enrolling someone already treated) but not more than a year away."""
    value = iso_date(raw)
    if abs((value - today).days) > 366:
        raise FieldError(_l("Day 1 must lie within a year of today."))
    return value


def reason(raw: str, max_length: int = 500) -> str:
    """A reason for a change: required, plain text, no invisible or direction-changing characters."""
    value = unicodedata.normalize("NFC", (raw or "").strip())
    if not value:
        raise FieldError(_l("Give a reason for this change."))
    if len(value) > max_length:
        raise FieldError(_l("Keep the reason under %(n)s characters.", n=max_length))
    if any(ch in INVISIBLE or (unicodedata.category(ch) == "Cc" and ch not in "\n\t") for ch in value):
        raise FieldError(_l("The reason contains invisible or control characters."))
    return value
