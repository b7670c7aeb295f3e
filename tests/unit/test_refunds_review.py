"""The refunds review pipeline on the demo log: ground truth, outputs, workbooks."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from audit_lib import load_config
from audit_lib.claims.demo import generate_demo_claims
from audit_lib.refunds.demo import generate_demo_overpayments
from audit_lib.refunds.pipeline import run_refunds_review


@pytest.fixture(scope="module")
def review(tmp_path_factory):
    out = tmp_path_factory.mktemp("refunds")
    return run_refunds_review(None, config=load_config(period="2026Q3"), out_dir=out)


def test_review_finds_exactly_the_planted_defects(review):
    truth = generate_demo_overpayments(generate_demo_claims(), seed=20260930).truth
    got = review.findings[["rule_id", "row", "field"]]
    assert set(map(tuple, got.values.tolist())) == set(map(tuple, truth.values.tolist()))
    assert len(got) == len(truth)
    # every rule the demo can exercise without extra inputs is planted
    assert set(truth["rule_id"]) >= {
        "REF-60D-01",
        "REF-60D-02",
        "REF-60D-03",
        "REF-60D-04",
        "REF-60D-05",
        "REF-T-02",
        "REF-T-03",
        "REF-T-04",
        "REF-T-06",
        "REF-T-09",
        "REF-T-10",
        "REF-T-11",
        "REF-UP-03",
        "REF-CB-04",
        "REF-KEY-01",
        "REF-PARSE-01",
        "REF-REQ-01",
    }


def test_outputs(review):
    out = {k: Path(v) for k, v in review.outputs.items()}
    summary = json.loads(out["summary.json"].read_text())
    assert summary["review"] == "refunds"
    assert summary["clock"]["resume"] == "strict" and "unused days" in summary["clock"]["meaning"]
    c = summary["counts"]["overpayments"]
    assert c["rows_read"] == c["rows_checked"] == len(review.frame)
    assert summary["credit_balance_report"]["due_date"] == "2026-10-30"
    f = pd.read_csv(out["findings.csv"])
    assert list(f.columns)[:5] == ["rule_id", "severity", "dataset", "record_key", "row"]
    assert set(f["dataset"]) == {"overpayments"}
    wb = openpyxl.load_workbook(out["workpaper.xlsx"])
    assert wb.sheetnames == [
        "Summary",
        "Findings",
        "Rules",
        "Control totals",
        "Deadline calendar",
        "Credit balances",
        "Sign-off",
    ]
    cb = openpyxl.load_workbook(out["credit_balance_report.xlsx"])
    assert cb.sheetnames == ["Certification", "Detail"]
    assert cb["Detail"].max_row - 2 == summary["credit_balance_report"]["rows"] > 0
    text = out["findings.csv"].read_text() + out["summary.json"].read_text()
    patients = set(review.frame["patient_id"].dropna())
    assert not [p for p in patients if p in text]


def test_restart_reading_is_reported(tmp_path):
    r = run_refunds_review(None, config=load_config(period="2026Q3", clock_resume="restart"))
    assert r.summary["clock"]["resume"] == "restart"
    assert "fresh 60 days" in r.summary["clock"]["meaning"]


def test_control_totals_and_prior(tmp_path, review):
    from audit_lib.claims.demo import generate_demo_claims as claims_demo

    demo = generate_demo_overpayments(claims_demo(), seed=20260930)
    path = tmp_path / "op.csv"
    demo.overpayments.to_csv(path, index=False)
    prior = run_refunds_review(path, config=load_config(period="2026Q3"), out_dir=tmp_path / "q")
    totals = prior.control_totals
    control = tmp_path / "control.csv"
    control.write_text(
        "input,measure,expected\n"
        f"overpayments,rows,{totals['rows']}\n"
        f"overpayments,overpayment_amount,{totals['amounts']['overpayment_amount'] + 1:.2f}\n"
    )
    r = run_refunds_review(
        path,
        config=load_config(period="2026Q3"),
        out_dir=tmp_path / "r",
        control_totals=control,
        prior_dir=tmp_path / "q",
    )
    assert [x["status"] for x in r.reconciliation] == ["reconciled", "difference"]
    pop = r.findings[r.findings["rule_id"] == "EVD-POP-01"]
    assert pop[["record_key", "amount"]].values.tolist() == [
        ["overpayments:overpayment_amount", -1.0]
    ]
    assert r.comparison["counts"] == {"new": 1, "recurring": len(prior.findings), "resolved": 0}
    assert (tmp_path / "r" / "comparison.csv").is_file()
    assert r.summary["quarter_over_quarter"]["recurring"] == len(prior.findings)
