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


def test_sequence_gaps_and_duplicates():
    from audit_lib.analytics import sequence_gaps

    r = sequence_gaps(pd.Series(["CHK1001", "CHK1002", "CHK1005", "CHK1002", "CHK1009", "x"]))
    assert (r["min"], r["max"], r["count"]) == (1001, 1009, 5)
    assert r["gaps"].values.tolist() == [[1003, 1004, 2], [1006, 1008, 3]]
    assert r["duplicates"].values.tolist() == [[1002, 2]]


def test_stratify_shares_sum_to_one():
    from audit_lib.analytics import stratify

    t = stratify(pd.Series([5, 50, 150, 1500, 15.0]), [0, 100, 1000])
    assert t["count"].tolist() == [0, 3, 1, 1]
    assert t["count_share"].sum() == pytest.approx(1) and t["amount_share"].sum() == pytest.approx(
        1
    )
    assert t["amount"].tolist() == [0, 70, 150, 1500]


def test_age_and_summarize():
    from audit_lib.analytics import age, summarize

    start = pd.Series(pd.to_datetime(["2026-09-30", "2026-08-31", "2026-06-01", "2026-01-01"]))
    assert age(start, pd.Timestamp("2026-09-30")).astype(str).tolist() == [
        "0-30",
        "0-30",
        ">120",
        ">120",
    ]
    assert age(start, pd.Timestamp("2026-10-31")).astype(str).tolist()[:2] == ["31-60", "61-90"]
    f = pd.DataFrame({"payer": ["a", "a", "b"], "x": [1.0, 3.0, 10.0]})
    s = summarize(f, ["payer"], "x")
    assert s.values.tolist() == [["b", 1, 10.0, 10.0, 10.0, 10.0], ["a", 2, 4.0, 2.0, 1.0, 3.0]]


def test_duplicates_on_chosen_columns():
    import pandas as pd

    from audit_lib.analytics import duplicates

    f = pd.DataFrame({"a": [1, 1, 2, 2, 2, 3], "b": ["x", "x", "y", "y", "z", "z"]})
    d = duplicates(f, ["a", "b"])
    assert d.to_dict("records") == [{"a": 1, "b": "x", "count": 2}, {"a": 2, "b": "y", "count": 2}]
    assert duplicates(f, ["a"])["count"].tolist() == [3, 2]
    assert duplicates(f.drop_duplicates(), ["a", "b"]).empty
