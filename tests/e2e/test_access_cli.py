"""`audit access` end to end: files in, report, workpaper with the review sheet, manifest,
no raw protected value in any output, clear errors for bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from tests.e2e.test_cli import _texts, audit

pytestmark = pytest.mark.cli
FHIR = Path(__file__).resolve().parents[1] / "fixtures" / "fhir"


@pytest.fixture(scope="module")
def access_run(tmp_path_factory):
    base = tmp_path_factory.mktemp("access")
    data = base / "data"
    r = audit("demo-data", "--dataset", "access", "--out", data)
    assert r.returncode == 0, r.stderr
    out = base / "out"
    r = audit(
        "access",
        "--access-log", data / "access_log.csv",
        "--workforce", data / "workforce.csv",
        "--patients", data / "patients.csv",
        "--encounters", data / "encounters.csv",
        "--out", out,
    )  # fmt: skip
    return data, out, r


def test_access_end_to_end(access_run):
    data, out, r = access_run
    assert r.returncode == 0, r.stderr
    assert "access 2026Q3: " in r.stderr and "events read" in r.stderr
    for name in (
        "findings.csv",
        "summary.json",
        "validation/access_log.json",
        "cases.csv",
        "case_events.csv",
        "access_review.ipynb",
        "access_review.html",
        "workpaper.xlsx",
        "manifest.json",
    ):
        assert (out / name).is_file(), name
    truth = pd.read_csv(data / "truth.csv")
    findings = pd.read_csv(out / "findings.csv")
    detected = findings[findings["rule_id"].str.startswith("LOG-R-")]
    assert len(detected) == len(truth)  # one finding per rule and user/patient pair
    html = (out / "access_review.html").read_text()
    for heading in ("Log integrity", "Alerts by rule", "When the records were opened", "Cases"):
        assert heading in html
    assert html.count("<img") >= 3  # alerts chart, heat map, top users


def test_workpaper_review_sheet(access_run):
    _, out, _ = access_run
    wb = load_workbook(out / "workpaper.xlsx")
    assert {"Summary", "Review", "Case events", "Findings", "Rules", "Sign-off"} <= set(
        wb.sheetnames
    )
    ws = wb["Review"]
    header = [c.value for c in ws[1]]
    for col in ("case_id", "score", "rules", "evidence", "disposition", "reviewer", "review_date"):
        assert col in header
    cases = pd.read_csv(out / "cases.csv")
    assert ws.max_row == len(cases) + 1
    dv = ws.data_validations.dataValidation
    assert len(dv) == 1 and "breach assessment required" in dv[0].formula1
    col = chr(ord("A") + header.index("disposition"))
    assert str(dv[0].sqref) == f"{col}2:{col}{len(cases) + 1}"


def test_no_raw_name_address_or_patient_id_in_any_output(access_run):
    data, out, r = access_run
    patients = pd.read_csv(data / "patients.csv", dtype=str, keep_default_na=False)
    workforce = pd.read_csv(data / "workforce.csv", dtype=str, keep_default_na=False)
    protected = set(patients["patient_id"]) | set(patients["address_line"])
    protected |= set(workforce["address_line"]) | set(workforce["patient_id"])
    protected |= {f"{a} {b}" for a, b in zip(patients["first_name"], patients["last_name"],
                                              strict=True)}  # fmt: skip
    protected = {v for v in protected if v}
    texts = _texts(out)
    texts["stderr"] = r.stderr + r.stdout
    leaks = {(name, v) for name, text in texts.items() for v in protected if v in text}
    assert not leaks, sorted(leaks)[:10]
    inputs = [x for n in ("access_log", "workforce", "patients", "encounters")
              for x in ("--inputs", data / f"{n}.csv")]  # fmt: skip
    r = audit("scan-phi", out, *inputs)  # names as whole words, dates, ids
    assert r.returncode == 0 and "no raw protected value found" in r.stdout, r.stdout


def test_scan_phi_catches_a_leaked_name(access_run, tmp_path):
    data, _, _ = access_run
    leaked = tmp_path / "leak"
    leaked.mkdir()
    name = pd.read_csv(data / "patients.csv", dtype=str)["last_name"].iloc[0]
    (leaked / "notes.txt").write_text(f"reviewed the record of {name} today\n")
    r = audit("scan-phi", leaked, "--inputs", data / "patients.csv")
    assert r.returncode == 1 and "RAW last_name" in r.stdout


def test_reperform_and_verify(access_run):
    data, out, _ = access_run
    r = audit("verify", out)
    assert r.returncode == 0, r.stdout
    r = audit("reperform", out, "--inputs", data)
    assert r.returncode == 0 and "identical findings" in r.stdout, r.stdout + r.stderr


def test_fhir_audit_events_through_the_cli(tmp_path):
    wf = tmp_path / "wf.csv"
    wf.write_text("user_id,last_name,first_name,department,role\n95,Grieve,G,IT,analyst\n")
    pt = tmp_path / "pt.csv"
    pt.write_text("patient_id,last_name,first_name\nexample,Chalmers,Peter\n")
    files = sorted((FHIR / "r4").glob("*.json"))
    args = [x for f in files for x in ("--access-log", f)]
    out = tmp_path / "out"
    r = audit("access", *args, "--workforce", wf, "--patients", pt, "--period", "2015Q3",
              "--as-of", "2015-12-31", "--out", out)  # fmt: skip
    assert r.returncode == 0, r.stderr
    s = json.loads((out / "summary.json").read_text())
    assert s["fhir_import"]["resources"] == 9
    assert s["counts"]["access_log"]["rows_read"] == 4
    f = pd.read_csv(out / "findings.csv")
    assert "LOG-I-04" in set(f["rule_id"])  # the 2013 events are outside 2015Q3
    assert "LOG-I-05" in set(f["rule_id"])  # SomeIdiot@nowhere is not in the roster
    m = json.loads((out / "manifest.json").read_text())
    assert {i["name"] for i in m["inputs"]} >= {"access_log", "access_log_2", "workforce"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--access-log", "{log}"], "needs --workforce and --patients"),
        (["--access-log", "{bad}", "--workforce", "{wf}", "--patients", "{pt}"],
         "missing required column(s) 'patient_id'"),
        (["--access-log", "{log}", "--workforce", "{wf}", "--patients", "{pt}",
          "--period", "2026Q5"], "not a quarter"),
    ],
)  # fmt: skip
def test_bad_access_input_exits_2(tmp_path, args, message):
    files = {
        "log": "event_id,event_time,user_id,patient_id,action\n"
        "E1,2026-07-01T10:00:00Z,U1,P1,view\n",
        "bad": "event_id,event_time,user_id,action\nE1,2026-07-01T10:00:00Z,U1,view\n",
        "wf": "user_id,last_name,first_name\nU1,A,B\n",
        "pt": "patient_id,last_name,first_name\nP1,C,D\n",
    }
    paths = {}
    for k, text in files.items():
        paths[k] = tmp_path / f"{k}.csv"
        paths[k].write_text(text)
    r = audit("access", *[a.format(**paths) for a in args], "--out", tmp_path / "out")
    assert r.returncode == 2, r.stderr
    assert message in r.stderr and "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
