"""Variable appraisal, the figure to repay by purpose, and monetary-unit sampling, each checked
against an independent computation (the formulas cited) or a published table."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from audit_lib.analytics import (
    POISSON_FACTORS,
    benford,
    mus_evaluation,
    mus_factor,
    mus_sample_size,
)
from audit_lib.appraisal import appraise, appraise_stratified, appraise_unrestricted
from audit_lib.sampling import select_sample

EXAMINED = np.array([100, 250, 80, 40, 300, 120, 60, 90, 150, 75.0])
AUDITED = np.array([100, 200, 80, 0, 300, 100, 60, 90, 150, 75.0])
N = 1000


def test_unrestricted_mean_per_unit_and_ratio_estimators():
    """RAT-STATS unrestricted variable appraisal: mean-per-unit on examined and audited values
    (N mean, N s / sqrt(n) sqrt(1 - n/N)); the ratio estimate of the overpayment X sum(d) /
    sum(e) with SE N sqrt((1 - f) / n) s_u, u = d - R e (Cochran, Sampling Techniques, 6.9)."""
    book = 140_000.0
    a = appraise_unrestricted(EXAMINED, AUDITED, universe_size=N, book_total=book)
    n, f = len(EXAMINED), len(EXAMINED) / N
    for name, v in (("examined", EXAMINED), ("audited", AUDITED)):
        est = a["estimators"][name]
        assert est["point_estimate"] == pytest.approx(N * v.mean(), abs=0.01)
        se = N * v.std(ddof=1) / math.sqrt(n) * math.sqrt(1 - f)
        assert est["standard_error"] == pytest.approx(se, abs=0.01)
    d = EXAMINED - AUDITED
    r = d.sum() / EXAMINED.sum()
    se_r = N * math.sqrt((1 - f) / n) * (d - r * EXAMINED).std(ddof=1)
    ratio = a["estimators"]["ratio"]
    assert ratio["point_estimate"] == pytest.approx(book * r, abs=0.01)
    assert ratio["standard_error"] == pytest.approx(se_r, abs=0.01)
    t = stats.t.ppf(0.95, n - 1)
    assert ratio["limits_two_sided"]["90"]["lower"] == pytest.approx(book * r - t * se_r, abs=0.01)


def test_the_figure_to_repay_depends_on_the_purpose():
    """CMS Program Integrity Manual ch. 8 §8.4.5.1: the lower limit of the one-sided 90%
    interval (t at 0.90); OIG audits and integrity agreements: of the two-sided 90% interval
    (t at 0.95); the OIG Self-Disclosure Protocol: the point estimate."""
    a = appraise_unrestricted(EXAMINED, AUDITED, universe_size=N)
    d = EXAMINED - AUDITED
    n = len(d)
    point = N * d.mean()
    se = N * d.std(ddof=1) / math.sqrt(n) * math.sqrt(1 - n / N)
    rep = a["repayment"]
    assert rep["cms_extrapolation"]["amount"] == pytest.approx(
        point - stats.t.ppf(0.90, n - 1) * se, abs=0.01
    )
    assert rep["oig_audit_or_integrity_agreement"]["amount"] == pytest.approx(
        point - stats.t.ppf(0.95, n - 1) * se, abs=0.01
    )
    assert rep["oig_self_disclosure"]["amount"] == pytest.approx(point, abs=0.01)
    assert "8.4.5.1" in rep["cms_extrapolation"]["source"]
    assert "Self-Disclosure Protocol" in rep["oig_self_disclosure"]["source"]


def test_stratified_combined_ratio_estimator():
    """Combined ratio (Cochran 6.11): R = sum N_h dbar_h / sum N_h ebar_h, total X R, variance
    sum N_h^2 (1 - f_h) / n_h s^2(u)_h with u = d - R e."""
    r = pd.DataFrame(
        {
            "stratum": ["A"] * 4 + ["B"] * 3,
            "examined_amount": [10, 20, 30, 40, 100, 200, 300.0],
            "audited_amount": [10, 15, 30, 30, 100, 150, 300.0],
        }
    )
    sizes, books = {"A": 100, "B": 30}, {"A": 2600.0, "B": 6100.0}
    a = appraise_stratified(r, sizes, book_by_stratum=books)
    e = {"A": np.array([10, 20, 30, 40.0]), "B": np.array([100, 200, 300.0])}
    d = {"A": np.array([0, 5, 0, 10.0]), "B": np.array([0, 50, 0.0])}
    ratio = sum(sizes[h] * d[h].mean() for h in e) / sum(sizes[h] * e[h].mean() for h in e)
    var = sum(
        sizes[h] ** 2 * (1 - len(e[h]) / sizes[h]) / len(e[h]) * (d[h] - ratio * e[h]).var(ddof=1)
        for h in e
    )
    est = a["estimators"]["ratio"]
    assert est["point_estimate"] == pytest.approx(8700 * ratio, abs=0.01)
    assert est["standard_error"] == pytest.approx(math.sqrt(var), abs=0.01)
    assert a["estimators"]["examined"]["point_estimate"] == pytest.approx(100 * 25 + 30 * 200)


def test_mus_factors_reproduce_the_aicpa_table_and_go_beyond_five():
    """AICPA Audit Guide "Audit Sampling": confidence factors for 0-5 misstatements at 80, 90
    and 95% (POISSON_FACTORS, as printed), and at 95% for 6-10: 11.85, 13.15, 14.44, 15.71,
    16.97."""
    for confidence, row in POISSON_FACTORS.items():
        assert [mus_factor(k, confidence) for k in range(6)] == row
    assert [mus_factor(k, 95) for k in range(6, 11)] == [11.85, 13.15, 14.44, 15.71, 16.97]


def test_mus_evaluation_with_many_overstatements_and_an_understatement():
    """Seven overstatement taintings 0.7..0.1 and one 0.2 understatement below a 10,000
    interval, at 95%: UML = J (3.00 + sum t_k + sum t_k (f_(k+1) - f_k - 1)) by direction;
    net = UML less the other direction's projection."""
    taint = [0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1]
    book = [1000.0] * 8 + [50_000.0]
    audited = [1000 * (1 - t) for t in taint] + [1200.0, 50_000.0]
    r = mus_evaluation(pd.DataFrame({"book": book, "audited": audited}), interval=10_000)
    f = [3.00, 4.75, 6.30, 7.76, 9.16, 10.52, 11.85, 13.15]
    j = 10_000
    over = j * (f[0] + sum(taint) + sum(t * (f[k + 1] - f[k] - 1) for k, t in enumerate(taint)))
    under = j * (f[0] + 0.2 + 0.2 * (f[1] - f[0] - 1))
    assert r["overstatement"]["upper_misstatement_limit"] == pytest.approx(over, abs=0.01)
    assert r["understatement"]["upper_misstatement_limit"] == pytest.approx(under, abs=0.01)
    assert r["net_overstatement_limit"] == pytest.approx(over - 0.2 * j, abs=0.01)
    assert r["net_understatement_limit"] == pytest.approx(under - sum(taint) * j, abs=0.01)
    assert r["overstatement"]["misstatements"] == 7 and r["understatement"]["misstatements"] == 1


def test_mus_sample_size_by_the_aicpa_formula():
    """n = book x confidence factor / (tolerable - expected x expansion factor): at 5% risk
    CF 3.00 and EF 1.6 (AICPA tables), $500,000 book, $25,000 tolerable, $5,000 expected:
    1,500,000 / 17,000 = 88.2 -> 89; interval 500,000 / 89."""
    s = mus_sample_size(500_000, 25_000, expected=5_000, risk=5)
    assert (s["confidence_factor"], s["expansion_factor"]) == (3.0, 1.6)
    assert s["sample_size"] == 89 and s["interval"] == round(500_000 / 89, 2)
    assert mus_sample_size(500_000, 25_000, risk=10)["sample_size"] == math.ceil(
        500_000 * 2.31 / 25_000
    )


def test_benford_reads_amounts_under_a_dollar_by_their_first_significant_digit():
    """0.30 is a 3 (not 2, which 0.3 / 0.1 = 2.9999999999999996 would give), 0.047 a 4."""
    r = benford(pd.Series([0.30, 0.047, 0.3, 3.0, 0.7]))
    counts = dict(zip(r["table"]["digits"], r["table"]["count"], strict=True))
    assert counts[3] == 3 and counts[4] == 1 and counts[7] == 1 and counts[2] == 0


def test_appraise_follows_the_sample_design():
    """One dispatch for the CLI and the notebook: a MUS plan gets the Stringer evaluation, a
    stratified plan the stratified estimators (with the ratio from the plan's dollars), a
    random sample the unrestricted ones."""
    pop = pd.DataFrame({"record_key": [f"K{i:03d}" for i in range(200)],
                        "amount": np.linspace(10, 2000, 200)})  # fmt: skip
    for design, expected in (("mus", "mus"), ("stratified", "stratified"), ("srs", "unrestricted")):
        strata = [500, 1000] if design == "stratified" else None
        sample, plan = select_sample(pop, size=20, seed=3, design=design, strata=strata)
        results = sample.assign(examined_amount=sample["amount"],
                                audited_amount=sample["amount"] * 0.9)  # fmt: skip
        doc = appraise(results, plan)
        assert doc["design"] == expected
        if expected != "mus":
            assert "ratio" in doc["estimators"] and doc["repayment"]
