"""The refunds review pipeline on the demo log: ground truth, outputs, workbooks."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from audit_lib import load_config, run_refunds_review
from audit_lib.claims.demo import generate_demo_claims
from audit_lib.refunds.demo import generate_demo_overpayments


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
    cb = openpyxl.load_workbook(out["cms838/PTAN0042.xlsx"])  # one workbook per provider
    assert cb.sheetnames == ["Certification", "Detail Part A", "Detail Part B"]
    lines = sum(cb[s].max_row - 5 for s in cb.sheetnames[1:])  # title, headers, totals
    assert lines == summary["credit_balance_report"]["rows"] > 0
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


def _cert_findings(r):
    f = r.findings
    return sorted(
        zip(*(f.loc[f["rule_id"].isin(["REF-CB-03", "REF-CB-06"]), c] for c in
              ("rule_id", "record_key", "field")), strict=True)
    )  # fmt: skip


def test_cms838_certification_pages_timely_signed_and_complete(tmp_path):
    cert = tmp_path / "cert.csv"
    cert.write_text(
        "provider_ptan,quarter,submitted_date,certified_by,signer_title,signed_date,statement\n"
        "PTAN0042,2026Q3,2026-10-28,Dana Ruiz,CFO,2026-10-27,detail attached\n"  # on time
        "PTAN0077,2026q3,2026-11-02,Lee Park,,2026-11-01,no credit balances\n"  # late, no title
        "PTAN0042,2026Q2,2026-07-29,Dana Ruiz,CFO,2026-07-28,detail attached\n",  # other quarter
        encoding="utf-8",
    )
    config = load_config(period="2026Q3", provider_numbers=["PTAN0077", "PTAN0099"])
    r = run_refunds_review(None, config=config, cms838_certification=cert)
    assert _cert_findings(r) == [
        ("REF-CB-03", "PTAN0077 2026Q3", "certified_by"),
        ("REF-CB-03", "PTAN0077 2026Q3", "submitted_date"),
        ("REF-CB-06", "PTAN0099 2026Q3", "provider_ptan"),  # a zero-balance page is owed too
    ]
    f = r.findings.set_index(["rule_id", "field"])
    assert "after the due date 2026-10-30" in f.loc[("REF-CB-03", "submitted_date"), "detail"]
    assert "without signer title" in f.loc[("REF-CB-03", "certified_by"), "detail"]
    info = r.summary["credit_balance_report"]["certification"]
    assert info["rows_for_quarter"] == 2 and info["due_date"] == "2026-10-30"
    assert info["provider_numbers_expected"] == ["PTAN0042", "PTAN0077", "PTAN0099"]


def test_without_certifications_the_filing_rules_are_not_evaluated():
    r = run_refunds_review(None, config=load_config(period="2026Q3"))
    assert _cert_findings(r) == []
    assert r.summary["credit_balance_report"]["certification"]["evaluated"] is False
