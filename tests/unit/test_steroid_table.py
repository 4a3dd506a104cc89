"""Steroid doses and prednisone equivalents (DOMAIN.md section 2); expected mg worked out by hand."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from companion.domain.steroid_table import (
    DRUGS,
    LLDAS_MAX_MG,
    daily_equivalent,
    dose_mg,
    prednisone_equivalent,
    within_lldas_steroid,
)

D = Decimal


def test_drug_table():
    assert list(DRUGS) == ["prednisone", "prednisone_acetate", "prednisolone", "methylprednisolone",
                           "hydrocortisone", "cortisone", "dexamethasone", "triamcinolone"]
    expected = {
        "prednisone": ("泼尼松", Fraction(1), (D("5"),)),
        "prednisone_acetate": ("醋酸泼尼松", Fraction(1), (D("5"),)),
        "prednisolone": ("泼尼松龙", Fraction(1), (D("5"),)),
        "methylprednisolone": ("甲泼尼龙", Fraction(5, 4), (D("4"), D("16"))),
        "hydrocortisone": ("氢化可的松", Fraction(1, 4), (D("10"), D("20"))),
        "cortisone": ("可的松", Fraction(1, 5), (D("25"),)),
        "dexamethasone": ("地塞米松", Fraction(20, 3), (D("0.75"),)),
        "triamcinolone": ("曲安西龙", Fraction(5, 4), (D("4"),)),
    }
    for key, (zh, factor, strengths) in expected.items():
        drug = DRUGS[key]
        assert (drug.key, drug.zh, drug.factor, drug.tablet_strengths_mg) == (key, zh, factor, strengths), key
        assert drug.en


# (drug, mg taken, prednisone-equivalent mg), each worked out by hand from the DOMAIN.md table.
HAND_TABLE = [
    ("prednisone", "5", "5.00"),
    ("prednisone", "7.5", "7.50"),
    ("prednisone_acetate", "10", "10.00"),        # 2 x 5 mg tablets
    ("prednisolone", "5", "5.00"),
    ("methylprednisolone", "4", "5.00"),          # 4 x 1.25
    ("methylprednisolone", "16", "20.00"),
    ("methylprednisolone", "6", "7.50"),          # 1.5 x 4 mg
    ("hydrocortisone", "20", "5.00"),             # 20 x 0.25
    ("hydrocortisone", "10", "2.50"),
    ("cortisone", "25", "5.00"),                  # 25 x 0.2
    ("dexamethasone", "0.75", "5.00"),            # the table's own example
    ("dexamethasone", "1.5", "10.00"),            # 20/3, not 6.67 (which gives 10.005 -> 10.01)
    ("dexamethasone", "1", "6.67"),               # 6.666... rounds up
    ("dexamethasone", "0.375", "2.50"),           # half of a 0.75 mg tablet
    ("triamcinolone", "4", "5.00"),
    ("cortisone", "0", "0.00"),
]


@pytest.mark.parametrize(("drug", "mg", "expected"), HAND_TABLE)
def test_prednisone_equivalent_by_hand(drug, mg, expected):
    result = prednisone_equivalent(drug, D(mg))
    assert result == D(expected)
    assert str(result) == expected  # two decimals


def test_rounding_is_half_up():
    assert prednisone_equivalent("hydrocortisone", D("0.1")) == D("0.03")   # 0.025 -> 0.03 (half-even gives 0.02)
    assert prednisone_equivalent("hydrocortisone", D("0.3")) == D("0.08")   # 0.075 -> 0.08
    assert prednisone_equivalent("cortisone", D("0.01")) == D("0.00")       # 0.002


def test_unknown_drug_and_bad_amounts():
    with pytest.raises(KeyError, match="betamethasone"):
        prednisone_equivalent("betamethasone", D("1"))
    with pytest.raises(TypeError, match="^mg must be a Decimal or int, not float"):
        prednisone_equivalent("prednisone", 5.0)
    with pytest.raises(ValueError, match=r"^mg must not be negative \(got -5\)"):
        prednisone_equivalent("prednisone", D("-5"))
    with pytest.raises(ValueError, match=r"^mg must be a finite number \(got NaN\)"):
        prednisone_equivalent("prednisone", D("NaN"))


@pytest.mark.parametrize(("strength", "tablets", "expected"), [
    ("5", 2, "10"),
    ("5", D("1.5"), "7.5"),
    ("4", D("0.5"), "2"),
    ("16", 1, "16"),
    ("0.75", D("1.5"), "1.125"),
    ("20", D("2.5"), "50"),
])
def test_dose_from_tablets(strength, tablets, expected):
    assert dose_mg(D(strength), tablets) == D(expected)


@pytest.mark.parametrize(("tablets", "message"), [
    (0, r"tablets must be > 0 in steps of 0.5 \(got 0\)"),
    (D("0.25"), r"tablets must be > 0 in steps of 0.5 \(got 0.25\)"),
    (D("1.3"), r"tablets must be > 0 in steps of 0.5 \(got 1.3\)"),
    (D("-1"), r"tablets must not be negative \(got -1\)"),
    (1.5, "tablets must be a Decimal or int, not float"),
    (True, "tablets must be a Decimal or int, not bool"),
])
def test_tablets_must_be_positive_half_steps(tablets, message):
    with pytest.raises((ValueError, TypeError), match=message):
        dose_mg(D("5"), tablets)


def test_zero_strength_refused():
    with pytest.raises(ValueError, match="strength_mg must be > 0"):
        dose_mg(D("0"), 1)


def test_daily_sum_of_mixed_drugs():
    # 5 (prednisone) + 2 x 1.25 (methylprednisolone 2 mg) + 0.75 mg dexamethasone (5) = 12.50
    doses = [("prednisone", D("5")), ("methylprednisolone", D("2")), ("dexamethasone", D("0.75"))]
    assert daily_equivalent(doses) == D("12.50")
    # morning 20 mg + evening 10 mg hydrocortisone = 30 x 0.25 = 7.50
    assert daily_equivalent(iter([("hydrocortisone", D("20")), ("hydrocortisone", D("10"))])) == D("7.50")
    assert daily_equivalent([]) == D("0.00")


def test_daily_sum_is_rounded_once_at_the_end():
    # three doses of 1 mg dexamethasone: 3 x 20/3 = 20 exactly; dose-by-dose rounding would give 3 x 6.67 = 20.01
    assert daily_equivalent([("dexamethasone", D("1"))] * 3) == D("20.00")
    # 0.1 mg hydrocortisone twice: 0.05 exactly (rounding each first would give 0.03 + 0.03 = 0.06)
    assert daily_equivalent([("hydrocortisone", D("0.1"))] * 2) == D("0.05")


def test_daily_sum_with_a_half_tablet():
    # 1.5 x 4 mg methylprednisolone = 6 mg -> 7.50: exactly at the LLDAS limit
    equivalent = daily_equivalent([("methylprednisolone", dose_mg(D("4"), D("1.5")))])
    assert equivalent == D("7.50")
    assert within_lldas_steroid(equivalent) is True


def test_daily_sum_unknown_drug():
    with pytest.raises(KeyError, match="unknown steroid 'budesonide'; known: prednisone, "):
        daily_equivalent([("prednisone", D("5")), ("budesonide", D("3"))])


def test_lldas_limit():
    assert LLDAS_MAX_MG == D("7.5")
    assert within_lldas_steroid(D("7.5")) is True
    assert within_lldas_steroid(D("7.50")) is True
    assert within_lldas_steroid(D("7.51")) is False
    assert within_lldas_steroid(D("7.6")) is False
    assert within_lldas_steroid(D("0")) is True


def test_input_errors_name_the_argument():
    with pytest.raises(TypeError, match="^strength_mg must be a Decimal or int, not float$"):
        dose_mg(5.0, 1)
    with pytest.raises(ValueError, match=r"^tablets must be a finite number \(got Infinity\)$"):
        dose_mg(Decimal(5), Decimal("Infinity"))
    with pytest.raises(ValueError, match=r"^tablets must not be negative \(got -1\)$"):
        dose_mg(Decimal(5), -1)
    with pytest.raises(ValueError, match=r"^strength_mg must be > 0$"):
        dose_mg(Decimal(0), 1)
    with pytest.raises(ValueError, match=r"^tablets must be > 0 in steps of 0.5 \(got 0.3\)$"):
        dose_mg(Decimal(5), Decimal("0.3"))
    with pytest.raises(ValueError, match=r"^mg must not be negative \(got -5\)$"):
        daily_equivalent([("prednisone", Decimal(-5))])
    with pytest.raises(KeyError, match=r"unknown steroid 'betamethasone'; known: prednisone, prednisone_acetate, "):
        prednisone_equivalent("betamethasone", Decimal(5))
