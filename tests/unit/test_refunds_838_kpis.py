"""The CMS-838 credit balance report and the overpayment KPIs."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pandas as pd

from audit_lib import load_config
from audit_lib.refunds.cms838 import (
    build_credit_balance_report,
    due_date,
    load_prior_icns,
    write_credit_balance_report,
)
from audit_lib.refunds.kpis import compute_refund_kpis
from audit_lib.refunds.logic import build_overpayments
from audit_lib.refunds.schema import OVERPAYMENTS_SCHEMA
from audit_lib.tables import parse_frame
from tests.unit.test_refunds_rules import BASE, OPEN

AS_OF = dt.date(2026, 9, 30)


def frame_of(*changes):
    rows = []
    for i, ch in enumerate(changes):
        row = dict(BASE, overpayment_id=f"O{i + 1}", claim_id=f"C{i + 1}", refund_id=f"R{i + 1}")
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
    assert detail["beneficiary"].str.startswith("PT-").all()
    assert findings.empty


def test_838_checks():
    f = frame_of(
        {"refund_date": "2026-10-10", "refund_amount": "300.00"},  # CB-02: repaid > balance
        {**OPEN, "reason": "other"},  # code 3 with a comment: fine
        {**OPEN, "received_date": "2026-10-02"},  # CB-04: paid after quarter end
        {**OPEN, "claim_id": "C77"},  # CB-05 with a prior report listing C77
    )
    _detail, findings = build_credit_balance_report(f, quarter="2026Q3", prior_icns={"C77"})
    got = findings[["rule_id", "record_key"]].values.tolist()
    assert got == [["REF-CB-02", "O1"], ["REF-CB-04", "O3"], ["REF-CB-05", "O4"]]


def test_838_workbook_and_prior_round_trip(tmp_path):
    f = frame_of({**OPEN}, {**OPEN, "claim_id": "=X"})
    detail, _ = build_credit_balance_report(f, quarter="2026Q3")
    path = write_credit_balance_report(
        detail, quarter="2026Q3", path=tmp_path / "cb.xlsx", ptans=["P123"]
    )
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Certification", "Detail"]
    cert = {r[0]: r[1] for r in wb["Certification"].iter_rows(values_only=True)}
    assert cert["Due (quarter end + 30 days)"] == "2026-10-30" and cert["Detail rows"] == 2
    icn = next(c for c in wb["Detail"].iter_rows(min_row=3) if c[2].value == "=X")[2]
    assert icn.data_type == "s"
    assert load_prior_icns(path) == {"C1", "=X"}


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
