"""CLM-DX-02 judges a diagnosis against the ICD-10-CM release in force on the date of service
(RULEBOOK CLM-DX-02: FY N runs October 1 of N-1 to September 30 of N, no grace period;
institutional claims by the discharge / through date). The code facts below are CMS's: the
FY2025 update (effective 2024-10-01) split M51.36 into M51.360-M51.369; U07.1 (COVID-19) was
added April 1, 2020; the January 1, 2021 update split M35.8 into M35.81 and M35.89."""

from __future__ import annotations

import itertools

import pandas as pd
import pytest

from audit_lib import load_config, run_claims_review
from audit_lib.claims.logic import icd10cm_billable_ok
from audit_lib.codesets import icd10cm
from tests.conftest import make_claims

CASES = [  # code, date of service, billable then
    ("M51.36", "2024-06-15", True),
    ("M51.36", "2024-09-30", True),
    ("M51.36", "2024-10-01", False),
    ("M51.360", "2024-06-15", False),
    ("M51.360", "2024-10-01", True),
    ("U07.1", "2020-03-31", False),
    ("U07.1", "2020-04-01", True),
    ("M35.8", "2020-12-31", True),
    ("M35.8", "2021-01-01", False),
    ("M35.81", "2020-12-31", False),
    ("M35.81", "2021-01-01", True),
    ("Z59.1", "2023-03-31", True),  # April 1, 2023: Z59.1 split into Z59.10-Z59.19
    ("Z59.10", "2023-03-31", False),
    ("Z59.10", "2023-04-01", True),
    ("E11", "2024-06-15", False),  # a category header is never billable
    ("E11.9", "2018-10-01", True),
]


@pytest.mark.parametrize(("code", "dos", "billable"), CASES)
def test_a_code_is_judged_by_the_release_in_force_on_its_date(code, dos, billable):
    ok = icd10cm_billable_ok(pd.Series([code]), pd.Series([pd.Timestamp(dos)]))
    assert bool(ok.iloc[0]) is billable


def test_shipped_releases_have_cms_published_totals():
    """CMS's published counts of billable ICD-10-CM codes: FY2019 71,932; FY2020 72,184;
    FY2021 72,616; FY2022 (with the April 2022 update) 72,750; FY2024 74,044; FY2025 74,260;
    FY2026 74,719. The releases are contiguous from 2018-10-01 to 2026-09-30."""
    r = {x.release: x for x in icd10cm.releases()}
    totals = {"FY2019": 71932, "FY2020": 72184, "FY2021": 72616, "FY2022-04": 72750,
              "FY2024": 74044, "FY2025": 74260, "FY2026": 74719}  # fmt: skip
    assert {k: r[k].billable_codes for k in totals} == totals
    assert {k: len(icd10cm.billable_codes(k)) for k in totals} == totals
    rel = icd10cm.releases()
    assert rel[0].first_day == "2018-10-01" and rel[-1].last_day == "2026-09-30"
    for a, b in itertools.pairwise(rel):
        assert pd.Timestamp(a.last_day) + pd.Timedelta(days=1) == pd.Timestamp(b.first_day)
    assert all(x.source for x in rel)


def _review(write_claims, period, *rows):
    return run_claims_review(write_claims(make_claims(*rows)), config=load_config(period=period))


def test_a_lookback_quarter_is_judged_by_its_own_release(write_claims):
    """2024Q2 (FY2024): M51.36 passes and M51.360 fails; the summary names FY2024 and its
    source."""
    on = {"service_date": "2024-06-15", "submission_date": "2024-06-20", "paid_date": "2024-07-01"}
    review = _review(write_claims, "2024Q2", {**on, "diagnosis_1": "M51.36"},
                     {**on, "diagnosis_1": "M51.360"})  # fmt: skip
    dx = review.findings[review.findings["rule_id"] == "CLM-DX-02"]
    assert dx["record_key"].tolist() == ["C1001:1"]
    assert "FY2024" in dx["detail"].iloc[0]
    used = review.summary["codesets"]["icd10cm"]["releases_used"]
    assert [u["release"] for u in used] == ["FY2024"] and used[0]["diagnoses_judged"] == 4
    assert review.summary["codesets"]["icd10cm"]["outside_releases"] is None


def test_institutional_claims_are_judged_on_the_discharge_date(write_claims):
    """Admitted 2024-09-28, discharged 2024-10-02: the FY2025 code M51.360 is right on the
    institutional claim; on a professional line dated 2024-09-28 it is not yet valid."""
    base = {"service_date": "2024-09-28", "submission_date": "2024-10-10", "paid_date": "",
            "diagnosis_1": "M51.360", "claim_status": "pending"}  # fmt: skip
    review = _review(
        write_claims, "2024Q3",
        {**base, "claim_type": "institutional", "bill_type": "0111", "revenue_code": "0120",
         "admission_date": "2024-09-28", "discharge_date": "2024-10-02",
         "statement_from": "2024-09-28", "statement_through": "2024-10-02"},
        base,
    )  # fmt: skip
    dx = review.findings[review.findings["rule_id"] == "CLM-DX-02"]
    assert dx["record_key"].tolist() == ["C1001:1"]


def test_dates_outside_the_shipped_releases_are_reported_once(write_claims):
    """A 2017 claim: no shipped release covers it, so no CLM-DX-02 finding per line (even for
    a header code) and one entry in the summary."""
    on = {"service_date": "2017-05-01", "submission_date": "2017-05-05", "paid_date": "2017-06-01"}
    review = _review(write_claims, "2017Q2", {**on, "diagnosis_1": "E11"}, on)
    assert "CLM-DX-02" not in set(review.findings["rule_id"])
    out = review.summary["codesets"]["icd10cm"]["outside_releases"]
    assert out["diagnoses"] == 4 and out["lines"] == 2
    assert out["earliest"] == out["latest"] == "2017-05-01"
