"""Sample sizes for attribute and variable samples, and the appraisal of an attribute
sample by exact (hypergeometric or binomial) limits (RULEBOOK 4.1-4.3)."""

from __future__ import annotations

import math

from .appraisal import CONFIDENCE_LEVELS
from .errors import ConfigError

__all__ = ["appraise_attribute", "attribute_sample_size", "variable_sample_size"]


def attribute_sample_size(
    *,
    expected_rate: float,
    precision: float,
    confidence: int = 95,
    universe_size: int | None = None,
) -> int:
    """Sample size to estimate an error rate within +/- ``precision`` (two-sided, normal
    approximation), with the finite population correction when N is given:
    n0 = z^2 p (1 - p) / E^2; n = n0 / (1 + (n0 - 1) / N)."""
    from scipy import stats

    if not 0 < expected_rate < 1 or not 0 < precision < 1:
        raise ConfigError("expected_rate and precision must be fractions between 0 and 1.")
    z = float(stats.norm.ppf(1 - (1 - confidence / 100) / 2))
    n0 = z**2 * expected_rate * (1 - expected_rate) / precision**2
    n = n0 / (1 + (n0 - 1) / universe_size) if universe_size else n0
    return math.ceil(n - 1e-9)


def variable_sample_size(
    *, probe_sd: float, universe_size: int, precision_amount: float, confidence: int = 90
) -> int:
    """Sample size so that the two-sided ``confidence`` limits of the estimated total are
    within +/- ``precision_amount``, from a probe sample's standard deviation of the
    differences: n = (t s N / A)^2 / (1 + (t s N / A)^2 / N), with Student t at n - 1 degrees of
    freedom found by iteration (starting from the normal value)."""
    from scipy import stats

    if probe_sd <= 0 or precision_amount <= 0:
        raise ConfigError("probe_sd and precision_amount must be positive.")
    q = 1 - (1 - confidence / 100) / 2
    n = 30
    for _ in range(50):  # converges in a few steps
        t = float(stats.t.ppf(q, max(n - 1, 1)))
        n0 = (t * probe_sd * universe_size / precision_amount) ** 2
        new = math.ceil(n0 / (1 + n0 / universe_size) - 1e-9)
        if new == n:
            break
        n = max(new, 2)
    return min(n, universe_size)


def appraise_attribute(
    errors: int, n: int, *, universe_size: int | None = None, sided: str = "two"
) -> dict:
    """Error rate with exact limits at 80/90/95%: hypergeometric when the universe size is
    given (limits on the number of errors in the universe, then the rate), binomial
    (Clopper-Pearson) otherwise. One-sided limits put the whole alpha on each side."""
    from scipy import stats

    if not 0 <= errors <= n or n < 1:
        raise ConfigError(f"errors ({errors}) must be between 0 and the sample size n ({n}).")
    if universe_size is not None and universe_size < n:
        raise ConfigError(f"the universe ({universe_size}) is smaller than the sample ({n}).")
    if sided not in ("one", "two"):
        raise ConfigError("sidedness must be 'one' or 'two'.")
    limits = {}
    for level in CONFIDENCE_LEVELS:
        alpha = 1 - level / 100
        a = alpha / 2 if sided == "two" else alpha
        if universe_size is None:
            lo = 0.0 if errors == 0 else float(stats.beta.ppf(a, errors, n - errors + 1))
            hi = 1.0 if errors == n else float(stats.beta.ppf(1 - a, errors + 1, n - errors))
            limits[str(level)] = {"lower_rate": round(lo, 6), "upper_rate": round(hi, 6)}
        else:
            big = int(universe_size)
            lo_m, hi_m = _hypergeom_limits(errors, n, big, a)
            limits[str(level)] = {
                "lower_rate": round(lo_m / big, 6),
                "upper_rate": round(hi_m / big, 6),
                "lower_count": lo_m,
                "upper_count": hi_m,
            }
    return {
        "design": "attribute",
        "n": n,
        "N": universe_size,
        "errors": errors,
        "rate": round(errors / n, 6),
        "method": "hypergeometric" if universe_size else "binomial (Clopper-Pearson)",
        "sidedness": sided,
        "limits": limits,
    }


def _hypergeom_limits(k: int, n: int, big: int, a: float) -> tuple[int, int]:
    """Smallest M with P(X >= k | M) > a and largest M with P(X <= k | M) > a (exact)."""
    from scipy import stats

    def p_le(m: int) -> float:  # decreasing in m
        return float(stats.hypergeom.cdf(k, big, m, n))

    def p_ge(m: int) -> float:  # increasing in m
        return float(stats.hypergeom.sf(k - 1, big, m, n))

    lo_bound, hi_bound = k, big - (n - k)
    # upper: largest m in [k, hi_bound] with p_le(m) > a
    lo, hi = k, hi_bound
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if p_le(mid) > a:
            lo = mid
        else:
            hi = mid - 1
    upper = lo
    # lower: smallest m in [lo_bound, hi_bound] with p_ge(m) > a (0 when k == 0)
    if k == 0:
        return 0, upper
    lo, hi = lo_bound, hi_bound
    while lo < hi:
        mid = (lo + hi) // 2
        if p_ge(mid) > a:
            hi = mid
        else:
            lo = mid + 1
    return lo, upper
