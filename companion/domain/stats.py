"""Primary endpoint summary: the proportion in LLDAS at week 24 and its exact confidence interval.

The Clopper-Pearson interval for x successes in n trials at confidence 1 - alpha is
(B(alpha/2; x, n - x + 1), B(1 - alpha/2; x + 1, n - x)), B the beta quantile, with lower 0 when x = 0 and
upper 1 when x = n. Standard library only: the regularised incomplete beta function I_p(a, b) (which equals
P(X >= a) for X ~ Binomial(a + b - 1, p)) is evaluated by its continued fraction (modified Lentz, as in
Numerical Recipes, "betacf"), and inverted by bisection on p, which is monotone, to well below 1e-9.
"""

from __future__ import annotations

from math import exp, lgamma, log, log1p

_EPS = 1e-15  # continued fraction convergence
_TINY = 1e-300  # guards against division by zero in Lentz's method
_MAX_TERMS = 10_000
_BISECTIONS = 100  # interval width 2**-100: far below the 1e-9 target


def _check(successes: int, n: int) -> None:
    for name, value in (("successes", successes), ("n", n)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"{name} must be an int, not {type(value).__name__}")
    if n < 1:
        raise ValueError(f"n must be >= 1 (got {n})")
    if not 0 <= successes <= n:
        raise ValueError(f"successes must be between 0 and n = {n} (got {successes})")


def proportion(successes: int, n: int) -> float:
    """``successes`` / ``n``; n >= 1 and 0 <= successes <= n, else ValueError (TypeError for non-ints)."""
    _check(successes, n)
    return successes / n


def _beta_fraction(a: float, b: float, x: float) -> float:
    """The continued fraction for I_x(a, b) (Numerical Recipes "betacf"), converging for x < (a + 1) / (a + b + 2)."""
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c = 1.0
    d = 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > _TINY else _TINY)
    h = d
    for m in range(1, _MAX_TERMS + 1):
        m2 = 2 * m
        for aa in (m * (b - m) * x / ((qam + m2) * (a + m2)), -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))):
            d = 1.0 + aa * d
            d = 1.0 / (d if abs(d) > _TINY else _TINY)
            c = 1.0 + aa / c
            c = c if abs(c) > _TINY else _TINY
            delta = d * c
            h *= delta
        if abs(delta - 1.0) < _EPS:
            return h
    raise ArithmeticError(f"incomplete beta continued fraction did not converge (a={a}, b={b}, x={x})")


def _incomplete_beta(a: float, b: float, x: float) -> float:
    """Regularised incomplete beta I_x(a, b) for a, b > 0 and 0 <= x <= 1."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    front = exp(lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x))
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _beta_fraction(a, b, x) / a
    return 1.0 - front * _beta_fraction(b, a, 1.0 - x) / b


def _beta_quantile(q: float, a: float, b: float) -> float:
    """The p with I_p(a, b) = q, by bisection (I_p is increasing in p)."""
    low, high = 0.0, 1.0
    for _ in range(_BISECTIONS):
        middle = (low + high) / 2.0
        if _incomplete_beta(a, b, middle) < q:
            low = middle
        else:
            high = middle
        if high - low < 1e-16:
            break
    return (low + high) / 2.0


def clopper_pearson(successes: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Exact (Clopper-Pearson) two-sided interval (lower, upper) for ``successes`` of ``n``.

    0 successes -> lower 0.0; n successes -> upper 1.0. E.g. 8 of 16 at 95% -> (0.2465, 0.7535).
    n < 1, successes outside 0..n or confidence outside (0, 1) raise ValueError.
    """
    _check(successes, n)
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be strictly between 0 and 1 (got {confidence})")
    tail = (1.0 - confidence) / 2.0
    lower = 0.0 if successes == 0 else _beta_quantile(tail, successes, n - successes + 1)
    upper = 1.0 if successes == n else _beta_quantile(1.0 - tail, successes + 1, n - successes)
    return lower, upper
