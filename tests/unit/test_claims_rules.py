"""Each rule: a line that breaks it and a line that does not (often at the boundary).

Rows: the header is row 1, so the n-th line of a frame is row n + 1.
"""

from __future__ import annotations

import pytest

from audit_lib import load_config, run_claims_review
from tests.conftest import make_claims

CASES = [
    # rule, field, breaking change, passing change
    ("CLM-REQ-01", "billing_npi", {"billing_npi": ""}, {"billing_npi": "1234567893"}),
    ("CLM-PARSE-01", "billed_amount", {"billed_amount": "$100.00"}, {"billed_amount": "100.5"}),
    (
        "CLM-PARSE-01",
        "service_date",
        {"service_date": "07/10/2026"},
        {"service_date": "2026-07-10"},
    ),
    ("CLM-PARSE-01", "units", {"units": "one"}, {"units": "2"}),
    ("CLM-PARSE-01", "payer_type", {"payer_type": "Blue Cross"}, {"payer_type": "Commercial"}),
    ("CLM-NPI-01", "billing_npi", {"billing_npi": "123456789"}, {"billing_npi": "1993999998"}),
    ("CLM-NPI-01", "rendering_npi", {"rendering_npi": "3234567893"}, {"rendering_npi": ""}),
    ("CLM-NPI-02", "billing_npi", {"billing_npi": "1234567890"}, {"billing_npi": "1558598797"}),
    (
        "CLM-NPI-02",
        "rendering_npi",
        {"rendering_npi": "1558598798"},
        {"rendering_npi": "1234567893"},
    ),
    ("CLM-DX-01", "diagnosis_2", {"diagnosis_2": "E1"}, {"diagnosis_2": "U07.1"}),
    ("CLM-DX-01", "diagnosis_1", {"diagnosis_1": "1E11"}, {"diagnosis_1": "M1A.0110"}),
    ("CLM-DX-02", "diagnosis_1", {"diagnosis_1": "E11"}, {"diagnosis_1": "e119"}),
    ("CLM-DX-02", "diagnosis_3", {"diagnosis_3": "M54.5"}, {"diagnosis_3": "M54.50"}),
    (
        "CLM-DX-03",
        "diagnosis_1",
        {"diagnosis_1": "W19.XXXA", "diagnosis_2": "S52.501A"},
        {"diagnosis_1": "S52.501A", "diagnosis_2": "W19.XXXA"},
    ),
    ("CLM-DX-04", "diagnosis_1", {"diagnosis_2": "E119"}, {"diagnosis_2": "E11.65"}),
    ("CLM-PX-01", "procedure_code", {"procedure_code": "9921"}, {"procedure_code": "0001U"}),
    ("CLM-PX-01", "procedure_code", {"procedure_code": "W1234"}, {"procedure_code": "G0439"}),
    ("CLM-PX-03", "units", {"units": "0"}, {"units": "0.5"}),
    (
        "CLM-MOD-01",
        "modifier_2",
        {"modifier_1": "GT", "modifier_2": "ZZ"},
        {"modifier_1": "GT", "modifier_2": "LT"},
    ),
    ("CLM-POS-01", "place_of_service", {"place_of_service": "30"}, {"place_of_service": "02"}),
    (
        "CLM-DT-01",
        "service_date",
        {"service_date": "2026-10-01", "submission_date": "2026-10-02"},
        {"service_date": "2026-09-30", "submission_date": "2026-09-30"},
    ),
    (
        "CLM-DT-02",
        "service_date_to",
        {"service_date_to": "2026-07-09"},
        {"service_date_to": "2026-07-10"},
    ),
    (
        "CLM-DT-03",
        "submission_date",
        {"submission_date": "2026-07-09"},
        {"submission_date": "2026-07-10"},
    ),
    ("CLM-DT-05", "patient_dob", {"patient_dob": "2026-07-11"}, {"patient_dob": "2026-07-10"}),
    (
        "CLM-DT-06",
        "service_date",
        {"patient_death_date": "2026-07-09"},
        {"patient_death_date": "2026-07-10"},
    ),
    ("CLM-AMT-01", "paid_amount", {"paid_amount": "-0.01"}, {"paid_amount": "0.00"}),
    (
        "CLM-AMT-01",
        "billed_amount",
        {
            "billed_amount": "-5.00",
            "allowed_amount": "",
            "paid_amount": "",
            "claim_status": "pending",
        },
        {"billed_amount": "0.00", "allowed_amount": "0.00", "paid_amount": "0.00"},
    ),
    ("CLM-AMT-02", "paid_amount", {"paid_amount": "80.02"}, {"paid_amount": "80.01"}),
    ("CLM-AMT-02", "allowed_amount", {"allowed_amount": "100.02"}, {"allowed_amount": "100.01"}),
    # Medicare: one calendar year; 2025-07-10 + 1 year = Fri 2026-07-10
    (
        "CLM-TF-01",
        "submission_date",
        {"service_date": "2025-07-10", "submission_date": "2026-07-13"},
        {"service_date": "2025-07-10", "submission_date": "2026-07-10"},
    ),
    # deadline Sat 2026-07-04 (Independence Day) rolls to Mon 2026-07-06
    (
        "CLM-TF-01",
        "submission_date",
        {"service_date": "2025-07-04", "submission_date": "2026-07-07"},
        {"service_date": "2025-07-04", "submission_date": "2026-07-06"},
    ),
    # institutional span: filing counts from the through date
    (
        "CLM-TF-01",
        "submission_date",
        {
            "claim_type": "institutional",
            "service_date": "2025-06-25",
            "service_date_to": "2025-07-01",
            "submission_date": "2026-07-02",
        },
        {
            "claim_type": "institutional",
            "service_date": "2025-06-25",
            "service_date_to": "2025-07-02",
            "submission_date": "2026-07-02",
        },
    ),
    (
        "CLM-TF-02",
        "submission_date",
        {"payer_type": "commercial", "service_date": "2026-01-01", "submission_date": "2026-07-01"},
        {"payer_type": "commercial", "service_date": "2026-01-02", "submission_date": "2026-07-01"},
    ),
    (
        "EVD-POP-02",
        "service_date",
        {"service_date": "2026-06-30", "submission_date": "2026-07-02"},
        {"service_date": "2026-07-01", "submission_date": "2026-07-02"},
    ),
]


def _findings(tmp_path, frame, *, cutoff=False, **config):
    path = tmp_path / "claims.csv"
    frame.to_csv(path, index=False, lineterminator="\n")
    review = run_claims_review(path, config=load_config(period="2026Q3", **config))
    assert review.summary["counts"]["claims"]["rows_read"] == len(frame)
    assert review.summary["counts"]["claims"]["rows_checked"] == len(frame)
    f = review.findings
    return f if cutoff else f[f["rule_id"] != "EVD-POP-02"].reset_index(drop=True)


@pytest.mark.parametrize(
    ("rule", "field", "bad", "good"), CASES, ids=[f"{c[0]}:{c[1]}:{i}" for i, c in enumerate(CASES)]
)
def test_rule_breaks_and_passes(tmp_path, rule, field, bad, good):
    # old dates in the timely-filing cases are also outside the period (EVD-POP-02's own case)
    findings = _findings(tmp_path, make_claims({}, bad, good), cutoff=rule == "EVD-POP-02")
    got = findings[["rule_id", "row", "field"]].apply(tuple, axis=1).tolist()
    assert got == [(rule, 3, field)], findings.to_string()
    assert findings["fingerprint"].str.fullmatch(r"[0-9a-f]{20}").all()
    f = findings.iloc[0]
    assert f["record_key"] == "C1001:1"
    assert f["detail"] and f["severity"] in ("error", "warning")


def test_dx03_severity_depends_on_claim_type(tmp_path):
    ext = {"diagnosis_1": "W19.XXXA", "diagnosis_2": "S52.501A"}
    f = _findings(
        tmp_path,
        make_claims(ext, dict(ext, claim_type="institutional", service_date_to="2026-07-10")),
    )
    assert f[["rule_id", "severity"]].values.tolist() == [
        ["CLM-DX-03", "warning"],
        ["CLM-DX-03", "error"],
    ]


def test_amt02_severities(tmp_path):
    f = _findings(tmp_path, make_claims({"paid_amount": "90.00"}, {"allowed_amount": "120.00"}))
    assert f[["rule_id", "field", "severity", "amount"]].values.tolist() == [
        ["CLM-AMT-02", "paid_amount", "error", 10.0],
        ["CLM-AMT-02", "allowed_amount", "warning", 20.0],
    ]


def test_key_repeat_flags_the_later_row_only(tmp_path):
    frame = make_claims({}, {"procedure_code": "36415"}, {"line_number": "2"})
    frame.loc[1, "claim_id"] = "C1000"
    frame.loc[1, "patient_id"] = frame.loc[0, "patient_id"]
    f = _findings(tmp_path, frame)
    assert f[["rule_id", "row", "record_key"]].values.tolist() == [["CLM-KEY-01", 3, "C1000:1"]]
    assert "row 2" in f.iloc[0]["detail"]


def test_timely_filing_limit_is_configurable(tmp_path):
    late = {
        "payer_type": "commercial",
        "service_date": "2026-01-01",
        "submission_date": "2026-07-01",
    }
    assert _findings(tmp_path, make_claims(late))["rule_id"].tolist() == ["CLM-TF-02"]
    assert _findings(tmp_path, make_claims(late), timely_filing_days={"commercial": 365}).empty


def test_medicare_feb_29_files_by_feb_28(tmp_path):
    base = {"service_date": "2024-02-29"}
    f = _findings(
        tmp_path,
        make_claims(
            dict(base, submission_date="2025-02-28"), dict(base, submission_date="2025-03-03")
        ),
    )
    assert f[["rule_id", "row"]].values.tolist() == [["CLM-TF-01", 3]]


def test_extra_modifiers_from_config(tmp_path):
    frame = make_claims({"procedure_code": "J3301", "modifier_1": "ZZ"})  # a payer's own
    assert _findings(tmp_path, frame)["rule_id"].tolist() == ["CLM-MOD-01"]
    assert _findings(tmp_path, frame, extra_modifiers=["ZZ"]).empty


def test_jz_is_a_valid_modifier_from_its_cms_add_date(tmp_path):
    """JZ (zero drug amount discarded) took effect 2023-01-01 (CMS JW/JZ modifier policy
    FAQs; required on Part B single-dose drugs from 2023-07-01): valid in 2026Q3, not in
    2022Q4."""
    frame = make_claims({"procedure_code": "J3301", "modifier_1": "JZ"})
    assert _findings(tmp_path, frame).empty
    old = {"service_date": "2022-11-10", "submission_date": "2022-11-15", "paid_date": "2022-12-01"}
    frame = make_claims({"procedure_code": "J3301", "modifier_1": "JZ", **old})
    path = tmp_path / "claims.csv"
    frame.to_csv(path, index=False, lineterminator="\n")
    review = run_claims_review(path, config=load_config(period="2022Q4"))
    assert review.findings["rule_id"].tolist() == ["CLM-MOD-01"]


SAME = {"patient_id": "M7000099", "submission_date": "2026-07-15"}


@pytest.mark.parametrize(
    ("second", "expected"),
    [
        ({}, ["CLM-DUP-01", "CLM-MOD-7677"]),
        (
            {
                "units": "2",
                "billed_amount": "200.00",
                "allowed_amount": "160.00",
                "paid_amount": "128.00",
            },
            ["CLM-DUP-02", "CLM-MOD-7677"],
        ),
        # 25 on the repeat: no repeat modifier, and an E/M with no other same-day service
        ({"modifier_1": "25"}, ["CLM-DUP-02", "CLM-MOD-25", "CLM-MOD-7677"]),
        ({"modifier_1": "76"}, []),
        ({"modifier_1": "91"}, []),
        ({"modifier_1": "RT"}, []),
        ({"modifier_1": "XS"}, ["CLM-MOD-59X"]),  # not a duplicate, but X belongs on no E/M
        ({"frequency_code": "7"}, []),
        ({"claim_status": "void"}, []),
        ({"service_date": "2026-07-11"}, []),
        ({"procedure_code": "99214"}, []),
    ],
    ids=[
        "exact",
        "units-differ",
        "mod-25-is-not-distinguishing",
        "76",
        "91",
        "RT",
        "XS",
        "replacement",
        "void",
        "other-day",
        "other-code",
    ],
)
def test_duplicates(tmp_path, second, expected):
    later = dict(SAME, submission_date="2026-07-20", **second)
    # the later submission is listed first in the file: the original is chosen by date
    f = _findings(tmp_path, make_claims(later, SAME))
    assert f["rule_id"].tolist() == expected
    if expected:  # every finding is on the later submission (row 2), not the original
        assert set(f["row"]) == {2} and set(f["record_key"]) == {"C1000:1"}
    if expected and expected[0].startswith("CLM-DUP"):
        assert "C1001:1" in f.iloc[0]["detail"]


def test_duplicate_tie_broken_by_claim_id_then_line(tmp_path):
    f = _findings(tmp_path, make_claims(SAME, SAME, SAME))
    assert f[["rule_id", "record_key"]].values.tolist() == [
        ["CLM-DUP-01", "C1001:1"],
        ["CLM-DUP-01", "C1002:1"],
        ["CLM-MOD-7677", "C1001:1"],
        ["CLM-MOD-7677", "C1002:1"],
    ]


def test_unparseable_required_value_is_parse_not_req(tmp_path):
    f = _findings(tmp_path, make_claims({"service_date": "10 July"}))
    assert f[["rule_id", "field"]].values.tolist() == [["CLM-PARSE-01", "service_date"]]


def test_protected_parse_error_withholds_value(tmp_path):
    f = _findings(tmp_path, make_claims({"patient_dob": "03/04/1950"}))
    assert f["rule_id"].tolist() == ["CLM-PARSE-01"]
    assert "1950" not in f.iloc[0]["detail"] and "withheld" in f.iloc[0]["detail"]


def test_clean_lines_have_no_findings(tmp_path):
    assert _findings(
        tmp_path,
        make_claims(
            {},
            {
                "claim_type": "institutional",
                "service_date_to": "2026-07-12",
                "place_of_service": "",
            },
        ),
    ).empty


P = {"patient_id": "M7000099"}  # one patient for lines that must be grouped
I = {"claim_type": "institutional", "place_of_service": ""}  # noqa: E741 (an outpatient bill)


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        # CLM-MOD-25
        ([{"procedure_code": "93000", "modifier_1": "25"}], [("CLM-MOD-25", "error")]),
        ([{**P, "modifier_1": "25"}], [("CLM-MOD-25", "warning")]),  # E/M alone that day
        ([{**P, "modifier_1": "25"},
          {**P, "procedure_code": "93000", "claim_id": "C1000", "line_number": "2"}], []),
        # G0463 + 25 is the OPPS coding of a visit with a same-day procedure (I/OCE edit 21,
        # RULEBOOK CLM-UB-11): an E/M on an institutional claim, not on a professional one
        ([{**P, **I, "procedure_code": "G0463", "modifier_1": "25"},
          {**P, **I, "procedure_code": "20610", "claim_id": "C1000", "line_number": "2"}], []),
        ([{**P, **I, "procedure_code": "G0463", "modifier_1": "25"}],
         [("CLM-MOD-25", "warning")]),
        ([{"procedure_code": "G0463", "modifier_1": "25"}], [("CLM-MOD-25", "error")]),
        # eye examinations 92002-92014 are E/M for modifier 25 (NCCI Policy Manual ch. XI)
        ([{**P, "procedure_code": "92012", "modifier_1": "25"},
          {**P, "procedure_code": "20610", "claim_id": "C1000", "line_number": "2"}], []),
        # CLM-MOD-59X
        ([{"procedure_code": "93000", "modifier_1": "59", "modifier_2": "XS"}],
         [("CLM-MOD-59X", "error")]),
        ([{"modifier_1": "59"}], [("CLM-MOD-59X", "warning")]),  # 59 on an E/M
        ([{"procedure_code": "93000", "modifier_1": "XU"}], []),
        # CLM-MOD-50 and CLM-MOD-LTRT
        ([{"procedure_code": "20610", "modifier_1": "50", "units": "2"}],
         [("CLM-MOD-50", "error")]),
        ([{"procedure_code": "20610", "modifier_1": "50", "modifier_2": "RT"}],
         [("CLM-MOD-50", "error")]),
        ([{"procedure_code": "20610", "modifier_1": "50"}], []),
        ([{"procedure_code": "20610", "modifier_1": "LT", "modifier_2": "RT"}],
         [("CLM-MOD-LTRT", "error")]),
        ([{"procedure_code": "20610", "modifier_1": "LT"}], []),
        # CLM-MOD-7677: a repeat needs 76/77/91/59/X/anatomic; a replacement is no repeat
        ([{**P, "procedure_code": "93000"},
          {**P, "procedure_code": "93000", "units": "2", "billed_amount": "200.00",
           "submission_date": "2026-07-20"}],
         [("CLM-DUP-02", "warning"), ("CLM-MOD-7677", "warning")]),
        ([{**P, "procedure_code": "93000"},
          {**P, "procedure_code": "93000", "modifier_1": "76", "submission_date": "2026-07-20"}],
         []),
        ([{**P, "procedure_code": "93000"},
          {**P, "procedure_code": "93000", "frequency_code": "7", "submission_date": "2026-07-20"}],
         []),
        # CLM-DX-05: maternity 9-64, newborn 0 only; institutional is an error
        ([{"diagnosis_2": "O80", "patient_dob": "1950-03-04"}], [("CLM-DX-05", "warning")]),
        ([{"diagnosis_2": "O80", "patient_dob": "1990-03-04"}], []),
        ([{"diagnosis_2": "Z38.00", "patient_dob": "1990-03-04", "claim_type": "institutional",
           "place_of_service": "", "service_date_to": "2026-07-12"}],
         [("CLM-DX-05", "error")]),
        ([{"diagnosis_2": "Z38.00", "patient_dob": "2026-07-01"}], []),
        # pediatric 0-17 and adult 15-124 from the MCE lists; the first conflict is reported
        ([{"diagnosis_1": "Z00.129", "patient_dob": "1990-03-04"}], [("CLM-DX-05", "warning")]),
        ([{"diagnosis_1": "Z00.129", "patient_dob": "2008-07-11"}], []),  # 17: birthday tomorrow
        ([{"diagnosis_1": "Z00.129", "patient_dob": "2008-07-10"}], [("CLM-DX-05", "warning")]),
        ([{"diagnosis_1": "Z00.00", "patient_dob": "2012-01-01"}], [("CLM-DX-05", "warning")]),
        ([{"diagnosis_1": "Z00.00", "patient_dob": "2011-07-10"}], []),  # 15 on the day
        # low birth weight (P07.1-) left the MCE newborn list after FY2016: no range guess
        ([{"diagnosis_2": "P07.10", "patient_dob": "1990-03-04"}], []),
        ([{"patient_dob": "1900-03-04"}], [("CLM-DX-05", "warning")]),  # aged 126
    ],
)  # fmt: skip
def test_modifier_and_age_rules(tmp_path, lines, expected):
    f = _findings(tmp_path, make_claims(*lines))
    assert sorted(zip(f["rule_id"], f["severity"], strict=True)) == sorted(expected)


def test_the_configured_hcpcs_file_replaces_the_shipped_modifier_list(tmp_path):
    hcpcs = tmp_path / "HCPC2026_JUL_ANWEB.csv"
    hcpcs.write_text(
        "HCPC,SEQNUM,RECID,SHORT DESCRIPTION,ADD DT,TERM DT\n"
        "JZ,0010,7,Zero drug wasted,20230701,\n"  # newer than the shipped CY2022 list
        "GA,0010,7,Waiver of liability on file,19950101,20200101\n"  # terminated before Q3
        "J1100,0010,3,Dexamethasone,20000101,\n",
        encoding="utf-8",
    )
    lines = make_claims({"modifier_1": "JZ"}, {"modifier_1": "GA"})
    assert _findings(tmp_path, lines).empty  # the shipped list: JZ since 2023, GA (CY2022)
    config = tmp_path / "audit.toml"
    config.write_text(f'[codesets]\nhcpcs = "{hcpcs.name}"\n', encoding="utf-8")
    from audit_lib import load_config, run_claims_review

    path = tmp_path / "claims.csv"
    review = run_claims_review(path, config=load_config(config, period="2026Q3"))
    f = review.findings[review.findings["rule_id"] == "CLM-MOD-01"]
    assert f["row"].tolist() == [3]  # GA terminated in 2020; JZ now valid
    assert review.summary["codesets"]["hcpcs_modifiers"]["source"] == "HCPC2026_JUL_ANWEB.csv"


def test_an_hcpcs_file_without_modifier_rows_keeps_the_shipped_list(tmp_path):
    from audit_lib.codesets.hcpcs import load_hcpcs

    hcpcs = tmp_path / "hcpcs.csv"
    hcpcs.write_text("HCPC,RECID,ADD DT,TERM DT\nJ1100,3,20000101,20200101\n", encoding="utf-8")
    assert load_hcpcs(hcpcs)[1].empty
    config = tmp_path / "audit.toml"
    config.write_text(f'[codesets]\nhcpcs = "{hcpcs.name}"\n', encoding="utf-8")
    from audit_lib import run_claims_review

    path = tmp_path / "claims.csv"
    make_claims({"modifier_1": "GA"}).to_csv(path, index=False)
    review = run_claims_review(path, config=load_config(config, period="2026Q3"))
    assert "CLM-MOD-01" not in set(review.findings["rule_id"])  # GA is on the shipped list
