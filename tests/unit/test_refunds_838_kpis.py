"""The CMS-838 credit balance report and the overpayment KPIs."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pandas as pd

from audit_lib import load_config
from audit_lib.refunds.cms838 import build_credit_balance_report, due_date, load_prior_icns
from audit_lib.refunds.cms838_forms import write_filing_copies, write_working_copies
from audit_lib.refunds.kpis import compute_refund_kpis
from audit_lib.refunds.logic import build_overpayments
from audit_lib.refunds.schema import OVERPAYMENTS_SCHEMA
from audit_lib.tables import parse_frame
from tests.unit.test_refunds_rules import BASE, OPEN

AS_OF = dt.date(2026, 9, 30)


# what the CMS-838 detail line needs from the log (DATA_CONTRACT.md overpayments)
FORM = {"provider_ptan": "P123", "medicare_part": "A", "beneficiary_name": "DOE, J",
        "mbi": "1EG4TE5MK73", "bill_type": "0111", "admission_date": "2026-07-01",
        "discharge_date": "2026-07-03", "cost_report_status": "O"}  # fmt: skip


def frame_of(*changes):
    rows = []
    for i, ch in enumerate(changes):
        row = dict(BASE, overpayment_id=f"O{i + 1}", claim_id=f"C{i + 1}", refund_id=f"R{i + 1}")
        row.update(FORM, icn=f"I{i + 1}")
        row.update(ch)
        rows.append(row)
    loaded = parse_frame(pd.DataFrame(rows), OVERPAYMENTS_SCHEMA, source="test")
    return build_overpayments(loaded.frame, load_config(), as_of=AS_OF)


def test_due_date_is_quarter_end_plus_30():
    assert due_date("2026Q3") == pd.Timestamp("2026-10-30")
    assert due_date("2026Q4") == pd.Timestamp("2027-01-30")


def test_838_lists_medicare_balances_open_at_quarter_end():
    f = frame_of(
        {**OPEN},  # open medicare: listed
        {"refund_date": "2026-10-10"},  # refunded after quarter end, with the report: listed
        {},  # refunded 2026-08-20, before quarter end: not listed
        {**OPEN, "payer_type": "commercial", "payer_id": "AETNA"},  # not medicare
        {**OPEN, "identified_date": "2026-10-05"},  # identified after quarter end
        {**OPEN, "status": "written_off", "reason": "other: small balance"},  # still reportable
    )
    detail, findings = build_credit_balance_report(f, quarter="2026Q3")
    assert detail["overpayment_id"].tolist() == ["O1", "O2", "O6"]
    o2 = detail.set_index("overpayment_id").loc["O2"]
    assert (o2["repaid_with_report"], o2["method"], o2["outstanding"]) == (250.0, "C", 0.0)
    assert detail["reason_code"].tolist() == ["1", "1", "3"]
    assert detail["beneficiary"].str.startswith("BN-").all()  # masked in the detail frame
    assert detail["medicare_id"].str.startswith("MBI-").all()
    assert findings.empty


def test_838_checks():
    f = frame_of(
        {"refund_date": "2026-10-10", "refund_amount": "300.00"},  # CB-02: repaid > balance
        {**OPEN, "reason": "other"},  # code 3 with a comment: fine
        {**OPEN, "received_date": "2026-10-02"},  # CB-04: paid after quarter end
        {**OPEN, "icn": "I77"},  # CB-05 with a prior report listing ICN I77
    )
    _detail, findings = build_credit_balance_report(f, quarter="2026Q3", prior_icns={"I77"})
    got = findings[["rule_id", "record_key"]].values.tolist()
    assert got == [["REF-CB-02", "O1"], ["REF-CB-04", "O3"], ["REF-CB-05", "O4"]]


def test_838_detail_line_complete():
    """REF-CB-07 (CMS-838 detail page, columns 1-15): a line without its MBI and ICN, one
    without a Part, and an MSP line (reason 2) without its primary payer code are incomplete;
    columns 5 and 6 fall back to the date of service when admission and discharge are not
    given."""
    f = frame_of(
        {**OPEN, "mbi": "", "icn": ""},
        {**OPEN, "medicare_part": ""},
        {**OPEN, "reason": "MSP primary payer"},
        {**OPEN, "reason": "MSP primary payer", "msp_code": "12",
         "admission_date": "", "discharge_date": ""},
    )  # fmt: skip
    detail, findings = build_credit_balance_report(f, quarter="2026Q3")
    cb7 = findings[findings["rule_id"] == "REF-CB-07"]
    assert sorted(cb7[["record_key", "field"]].values.tolist()) == [
        ["O1", "mbi"], ["O2", "medicare_part"], ["O3", "msp_code"]
    ]
    assert "column 2 MBI; column 3 ICN" in cb7.set_index("record_key").loc["O1", "detail"]
    o4 = detail.set_index("overpayment_id").loc["O4"]
    assert o4["from_date"] == o4["through_date"] == pd.Timestamp(BASE["service_date"])


def test_838_working_copy_per_provider_and_part_and_the_filing_copy(tmp_path):
    f = frame_of(
        {**OPEN},
        {**OPEN, "medicare_part": "B", "bill_type": "0131", "icn": "=X"},
        {**OPEN, "provider_ptan": "P999", "beneficiary_name": "ROE, R", "mbi": "9AA9AA9AA99"},
    )
    detail, _ = build_credit_balance_report(f, quarter="2026Q3")
    info = {"provider_names": {"P123": "Demo Hospital"}, "certifier_name": "A. Officer",
            "certifier_title": "CFO", "contact_name": "B. Contact",
            "contact_phone": "555-0100"}  # fmt: skip
    paths = write_working_copies(detail, quarter="2026Q3", ptans=["P123", "P555"],
                                 folder=tmp_path / "cms838", info=info)  # fmt: skip
    assert [p.name for p in paths] == ["P123.xlsx", "P555.xlsx", "P999.xlsx"]
    wb = openpyxl.load_workbook(paths[0])
    assert wb.sheetnames == ["Certification", "Detail Part A", "Detail Part B"]
    cert = {r[0]: r[1] for r in wb["Certification"].iter_rows(values_only=True)}
    assert cert["Provider name"] == "Demo Hospital" and cert["Provider number"] == "P123"
    assert cert["Calendar quarter ended"] == "09/30/2026" and cert["Title"] == "CFO"
    assert cert["[X] "].startswith("The Detail page(s)") and "Printed name" in cert
    assert {"Signature of officer or administrator", "Date", "Telephone number"} <= set(cert)
    a = list(wb["Detail Part A"].iter_rows(values_only=True))
    assert a[2] == tuple(f"({n})" for n in range(1, 16))  # the form's 15 columns, in order
    assert a[4][0].startswith("BN-") and a[4][1].startswith("MBI-") and a[4][2] == "I1"
    assert wb["Detail Part A"].page_setup.orientation == "landscape"
    assert wb["Detail Part A"].sheet_properties.pageSetUpPr.fitToPage
    icn = wb["Detail Part B"].cell(row=5, column=3)
    assert icn.value == "=X" and icn.data_type == "s"  # text, never a formula
    nothing = openpyxl.load_workbook(paths[1])  # a provider with no balances: its page only
    assert nothing.sheetnames == ["Certification"]
    assert any(str(r[0]).startswith("[X]") and "no Medicare credit" in str(r[1])
               for r in nothing["Certification"].iter_rows(values_only=True))  # fmt: skip
    assert load_prior_icns(tmp_path / "cms838") == {"I1", "=X", "I3"}
    filing = write_filing_copies(detail, f, quarter="2026Q3", ptans=["P123"],
                                 folder=tmp_path / "filing", info=info)  # fmt: skip
    assert [p.name for p in filing] == ["CMS-838_P123_2026Q3.xlsx", "CMS-838_P999_2026Q3.xlsx"]
    row = list(openpyxl.load_workbook(filing[1])["Detail Part A"].iter_rows(values_only=True))[4]
    assert row[:2] == ("ROE, R", "9AA9AA9AA99")


def test_kpis():
    f = frame_of(
        {"identified_date": "2026-06-01", "refund_date": "2026-07-01"},  # on time, 30 days
        {"identified_date": "2026-06-01", "refund_date": "2026-08-10"},  # late, 70 days
        {**OPEN, "identified_date": "2026-07-01", "overpayment_amount": "100.00"},  # overdue
        {**OPEN, "identified_date": "2026-08-31", "overpayment_amount": "40.00"},  # due 10-30
    )
    k = compute_refund_kpis(f, as_of=AS_OF)
    assert (k["overpayments"], k["open"], k["returned"]) == (4, 2, 2)
    assert k["returned_within_60_days"] == 0.5 and k["median_days_to_return"] == 50.0
    assert (k["overdue"], k["dollars_overdue"]) == (1, 100.0)
    assert k["tables"]["deadline_calendar"]["record_key"].tolist() == ["O4"]
    aging = k["tables"]["open_aging"].set_index("bucket")
    assert aging.loc["0-30", "items"] == 1 and aging.loc["91-180", "items"] == 1  # 30 and 91 days


def test_icn_comes_from_the_835_when_the_log_has_none(tmp_path):
    """Issue 14: the CMS-838 column 3 is the Medicare ICN; where the log has no ``icn``, the
    835 answering the claim gives it (CLP07), by claim id, and the summary says how many."""
    from audit_lib import run_refunds_review
    from audit_lib.claims.demo import generate_demo_claims
    from audit_lib.refunds.demo import generate_demo_overpayments
    from audit_lib.x12.writer import write_demo_x12

    claims = generate_demo_claims(n_claims=1500)
    log = generate_demo_overpayments(claims, seed=20260930).overpayments
    log["icn"] = ""
    (tmp_path / "log.csv").write_text(log.to_csv(index=False), encoding="utf-8")
    claims.claims.to_csv(tmp_path / "claims.csv", index=False)
    remit = write_demo_x12(claims.claims, tmp_path / "x12")["835"]
    review = run_refunds_review(
        tmp_path / "log.csv", config=load_config(period="2026Q3"),
        claims=tmp_path / "claims.csv", remits=remit,
    )  # fmt: skip
    cb = review.credit_balances
    answered = cb["claim_icn"].notna()
    assert answered.sum() > 0
    ids = review.frame.set_index("_row").loc[cb.loc[answered, "row"], "claim_id"]
    assert (cb.loc[answered, "claim_icn"].to_numpy() == ("ICN" + ids).to_numpy()).all()
    filled = review.summary["credit_balance_report"]["filled_from_claims"]
    assert filled["icn"] >= answered.sum() and "CLP07" in filled["source"]
    cb7 = review.findings[review.findings["rule_id"] == "REF-CB-07"]
    assert set(cb7["field"]) <= {"icn"} and len(cb7) == (~answered).sum()
