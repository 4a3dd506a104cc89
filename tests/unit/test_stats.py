"""Proportion and exact Clopper-Pearson interval for the primary endpoint (LLDAS at week 24).

Reference values from scipy.stats.beta.ppf (checked once outside the venv, which has no scipy):
lower = beta.ppf(alpha/2, x, n - x + 1), upper = beta.ppf(1 - alpha/2, x + 1, n - x).
"""

from __future__ import annotations

import pytest

from companion.domain.stats import clopper_pearson, proportion

# (successes, n, confidence, lower, upper), scipy to full float precision
REFERENCE = [
    (8, 16, 0.95, 0.2465101114905753, 0.7534898885094247),
    (0, 16, 0.95, 0.0, 0.2059072142078227),
    (16, 16, 0.95, 0.7940927857921772, 1.0),
    (5, 10, 0.95, 0.18708602844739855, 0.8129139715526015),
    (1, 20, 0.95, 0.0012650894979498038, 0.24873276277202777),
    (3, 7, 0.95, 0.09898827844250786, 0.8159484323599169),
    (12, 16, 0.95, 0.4762291801038727, 0.9273379617471178),
    (8, 16, 0.90, 0.2786026855021703, 0.7213973144978296),
    (450, 1000, 0.99, 0.4092972371923216, 0.49118539457096916),
]


@pytest.mark.parametrize(("x", "n", "confidence", "lower", "upper"), REFERENCE)
def test_against_scipy(x, n, confidence, lower, upper):
    got = clopper_pearson(x, n, confidence)
    assert got == pytest.approx((lower, upper), abs=1e-9)


@pytest.mark.parametrize(("x", "n", "rounded"), [
    (8, 16, (0.2465, 0.7535)),
    (0, 16, (0.0, 0.2059)),
    (16, 16, (0.7941, 1.0)),
    (5, 10, (0.1871, 0.8129)),
    (1, 20, (0.0013, 0.2487)),
])
def test_published_four_decimals(x, n, rounded):
    lower, upper = clopper_pearson(x, n)
    assert (round(lower, 4), round(upper, 4)) == rounded


def test_edges_are_exactly_0_and_1():
    assert clopper_pearson(0, 16)[0] == 0.0
    assert clopper_pearson(16, 16)[1] == 1.0
    # closed forms: x = 0 -> upper = 1 - (alpha/2)**(1/n); x = n -> lower = (alpha/2)**(1/n)
    assert clopper_pearson(0, 16)[1] == pytest.approx(1 - 0.025 ** (1 / 16), abs=1e-12)
    assert clopper_pearson(16, 16)[0] == pytest.approx(0.025 ** (1 / 16), abs=1e-12)
    assert clopper_pearson(1, 1) == pytest.approx((0.025, 1.0), abs=1e-12)


def test_interval_is_symmetric_and_contains_the_proportion():
    for n in (1, 2, 15, 16, 40):
        for x in range(n + 1):
            lower, upper = clopper_pearson(x, n)
            assert 0.0 <= lower <= x / n <= upper <= 1.0
            mirror = clopper_pearson(n - x, n)
            assert (lower, upper) == pytest.approx((1 - mirror[1], 1 - mirror[0]), abs=1e-12)


def test_wider_at_higher_confidence():
    lo90, hi90 = clopper_pearson(8, 16, 0.90)
    lo99, hi99 = clopper_pearson(8, 16, 0.99)
    assert lo99 < lo90 and hi90 < hi99


def test_proportion():
    assert proportion(8, 16) == 0.5
    assert proportion(0, 16) == 0.0
    assert proportion(16, 16) == 1.0
    assert proportion(1, 3) == pytest.approx(1 / 3)


@pytest.mark.parametrize(("x", "n", "message"), [
    (0, 0, r"n must be >= 1 \(got 0\)"),
    (1, 0, r"n must be >= 1 \(got 0\)"),
    (-1, 16, r"successes must be between 0 and n = 16 \(got -1\)"),
    (17, 16, r"successes must be between 0 and n = 16 \(got 17\)"),
    (0, -1, r"n must be >= 1 \(got -1\)"),
])
def test_invalid_counts(x, n, message):
    with pytest.raises(ValueError, match=message):
        clopper_pearson(x, n)
    with pytest.raises(ValueError, match=message):
        proportion(x, n)


@pytest.mark.parametrize("confidence", [0.0, 1.0, -0.5, 95])
def test_invalid_confidence(confidence):
    with pytest.raises(ValueError, match=rf"confidence must be strictly between 0 and 1 \(got {confidence!r}\)"):
        clopper_pearson(8, 16, confidence)


@pytest.mark.parametrize(("x", "n", "message"), [
    (8.0, 16, "successes must be an int, not float"),
    (8, 16.0, "n must be an int, not float"),
    (True, 16, "successes must be an int, not bool"),
])
def test_counts_must_be_ints(x, n, message):
    with pytest.raises(TypeError, match=message):
        clopper_pearson(x, n)


def test_input_errors_say_what_is_wrong():
    with pytest.raises(TypeError, match="^successes must be an int, not float$"):
        clopper_pearson(1.0, 2)
    with pytest.raises(TypeError, match="^n must be an int, not bool$"):
        proportion(1, True)
    with pytest.raises(ValueError, match=r"^n must be >= 1 \(got 0\)$"):
        proportion(0, 0)
    with pytest.raises(ValueError, match=r"^successes must be between 0 and n = 16 \(got 17\)$"):
        clopper_pearson(17, 16)
    with pytest.raises(ValueError, match=r"^confidence must be strictly between 0 and 1 \(got 1.0\)$"):
        clopper_pearson(8, 16, 1.0)
