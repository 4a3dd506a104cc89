"""Oral steroid log: drugs, tablet doses and prednisone-equivalent mg/day (DOMAIN.md section 2).

Participants record drug, tablet strength and number of tablets (or mg); the app converts to prednisone
equivalents by multiplying the mg taken by the drug's factor, and sums the oral doses of one local calendar
day. LLDAS (DOMAIN.md section 3, criterion 4) needs <= 7.5 mg/day.

Arithmetic is exact (Decimal in, Fraction inside) and rounded half-up to 2 decimals only at the end, so a
day's total is rounded once, not dose by dose. Floats are refused.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from types import MappingProxyType

LLDAS_MAX_MG = Decimal("7.5")  # prednisone-equivalent mg/day; DOMAIN.md sections 2 and 3
TABLET_STEP = Fraction(1, 2)  # tablets may be halved
_CENT = Fraction(1, 100)


@dataclass(frozen=True, slots=True)
class Drug:
    """An oral glucocorticoid: prednisone-equivalent mg = mg taken x ``factor``."""

    key: str
    en: str
    zh: str
    factor: Fraction
    tablet_strengths_mg: tuple[Decimal, ...]


def _drug(key: str, en: str, zh: str, factor: Fraction, *strengths: str) -> Drug:
    return Drug(key, en, zh, factor, tuple(Decimal(s) for s in strengths))


# DOMAIN.md section 2, the factor table. Dexamethasone's "6.67" is a rounded 20/3: the table itself says
# 0.75 mg = 5 mg prednisone, which 20/3 gives exactly (6.67 would give 5.0025, and 1.5 mg -> 10.01 not 10).
DRUGS: Mapping[str, Drug] = MappingProxyType({d.key: d for d in (
    _drug("prednisone", "Prednisone", "泼尼松", Fraction(1), "5"),
    _drug("prednisone_acetate", "Prednisone acetate", "醋酸泼尼松", Fraction(1), "5"),
    _drug("prednisolone", "Prednisolone", "泼尼松龙", Fraction(1), "5"),
    _drug("methylprednisolone", "Methylprednisolone", "甲泼尼龙", Fraction(5, 4), "4", "16"),
    _drug("hydrocortisone", "Hydrocortisone", "氢化可的松", Fraction(1, 4), "10", "20"),
    _drug("cortisone", "Cortisone", "可的松", Fraction(1, 5), "25"),
    _drug("dexamethasone", "Dexamethasone", "地塞米松", Fraction(20, 3), "0.75"),
    _drug("triamcinolone", "Triamcinolone", "曲安西龙", Fraction(5, 4), "4"),
)})


def _exact(value: object, name: str) -> Fraction:
    """A finite, non-negative Decimal or int as an exact Fraction; floats and bools refused."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise TypeError(f"{name} must be a Decimal or int, not {type(value).__name__}")
    if isinstance(value, Decimal) and not value.is_finite():
        raise ValueError(f"{name} must be a finite number (got {value})")
    if value < 0:
        raise ValueError(f"{name} must not be negative (got {value})")
    return Fraction(value)


def _round2(value: Fraction) -> Decimal:
    """Round a non-negative exact value half-up to 2 decimals (2.345 -> 2.35)."""
    cents = int(value / _CENT + Fraction(1, 2))  # floor, as value >= 0
    return Decimal(cents).scaleb(-2)


def drug(key: str) -> Drug:
    """The drug with this key; KeyError with the known keys when there is none."""
    try:
        return DRUGS[key]
    except KeyError:
        raise KeyError(f"unknown steroid {key!r}; known: {', '.join(DRUGS)}") from None


def dose_mg(strength_mg: Decimal, tablets: Decimal | int) -> Decimal:
    """mg taken: tablet strength x number of tablets; tablets > 0 in steps of 0.5 (half tablets).

    Exact, not rounded (e.g. 0.75 mg x 1.5 = 1.125 mg). Raises ValueError for a zero strength or a
    tablet count that is 0 or not a multiple of 0.5, TypeError for floats.
    """
    strength = _exact(strength_mg, "strength_mg")
    count = _exact(tablets, "tablets")
    if strength == 0:
        raise ValueError("strength_mg must be > 0")
    if count == 0 or (count / TABLET_STEP).denominator != 1:
        raise ValueError(f"tablets must be > 0 in steps of 0.5 (got {tablets})")
    return Decimal(strength_mg) * Decimal(tablets)


def _equivalent(drug_key: str, mg: Decimal) -> Fraction:
    return _exact(mg, "mg") * drug(drug_key).factor


def prednisone_equivalent(drug_key: str, mg: Decimal) -> Decimal:
    """Prednisone-equivalent mg of ``mg`` of ``drug_key``, rounded half-up to 2 decimals.

    DOMAIN.md section 2: "Factors (multiply the mg taken)". Unknown drug -> KeyError naming the known keys.
    """
    return _round2(_equivalent(drug_key, mg))


def daily_equivalent(doses: Iterable[tuple[str, Decimal]]) -> Decimal:
    """Prednisone-equivalent mg/day: the exact sum over the day's oral doses (drug key, mg), rounded once.

    DOMAIN.md section 2: "The daily value is the sum of the oral doses of that local calendar day."
    No doses gives 0.00.
    """
    return _round2(sum((_equivalent(key, mg) for key, mg in doses), Fraction(0)))


def within_lldas_steroid(equivalent: Decimal) -> bool:
    """LLDAS criterion 4 (DOMAIN.md section 3): prednisone equivalent <= 7.5 mg/day."""
    return equivalent <= LLDAS_MAX_MG
