"""Lupus Low Disease Activity State, LLDAS (DOMAIN.md section 3; Franklyn et al., Ann Rheum Dis 2016;75:1615).

All five criteria must hold at an assessment; each one is returned (and should be stored), not only the
verdict:

1. SLEDAI-2K <= 4, no major organ activity (renal, CNS, cardiopulmonary, vasculitis, fever), no haemolytic
   anaemia and no gastrointestinal activity. Serology (low complement, increased DNA binding) may be active
   as long as the total is <= 4.
2. No new lupus activity since the previous assessment: no descriptor present now that was absent then, and
   the coordinator answered "no new activity". With no previous assessment (e.g. the first one) only the
   coordinator's answer counts.
3. Physician global assessment (SELENA-SLEDAI PGA, 0-3) <= 1.
4. Prednisone equivalent <= 7.5 mg/day.
5. Maintenance immunosuppressants within the published maxima, well tolerated. Cyclophosphamide and the study
   drug (belimumab) count as the site decides (``LldasSettings``): show the settings in force on screen.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from types import MappingProxyType

from companion.domain import sledai
from companion.domain.steroid_table import LLDAS_MAX_MG, within_lldas_steroid

SLEDAI_MAX = 4  # criterion 1
PGA_MAX = Decimal(1)  # criterion 3
PGA_RANGE = (Decimal(0), Decimal(3))
CYCLOPHOSPHAMIDE = "cyclophosphamide"
STUDY_DRUG = "belimumab"

# key -> (English, Chinese). Keys are stored with each assessment: never rename.
IMMUNOSUPPRESSANTS: Mapping[str, tuple[str, str]] = MappingProxyType({
    "hydroxychloroquine": ("Hydroxychloroquine", "羟氯喹"),
    "methotrexate": ("Methotrexate", "甲氨蝶呤"),
    "azathioprine": ("Azathioprine", "硫唑嘌呤"),
    "mycophenolate_mofetil": ("Mycophenolate mofetil", "吗替麦考酚酯"),
    "mycophenolic_acid": ("Mycophenolic acid", "麦考酚酸"),
    "leflunomide": ("Leflunomide", "来氟米特"),
    CYCLOPHOSPHAMIDE: ("Cyclophosphamide", "环磷酰胺"),
    STUDY_DRUG: ("Belimumab", "贝利尤单抗"),
})

# DOMAIN.md section 3, criterion 5: "Maintenance maxima used in published cohorts", mg/day.
MAINTENANCE_MAXIMA: Mapping[str, Decimal] = MappingProxyType({
    "hydroxychloroquine": Decimal(400),
    "methotrexate": Decimal(30),
    "azathioprine": Decimal(200),
    "mycophenolate_mofetil": Decimal(3000),
    "mycophenolic_acid": Decimal(2160),
    "leflunomide": Decimal(20),
})


def _decimal(value: object, name: str) -> Decimal:
    """A finite, non-negative Decimal or int as a Decimal; floats and bools refused (TypeError)."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise TypeError(f"{name} must be a Decimal or int, not {type(value).__name__}")
    value = Decimal(value)
    if not value.is_finite() or value < 0:
        raise ValueError(f"{name} must be a finite number >= 0 (got {value})")
    return value


def _doses(doses: Mapping[str, Decimal], name: str) -> Mapping[str, Decimal]:
    return MappingProxyType({key: _decimal(mg, f"{name}[{key!r}]") for key, mg in doses.items()})


@dataclass(frozen=True, slots=True)
class LldasSettings:
    """Site settings for criterion 5 (DOMAIN.md section 3: "How cyclophosphamide and the study drug count here
    is a (setting)"). A drug in ``maxima`` passes at or below its mg/day maximum; a drug not in ``maxima``
    fails, unless it is cyclophosphamide with ``cyclophosphamide_allowed`` or belimumab with
    ``study_drug_allowed`` (then any dose passes).
    """

    cyclophosphamide_allowed: bool = False
    study_drug_allowed: bool = True
    maxima: Mapping[str, Decimal] = field(default_factory=lambda: MAINTENANCE_MAXIMA)

    def __post_init__(self) -> None:
        object.__setattr__(self, "maxima", _doses(self.maxima, "maxima"))


DEFAULT_SETTINGS = LldasSettings()
SETTING_KEYS = {"cyclophosphamide_counts": "cyclophosphamide_allowed", "study_drug_counts": "study_drug_allowed"}


def parse_settings(raw: object, errors: list[str]) -> LldasSettings:
    """The ``[lldas]`` table of a protocol file (both keys optional booleans); problems go to ``errors``."""
    if not isinstance(raw, Mapping):
        errors.append("lldas: must be a table")
        return DEFAULT_SETTINGS
    values: dict[str, bool] = {}
    for key, value in raw.items():
        if key not in SETTING_KEYS:
            errors.append(f"lldas.{key}: unknown key (allowed: {', '.join(SETTING_KEYS)})")
        elif not isinstance(value, bool):
            errors.append(f"lldas.{key}: must be true or false")
        else:
            values[SETTING_KEYS[key]] = value
    return LldasSettings(
        cyclophosphamide_allowed=values.get("cyclophosphamide_allowed", DEFAULT_SETTINGS.cyclophosphamide_allowed),
        study_drug_allowed=values.get("study_drug_allowed", DEFAULT_SETTINGS.study_drug_allowed),
    )


@dataclass(frozen=True, slots=True)
class LldasInput:
    """What one LLDAS assessment needs; validated on construction.

    ``sledai_present`` / ``previous_present``: SLEDAI-2K descriptor keys present now / at the previous
    assessment (None when there is none). ``new_activity_by_coordinator``: the coordinator's yes/no "new lupus
    activity since the previous assessment?". ``pga``: 0-3 (ValueError outside). ``prednisone_mg``: prednisone
    equivalent mg/day. ``immunosuppressants``: drug key -> mg/day currently taken; every drug listed counts
    as taken. Doses are Decimal (or int): floats raise TypeError.
    """

    sledai_present: frozenset[str]
    haemolytic_anaemia: bool
    gi_activity: bool
    previous_present: frozenset[str] | None
    new_activity_by_coordinator: bool
    pga: Decimal
    prednisone_mg: Decimal
    immunosuppressants: Mapping[str, Decimal]
    immunosuppressants_tolerated: bool

    def __post_init__(self) -> None:
        object.__setattr__(self, "sledai_present", frozenset(self.sledai_present))
        sledai.score(self.sledai_present)  # ValueError naming unknown keys
        if self.previous_present is not None:
            object.__setattr__(self, "previous_present", frozenset(self.previous_present))
            sledai.score(self.previous_present)
        pga = _decimal(self.pga, "pga")
        if not PGA_RANGE[0] <= pga <= PGA_RANGE[1]:
            raise ValueError(f"pga must be between {PGA_RANGE[0]} and {PGA_RANGE[1]} (got {pga})")
        object.__setattr__(self, "pga", pga)
        object.__setattr__(self, "prednisone_mg", _decimal(self.prednisone_mg, "prednisone_mg"))
        object.__setattr__(self, "immunosuppressants", _doses(self.immunosuppressants, "immunosuppressants"))


@dataclass(frozen=True, slots=True)
class Criterion:
    """One LLDAS criterion (1-5): stable key, whether it is met, and why in English."""

    number: int
    key: str
    met: bool
    detail_en: str


@dataclass(frozen=True, slots=True)
class LldasResult:
    """All five criteria, in order, and the verdict: in LLDAS only when every criterion is met."""

    criteria: tuple[Criterion, ...]
    in_lldas: bool


def _disease_activity(value: LldasInput) -> Criterion:
    total = sledai.score(value.sledai_present)
    organs = sledai.major_organ_activity(value.sledai_present)
    problems = []
    if total > SLEDAI_MAX:
        problems.append(f"SLEDAI-2K {total} > {SLEDAI_MAX}")
    if organs:
        problems.append(f"major organ activity: {', '.join(organs)}")
    if value.haemolytic_anaemia:
        problems.append("haemolytic anaemia")
    if value.gi_activity:
        problems.append("gastrointestinal activity")
    detail = "; ".join(problems) or f"SLEDAI-2K {total} <= {SLEDAI_MAX}, no major organ, haemolytic or GI activity"
    return Criterion(1, "disease_activity", not problems, detail)


def _no_new_activity(value: LldasInput) -> Criterion:
    problems = []
    if value.previous_present is not None:
        new = [d.key for d in sledai.DESCRIPTORS
               if d.key in value.sledai_present and d.key not in value.previous_present]
        if new:
            problems.append(f"new since the previous assessment: {', '.join(new)}")
    if value.new_activity_by_coordinator:
        problems.append("coordinator reports new lupus activity")
    if problems:
        detail = "; ".join(problems)
    elif value.previous_present is None:
        detail = "no previous assessment; coordinator reports no new activity"
    else:
        detail = "no new descriptor since the previous assessment; coordinator reports no new activity"
    return Criterion(2, "no_new_activity", not problems, detail)


def _pga(value: LldasInput) -> Criterion:
    met = value.pga <= PGA_MAX
    return Criterion(3, "pga", met, f"PGA {value.pga} {'<=' if met else '>'} {PGA_MAX}")


def _prednisone(value: LldasInput) -> Criterion:
    met = within_lldas_steroid(value.prednisone_mg)
    sign = "<=" if met else ">"
    return Criterion(4, "prednisone", met, f"prednisone equivalent {value.prednisone_mg} {sign} {LLDAS_MAX_MG} mg/day")


def _immunosuppressants(value: LldasInput, settings: LldasSettings) -> Criterion:
    problems = []
    for key, mg in value.immunosuppressants.items():
        if key in settings.maxima:
            if mg > settings.maxima[key]:
                problems.append(f"{key} {mg} > {settings.maxima[key]} mg/day")
        elif key == CYCLOPHOSPHAMIDE and settings.cyclophosphamide_allowed:
            continue
        elif key == STUDY_DRUG and settings.study_drug_allowed:
            continue
        else:
            problems.append(f"{key} is not an allowed maintenance drug at this site")
    if not value.immunosuppressants_tolerated:
        problems.append("not well tolerated")
    detail = "; ".join(problems) or "maintenance immunosuppressants within the maxima and well tolerated"
    return Criterion(5, "immunosuppressants", not problems, detail)


def assess(value: LldasInput, settings: LldasSettings = DEFAULT_SETTINGS) -> LldasResult:
    """The five LLDAS criteria for one assessment and the verdict (DOMAIN.md section 3); see the module doc."""
    criteria = (
        _disease_activity(value),
        _no_new_activity(value),
        _pga(value),
        _prednisone(value),
        _immunosuppressants(value, settings),
    )
    return LldasResult(criteria, all(c.met for c in criteria))
