"""The hospital fields of the 837I (ASC X12 005010X223A2 / 004010X096A1 TR3s) read into the
institutional columns of the claims table (DATA_CONTRACT.md), on the real fixture files.

Each expected value is read by hand from the file's segments (quoted beside it): CLM05
facility code and frequency -> bill type, DTP*434 statement dates, DTP*435 admission date,
CL1 admission type / point of origin / discharge status, HI diagnoses with their POA
component (HI0x-9), procedures with dates, condition (BG), occurrence (BH) and value (BE)
codes, NM1*71 attending NPI.
"""

from __future__ import annotations

from pathlib import Path

from audit_lib.claims.schema import CLAIMS_SCHEMA
from audit_lib.x12.claims837 import claims_from_837
from audit_lib.x12.importer import read_837
from audit_lib.x12.institutional837 import INSTITUTIONAL_COLUMNS, hi_composite
from audit_lib.x12.reader import read_x12

X12 = Path(__file__).resolve().parents[1] / "fixtures" / "x12"
LFH = X12 / "linuxforhealth-x12" / "837_005010X223A3"
OOP = X12 / "oopfactory-x12" / "INS" / "_837I"


def _claim(path: Path):
    t = claims_from_837(read_x12(path))
    return t, t.iloc[0]


def test_5010_claim_codes_and_cl1():
    # CLM*756048Q*89.93***14:A:1  DTP*434*D8*19960911  CL1*3**01  HI*BK:3669
    # HI*BH:A1:D8:19261111*BH:A2:D8:19911101*BH:B1:D8:19261111*BH:B2:D8:19870101
    # HI*BE:A2:::15.31  HI*BG:09  NM1*71*1*JONES*JOHN*J (no NPI)  SV2*0305 / SV2*0730
    t, row = _claim(LFH / "institutional-claim.837i")
    assert row["bill_type"] == "0141"
    assert (row["statement_from"], row["statement_through"]) == ("1996-09-11", "1996-09-11")
    assert (row["admission_type"], row["admission_source"], row["patient_status"]) == (
        "3",
        "",
        "01",
    )
    assert row["diagnosis_1"] == "3669" and row["poa_1"] == ""
    assert row["occurrence_codes"] == ("A1:1926-11-11|A2:1991-11-01|B1:1926-11-11|B2:1987-01-01")
    assert row["value_codes"] == "A2:15.31"
    assert row["condition_codes"] == "09"
    assert row["attending_npi"] == "" and row["operating_npi"] == ""
    assert row["admission_date"] == "" and row["discharge_date"] == ""  # 014x: not inpatient
    assert t["revenue_code"].tolist() == ["0305", "0730"]
    assert (t["bill_type"] == "0141").all()  # claim-level fields repeat on every line


def test_5010_admission_hour_and_attending_npi():
    # CLM*456DFH43*237.50***13>A>1  DTP*434*RD8*20050706-20050706  DTP*435*DT*200507060800
    # CL1*1*2*01  HI*BH>11>D8>20050706  NM1*71*1*JOHNSON*SIMON****XX*5544332211
    # The file's ISA16 declares ':' but its composites use '>': CLM05 and the HI composites
    # cannot be split; the reader warns and does not guess.
    path = LFH / "ppo-repriced-claim.837i"
    _, row = _claim(path)
    assert row["bill_type"] == "" and row["occurrence_codes"] == ""
    _, info = read_837(path)
    assert any("CLM05 '13>A>1' holds no component separator ':'" in w for w in info["warnings"])
    assert row["admission_date"] == "2005-07-06"
    assert (row["admission_type"], row["admission_source"], row["patient_status"]) == (
        "1",
        "2",
        "01",
    )
    assert row["attending_npi"] == "5544332211"


def test_4010_procedure_with_date_and_three_digit_revenue_codes():
    # 004010X096: CLM*756048Q*89.93***14:A:1  CL1*3*1  HI*BK:366.9  HI*BF:401.9*BF:794.31
    # HI*BQ:15.3:D8:19960911  NM1*71*1*JONES*JOHN*J***XX*B99937  SV2*305 / SV2*730
    t, row = _claim(OOP / "_4010" / "Spec_4.1.1_InstitutionalClaim.txt")
    assert row["bill_type"] == "0141"
    assert (row["admission_type"], row["admission_source"], row["patient_status"]) == (
        "3",
        "1",
        "",
    )
    assert [row["diagnosis_1"], row["diagnosis_2"], row["diagnosis_3"]] == [
        "366.9",
        "401.9",
        "794.31",
    ]
    assert (row["pcs_code_1"], row["pcs_date_1"]) == ("15.3", "1996-09-11")  # ICD-9, as given
    assert row["pcs_code_2"] == ""
    assert row["attending_npi"] == "B99937"  # as sent: the NPI check flags it, not the reader
    assert t["revenue_code"].tolist() == ["0305", "0730"]  # NUBC codes are 4 digits


def test_inpatient_discharge_date_is_the_statement_through_date():
    # x223-test: CLM*A37YH556*500***11:B:1  DTP*435*D8*20150330  DTP*434*D8*20120330
    # CL1*1*7*30: status 30 (still a patient): no discharge date
    _, row = _claim(X12 / "imsweb-x12-parser" / "837_5010" / "x223-test.txt")
    assert row["bill_type"] == "0111" and row["patient_status"] == "30"
    assert row["admission_date"] == "2015-03-30" and row["discharge_date"] == ""


def test_icd10_poa_pcs_and_drg_composites():
    """The 5010 composites an inpatient claim carries (TR3 005010X223A2, loop 2300 HI):
    ABK/ABF diagnoses with the POA indicator in HI0x-9, BBR/BBQ ICD-10-PCS procedures with
    their dates in HI0x-4, DR the billed DRG."""
    claim = {"diagnoses": [], "poa": [], "procedures": [], "drg_code": ""}
    claim["codes"] = {"BG": [], "BH": [], "BE": []}
    for composite in (
        "ABF:E1165:::::::N",
        "ABK:I214:::::::Y",
        "BBQ:02703ZZ:D8:20260802",
        "BBR:4A023N7:D8:20260801",
        "DR:247",
    ):
        hi_composite(composite.split(":"), claim)
    assert claim["diagnoses"] == ["I214", "E1165"] and claim["poa"] == ["Y", "N"]
    assert claim["procedures"] == [("4A023N7", "2026-08-01"), ("02703ZZ", "2026-08-02")]
    assert claim["drg_code"] == "247"


def test_the_importer_adds_hospital_columns_only_for_institutional_claims():
    prof = X12 / "imsweb-x12-parser" / "837_5010" / "x12_valid.txt"
    frame, _ = read_837(prof)
    assert not set(INSTITUTIONAL_COLUMNS) & set(frame.columns)
    frame, _ = read_837(LFH / "two-claims-single-provider.837i")
    assert set(INSTITUTIONAL_COLUMNS) <= set(frame.columns)
    assert frame["bill_type"].tolist() == ["0131"] * len(frame)


def test_the_importer_fills_the_schemas_hospital_columns():
    """All but the facility's CCN, which an 837I does not carry (it is configuration)."""
    from audit_lib.claims.schema import INSTITUTIONAL_COLUMNS as SCHEMA_COLUMNS

    assert set(INSTITUTIONAL_COLUMNS) == set(SCHEMA_COLUMNS) - {"facility_ccn"}
    assert set(SCHEMA_COLUMNS) <= {c.name for c in CLAIMS_SCHEMA.columns}


def test_a_real_4010_claim_with_a_six_digit_number_in_a_date_column_is_reviewed():
    """oopfactory Spec_4.2.1 (4010 837I, 1997): a submission date read as the number 999999
    made the date-format guess try it as an Excel serial day, past the last day pandas holds
    (2262-04-11), and the review crashed (OutOfBoundsDatetime). It is now an unparsed value,
    reported as CLM-PARSE-01, and the claim is reviewed; its ICD-9 procedures (1997) are not
    judged as ICD-10-PCS (CLM-UB-10)."""
    import pandas as pd

    from audit_lib.claims.pipeline import compute_claims_review
    from audit_lib.config import load_config
    from audit_lib.dates import parse_dates

    assert parse_dates(pd.Series(["45000", "132320"]), "EXCEL").dt.year.tolist() == [2023, 2262]
    assert parse_dates(pd.Series(["999999"]), "EXCEL").isna().all()
    r = compute_claims_review(OOP / "_4010" / "Spec_4.2.1_HomeownersCasualtyClaim.txt",
                              config=load_config())  # fmt: skip
    parse = r.findings[r.findings["rule_id"] == "CLM-PARSE-01"]
    assert set(parse["field"]) == {"submission_date"} and len(r.lines) == 3
    assert "CLM-UB-10" not in set(r.findings["rule_id"])
