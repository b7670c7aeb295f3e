"""Institutional claim rules of rulebook §1.12 (audit_lib.claims.institutional): for each rule a
clean UB-04 claim that passes and a change that breaks it, through the whole claims review.

The clean quarter: an inpatient acute Medicare claim (type of bill 0111, admit through
discharge) with room-and-board and pharmacy lines that carry no HCPCS (rulebook §1.12.2: such
lines are packaged), and a hospital outpatient claim (0131) with an ED visit and a lab test.
Codes and their meanings: UB-04 FL4 type of bill, FL14 admission type 1 emergency, FL15 point of
origin 1 non-health-care facility, FL17 status 01 home; ICD-10-CM I21.4 (NSTEMI) and E11.65 are
billable in FY2026 and not POA-exempt. Rulebook §1.12.9: no clean institutional line may raise
a professional rule.
"""

from __future__ import annotations

import pandas as pd
import pytest

from audit_lib.claims.pipeline import compute_claims_review
from audit_lib.config import load_config

BASE = {
    "payer_id": "MCR01", "payer_type": "medicare", "billing_npi": "1234567893",
    "claim_type": "institutional", "submission_date": "2026-08-10", "patient_sex": "M",
    "patient_dob": "1950-03-02",
}  # fmt: skip
INPATIENT = {
    **BASE, "claim_id": "IP1", "patient_id": "P1", "bill_type": "0111",
    "admission_date": "2026-08-01", "discharge_date": "2026-08-04", "service_date": "2026-08-01",
    "service_date_to": "2026-08-04", "admission_type": "1", "admission_source": "1",
    "patient_status": "01", "frequency_code": "1", "diagnosis_1": "I214", "poa_1": "Y",
    "diagnosis_2": "E1165", "poa_2": "N", "attending_npi": "1234567893",
}  # fmt: skip
OUTPATIENT = {
    **BASE, "claim_id": "OP1", "patient_id": "P2", "bill_type": "0131",
    "service_date": "2026-08-05", "admission_type": "1", "admission_source": "1",
    "patient_status": "01", "frequency_code": "1", "diagnosis_1": "I214",
    "attending_npi": "1234567893",
}  # fmt: skip
LINES = [
    {**INPATIENT, "line_number": 1, "revenue_code": "0120", "units": 3, "billed_amount": 6000.0},
    {**INPATIENT, "line_number": 2, "revenue_code": "0250", "units": 1, "billed_amount": 310.5},
    {**OUTPATIENT, "line_number": 1, "revenue_code": "0450", "procedure_code": "99284",
     "units": 1, "billed_amount": 890.0},
    {**OUTPATIENT, "line_number": 2, "revenue_code": "0300", "procedure_code": "85025",
     "units": 1, "billed_amount": 42.0},
]  # fmt: skip
UB_RULES = ("CLM-UB-01", "CLM-UB-02", "CLM-UB-03", "CLM-UB-04", "CLM-UB-05", "CLM-UB-06",
            "CLM-UB-07", "CLM-UB-08", "CLM-UB-09", "CLM-UB-10", "CLM-UB-12")  # fmt: skip


# case -> (the claim changed, the line changed or None for every line, the values set)
CASES: dict[str, tuple[str, int | None, dict]] = {}


def case(name: str, claim: str, values: dict, line: int | None = None) -> str:
    CASES[name] = (claim, line, values)
    return name


def review(tmp_path, lines=LINES):
    path = tmp_path / "claims.csv"
    pd.DataFrame(lines).to_csv(path, index=False)
    return compute_claims_review(path, config=load_config(period="2026Q3"))


@pytest.fixture(scope="module")
def cases(tmp_path_factory):
    """One review of the clean claims and of a copy of one of them per case (its own claim
    and patient id), changed as the case says."""
    lines = list(LINES)
    for name, (claim, number, values) in CASES.items():
        for ln in LINES:
            if ln["claim_id"] != claim:
                continue
            copy = {**ln, "claim_id": f"{claim}-{name}", "patient_id": f"{ln['patient_id']}-{name}"}
            lines.append({**copy, **values} if number in (None, ln["line_number"]) else copy)
    return review(tmp_path_factory.mktemp("institutional"), lines)


def found(r, name: str, rule: str) -> list[str]:
    """The record keys (line numbers) of a case's findings of ``rule``; every finding on the
    case's claim is of that rule (a change breaks one rule, not the others)."""
    claim = f"{CASES[name][0]}-{name}"
    f = r.findings[r.findings["record_key"].str.startswith(claim + ":")]
    assert set(f["rule_id"]) <= {rule}, f[["rule_id", "detail"]].to_string()
    return sorted(k.split(":")[1] for k in f.loc[f["rule_id"] == rule, "record_key"])


def detail(r, name: str, rule: str) -> str:
    f = r.findings
    claim = f"{CASES[name][0]}-{name}:"
    return " ".join(f.loc[f["record_key"].str.startswith(claim) & f["rule_id"].eq(rule), "detail"])


UB01 = [
    case("tob-pair", "IP1", {"bill_type": "0191"}),  # 19 is no NUBC facility+classification
    case("tob-freq", "IP1", {"bill_type": "0116"}),  # frequency 6 is reserved (NUBC)
    case("tob-form", "IP1", {"bill_type": "111X"}),
    case("tob-none", "IP1", {"bill_type": ""}),
]
UB01_REASONS = [
    "facility and classification not in the NUBC list",
    "frequency is not a NUBC frequency code",
    "not 4 characters",
    "no type of bill",
]
TOB3 = case("tob-3", "IP1", {"bill_type": "111"})
UB02 = [  # MLN SE0801: bill types ending in 2 or 3 report patient status 30
    case("interim", "IP1", {"bill_type": "0112", "frequency_code": "2"}),
    case("discharged-30", "IP1", {"patient_status": "30", "discharge_date": ""}),
    case("late", "IP1", {"bill_type": "0115", "frequency_code": "5"}),
    case("freq-differs", "IP1", {"frequency_code": "7"}),
]
UB02_REASONS = ["interim bill", "frequency 1 or 4 (discharged)", "late charges only",
                "frequency_code differs"]  # fmt: skip
INTERIM_OK = case("interim-ok", "IP1", {"bill_type": "0112", "frequency_code": "2",
                                        "patient_status": "30", "discharge_date": ""})  # fmt: skip
# CMS transmittal 1875: revenue codes are four digits; 0001 is the total line
UB03 = [case(f"rev-{r}", "OP1", {"revenue_code": r}, line=2) for r in ("450", "45A0", "0001")]
# I/OCE: revenue 030X (laboratory) needs a HCPCS code on an OPPS claim; 025X pharmacy is packaged
UB04 = case("hcpcs-missing", "OP1", {"procedure_code": ""}, line=2)
PHARMACY_OK = case("pharmacy-ok", "OP1", {"revenue_code": "0250", "procedure_code": ""}, line=2)
UB05 = [
    case("no-admission", "IP1", {"admission_date": ""}),
    case("no-discharge", "IP1", {"discharge_date": ""}),
    case("discharge-not-through", "IP1", {"discharge_date": "2026-08-03"}),
    case("before-window", "IP1", {"service_date": "2026-07-25"}, line=2),  # 42 CFR 412.2(c)(5)
]
UB05_REASONS = ["no admission date", "no discharge date", "not the statement's through date",
                "more than 3 days before the admission"]  # fmt: skip
UB08 = [
    case("no-attending", "IP1", {"attending_npi": ""}),
    # ICD-10-PCS 0DTJ4ZZ resection of appendix (section 0, Medical and Surgical)
    case("no-operating", "IP1", {"pcs_code_1": "0DTJ4ZZ", "pcs_date_1": "2026-08-02"}),
]
UB08_REASONS = ["no attending physician NPI", "without an operating physician NPI"]
# rulebook CLM-NPI-02 applies to every NPI column, the attending and operating ones too:
# 1234567893 passes the Luhn check with prefix 80840 (CMS NPI check digit), 1234567890 fails
ICD9_PX = case("icd9-procedure", "IP1", {"pcs_code_1": "15.3", "pcs_date_1": "2026-08-02"})
NPI_BAD = case("attending-check-digit", "IP1", {"attending_npi": "1234567890"})
NPI_FORM = case("operating-form", "IP1", {"operating_npi": "B99937"})
UB06 = [
    case("status-08", "IP1", {"patient_status": "08"}),  # reserved (Noridian JF)
    case("status-41", "IP1", {"patient_status": "41"}),  # expired: hospice bills only (ResDAC)
    case("status-09", "IP1", {"patient_status": "09"}),
    case("status-none", "OP1", {"patient_status": ""}),  # required on 013x
]
UB06_REASONS = ["not in the NUBC discharge status list", "hospice bills", "outpatient bills only",
                "no discharge status"]  # fmt: skip
UB07 = [
    case("type-7", "IP1", {"admission_type": "7"}),
    case("origin-7", "IP1", {"admission_source": "7"}),  # retired
    case("origin-none", "IP1", {"admission_source": ""}),
    case("newborn-origin", "IP1", {"admission_type": "4"}),
    case("newborn-age", "IP1", {"admission_type": "4", "admission_source": "5"}),
]
UB07_REASONS = [
    "admission type not in the UB-04 FL14 list",
    "point of origin not in the FL15 list",
    "no point of origin",
    "needs point of origin 5 or 6",
    "over age 0",
]
NEWBORN_OK = case("newborn-ok", "IP1", {"admission_type": "4", "admission_source": "5",
                                        "patient_dob": "2026-08-01"})  # fmt: skip
UB12 = case("header", "IP1", {"patient_status": "02", "diagnosis_2": "E119"}, line=2)
UB12_ID = case("header-id", "IP1", {"patient_id": "P9"}, line=2)
# CLM-UB-09: NUBC codes are two characters (the lists are licensed: form only); condition code 51
# attests unrelated outpatient services (CMS SE20024: on the outpatient claim); 42/43 switch
# off the home-health transfer payment (OIG A-04-18-04067), so they need status 06 or 86
UB09 = [
    case("cc-form", "IP1", {"condition_codes": "5"}),
    case("value-form", "IP1", {"condition_codes": "", "value_codes": "80:3|A"}),
    case("cc-51-inpatient", "IP1", {"condition_codes": "51"}),
    case("cc-42-home", "IP1", {"condition_codes": "42"}),
]
UB09_REASONS = ["condition codes not all two letters or digits",
                "value codes not all two letters or digits", "condition code 44 or 51",
                "condition code 42 or 43 without discharge status 06 or 86"]  # fmt: skip
UB09_OK = [
    case("cc-51-outpatient", "OP1", {"condition_codes": "51"}),
    case("cc-42-home-health", "IP1", {"condition_codes": "42", "patient_status": "06"}),
]
# CLM-UB-10: ICD-10-PCS codes are 7 characters without I or O (CMS PCS guidelines); 0DTJ4ZX is
# not in the FY2026 table (the Medicare Code Editor's INVALID_CODE); dates within the stay
SURGEON = {"operating_npi": "1234567893"}
UB10 = [
    case("pcs-form", "IP1", {"pcs_code_1": "0DTJ4ZI", "pcs_date_1": "2026-08-02"}),
    case("pcs-invalid", "IP1", {"pcs_code_1": "0DTJ4ZX", "pcs_date_1": "2026-08-02", **SURGEON}),
    case("pcs-no-date", "IP1", {"pcs_code_1": "0DTJ4ZZ", **SURGEON}),
    case("pcs-date-out", "IP1", {"pcs_code_1": "0DTJ4ZZ", "pcs_date_1": "2026-08-10", **SURGEON}),
    case("pcs-gap", "IP1", {"pcs_code_2": "0DTJ4ZZ", "pcs_date_2": "2026-08-02", **SURGEON}),
    case("pcs-outpatient", "OP1", {"pcs_code_1": "0DTJ4ZZ", "pcs_date_1": "2026-08-05", **SURGEON}),
    ICD9_PX,  # an ICD-9-CM procedure on a 2026 claim: not an ICD-10-PCS code
]
UB10_REASONS = ["pcs_code_1 is not 7 ICD-10-PCS characters", "not in the ICD-10-PCS table",
                "pcs_code_1 has no pcs_date_1", "pcs_date_1 outside the stay",
                "pcs_code_2 follows an empty position", "on a bill that is not inpatient",
                "pcs_code_1 is not 7 ICD-10-PCS characters"]  # fmt: skip
PCS_OK = case("pcs-ok", "IP1", {"pcs_code_1": "0DTJ4ZZ", "pcs_date_1": "2026-07-30", **SURGEON})
# ResDAC MedPAR POA variable: Y, N, U, W or blank; 1 was the 4010A1 exempt placeholder and Z
# an end marker retired in 1/2011
POA01 = [case("poa-1", "IP1", {"poa_2": "1"}), case("poa-z", "IP1", {"poa_2": "Z"}),
         case("poa-alone", "IP1", {"poa_3": "Y"})]  # fmt: skip
POA01_REASONS = ["poa_2 is not Y, N, U or W", "poa_2 is not Y, N, U or W",
                 "poa_3 without diagnosis_3"]  # fmt: skip


def test_clean_hospital_claims_raise_no_finding(cases):
    """Rulebook §1.12.9: the professional rules do not misfire on correct hospital billing."""
    f = cases.findings
    clean = f[f["record_key"].str.split(":").str[0].isin(["IP1", "OP1"])]
    assert clean.empty, clean[["rule_id", "record_key", "detail"]].to_string()
    # the passing variants (a procedure in the 3-day window before the admission is in the stay)
    for name in (TOB3, INTERIM_OK, NEWBORN_OK, PHARMACY_OK, PCS_OK, *UB09_OK):
        assert found(cases, name, "none") == [], name
    skipped = {s["rule_id"] for s in cases.summary["not_evaluated"]}
    assert not skipped & {*UB_RULES, "CLM-POA-01"}  # every column is there: all evaluated


def test_rules_are_not_evaluated_without_their_columns(tmp_path):
    lines = [{k: v for k, v in ln.items() if k not in ("bill_type", "poa_1", "poa_2")}
             for ln in LINES]  # fmt: skip
    r = review(tmp_path, lines)
    skipped = {s["rule_id"] for s in r.summary["not_evaluated"]}
    assert {"CLM-UB-01", "CLM-UB-02", "CLM-UB-06", "CLM-UB-12", "CLM-POA-01"} <= skipped
    assert "CLM-UB-03" not in skipped and "CLM-UB-07" not in skipped
    assert r.findings.empty


# (rule, case, what its detail says, the line it is reported on); "1" is the claim's lowest line
# (claim-level rules), another number a line-level finding (CLM-UB-03/04) or the line that
# differs (CLM-UB-12)
BROKEN = [
    *(("CLM-UB-01", n, r, "1") for n, r in zip(UB01, UB01_REASONS, strict=True)),
    *(("CLM-UB-02", n, r, "1") for n, r in zip(UB02, UB02_REASONS, strict=True)),
    *(("CLM-UB-03", n, "revenue code", "2") for n in UB03),
    ("CLM-UB-04", UB04, "needs a HCPCS code", "2"),
    *(("CLM-UB-05", n, r, "1") for n, r in zip(UB05, UB05_REASONS, strict=True)),
    *(("CLM-UB-06", n, r, "1") for n, r in zip(UB06, UB06_REASONS, strict=True)),
    *(("CLM-UB-07", n, r, "1") for n, r in zip(UB07, UB07_REASONS, strict=True)),
    *(("CLM-UB-08", n, r, "1") for n, r in zip(UB08, UB08_REASONS, strict=True)),
    *(("CLM-UB-09", n, r, "1") for n, r in zip(UB09, UB09_REASONS, strict=True)),
    *(("CLM-UB-10", n, r, "1") for n, r in zip(UB10, UB10_REASONS, strict=True)),
    *(("CLM-POA-01", n, r, "1") for n, r in zip(POA01, POA01_REASONS, strict=True)),
]


@pytest.mark.parametrize(("rule", "name", "reason", "line"), BROKEN, ids=[b[1] for b in BROKEN])
def test_each_change_breaks_its_rule(cases, rule, name, reason, line):
    """Pub. 100-04 ch. 25 (FL4 type of bill, FL6, FL12-17), MLN SE0801, CMS transmittal 1875,
    the I/OCE, ResDAC: each case, cited where it is declared above."""
    assert found(cases, name, rule) == [line]
    assert reason in detail(cases, name, rule)


def test_every_rule_has_a_breaking_case():
    assert {b[0] for b in BROKEN} | {"CLM-UB-12"} == {*UB_RULES, "CLM-POA-01"}


def test_ub12_header_differs_between_lines(cases):
    assert found(cases, UB12, "CLM-UB-12") == ["2"]
    text = detail(cases, UB12, "CLM-UB-12")
    assert "patient_status" in text and "diagnosis_2" in text


def test_ub12_names_fields_never_values(cases):
    assert found(cases, UB12_ID, "CLM-UB-12") == ["2"]
    text = detail(cases, UB12_ID, "CLM-UB-12")
    assert "patient_id" in text and "P9" not in text and "P1" not in text


def test_attending_and_operating_npis_are_checked_as_npis(cases):
    """Every line of the claim carries the attending NPI: each is reported (as billing_npi)."""
    assert found(cases, NPI_BAD, "CLM-NPI-02") == ["1", "2"]
    assert "attending_npi 1234567890 fails the NPI check digit" in detail(
        cases, NPI_BAD, "CLM-NPI-02"
    )
    f = cases.findings
    on_claim = f[f["record_key"].str.startswith(f"IP1-{NPI_FORM}:")]
    assert set(on_claim["rule_id"]) == {"CLM-NPI-01"}  # not 10 digits: no check digit to test
    assert set(on_claim["field"]) == {"operating_npi"}
