"""Sampling: reproducible selection and estimators checked against independent computations."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from audit_lib.errors import ConfigError
from audit_lib.sampling import appraise_stratified, appraise_unrestricted, select_sample


def population(n: int = 500, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "record_key": [f"C{i:05d}:1" for i in range(n)],
            "amount": np.round(rng.lognormal(4, 1, n), 2),
        }
    )


def test_srs_is_reproducible_and_order_independent():
    pop = population()
    a, plan_a = select_sample(pop, size=30, seed=12345, spares=5)
    b, plan_b = select_sample(pop.sample(frac=1, random_state=1), size=30, seed=12345, spares=5)
    pd.testing.assert_frame_equal(a, b)
    assert plan_a == plan_b and plan_a["sample_sha256"] == plan_b["sample_sha256"]
    assert (
        len(a) == 35
        and a["spare"].sum() == 5
        and a["selection_order"].tolist() == list(range(1, 36))
    )
    c, _ = select_sample(pop, size=30, seed=54321)
    assert set(c["record_key"]) != set(a.loc[~a["spare"], "record_key"])


def test_srs_uses_only_the_raw_pcg64_stream():
    """Independent re-derivation: rank items by their raw PCG64 draw in record_key order."""
    pop = population(50)
    sample, _ = select_sample(pop, size=7, seed=99)
    raw = np.random.PCG64(99).random_raw(50)
    keys = sorted(pop["record_key"])
    expected = [keys[i] for i in np.argsort(raw, kind="stable")[:7]]
    assert sample["record_key"].tolist() == expected


@given(st.integers(1, 60), st.integers(0, 2**32))
def test_sample_properties(size, seed):
    pop = population(60)
    s, plan = select_sample(pop, size=size, seed=seed)
    assert len(s) == size and s["record_key"].is_unique
    assert set(s["record_key"]) <= set(pop["record_key"])
    assert plan["frame"]["rows"] == 60


def test_stratified_sizes_and_certainty():
    pop = population()
    s, plan = select_sample(
        pop, size=60, seed=7, design="stratified", strata=[50, 150], certainty_threshold=400
    )
    sizes = plan["sizes_by_stratum"]
    assert sum(sizes.values()) == 60 == len(s)
    certain = pop[pop["amount"] >= 400]
    assert set(certain["record_key"]) <= set(s["record_key"])
    assert sizes["certainty"] == len(certain)


def test_mus_selects_items_at_or_above_the_interval_with_certainty():
    pop = population()
    s, plan = select_sample(pop, size=40, seed=5, design="mus")
    interval = plan["sizes_by_stratum"]["interval"]
    assert interval == pytest.approx(pop["amount"].sum() / 40, abs=0.01)
    big = pop[pop["amount"] >= interval]["record_key"]
    assert set(big) <= set(s["record_key"])


def test_bad_requests():
    with pytest.raises(ConfigError, match="between 1 and"):
        select_sample(population(10), size=11, seed=1)
    with pytest.raises(ConfigError, match="design"):
        select_sample(population(10), size=2, seed=1, design="cluster")


def test_unrestricted_estimator_matches_an_independent_computation():
    examined = np.array([100, 250, 80, 40, 300, 120, 60, 90, 150, 75.0])
    audited = np.array([100, 200, 80, 0, 300, 100, 60, 90, 150, 75.0])
    N = 1000
    a = appraise_unrestricted(examined, audited, universe_size=N)
    d = examined - audited
    n = len(d)
    se = N * d.std(ddof=1) / math.sqrt(n) * math.sqrt(1 - n / N)
    assert a["point_estimate"] == pytest.approx(N * d.mean(), abs=0.01)
    assert a["standard_error"] == pytest.approx(se, abs=0.01)
    t90 = stats.t.ppf(0.95, n - 1)  # two-sided 90%
    assert a["limits"]["90"]["lower"] == pytest.approx(N * d.mean() - t90 * se, abs=0.01)
    assert a["repay_oig"] == a["limits"]["90"]["lower"]
    one = appraise_unrestricted(examined, audited, universe_size=N, sided="one")
    assert one["limits"]["80"]["lower"] == pytest.approx(
        N * d.mean() - stats.t.ppf(0.8, n - 1) * se, abs=0.01
    )


def test_no_errors_means_zero_point_estimate():
    x = np.array([10.0, 20, 30])
    a = appraise_unrestricted(x, x, universe_size=100)
    assert a["point_estimate"] == 0 and a["standard_error"] == 0


def test_stratified_estimator():
    r = pd.DataFrame(
        {
            "stratum": ["A"] * 4 + ["B"] * 3,
            "examined_amount": [10, 20, 30, 40, 100, 200, 300.0],
            "audited_amount": [10, 15, 30, 30, 100, 150, 300.0],
        }
    )
    a = appraise_stratified(r, {"A": 100, "B": 30})
    dA = np.array([0, 5, 0, 10.0])
    dB = np.array([0, 50, 0.0])
    point = 100 * dA.mean() + 30 * dB.mean()
    vA = 100**2 * dA.var(ddof=1) / 4 * (1 - 4 / 100)
    vB = 30**2 * dB.var(ddof=1) / 3 * (1 - 3 / 30)
    assert a["point_estimate"] == pytest.approx(point, abs=0.01)
    assert a["standard_error"] == pytest.approx(math.sqrt(vA + vB), abs=0.01)
    df = (vA + vB) ** 2 / (vA**2 / 3 + vB**2 / 2)
    assert a["degrees_of_freedom"] == pytest.approx(df, abs=0.001)


def test_attribute_sample_size():
    from audit_lib.sampling import attribute_sample_size

    # z(95%) = 1.96; p = 0.1, E = 0.05 -> 1.96^2 * 0.09 / 0.0025 = 138.3 -> 139
    assert attribute_sample_size(expected_rate=0.1, precision=0.05) == 139
    n0 = stats.norm.ppf(0.975) ** 2 * 0.09 / 0.0025
    assert attribute_sample_size(expected_rate=0.1, precision=0.05, universe_size=500) == math.ceil(
        n0 / (1 + (n0 - 1) / 500)
    )


def test_variable_sample_size_meets_its_precision():
    from audit_lib.sampling import variable_sample_size

    n = variable_sample_size(probe_sd=50, universe_size=10_000, precision_amount=50_000)
    t = stats.t.ppf(0.95, n - 1)
    achieved = t * 10_000 * 50 / math.sqrt(n) * math.sqrt(1 - n / 10_000)
    assert achieved <= 50_000  # the precision is met with n ...
    t_less = stats.t.ppf(0.95, n - 2)
    assert t_less * 10_000 * 50 / math.sqrt(n - 1) * math.sqrt(1 - (n - 1) / 10_000) > 50_000


# --- attribute appraisal: exact limits, against definitions computed here ------------------
def _hyper_pmf(x: int, big: int, m: int, n: int) -> float:
    return math.comb(m, x) * math.comb(big - m, n - x) / math.comb(big, n)


@pytest.mark.parametrize(("k", "n", "big"), [(0, 10, 50), (2, 10, 50), (5, 20, 60), (3, 3, 30)])
@pytest.mark.parametrize("sided", ["one", "two"])
def test_hypergeometric_limits_match_the_definition(k, n, big, sided):
    from audit_lib.sampling import appraise_attribute

    doc = appraise_attribute(k, n, universe_size=big, sided=sided)
    for level, lim in doc["limits"].items():
        a = (1 - int(level) / 100) / (2 if sided == "two" else 1)

        def p_le(m):
            return sum(_hyper_pmf(x, big, m, n) for x in range(0, k + 1))

        def p_ge(m):
            return sum(_hyper_pmf(x, big, m, n) for x in range(k, n + 1))

        inside = [m for m in range(k, big - (n - k) + 1) if p_le(m) > a and (k == 0 or p_ge(m) > a)]
        assert lim["upper_count"] == max(inside)
        assert lim["lower_count"] == (0 if k == 0 else min(inside))
        assert lim["upper_rate"] == pytest.approx(max(inside) / big, abs=1e-6)


def test_binomial_limits_zero_errors_is_the_textbook_rule():
    from audit_lib.sampling import appraise_attribute

    doc = appraise_attribute(0, 100, sided="one")
    assert doc["method"].startswith("binomial")
    for level in (80, 90, 95):  # upper = 1 - alpha^(1/n) when no deviation is found
        alpha = 1 - level / 100
        assert doc["limits"][str(level)]["upper_rate"] == pytest.approx(
            1 - alpha ** (1 / 100), abs=1e-6
        )
    assert doc["limits"]["95"]["upper_rate"] == pytest.approx(0.0295, abs=1e-4)  # AICPA table: 3.0%


def test_binomial_limits_solve_the_tail_equations():
    from audit_lib.sampling import appraise_attribute

    k, n = 4, 60
    lim = appraise_attribute(k, n)["limits"]["90"]
    assert stats.binom.cdf(k, n, lim["upper_rate"]) == pytest.approx(0.05, abs=1e-5)
    assert stats.binom.sf(k - 1, n, lim["lower_rate"]) == pytest.approx(0.05, abs=1e-5)


def test_equal_dollar_strata_split_the_dollars():
    from audit_lib.sampling import equal_dollar_bounds

    amounts = pd.Series(np.random.default_rng(3).lognormal(5, 1.2, 5000))
    bounds = equal_dollar_bounds(amounts, 4)
    assert len(bounds) == 3 and bounds == sorted(bounds)
    bins = pd.cut(amounts, [-np.inf, *bounds, np.inf], right=False)
    share = amounts.groupby(bins, observed=False).sum() / amounts.sum()
    assert share.between(0.2, 0.3).all()  # each about a quarter of the dollars
    with pytest.raises(ConfigError):
        equal_dollar_bounds(amounts, 1)


def test_plan_records_universe_per_stratum():
    frame = pd.DataFrame({"record_key": [f"K{i:03d}" for i in range(300)], "amount": range(300)})
    _, plan = select_sample(frame, size=30, seed=1, design="stratified", strata=[100, 200])
    assert plan["universe_by_stratum"] == {"S1": 100, "S2": 100, "S3": 100}


def test_findings_sample_is_reproducible_and_one_unit_per_record():
    from audit_lib.sampling import findings_sample

    f = pd.DataFrame(
        {
            "rule_id": ["A", "B", "A", "C"] * 25,
            "record_key": [f"R{i // 2}" for i in range(100)],
            "severity": ["error", "warning"] * 50,
            "amount": np.arange(100, dtype=float),
        }
    )
    a, plan = findings_sample(f, size=10, seed=5)
    b, _ = findings_sample(f, size=10, seed=5)
    assert a.equals(b) and a["record_key"].is_unique and len(a) == 10
    assert plan["frame"]["rows"] == 50 and set(a["rules"]) <= {"A|B", "A|C"}
