"""Real inputs end to end: the demo quarter gives the same findings from its X12 files as from
its table, the reviews run on every real fixture (X12, FHIR, CMS extracts through profiles)
and no raw patient identifier of them reaches an output, and the CLI refuses what it cannot
review instead of substituting the demo."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from audit_lib import load_config, run_claims_review
from audit_lib.evidence.scan import scan

FIX = Path(__file__).resolve().parents[1] / "fixtures"
X12 = FIX / "x12"
# the 835 balancing rules exist only with 835s; every other rule reads what both carry
X12_ONLY = {"CLM-AMT-03", "CLM-AMT-04", "CLM-AMT-08"}


def _audit(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    return subprocess.run(
        [sys.executable, "-m", "audit_lib.cli", *args], cwd=cwd, env=env,
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip


@pytest.fixture(scope="module")
def demo_both_ways(tmp_path_factory):
    from audit_lib.claims.demo import generate_demo_claims
    from audit_lib.x12.writer import write_demo_x12

    tmp = tmp_path_factory.mktemp("demo_x12")
    demo = generate_demo_claims()
    csv = tmp / "demo.csv"
    demo.claims.to_csv(csv, index=False)
    paths = write_demo_x12(demo.claims, tmp / "x12")
    cfg = load_config(period="2026Q3")
    table = run_claims_review(csv, config=cfg)
    x12 = run_claims_review([paths["837p"], paths["837i"]], remits=paths["835"], config=cfg)
    return demo, table, x12


def _keys(findings: pd.DataFrame) -> set[tuple[str, str, str, str]]:
    f = findings[~findings["rule_id"].isin(X12_ONLY)]
    return set(zip(f["rule_id"], f["record_key"], f["field"], f["severity"], strict=True))


def test_the_demo_quarter_gives_the_same_findings_from_x12_as_from_its_table(demo_both_ways):
    _, table, x12 = demo_both_ways
    # the rules the table's columns do not let the review evaluate (the hospital rules: the
    # demo table has no bill_type) are compared apart, below
    skipped = {s["rule_id"] for s in table.summary["not_evaluated"] if not s["field"]}
    evaluated = x12.findings[~x12.findings["rule_id"].isin(skipped)]
    assert _keys(evaluated) == _keys(table.findings)
    assert len(table.findings) > 700  # every rule's planted defects, not an empty agreement
    # what X12 adds: the 835 balancing of the demo's planted amount defects, and on the 837I
    # the writer's type of bill 0131 without a CL1 discharge status or an attending NPI
    # (CLM-UB-06/08: the demo writer does not write them; the demo table lacks them)
    extra = set(x12.findings["rule_id"]) - set(table.findings["rule_id"])
    assert extra <= X12_ONLY | {"CLM-UB-06", "CLM-UB-08"}
    assert {"CLM-UB-06", "CLM-UB-08"} <= skipped
    # the claims and their payers, read from SBR09: Medicare and commercial timely filing
    by_payer = x12.lines.groupby("payer_type").size().to_dict()
    assert by_payer == table.lines.groupby("payer_type").size().to_dict()


def test_the_demo_truth_is_found_from_x12(demo_both_ways):
    demo, _, x12 = demo_both_ways
    keys = (demo.claims["claim_id"] + ":" + demo.claims["line_number"]).to_numpy()
    truth = {(r.rule_id, keys[r.row - 2], r.field) for r in demo.truth.itertuples()}
    found = set(zip(x12.findings["rule_id"], x12.findings["record_key"], x12.findings["field"],
                    strict=True))  # fmt: skip
    assert truth <= found
    assert {"CLM-TF-01", "CLM-TF-02"} <= {t[0] for t in truth}  # on Medicare and commercial


def _accepted_x12(kind: str) -> list[Path]:
    from audit_lib.errors import InputError
    from audit_lib.x12.importer import read_835, read_837

    out = []
    for f in sorted(X12.rglob("*")):
        if not f.is_file() or f.suffix in (".md", ".html", ".csv") or "LICENSE" in f.name:
            continue
        try:
            (read_837 if kind == "837" else read_835)(f)
        except InputError:
            continue  # refused with a message, or another kind (tests/unit/test_real_inputs.py)
        out.append(f)
    return out


def test_no_raw_identifier_of_any_x12_fixture_reaches_an_output(tmp_path):
    claims, remits = _accepted_x12("837"), _accepted_x12("835")
    assert len(claims) == 68 and len(remits) == 15  # every accepted fixture
    out = tmp_path / "run"
    review = run_claims_review(claims, remits=remits, config=load_config(), out_dir=out)
    from tests.unit.test_real_inputs import _segment_ids

    lines = sum(_segment_ids(f).count("LX") for f in claims)  # counted by hand
    assert review.summary["counts"]["claims"]["rows_read"] == len(review.lines) == lines
    assert review.summary["x12"]["remits"]["claims_matched"] > 0
    assert scan(out, [*claims, *remits]) == []


def test_access_review_of_every_fhir_fixture_leaks_no_patient(tmp_path):
    from audit_lib import run_access_review
    from audit_lib.access.fhir import read_audit_events

    files = [
        f for f in sorted((FIX / "fhir").rglob("*"))
        if f.suffix in (".json", ".xml") and "AuditEvent" in f.read_text("utf-8", "replace")
    ]  # fmt: skip
    frame, _ = read_audit_events(files)
    users = sorted(set(frame["user_id"].dropna()))
    workforce = tmp_path / "workforce.csv"
    pd.DataFrame({"user_id": users, "last_name": "Staff", "first_name": "Member"}).to_csv(
        workforce, index=False
    )
    patients = tmp_path / "patients.csv"  # the BALP example patient: John Schmidt, 1923-07-25
    pd.DataFrame({"patient_id": sorted(set(frame["patient_id"])), "last_name": "Schmidt",
                  "first_name": "John", "dob": "1923-07-25"}).to_csv(patients, index=False)
    out = tmp_path / "access"
    review = run_access_review(files, workforce=workforce, patients=patients,
                               config=load_config(), out_dir=out)  # fmt: skip
    assert review.summary["fhir_import"]["patient_initiated"]
    # "John Smith" (a staff display name) holds the patient's first name: not a leak
    assert scan(out, [*files, workforce, patients, FIX / "fhir" / "ihe-balp"]) == []


@pytest.mark.cli
def test_cli_refuses_remits_without_claims_and_an_empty_claims_path(tmp_path):
    remit = X12 / "pyx12" / "835_mult_loops.txt"
    r = _audit("claims", "--remits", str(remit), "--out", str(tmp_path / "o"), cwd=tmp_path)
    assert r.returncode == 2 and "--remits was given without --claims" in r.stderr
    r = _audit("claims", "--claims", "", "--out", str(tmp_path / "o"), cwd=tmp_path)
    assert r.returncode == 2 and "--claims is empty" in r.stderr
    (tmp_path / "empty").mkdir()
    r = _audit("claims", "--claims", "empty", "--out", str(tmp_path / "o"), cwd=tmp_path)
    assert r.returncode == 2 and "--claims empty: the folder holds no file" in r.stderr
    # real reference files are never checked against the demo quarter
    roster = tmp_path / "workforce.csv"
    roster.write_text("user_id,last_name,first_name\nU1,Lee,Pat\n")
    r = _audit("access", "--workforce", str(roster), "--patients", str(roster), "--out",
               str(tmp_path / "o"), cwd=tmp_path)  # fmt: skip
    assert r.returncode == 2 and "without --access-log" in r.stderr
    r = _audit("refunds", "--claims", str(roster), "--out", str(tmp_path / "o"), cwd=tmp_path)
    assert r.returncode == 2 and "without --overpayments" in r.stderr
    assert not (tmp_path / "o").exists()


@pytest.mark.cli
def test_cli_x12_fixtures_end_to_end_with_scan_phi(tmp_path):
    lfh = X12 / "linuxforhealth-x12"
    out = tmp_path / "x12run"
    r = _audit("claims", "--claims", str(lfh / "837_005010X222A2"), "--claims",
               str(lfh / "837_005010X223A3"), "--remits", str(lfh / "835_005010X221A1"),
               "--out", str(out), cwd=tmp_path)  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert (out / "claims_review.html").is_file()
    s = _audit("scan-phi", str(out), "--inputs", str(lfh), cwd=tmp_path)
    assert s.returncode == 0 and "no raw protected value found" in s.stdout, s.stdout


@pytest.mark.cli
def test_cli_own_mapping_end_to_end_with_scan_and_reperform(tmp_path):
    rif = FIX / "tables" / "cms-bfd-rif-samples" / "sample-a-bcarrier-multiple-lines.txt"
    r = _audit("claims", "--profile", "rif-carier", str(rif), "--out", str(tmp_path / "x"),
               cwd=tmp_path)  # fmt: skip
    assert r.returncode == 2 and "no profile named 'rif-carier'. Shipped profiles:" in r.stderr
    # a mapping file of one's own is an input of the run: hashed, and needed to re-perform
    import audit_lib.profiles

    mine = tmp_path / "inputs" / "carrier-map.toml"
    mine.parent.mkdir()
    shipped = Path(audit_lib.profiles.__file__).parent / "data" / "rif-carrier.toml"
    mine.write_text(shipped.read_text().replace('name = "rif-carrier"', 'name = "ours"'))
    (tmp_path / "inputs" / rif.name).write_bytes(rif.read_bytes())
    out = tmp_path / "mine"
    r = _audit("claims", "--mapping", str(mine), str(tmp_path / "inputs" / rif.name), "--out",
               str(out), cwd=tmp_path)  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert "rif" in (out / "claims_review.html").read_text().lower()
    s = _audit("scan-phi", str(out), "--inputs", str(rif), cwd=tmp_path)
    assert s.returncode == 0 and "no raw protected value found" in s.stdout, s.stdout
    import json

    manifest = json.loads((out / "manifest.json").read_text())
    assert "carrier-map.toml" in {i.get("file") for i in manifest["inputs"]}
    p = _audit("reperform", str(out), "--inputs", str(tmp_path / "inputs"), cwd=tmp_path)
    assert p.returncode == 0 and "identical findings" in p.stdout, p.stdout + p.stderr
