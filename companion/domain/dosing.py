"""Belimumab dose arithmetic for the coordinator/pharmacy view only (DOMAIN.md section 1).

Dose 10 mg/kg x body weight; vials of 400 mg and 120 mg, reconstituted to 80 mg/mL (then diluted to 250 mL).
Participants see dates and times, never doses. Arithmetic is exact (Decimal in, Fraction inside), rounded
half-up once at the end; floats are refused. The trial's 45-80 kg range is an entry criterion, not checked
here: a participant's weight may change during the study.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from math import ceil

MG_PER_KG = 10
VIALS_MG = (400, 120)  # largest first
_TENTH = Fraction(1, 10)


def _exact(value: object, name: str) -> Fraction:
    """A finite, positive Decimal or int as an exact Fraction; floats and bools refused (TypeError)."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise TypeError(f"{name} must be a Decimal or int, not {type(value).__name__}")
    if isinstance(value, Decimal) and not value.is_finite():
        raise ValueError(f"{name} must be a finite number (got {value})")
    if value <= 0:
        raise ValueError(f"{name} must be > 0 (got {value})")
    return Fraction(value)


def _round1(value: Fraction) -> Decimal:
    """Round a positive exact value half-up to 1 decimal (5.65 -> 5.7)."""
    tenths = int(value / _TENTH + Fraction(1, 2))  # floor, as value > 0
    return Decimal(tenths).scaleb(-1)


def infusion_dose_mg(weight_kg: Decimal) -> Decimal:
    """Belimumab dose: 10 mg/kg x ``weight_kg``, rounded half-up to 0.1 mg (45 kg -> 450.0, 62.35 kg -> 623.5)."""
    return _round1(_exact(weight_kg, "weight_kg") * MG_PER_KG)


def vials_for(dose_mg: Decimal) -> dict[int, int]:
    """Vials to draw ``dose_mg`` from: {400: count, 120: count}, both keys always present.

    Rule: of all combinations of 400 mg and 120 mg vials holding at least the dose, the one with the least
    drug left over (wasted); if two waste the same (3 x 400 = 10 x 120 = 1200 mg), the one with fewer vials.
    E.g. 600 mg -> one 400 + two 120 (640 mg); 450 mg -> four 120 (480 mg, not 400 + 120 = 520 mg).
    """
    dose = _exact(dose_mg, "dose_mg")
    large, small = VIALS_MG
    best = (0, 0)  # (large, small); replaced at once, as ceil(dose / small) small vials always cover the dose
    best_key: tuple[int, int] | None = None  # (total mg, vial count): smaller is better
    for n_large in range(ceil(dose / large) + 1):  # more large vials than that only adds waste
        n_small = max(0, ceil((dose - n_large * large) / small))  # fewest small vials to cover the rest
        key = (n_large * large + n_small * small, n_large + n_small)
        if best_key is None or key < best_key:
            best, best_key = (n_large, n_small), key
    return {large: best[0], small: best[1]}
