"""Trial protocol as data: visits, readings and site settings (DOMAIN.md section 1).

DOMAIN.md section 1 asks for the **(setting)** rules (reading A/B, window width) to live in the protocol
definition, not in code. ``parse_protocol`` turns a dict (as loaded from a TOML file in
``companion/protocols``) into a validated, immutable ``Protocol`` and reports every problem at once.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import time
from typing import Any

from companion.domain.lldas import DEFAULT_SETTINGS, LldasSettings, parse_settings

REQUIRED_KEYS = (
    "id", "title", "version", "reading", "window_days", "min_days_between_maintenance_infusions",
    "loading_doses", "visit_time", "visit_duration_minutes", "readings", "visits",
)
OPTIONAL_KEYS = ("lldas",)  # [lldas]: how cyclophosphamide and the study drug count (DOMAIN.md section 3)
VISIT_KEYS = frozenset({"key", "day", "week", "label_en", "label_zh", "infusion", "endpoint"})
READING_KEYS = frozenset({"description", "extra_infusion_days"})
MAX_WINDOW_DAYS = 14

_TIME_RE = re.compile(r"^(\d{2}):(\d{2})$")
_KEY_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_REQUIRED = object()


class ProtocolError(ValueError):
    """An invalid protocol definition; ``errors`` lists every problem, each starting with its path."""

    def __init__(self, errors: list[str] | str) -> None:
        self.errors: list[str] = [errors] if isinstance(errors, str) else list(errors)
        super().__init__("; ".join(self.errors))


@dataclass(frozen=True, slots=True)
class VisitDefinition:
    """One protocol visit; ``infusion`` and ``loading`` are resolved for the reading in force."""

    key: str
    day: int
    week: int
    label_en: str
    label_zh: str
    infusion: bool
    endpoint: bool
    loading: bool


@dataclass(frozen=True, slots=True)
class ReadingDefinition:
    """A selectable reading of the protocol (DOMAIN.md section 1: reading A adds an infusion on day 169)."""

    name: str
    description: str
    extra_infusion_days: tuple[int, ...]
    infusion_days: tuple[int, ...]  # every infusion day under this reading, base visits included


@dataclass(frozen=True, slots=True)
class Protocol:
    """A validated protocol with one reading selected; build it with ``parse_protocol``."""

    id: str
    title: str
    version: str
    reading: str
    readings: tuple[str, ...]
    window_days: int
    min_days_between_maintenance_infusions: int
    loading_doses: int
    visits: tuple[VisitDefinition, ...]
    visit_time: time
    visit_duration_minutes: int
    reading_definitions: tuple[ReadingDefinition, ...]
    lldas: LldasSettings = DEFAULT_SETTINGS

    def with_reading(self, name: str) -> Protocol:
        """Return a copy with reading ``name`` in force, infusion and loading flags re-resolved."""
        for definition in self.reading_definitions:
            if definition.name == name:
                visits = _resolve(self.visits, definition.infusion_days, self.loading_doses)
                return replace(self, reading=name, visits=visits)
        raise ProtocolError([f"reading: must be one of {', '.join(self.readings)} (got {name!r})"])

    @property
    def reading_definition(self) -> ReadingDefinition:
        """The reading in force (its description is shown on coordinator screens)."""
        return next(d for d in self.reading_definitions if d.name == self.reading)

    @property
    def infusion_days(self) -> tuple[int, ...]:
        """Study days with an infusion under the reading in force, in order."""
        return tuple(v.day for v in self.visits if v.infusion)

    @property
    def endpoint_visit(self) -> VisitDefinition:
        """The primary endpoint visit (exactly one, checked by ``parse_protocol``)."""
        return next(v for v in self.visits if v.endpoint)


def _resolve(
    visits: tuple[VisitDefinition, ...], infusion_days: tuple[int, ...], loading_doses: int
) -> tuple[VisitDefinition, ...]:
    """Set infusion flags for a reading; the first ``loading_doses`` infusions are the loading doses."""
    loading = set(sorted(infusion_days)[:loading_doses])
    ordered = sorted(visits, key=lambda v: v.day)
    return tuple(replace(v, infusion=v.day in infusion_days, loading=v.day in loading) for v in ordered)


def _check_int(value: Any, path: str, errors: list[str], low: int, high: int | None = None) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool) and value >= low and (high is None or value <= high):
        return value
    bound = f">= {low}" if high is None else f"between {low} and {high}"
    errors.append(f"{path}: must be an integer {bound}")
    return None


def _check_text(value: Any, path: str, errors: list[str]) -> str | None:
    if isinstance(value, str) and value.strip():
        return value
    errors.append(f"{path}: must be a non-empty string")
    return None


def _check_bool(value: Any, path: str, errors: list[str]) -> bool | None:
    if isinstance(value, bool):
        return value
    errors.append(f"{path}: must be true or false")
    return None


def _check_time(value: Any, path: str, errors: list[str]) -> time | None:
    match = _TIME_RE.match(value) if isinstance(value, str) else None
    if match and int(match[1]) <= 23 and int(match[2]) <= 59:
        return time(int(match[1]), int(match[2]))
    errors.append(f'{path}: must be a time "HH:MM" between 00:00 and 23:59')
    return None


def _check_days(value: Any, path: str, errors: list[str]) -> tuple[int, ...] | None:
    if not isinstance(value, list):
        errors.append(f"{path}: must be an array of study days")
        return None
    checked = [_check_int(day, f"{path}[{i}]", errors, 1) for i, day in enumerate(value)]  # every bad day reported
    days = tuple(day for day in checked if day is not None)
    return days if len(days) == len(checked) else None


def _take(
    table: Mapping[str, Any], key: str, prefix: str, errors: list[str],
    check: Callable[..., Any], *bounds: int, default: Any = _REQUIRED,
) -> Any:
    """Check ``table[key]``; a missing key is an error unless a default is given."""
    path = f"{prefix}.{key}" if prefix else key
    if key not in table:
        if default is _REQUIRED:
            errors.append(f"{path}: required")
            return None
        return default
    return check(table[key], path, errors, *bounds)


def _unknown_keys(table: Mapping[str, Any], allowed: Any, prefix: str, errors: list[str]) -> None:
    """Unknown keys are errors, so a misspelt setting cannot be silently ignored."""
    errors.extend(f"{prefix + '.' if prefix else ''}{key}: unknown key" for key in table if key not in allowed)


def _parse_visit(raw: Any, path: str, errors: list[str]) -> VisitDefinition | None:
    """One ``[[visits]]`` table; day and week must agree (target day of week N is 7*N + 1)."""
    if not isinstance(raw, Mapping):
        errors.append(f"{path}: must be a table")
        return None
    before = len(errors)
    _unknown_keys(raw, VISIT_KEYS, path, errors)
    day = _take(raw, "day", path, errors, _check_int, 1)
    week = _take(raw, "week", path, errors, _check_int, 0)
    if day is not None and week is not None:
        if (day - 1) % 7:
            errors.append(f"{path}.day: {day} is not a week's target day (7 * week + 1)")
        elif week != (day - 1) // 7:
            errors.append(f"{path}.week: must be {(day - 1) // 7} for day {day} (week N is day 7*N + 1)")
    key = _take(raw, "key", path, errors, _check_text, default=f"day-{day:03d}" if day else None)
    if key is not None and not _KEY_RE.match(key):
        errors.append(f"{path}.key: must use only a-z, 0-9 and '-'")
    label_en = _take(raw, "label_en", path, errors, _check_text)
    label_zh = _take(raw, "label_zh", path, errors, _check_text)
    infusion = _take(raw, "infusion", path, errors, _check_bool)
    endpoint = _take(raw, "endpoint", path, errors, _check_bool, default=False)
    if len(errors) > before:
        return None
    return VisitDefinition(key, day, week, label_en, label_zh, infusion, endpoint, loading=False)


def _parse_visits(raw: Any, errors: list[str]) -> list[VisitDefinition] | None:
    """All visits, or None if any is invalid; checks uniqueness, day 1 first, exactly one endpoint."""
    if not isinstance(raw, list) or not raw:
        errors.append("visits: must be a non-empty array of tables ([[visits]])")
        return None
    parsed = [_parse_visit(item, f"visits[{i}]", errors) for i, item in enumerate(raw)]
    ends = [str(it.get("day")) for it in raw if isinstance(it, Mapping) and it.get("endpoint") is True]
    if len(ends) != 1:
        found = f"{len(ends)}: days {', '.join(ends)}" if ends else "0"
        errors.append(f"visits: exactly one visit must have endpoint = true (found {found})")
    if any(v is None for v in parsed):
        return None
    visits = [v for v in parsed if v is not None]
    ok = len(errors)
    for field in ("day", "key"):
        seen: dict[Any, int] = {}
        for i, visit in enumerate(visits):
            value = getattr(visit, field)
            if value in seen:
                errors.append(f"visits[{i}].{field}: duplicate {field} {value} (also visits[{seen[value]}])")
            seen.setdefault(value, i)
    first = min(visits, key=lambda v: v.day)
    if first.day != 1:
        errors.append(f"visits: the first visit must be on day 1 (there is no day 0), found day {first.day}")
    elif not first.infusion:
        errors.append("visits: the day 1 visit must have infusion = true (study day 1 is the first infusion)")
    return visits if len(errors) == ok else None


def _parse_readings(raw: Any, errors: list[str]) -> dict[str, tuple[str, tuple[int, ...]]] | None:
    """``[readings.NAME]`` tables: name -> (description, extra infusion days)."""
    if not isinstance(raw, Mapping) or not raw:
        errors.append("readings: must be a table with at least one [readings.NAME] entry")
        return None
    readings: dict[str, tuple[str, tuple[int, ...]]] = {}
    for name, table in raw.items():
        path = f"readings.{name}"
        if not isinstance(table, Mapping):
            errors.append(f"{path}: must be a table")
            continue
        before = len(errors)
        _unknown_keys(table, READING_KEYS, path, errors)
        description = _take(table, "description", path, errors, _check_text)
        days = _take(table, "extra_infusion_days", path, errors, _check_days)
        if len(errors) == before:
            readings[name] = (description, days)
    return readings if len(readings) == len(raw) else None


def _reading_definitions(
    visits: list[VisitDefinition], readings: dict[str, tuple[str, tuple[int, ...]]], errors: list[str]
) -> list[ReadingDefinition]:
    """Resolve each reading's infusion days; extra days must be visits not already infusions."""
    base_days = {v.day for v in visits if v.infusion}
    visit_days = {v.day for v in visits}
    definitions = []
    for name, (description, extra) in readings.items():
        for i, day in enumerate(extra):
            path = f"readings.{name}.extra_infusion_days[{i}]"
            if day not in visit_days:
                errors.append(f"{path}: day {day} is not a visit day")
            elif day in base_days:
                errors.append(f"{path}: day {day} is already an infusion in every reading")
        all_days = tuple(sorted(base_days | set(extra)))
        definitions.append(ReadingDefinition(name, description, extra, all_days))
    return definitions


def parse_protocol(data: Mapping[str, Any], reading: str | None = None) -> Protocol:
    """Validate a protocol dict and select ``reading`` (default: the file's ``reading`` setting).

    Collects every error before raising ``ProtocolError``. DOMAIN.md section 1: study day 1 is the first
    infusion (no day 0), week N's target day is 7*N + 1, one primary endpoint visit; reading and window
    are settings kept here as data.
    """
    if not isinstance(data, Mapping):
        raise ProtocolError(["protocol: must be a table"])
    errors: list[str] = []
    _unknown_keys(data, REQUIRED_KEYS + OPTIONAL_KEYS, "", errors)
    lldas = parse_settings(data.get("lldas", {}), errors)
    pid = _take(data, "id", "", errors, _check_text)
    title = _take(data, "title", "", errors, _check_text)
    version = _take(data, "version", "", errors, _check_text)
    window_days = _take(data, "window_days", "", errors, _check_int, 0, MAX_WINDOW_DAYS)
    min_gap = _take(data, "min_days_between_maintenance_infusions", "", errors, _check_int, 1)
    loading_doses = _take(data, "loading_doses", "", errors, _check_int, 0)
    visit_time = _take(data, "visit_time", "", errors, _check_time)
    duration = _take(data, "visit_duration_minutes", "", errors, _check_int, 1, 24 * 60)
    readings = _take(data, "readings", "", errors, lambda v, p, e: _parse_readings(v, e))
    visits = _take(data, "visits", "", errors, lambda v, p, e: _parse_visits(v, e))
    file_reading = _take(data, "reading", "", errors, _check_text)
    chosen = reading if reading is not None else file_reading
    if readings is not None:
        for name in dict.fromkeys((file_reading, chosen)):
            if name is not None and name not in readings:
                errors.append(f"reading: must be one of {', '.join(readings)} (got {name!r})")

    definitions = _reading_definitions(visits, readings, errors) if visits and readings else []
    base_count = sum(v.infusion for v in visits or ())
    if visits and loading_doses is not None and loading_doses > base_count:
        errors.append(f"loading_doses: must be at most the number of infusions ({base_count})")
    if errors:
        raise ProtocolError(errors)
    return Protocol(
        id=pid, title=title, version=version, reading=chosen, readings=tuple(readings),
        window_days=window_days, min_days_between_maintenance_infusions=min_gap,
        loading_doses=loading_doses, visits=tuple(visits), visit_time=visit_time,
        visit_duration_minutes=duration, reading_definitions=tuple(definitions), lldas=lldas,
    ).with_reading(chosen)
