"""Benford and MUS evaluation against independent values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from audit_lib.analytics import benford, mus_evaluation


def test_benford_expected_proportions():
    r = benford(pd.Series([1.0, 2.0]))
    expected = r["table"]["expected"].to_numpy()
    assert expected == pytest.approx([np.log10(1 + 1 / d) for d in range(1, 10)])
    assert expected.sum() == pytest.approx(1.0)
    assert r["table"]["expected"].round(4).tolist()[:3] == [0.3010, 0.1761, 0.1249]


def test_benford_conforming_and_nonconforming_data():
    rng = np.random.default_rng(0)
    good = pd.Series(10 ** rng.uniform(1, 6, 20_000))  # log-uniform over 5 decades: Benford
    r = benford(good)
    assert r["conformity"] == "close conformity" and r["n"] == 20_000
    bad = pd.Series(rng.uniform(500, 999, 5_000))  # every amount starts with 5-9
    assert benford(bad)["conformity"] == "nonconformity"
    two = benford(good, test="first_two")
    assert len(two["table"]) == 90 and two["degrees_of_freedom"] == 89


def test_benford_z_and_chi_square_by_hand():
    values = pd.Series([1, 1, 1, 2, 3, 5, 9, 12, 150, 7000])
    r = benford(values)
    counts = np.array([5, 1, 1, 0, 1, 0, 1, 0, 1])  # leading digits 1,1,1,2,3,5,9,1,1,7
    n = 10
    p = np.log10(1 + 1 / np.arange(1, 10))
    chi2 = ((counts - n * p) ** 2 / (n * p)).sum()
    assert r["chi_square"] == pytest.approx(chi2, abs=1e-3)
    d1 = abs(counts[0] / n - p[0])
    z1 = (d1 - 1 / (2 * n)) / np.sqrt(p[0] * (1 - p[0]) / n)
    assert r["table"]["z"].iloc[0] == pytest.approx(z1)


def test_mus_zero_misstatements_textbook_example():
    sample = pd.DataFrame({"book": [100.0, 2000.0], "audited": [100.0, 2000.0]})
    r = mus_evaluation(sample, interval=26_882, confidence=95, tolerable=100_000)
    assert r["upper_misstatement_limit"] == pytest.approx(3.0 * 26_882)  # $80,646
    assert r["conclusion"] == "not materially misstated"


def test_mus_with_taintings():
    sample = pd.DataFrame({"book": [1000.0, 500.0, 30_000.0], "audited": [900.0, 250.0, 29_000.0]})
    r = mus_evaluation(sample, interval=10_000, confidence=95)
    # taintings 0.5 and 0.1 (ranked), plus an actual 1,000 on the item above the interval
    projected = 0.5 * 10_000 + 0.1 * 10_000 + 1_000
    incremental = 0.5 * (4.75 - 3.00 - 1) * 10_000 + 0.1 * (6.30 - 4.75 - 1) * 10_000
    assert r["projected_misstatement"] == pytest.approx(projected)
    assert r["upper_misstatement_limit"] == pytest.approx(projected + 30_000 + incremental)
