"""Each overpayment/refund rule: a row that breaks it and one that does not."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from audit_lib import load_config
from audit_lib.refunds.evaluate import evaluate_overpayments

AS_OF = dt.date(2026, 9, 30)
BASE = {
    "overpayment_id": "O1",
    "patient_id": "M8000001",
    "payer_id": "MCR-JH",
    "payer_type": "medicare",
    "overpayment_amount": "250.00",
    "identified_date": "2026-08-01",
    "claim_id": "C1",
    "line_number": "1",
    "received_date": "2026-06-15",
    "service_date": "2026-06-01",
    "reason": "duplicate payment",
    "related_investigation": "",
    "investigation_start": "",
    "investigation_end": "",
    "refund_id": "R1",
    "refund_amount": "250.00",
    "refund_date": "2026-08-20",
    "refund_payee_type": "payer",
    "refund_payee_id": "MCR-JH",
    "status": "refunded",
    "provider_ptan": "P123",
    "escheat_date": "",
}
OPEN = {
    "status": "open",
    "refund_id": "",
    "refund_amount": "",
    "refund_date": "",
    "refund_payee_type": "",
    "refund_payee_id": "",
}


def evaluate(tmp_path, *changes, claim_keys=None, **config):
    rows = []
    for i, ch in enumerate(changes):
        row = dict(BASE, overpayment_id=f"O{i + 1}", claim_id=f"C{i + 1}", refund_id=f"R{i + 1}")
        row.update(ch)
        rows.append(row)
    path = tmp_path / "overpayments.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    return evaluate_overpayments(
        path, as_of=AS_OF, config=load_config(**config), claim_keys=claim_keys
    ).findings


CASES = [
    ("REF-REQ-01", {"payer_id": "", "refund_payee_id": ""}, {}),
    ("REF-PARSE-01", {"overpayment_amount": "$250.00"}, {"overpayment_amount": "250"}),
    ("REF-PARSE-01", {"related_investigation": "maybe"}, {"related_investigation": "no"}),
    (
        "REF-60D-01",
        {"identified_date": "2026-06-01", "refund_date": "2026-08-01"},
        {"identified_date": "2026-06-01", "refund_date": "2026-07-31"},
    ),
    (
        "REF-60D-01",
        {**OPEN, "identified_date": "2026-07-31"},
        {**OPEN, "identified_date": "2026-08-01"},
    ),
    (
        "REF-60D-02",
        {
            "related_investigation": "false",
            "investigation_start": "2026-08-01",
            "investigation_end": "2026-08-10",
        },
        {
            "related_investigation": "true",
            "investigation_start": "2026-08-01",
            "investigation_end": "2026-08-10",
        },
    ),
    ("REF-60D-03", {"received_date": "2020-07-31"}, {"received_date": "2020-08-01"}),
    ("REF-60D-04", {"refund_amount": "240.00"}, {"refund_amount": "250.01"}),
    ("REF-60D-05", {"reason": ""}, {"reason": "coding error", **OPEN}),
    ("REF-T-02", {"refund_amount": "250.02"}, {"refund_amount": "250.01"}),
    ("REF-T-03", {"refund_payee_type": "patient", "refund_payee_id": "M8000001"}, {}),
    (
        "REF-T-03",
        {
            "payer_type": "self_pay",
            "payer_id": "SELF",
            "refund_payee_type": "patient",
            "refund_payee_id": "M9999999",
        },
        {
            "payer_type": "self_pay",
            "payer_id": "SELF",
            "refund_payee_type": "patient",
            "refund_payee_id": "M8000001",
        },
    ),
    (
        "REF-T-06",
        {
            **OPEN,
            "payer_type": "commercial",
            "payer_id": "AETNA",
            "identified_date": "2026-07-01",
            "cost_report_due_date": "2026-12-31",
        },
        {
            **OPEN,
            "payer_type": "commercial",
            "payer_id": "AETNA",
            "identified_date": "2026-07-02",
            "cost_report_due_date": "2026-12-31",
        },
    ),
    ("REF-T-09", {"claim_id": ""}, {}),
    (
        "REF-T-11",
        {"overpayment_amount": "1000.00", "refund_amount": "1000.00"},
        {"overpayment_amount": "1000.50", "refund_amount": "1000.50"},
    ),
    (
        "REF-T-11",
        {"overpayment_amount": "9850.00", "refund_amount": "9850.00"},
        {"overpayment_amount": "9750.00", "refund_amount": "9750.00"},
    ),
    (
        "REF-UP-01",
        {
            **OPEN,
            "payer_type": "self_pay",
            "payer_id": "SELF",
            "received_date": "2023-09-29",
            "identified_date": "2026-09-01",
        },
        {
            **OPEN,
            "payer_type": "self_pay",
            "payer_id": "SELF",
            "received_date": "2023-09-29",
            "identified_date": "2026-09-01",
            "escheat_date": "2026-09-15",
        },
    ),
    ("REF-UP-03", {"escheat_date": "2026-09-01"}, {}),
]


@pytest.mark.parametrize(
    ("rule", "bad", "good"), CASES, ids=[f"{c[0]}:{i}" for i, c in enumerate(CASES)]
)
def test_rule_breaks_and_passes(tmp_path, rule, bad, good):
    f = evaluate(tmp_path, {}, bad, good)
    mine = f[f["rule_id"] == rule]
    assert mine["row"].tolist() == [3], f.to_string()
    assert mine["record_key"].tolist() == ["O2"]
    assert "M8000001" not in " ".join(f["detail"]) and "M9999999" not in " ".join(f["detail"])


def test_clean_rows_have_no_findings(tmp_path):
    assert evaluate(tmp_path, {}, {**OPEN, "identified_date": "2026-09-01"}).empty


def test_overdue_detail_explains_the_deadline(tmp_path):
    f = evaluate(tmp_path, {"identified_date": "2026-06-01", "refund_date": "2026-08-03"})
    d = f.loc[f["rule_id"] == "REF-60D-01", "detail"].iloc[0]
    assert d == ("returned 2026-08-03, 3 days after the deadline 2026-07-31 (identified + 60 days)")


def test_suspension_extends_the_deadline(tmp_path):
    kw = {
        "identified_date": "2026-03-01",
        "related_investigation": "yes",
        "investigation_start": "2026-03-01",
        "investigation_end": "2026-06-01",
        "refund_date": "2026-07-15",
    }
    assert evaluate(tmp_path, kw).empty  # deadline 2026-07-31 after the suspension
    f = evaluate(tmp_path, kw, clock_resume="restart")
    assert f.empty


def test_key_repeat(tmp_path):
    f = evaluate(tmp_path, {}, {"overpayment_id": "O1", "claim_id": "C9", "refund_id": "R9"})
    assert f[["rule_id", "row"]].values.tolist() == [["REF-KEY-01", 3]]


def test_duplicate_refunds_within_the_window(tmp_path):
    same = {"claim_id": "C1", "refund_payee_id": "MCR-JH", "refund_amount": "250.00"}
    f = evaluate(
        tmp_path,
        dict(same, refund_date="2026-08-20"),
        dict(same, refund_date="2026-09-10", refund_id="R77"),  # 21 days later
        dict(same, refund_date="2026-12-01", refund_id="R88"),
    )  # far outside
    dup = f[f["rule_id"] == "REF-T-04"]
    assert dup["row"].tolist() == [3] and "O1" in dup["detail"].iloc[0]
    f = evaluate(
        tmp_path,
        dict(same, refund_date="2026-08-20"),
        dict(same, refund_date="2026-08-25"),
        refund_duplicate_window_days=3,
    )
    assert "REF-T-04" not in set(f["rule_id"])


def test_same_refund_id_twice_is_a_duplicate_at_any_distance(tmp_path):
    same = {"claim_id": "C1", "refund_id": "R1"}
    f = evaluate(
        tmp_path,
        dict(same, refund_date="2026-01-05", identified_date="2025-12-01"),
        dict(same, refund_date="2026-08-20"),
    )
    assert f.loc[f["rule_id"] == "REF-T-04", "row"].tolist() == [3]


def test_offset_and_refund_of_the_same_overpayment(tmp_path):
    f = evaluate(
        tmp_path,
        {"status": "offset", "claim_id": "C1"},
        {"claim_id": "C1", "refund_id": "R2"},
        {"claim_id": "C5"},
    )
    assert f.loc[f["rule_id"] == "REF-T-10", "row"].tolist() == [3]


def test_claim_link_checked_against_claims_data(tmp_path):
    keys = pd.Series(["C1", "C3"])
    f = evaluate(tmp_path, {}, {}, {}, claim_keys=keys)
    t09 = f[f["rule_id"] == "REF-T-09"]
    assert t09["row"].tolist() == [3] and "not in the claims data" in t09["detail"].iloc[0]


def test_plain_pandas_engine_agrees_with_great_expectations(tmp_path):
    from audit_lib import engine_pandas
    from audit_lib.findings import FINDINGS_COLUMNS, sort_findings
    from audit_lib.gx import engine
    from audit_lib.phi import Masker
    from audit_lib.refunds.evaluate import _parse_findings
    from audit_lib.refunds.suite import REFUNDS_SUITE

    bads = [c[1] for c in CASES]
    gx = evaluate(tmp_path, *bads)
    path = tmp_path / "overpayments.csv"  # written by evaluate()
    from audit_lib.refunds.logic import build_overpayments
    from audit_lib.refunds.schema import OVERPAYMENTS_SCHEMA
    from audit_lib.tables import load_table

    loaded = load_table(path, OVERPAYMENTS_SCHEMA)
    frame = build_overpayments(loaded.frame, load_config(), as_of=AS_OF)
    batch = frame.drop(columns=["refund_payee_id"]).assign(
        patient_id=Masker().mask_series(frame["patient_id"])
    )
    shown = {"as_of": AS_OF.isoformat(), "dormancy_years": "3"}
    plain = engine.findings_from_results(
        REFUNDS_SUITE,
        engine_pandas.evaluate({"overpayments": batch}, {}, REFUNDS_SUITE),
        {"overpayments": batch},
        batch,
        shown,
    )
    parse = _parse_findings(loaded, frame)
    parsed = parse["row"].astype("string") + "|" + parse["field"]
    cells = plain["row"].astype("string") + "|" + plain["field"]
    plain = plain[~(plain["rule_id"].eq("REF-REQ-01") & cells.isin(parsed))]
    plain = sort_findings(pd.concat([parse, plain], ignore_index=True))[FINDINGS_COLUMNS]
    pd.testing.assert_frame_equal(plain, gx)
