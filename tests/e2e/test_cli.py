"""The `audit` command end to end (Papermill, HTML, workpaper), bad inputs, PHI leak scan."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from tests.conftest import make_claims

pytestmark = pytest.mark.cli
AUDIT = [sys.executable, "-m", "audit_lib.cli"]
OUTPUTS = [
    "findings.csv",
    "summary.json",
    "validation/claims.json",
    "claims_review.ipynb",
    "claims_review.html",
    "workpaper.xlsx",
]


def audit(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*AUDIT, *map(str, args)], capture_output=True, text=True, env=dict(os.environ), timeout=600
    )


def _texts(out: Path) -> dict[str, str]:
    """Every output file as text; workbook parts are unzipped."""
    texts = {}
    for path in sorted(out.rglob("*")):
        if path.is_dir():
            continue
        if path.suffix == ".xlsx":
            with zipfile.ZipFile(path) as z:
                for name in z.namelist():
                    texts[f"{path.name}!{name}"] = z.read(name).decode("utf-8", "replace")
        else:
            texts[str(path.relative_to(out))] = path.read_text("utf-8", "replace")
    return texts


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    """`audit demo-data` then `audit claims` on the exported file: raw ids in, outputs out."""
    base = tmp_path_factory.mktemp("cli")
    csv = base / "claims_2026Q3.csv"
    r = audit("demo-data", "--claims", "600", "--out", csv)
    assert r.returncode == 0, r.stderr
    out = base / "out"
    r = audit("claims", "--claims", csv, "--period", "2026Q3", "--out", out)
    return csv, out, r


def test_claims_end_to_end(demo_run):
    csv, out, r = demo_run
    assert r.returncode == 0, r.stderr
    for name in OUTPUTS:
        assert (out / name).is_file(), name
    truth = pd.read_csv(csv.with_name("claims_2026Q3.truth.csv"))
    findings = pd.read_csv(out / "findings.csv")
    got = set(map(tuple, findings[["rule_id", "row", "field"]].values.tolist()))
    assert got == set(map(tuple, truth.values.tolist()))
    summary = json.loads((out / "summary.json").read_text())
    assert f"{summary['findings']['total']:,} findings" in r.stderr
    html = (out / "claims_review.html").read_text()
    assert "Claims quarterly review" in html and "data:image/png" in html
    assert "run_claims_review(" not in html  # rendered without code cells
    assert "Traceback" not in r.stderr


def test_no_protected_value_in_any_output(demo_run):
    csv, out, r = demo_run
    claims = pd.read_csv(csv, dtype=str, keep_default_na=False)
    ids = set(claims["patient_id"]) | set(claims["member_id"])
    public_dates = set(
        claims[["service_date", "service_date_to", "submission_date", "paid_date"]]
        .to_numpy()
        .ravel()
    )
    dates = (set(claims["patient_dob"]) | set(claims["patient_death_date"])) - public_dates
    protected = {v for v in ids | dates if v}
    assert len(protected) > 100
    texts = _texts(out)
    texts["stderr"] = r.stderr + r.stdout
    leaks = {(name, v) for name, text in texts.items() for v in protected if v in text}
    assert not leaks, sorted(leaks)[:10]
    r = audit("scan-phi", out, "--inputs", csv)  # the shipped scanner agrees
    assert r.returncode == 0 and "no raw protected value found" in r.stdout, r.stdout


def test_run_writes_reports_for_the_period(tmp_path):
    r = audit("run", "--period", "2026Q3", "--out", tmp_path / "2026Q3")
    assert r.returncode == 0, r.stderr
    for name in OUTPUTS:
        assert (tmp_path / "2026Q3" / "claims" / name).is_file(), name
    for name in (
        "findings.csv",
        "cms838/PTAN0042.xlsx",
        "refunds_review.html",
        "manifest.json",
    ):
        assert (tmp_path / "2026Q3" / "refunds" / name).is_file(), name
    for name in ("cases.csv", "access_review.html", "workpaper.xlsx", "manifest.json"):
        assert (tmp_path / "2026Q3" / "access" / name).is_file(), name


BAD = {
    "missing-column": (
        lambda p: make_claims({}).drop(columns=["units", "billing_npi"]).to_csv(p, index=False),
        "claims.csv is missing required column(s) 'billing_npi', 'units'",
    ),
    "empty-file": (lambda p: p.write_bytes(b""), "claims.csv is empty"),
    "header-only": (
        lambda p: make_claims({}).iloc[:0].to_csv(p, index=False),
        "header but no data rows",
    ),
    "non-utf8": (
        lambda p: p.write_bytes(
            make_claims({}).to_csv(index=False).encode().replace(b"MCR-JH", b"MCR\xff")
        ),
        "not UTF-8 text: byte 0xff on line 2",
    ),
    "not-a-file": (None, "does not exist"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_input_exits_2_with_one_clear_message(tmp_path, case):
    write, message = BAD[case]
    path = tmp_path / "claims.csv"
    if write:
        write(path)
    r = audit("claims", "--claims", path, "--out", tmp_path / "out")
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert message in r.stderr
    assert "Traceback" not in r.stderr and "M70000" not in r.stderr


def test_bad_values_are_findings_not_errors(tmp_path):
    path = tmp_path / "claims.xlsx"
    make_claims({"service_date": "July 10"}, {"billed_amount": "ten dollars"}).to_excel(
        path, index=False
    )
    r = audit("claims", "--claims", path, "--period", "2026Q3", "--out", tmp_path / "out")
    assert r.returncode == 0, r.stderr
    f = pd.read_csv(tmp_path / "out" / "findings.csv")
    assert f[["rule_id", "row", "field"]].values.tolist() == [
        ["CLM-PARSE-01", 2, "service_date"],
        ["CLM-PARSE-01", 3, "billed_amount"],
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--period", "2026Q5"], "period '2026Q5' is not a quarter"),
        (["--as-of", "2026-02-30"], "as_of '2026-02-30' is not a date"),
    ],
)
def test_bad_parameters_exit_2(tmp_path, args, message):
    r = audit("claims", "--demo", *args, "--out", tmp_path / "out")
    assert r.returncode == 2 and message in r.stderr and "Traceback" not in r.stderr


@pytest.mark.parametrize("review", ["claims", "refunds", "access"])
def test_a_review_without_its_input_never_reviews_the_demo(tmp_path, review):
    r = audit(review, "--period", "2026Q3", "--out", tmp_path / "out")
    assert r.returncode == 2 and "no input: give --" in r.stderr and "--demo" in r.stderr
    assert not (tmp_path / "out").exists()
    (tmp_path / "x.csv").write_text("a\n1\n")
    r = audit(review, "--demo", "--period", "2026Q3", "--prior-838" if review == "refunds" else
              "--control-totals" if review == "claims" else "--workforce", tmp_path / "x.csv",
              "--out", tmp_path / "out")  # fmt: skip
    assert r.returncode == 2 and "--demo reviews the synthetic demo data" in r.stderr


def test_suites_check_passes():
    r = audit("suites", "check")
    assert r.returncode == 0, r.stderr


def test_sample_and_appraise(tmp_path):
    csv = tmp_path / "claims.csv"
    assert audit("demo-data", "--claims", "200", "--out", csv).returncode == 0
    runs = []
    for name in ("a", "b"):
        r = audit(
            "sample",
            "--population",
            csv,
            "--unit",
            "claim",
            "--size",
            "25",
            "--seed",
            "777",
            "--spares",
            "3",
            "--out",
            tmp_path / name,
        )
        assert r.returncode == 0, r.stderr
        runs.append((tmp_path / name / "sample.csv").read_bytes())
    assert runs[0] == runs[1]  # the seed regenerates the sample byte for byte
    plan = json.loads((tmp_path / "a" / "sampling_plan.json").read_text())
    assert plan["seed"] == 777 and plan["unit"] == "claim" and plan["frame"]["rows"] > 25
    s = pd.read_csv(tmp_path / "a" / "sample.csv")
    assert len(s) == 28 and s["spare"].sum() == 3
    reviewed = s[~s["spare"]].assign(examined_amount=s["amount"], audited_amount=s["amount"] * 0.9)
    reviewed.to_csv(tmp_path / "results.csv", index=False)
    r = audit(
        "appraise",
        "--results",
        tmp_path / "results.csv",
        "--universe-size",
        str(plan["frame"]["rows"]),
        "--out",
        tmp_path / "appraisal",
    )
    assert r.returncode == 0, r.stderr
    doc = json.loads((tmp_path / "appraisal" / "appraisal.json").read_text())
    assert set(doc["limits"]) == {"80", "90", "95"} and doc["sidedness"] == "two"
    assert doc["n"] == 25 and doc["point_estimate"] > 0
    r = audit("appraise", "--results", tmp_path / "results.csv", "--out", tmp_path / "x")
    assert r.returncode == 2 and "--universe-size" in r.stderr


def test_sampling_workpaper_round_trip(tmp_path):
    from openpyxl import load_workbook

    csv = tmp_path / "claims.csv"
    assert audit("demo-data", "--claims", "300", "--out", csv).returncode == 0
    out = tmp_path / "smp"
    r = audit("sample", "--population", csv, "--unit", "claim", "--size", "30",
              "--seed", "11", "--design", "stratified", "--strata", "equal:3",
              "--spares", "2", "--out", out)  # fmt: skip
    assert r.returncode == 0, r.stderr
    plan = json.loads((out / "sampling_plan.json").read_text())
    assert plan["strata_method"] == "3 equal-dollar strata" and len(plan["strata_boundaries"]) == 2
    wb = load_workbook(out / "sampling_workpaper.xlsx")
    assert wb.sheetnames == ["Plan", "Selections"]
    plan_text = {row[0].value: row[1].value for row in wb["Plan"].iter_rows(min_row=2)}
    assert str(plan_text["Seed"]) == "11" and "PCG64" in plan_text["Generator"]
    ws = wb["Selections"]
    header = [c.value for c in ws[1]]
    assert {"examined_amount", "audited_amount", "reviewer", "notes"} <= set(header)
    col = header.index("audited_amount") + 1
    spare_col = header.index("spare") + 1
    blank_reviewer = tmp_path / "partial.xlsx"
    wb.save(blank_reviewer)  # nothing entered yet
    r = audit("appraise", "--results", blank_reviewer, "--plan", out / "sampling_plan.json",
              "--out", tmp_path / "x")  # fmt: skip
    assert r.returncode == 2 and "audited_amount is empty on row 2" in r.stderr
    for row in range(2, ws.max_row + 1):  # the reviewer: every item 10% overpaid
        if str(ws.cell(row, spare_col).value).lower() != "true":
            examined = float(ws.cell(row, header.index("examined_amount") + 1).value)
            ws.cell(row, col).value = round(examined * 0.9, 2)
    wb.save(out / "sampling_workpaper.xlsx")
    r = audit("appraise", "--results", out / "sampling_workpaper.xlsx", "--out", tmp_path / "app")
    assert r.returncode == 0, r.stderr
    doc = json.loads((tmp_path / "app" / "appraisal.json").read_text())
    assert doc["design"] == "stratified" and doc["n"] == 30
    assert doc["N"] == plan["frame"]["rows"] and doc["point_estimate"] > 0
    wb = load_workbook(tmp_path / "app" / "sampling_workpaper.xlsx")
    assert wb.sheetnames == ["Plan", "Selections", "Appraisal"]
    measures = [row[0].value for row in wb["Appraisal"].iter_rows(min_row=2)]
    assert "Point estimate (overpayment)" in measures
    assert {"To repay: cms extrapolation", "To repay: oig self disclosure"} <= set(measures)
    assert "To repay: oig audit or integrity agreement" in measures


def test_mus_sample_is_appraised_with_the_stringer_bound(tmp_path):
    csv = tmp_path / "claims.csv"
    assert audit("demo-data", "--claims", "300", "--out", csv).returncode == 0
    out = tmp_path / "mus"
    r = audit("sample", "--population", csv, "--unit", "claim", "--size", "20", "--seed", "4",
              "--design", "mus", "--out", out)  # fmt: skip
    assert r.returncode == 0, r.stderr
    plan = json.loads((out / "sampling_plan.json").read_text())
    s = pd.read_csv(out / "sample.csv")
    s.assign(examined_amount=s["amount"], audited_amount=s["amount"]).to_csv(
        out / "results.csv", index=False
    )  # no misstatement found
    r = audit("appraise", "--results", out / "results.csv", "--out", tmp_path / "app")
    assert r.returncode == 0, r.stderr
    doc = json.loads((tmp_path / "app" / "appraisal.json").read_text())
    interval = plan["sizes_by_stratum"]["interval"]
    assert doc["design"] == "mus"
    assert doc["evaluations"]["95"]["upper_misstatement_limit"] == pytest.approx(3.0 * interval)
    assert "Stringer" in r.stderr
    # the reviewer finds 7 items overstated by 10% and 1 understated (more than the 5 the old
    # factor table stopped at): evaluated, both directions reported
    small = s.index[s["amount"] < interval][:8]
    audited = s["amount"].astype(float).copy()
    audited[small[:7]] *= 0.9
    audited[small[7]] *= 1.2
    s.assign(examined_amount=s["amount"], audited_amount=audited.round(2)).to_csv(
        out / "results.csv", index=False
    )
    r = audit("appraise", "--results", out / "results.csv", "--out", tmp_path / "app2")
    assert r.returncode == 0, r.stderr
    e = json.loads((tmp_path / "app2" / "appraisal.json").read_text())["evaluations"]["95"]
    assert e["overstatement"]["misstatements"] == 7 and e["understatement"]["misstatements"] == 1


X12 = Path(__file__).resolve().parents[1] / "fixtures" / "x12" / "linuxforhealth-x12"


def test_claims_review_on_x12_files(tmp_path):
    out = tmp_path / "run"
    r = audit("claims", "--claims", X12 / "837_005010X222A2", "--remits",
              X12 / "835_005010X221A1", "--period", "2006Q1", "--out", out)  # fmt: skip
    assert r.returncode == 0, r.stderr
    s = json.loads((out / "summary.json").read_text())
    assert s["counts"]["claims"]["rows_read"] == 47
    # one claim per CLM: the TR3 examples reuse patient control numbers across files
    assert s["x12"]["claims"]["claims"] == 18 and s["x12"]["remits"]["claims"] == 8
    f = pd.read_csv(out / "findings.csv")
    assert "CLM-AMT-03" in set(f["rule_id"])  # tertiary-payment.835's shifted SVC
    assert "CLM-DX-01" in set(f["rule_id"])  # the TR3 examples' ICD-9 codes are flagged
    # the denial analysis by CARC: every CAS amount of the 835s, summed here from the text
    cas = [
        seg.split("*")
        for p in sorted((X12 / "835_005010X221A1").iterdir())
        for seg in p.read_text().replace("\n", "").split("~")
        if seg.startswith("CAS*")
    ]
    amounts = [float(e[i]) for e in cas for i in range(3, len(e), 3) if e[i]]
    remit = s["kpis"]["remittance"]
    assert remit["adjustments_total"] == pytest.approx(sum(amounts))
    by_carc = pd.DataFrame(s["kpi_tables"]["remit_adjustments_by_carc"])
    assert by_carc["adjustments"].sum() == len(amounts)
    assert by_carc["amount"].sum() == pytest.approx(sum(amounts))
    assert "835 adjustments" in load_workbook(out / "workpaper.xlsx", read_only=True).sheetnames
    assert "claims in the 835s" in (out / "claims_review.html").read_text()
    m = json.loads((out / "manifest.json").read_text())
    names = {i["name"] for i in m["inputs"]}
    assert {"claims", "claims_18", "remits_1", "remits_5"} <= names
    conv = tmp_path / "claims.csv"
    r = audit("convert", "x12", X12 / "837_005010X222A2", "--out", conv)
    assert r.returncode == 0 and "47 claim lines of 18 claims" in r.stderr
    r = audit("scan-phi", out, "--inputs", conv)  # no raw member id or DOB in the outputs
    assert r.returncode == 0, r.stdout
    r = audit("claims", "--claims", conv, "--period", "2006Q1", "--out", tmp_path / "csv")
    assert r.returncode == 0, r.stderr
    same = pd.read_csv(tmp_path / "csv" / "findings.csv")
    x12_only = f[f["dataset"] == "claims"].drop(columns=["row", "fingerprint"])
    assert len(same) == len(x12_only)  # the converted table gives the same claim findings


def test_malformed_x12_exits_2_naming_the_segment(tmp_path):
    bad = Path(__file__).resolve().parents[1] / "fixtures" / "x12" / "imsweb-x12-parser"
    r = audit("claims", "--claims", bad / "837_5010" / "x12_segments_out_of_order.txt",
              "--period", "2026Q3", "--out", tmp_path / "o")  # fmt: skip
    assert r.returncode == 2 and "segment 17 (N3, its values withheld" in r.stderr
    assert "N3 must precede N4" in r.stderr and "LASTNER" not in r.stderr  # an address


def test_cms_edit_tables_from_the_config(tmp_path):
    from audit_lib.codesets.edits import DEMO_MUE, DEMO_PTP
    from audit_lib.codesets.mpfs import DEMO_MPFS

    csv = tmp_path / "claims.csv"
    assert audit("demo-data", "--claims", "400", "--out", csv).returncode == 0
    cfg = tmp_path / "audit.toml"
    hcpcs = tmp_path / "hcpcs.csv"  # J1100 terminated: every J1100 line is CLM-PX-02
    hcpcs.write_text("HCPC,RECID,ADD DT,TERM DT\nJ1100,3,20000101,20200101\nJ3301,3,20000101,\n")
    cfg.write_text(
        f'[codesets]\nptp = ["{DEMO_PTP}"]\nmue = ["{DEMO_MUE}"]\nhcpcs = "{hcpcs.name}"\n'
        f'mpfs = "{DEMO_MPFS}"\n'
    )
    out = tmp_path / "run"
    r = audit("claims", "--claims", csv, "--period", "2026Q3", "--config", cfg, "--out", out)
    assert r.returncode == 0, r.stderr
    s = json.loads((out / "summary.json").read_text())
    assert s["edit_tables"]["evaluated"]["CLM-NCCI-01"] is True
    assert {f["file"] for f in s["edit_tables"]["files"]} == {
        DEMO_PTP.name, DEMO_MUE.name, DEMO_MPFS.name
    }  # fmt: skip
    assert s["edit_tables"]["evaluated"]["CLM-MOD-50/LTRT MPFS bilateral indicator"] == {
        "evaluated": True, "lines_with_50_not_in_file": 0
    }  # fmt: skip
    assert s["parameters"]["mpfs_file"] == str(DEMO_MPFS)
    rules = set(pd.read_csv(out / "findings.csv")["rule_id"])
    assert {"CLM-NCCI-01", "CLM-MUE-01", "CLM-MUE-02", "CLM-PX-02"} <= rules
    assert s["edit_tables"]["evaluated"]["CLM-PX-02"] == {"hcpcs": True, "cpt": False}
    cfg.write_text('[codesets]\nptp = ["missing.txt"]\n')
    r = audit(
        "claims", "--claims", csv, "--period", "2026Q3", "--config", cfg, "--out", tmp_path / "x"
    )
    assert r.returncode == 2 and "missing.txt does not exist" in r.stderr


def test_out_holding_other_files_leaves_every_file_in_place(tmp_path):
    """Issue 13 item 1: mkdir v; cp claims.csv v/; echo x > v/notes.txt; --out v."""
    v = tmp_path / "v"
    v.mkdir()
    assert audit("demo-data", "--claims", "40", "--out", v / "claims.csv").returncode == 0
    (v / "notes.txt").write_text("x\n")
    before = {p.name: p.read_bytes() for p in v.iterdir()}
    r = audit("claims", "--claims", v / "claims.csv", "--period", "2026Q3", "--out", v)
    assert r.returncode == 2 and "holds the input claims.csv" in r.stderr
    other = tmp_path / "other.csv"
    other.write_bytes(before["claims.csv"])
    r = audit("claims", "--claims", other, "--period", "2026Q3", "--out", v)
    assert r.returncode == 2 and "never deletes what it did not write" in r.stderr
    assert {p.name: p.read_bytes() for p in v.iterdir()} == before
    assert not [p for p in tmp_path.iterdir() if ".partial-" in p.name]
    # a previous sealed run of the same review is replaced; an input error names the kept run
    run = tmp_path / "run"
    assert audit("claims", "--claims", other, "--period", "2026Q3", "--out", run).returncode == 0
    assert audit("claims", "--claims", other, "--period", "2026Q3", "--out", run).returncode == 0
    assert audit("verify", run).returncode == 0
    r = audit("refunds", "--demo", "--out", run)
    assert r.returncode == 2 and "sealed run of another review" in r.stderr
    bad = tmp_path / "bad.csv"
    bad.write_text("claim_id,line_number\nC1,1\n")
    r = audit("claims", "--claims", bad, "--out", run)
    assert r.returncode == 2 and "the unfinished run is kept at" in r.stderr
    assert audit("verify", run).returncode == 0  # the sealed run is untouched
