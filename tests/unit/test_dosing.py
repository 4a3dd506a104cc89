"""Belimumab dose and vials (DOMAIN.md section 1); every expected value worked out by hand."""

from __future__ import annotations

from decimal import Decimal

import pytest

from companion.domain.dosing import (
    MG_PER_KG,
    VIALS_MG,
    infusion_dose_mg,
    vials_for,
)

D = Decimal


def test_constants():
    assert (MG_PER_KG, VIALS_MG) == (10, (400, 120))


@pytest.mark.parametrize(("weight", "expected"), [
    ("45", "450.0"),        # lightest allowed at entry
    ("80", "800.0"),        # heaviest allowed at entry
    ("62.3", "623.0"),
    ("58.47", "584.7"),
    ("58.475", "584.8"),    # 584.75 rounds half-up
    ("58.465", "584.7"),    # 584.65 -> 584.7 (half-even would give 584.6)
    ("58.444", "584.4"),    # 584.44
])
def test_dose_is_10_mg_per_kg_to_a_tenth(weight, expected):
    dose = infusion_dose_mg(D(weight))
    assert dose == D(expected)
    assert str(dose) == expected


@pytest.mark.parametrize(("weight", "message"), [
    (D(0), r"weight_kg must be > 0 \(got 0\)"),
    (D("-45"), r"weight_kg must be > 0 \(got -45\)"),
    (D("NaN"), r"weight_kg must be a finite number \(got NaN\)"),
    (45.0, "weight_kg must be a Decimal or int, not float"),
    (True, "weight_kg must be a Decimal or int, not bool"),
])
def test_bad_weight(weight, message):
    with pytest.raises((TypeError, ValueError), match=message):
        infusion_dose_mg(weight)


# dose -> (400 mg vials, 120 mg vials): least drug wasted, then fewest vials. Candidates listed by hand.
VIALS = [
    ("100", 0, 1),     # 120 (waste 20) vs 400 (300)
    ("120", 0, 1),     # exact
    ("121", 0, 2),     # 240 (119) vs 400 (279)
    ("400", 1, 0),     # exact; 4 x 120 = 480 wastes 80
    ("450", 0, 4),     # 480 (30) beats 400 + 120 = 520 (70) and 2 x 400 = 800
    ("480", 0, 4),     # exact
    ("481", 1, 1),     # 520 (39) beats 5 x 120 = 600 (119)
    ("520", 1, 1),     # exact
    ("584.7", 0, 5),   # 600 (15.3) beats 400 + 2 x 120 = 640 (55.3)
    ("600", 0, 5),     # 5 x 120 = 600 wastes nothing; one 400 + two 120 = 640 would waste 40
    ("601", 1, 2),     # 640 (39) beats 6 x 120 = 720 (119) and 800 (199)
    ("623", 1, 2),     # 640 (17) beats 720 (97)
    ("700", 0, 6),     # 6 x 120 = 720 (20) beats 400 + 3 x 120 = 760 (60) and 2 x 400 = 800 (100)
    ("800", 2, 0),     # exact; 400 + 4 x 120 = 880, 7 x 120 = 840
    ("1150", 2, 3),    # 2 x 400 + 3 x 120 = 1160 (10) beats 3 x 400 = 1200 (50)
    ("1200", 3, 0),    # 3 x 400 = 10 x 120 = 1200: tie on waste, 3 vials beat 10
    ("1190", 3, 0),    # same tie at 1200 (10 wasted): 3 vials, not 10
]


def _best_by_hand(dose: Decimal) -> tuple[int, int]:
    # brute force over a generous grid, for the listed cases only
    options = [(a * 400 + b * 120, a + b, a, b) for a in range(6) for b in range(15) if a * 400 + b * 120 >= dose]
    _, _, a, b = min(options)
    return a, b


@pytest.mark.parametrize(("dose", "n400", "n120"), VIALS)
def test_vials_least_waste_then_fewest_vials(dose, n400, n120):
    assert vials_for(D(dose)) == {400: n400, 120: n120}
    assert _best_by_hand(D(dose)) == (n400, n120)  # the hand table agrees with brute force


def test_whole_trial_range_covers_the_dose():
    for tenths in range(4500, 8001, 7):
        dose = D(tenths).scaleb(-1)
        vials = vials_for(dose)
        total = 400 * vials[400] + 120 * vials[120]
        assert total >= dose
        assert total - dose < 120  # small vials alone always waste less than one small vial


@pytest.mark.parametrize(("dose", "message"), [
    (D(0), r"dose_mg must be > 0 \(got 0\)"),
    (D(-1), r"dose_mg must be > 0 \(got -1\)"),
    (D("Infinity"), r"dose_mg must be a finite number \(got Infinity\)"),
    (450.0, "dose_mg must be a Decimal or int, not float"),
])
def test_bad_dose(dose, message):
    with pytest.raises((TypeError, ValueError), match=message):
        vials_for(dose)


def test_worked_example_62_kg():
    # 62 kg -> 620 mg -> 400 + 2 x 120 = 640 mg (waste 20; 6 x 120 = 720 wastes 100)
    dose = infusion_dose_mg(D(62))
    assert dose == D("620.0")
    assert vials_for(dose) == {400: 1, 120: 2}


def test_any_positive_amount_is_accepted():
    assert infusion_dose_mg(Decimal(1)) == Decimal("10.0")
    assert vials_for(Decimal("0.5")) == {400: 0, 120: 1}


def test_input_errors_name_the_argument():
    with pytest.raises(TypeError, match="^weight_kg must be a Decimal or int, not float$"):
        infusion_dose_mg(60.0)
    with pytest.raises(ValueError, match=r"^weight_kg must be a finite number \(got NaN\)$"):
        infusion_dose_mg(Decimal("NaN"))
    with pytest.raises(ValueError, match=r"^dose_mg must be > 0 \(got 0\)$"):
        vials_for(Decimal(0))
