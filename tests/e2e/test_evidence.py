"""Evidence packages end to end: manifest, verify (with tamper cases), sign-off, package,
re-perform, control totals, quarter over quarter, failed runs and the PHI scan."""

from __future__ import annotations

import hashlib
import json
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from tests.e2e.test_cli import audit

pytestmark = pytest.mark.cli


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    base = tmp_path_factory.mktemp("evidence")
    r = audit("run", "--period", "2026Q3", "--out", base / "2026Q3")
    assert r.returncode == 0, r.stderr
    return base / "2026Q3" / "claims"


@pytest.fixture(scope="module")
def file_runs(tmp_path_factory):
    """Two runs of a claims file: a 'prior' one, then one with control totals and --prior."""
    base = tmp_path_factory.mktemp("fileruns")
    inputs = base / "inputs"
    inputs.mkdir()
    csv = inputs / "claims.csv"
    assert audit("demo-data", "--claims", "300", "--out", csv).returncode == 0
    (inputs / "claims.truth.csv").unlink()
    before = (sha(csv), csv.stat().st_mtime_ns)
    prior = base / "prior"
    r = audit("claims", "--claims", csv, "--period", "2026Q3", "--out", prior)
    assert r.returncode == 0, r.stderr
    totals = json.loads((prior / "summary.json").read_text())["control_totals"]["claims"]
    control = inputs / "control.csv"
    control.write_text(
        "input,measure,expected\n"
        f"claims,rows,{totals['rows']}\n"
        f"claims,billed_amount,{totals['amounts']['billed_amount']:.2f}\n"
        f"claims,paid_amount,{totals['amounts']['paid_amount'] + 5:.2f}\n"
    )
    current = base / "current"
    r = audit(
        "claims",
        "--claims",
        csv,
        "--period",
        "2026Q3",
        "--out",
        current,
        "--control-totals",
        control,
        "--prior",
        prior,
    )
    assert r.returncode == 0, r.stderr
    assert (sha(csv), csv.stat().st_mtime_ns) == before  # inputs are never modified
    return inputs, prior, current


def test_manifest_records_everything(demo_run):
    m = json.loads((demo_run / "manifest.json").read_text())
    assert (demo_run / "manifest.sha256").read_text().split()[0] == sha(demo_run / "manifest.json")
    outputs = {o["path"]: o for o in m["outputs"]}
    stamp = "20260930T000000.000000Z"
    batches = ("claim_lines", "diagnoses", "modifiers", "institutional_lines")
    docs = {
        "data_docs/index.html",
        "data_docs/checkpoint.json",
        "data_docs/expectations/claims.html",
        *(f"data_docs/expectations/claims.{b}.json" for b in batches),
        *(f"data_docs/validations/claims/2026Q3/{stamp}/{b}.html" for b in batches),
        *(f"data_docs/static/{f}" for f in
          ("styles/data_docs_default_styles.css", "images/logo-long.png", "images/favicon.ico")),
    }  # fmt: skip
    assert set(outputs) == {
        "findings.csv",
        "summary.json",
        "validation/claims.json",
        "claims_review.ipynb",
        "claims_review.html",
        "workpaper.xlsx",
        "findings_sample.csv",
        "findings_sample_plan.json",
        *docs,
    }
    for rel, o in outputs.items():
        assert o["sha256"] == sha(demo_run / rel) and o["bytes"] == (demo_run / rel).stat().st_size
    assert m["inputs"] == [
        {"name": "claims", "generated": "demo:2026Q3:seed=20260930", "rows": 7694}
    ]
    assert m["seeds"] == {"demo_seed": 20260930}
    assert m["parameters"]["config"]["period"] == "2026Q3"
    assert m["tool"]["version"] and m["tool"]["git_commit"]
    assert m["environment"]["packages"]["great-expectations"]
    assert m["codesets"]["icd10cm"]["release"].startswith("FY2019 to FY2026")
    assert set(m["codesets"]["files_sha256"]) == {
        "cpt_modifier_numbers.csv",
        "hcpcs_modifiers.csv",
        "icd10cm_history.csv.gz",
        "icd10cm_releases.csv",
        "place_of_service.csv",
    }
    assert m["started_at"] <= m["finished_at"] and m["user"]


def test_verify_intact_folder_and_package(demo_run, tmp_path):
    assert audit("verify", demo_run).returncode == 0
    zip_path = tmp_path / "p.zip"
    r = audit("package", demo_run, "--out", zip_path)
    assert r.returncode == 0 and sha(zip_path) in r.stderr
    r = audit("verify", zip_path)
    assert r.returncode == 0 and "intact" in r.stdout
    with zipfile.ZipFile(zip_path) as z:
        names = set(z.namelist())
        index = z.read("index.html").decode()
    assert {
        "index.html",
        "README.txt",
        "PACKAGE_MANIFEST.json",
        "run/manifest.json",
        "run/findings.csv",
        "run/workpaper.xlsx",
        "run/claims_review.html",
    } <= names
    assert not any(n.startswith("inputs/") for n in names)  # only with --include-inputs
    for text in (
        "Control totals",
        "Reconciliation",
        "Sign-offs",
        "Quarter over quarter",
        'href="run/workpaper.xlsx"',
        'href="run/manifest.json"',
    ):
        assert text in index


@pytest.mark.parametrize("tamper", ["change", "add", "remove", "manifest"])
def test_verify_names_every_tampered_file_in_a_folder(demo_run, tmp_path, tamper):
    run = tmp_path / "run"
    shutil.copytree(demo_run, run)
    if tamper == "change":
        data = bytearray((run / "summary.json").read_bytes())
        data[10] ^= 1
        (run / "summary.json").write_bytes(bytes(data))
        expected = "CHANGED  summary.json"
    elif tamper == "add":
        (run / "validation" / "notes.txt").write_text("x")
        expected = "ADDED    validation/notes.txt"
    elif tamper == "remove":
        (run / "claims_review.html").unlink()
        expected = "REMOVED  claims_review.html"
    else:
        (run / "manifest.json").write_text(
            (run / "manifest.json").read_text().replace("2026Q3", "2026Q4")
        )
        expected = "CHANGED  manifest.json"
    r = audit("verify", run)
    assert r.returncode == 1 and expected in r.stdout and "NOT INTACT" in r.stdout


@pytest.mark.parametrize("tamper", ["change", "add", "remove"])
def test_verify_names_every_tampered_file_in_a_package(demo_run, tmp_path, tamper):
    good = tmp_path / "good.zip"
    assert audit("package", demo_run, "--out", good).returncode == 0
    bad = tmp_path / "bad.zip"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(bad, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if tamper == "remove" and item.filename == "run/workpaper.xlsx":
                continue
            if tamper == "change" and item.filename == "run/findings.csv":
                data = data.replace(b"CLM-NPI-01", b"CLM-NPI-00", 1)
            dst.writestr(item, data)
        if tamper == "add":
            dst.writestr("run/extra.csv", "a,b\n")
    r = audit("verify", bad)
    expected = {
        "change": "CHANGED  run/findings.csv",
        "add": "ADDED    run/extra.csv",
        "remove": "REMOVED  run/workpaper.xlsx",
    }[tamper]
    assert r.returncode == 1 and expected in r.stdout


def test_signoff_binds_to_the_manifest_and_is_void_after_a_change(demo_run, tmp_path):
    run = tmp_path / "run"
    shutil.copytree(demo_run, run)
    assert audit("signoff", run, "--role", "preparer", "--name", "Pat Preparer").returncode == 0
    assert (
        audit("signoff", run, "--role", "reviewer", "--name", "=Rev", "--note", "ok").returncode
        == 0
    )
    r = audit("verify", run)
    assert r.returncode == 0, r.stdout
    assert "sign-off preparer Pat Preparer" in r.stdout and "valid" in r.stdout
    ws = openpyxl.load_workbook(run / "workpaper.xlsx")["Sign-off"]
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    assert rows[1][:2] == ["preparer", "Pat Preparer"] and rows[2][:2] == ["reviewer", "=Rev"]
    assert ws.cell(row=3, column=2).data_type == "s"
    zip_path = tmp_path / "signed.zip"
    assert audit("package", run, "--out", zip_path).returncode == 0
    assert "valid" in zipfile.ZipFile(zip_path).read("index.html").decode()
    # change the findings and re-seal the manifest as if the run had produced them
    findings = run / "findings.csv"
    findings.write_text(findings.read_text().replace("CLM-NPI-01", "CLM-NPI-00", 1))
    manifest = json.loads((run / "manifest.json").read_text())
    for o in manifest["outputs"]:
        if o["path"] == "findings.csv":
            o["sha256"], o["bytes"] = sha(findings), findings.stat().st_size
    text = json.dumps(manifest, indent=2, sort_keys=True) + "\n"
    (run / "manifest.json").write_text(text)
    (run / "manifest.sha256").write_text(
        f"{hashlib.sha256(text.encode()).hexdigest()}  manifest.json\n"
    )
    r = audit("verify", run)
    assert r.returncode == 1
    assert r.stdout.count("VOID (the evidence changed after this sign-off)") == 2
    # evidence that changed after a sign-off is not signed again: re-run the review instead
    r = audit("signoff", run, "--role", "preparer", "--name", "X")
    assert r.returncode == 1 and "VOID" in r.stderr


def test_signed_chain_from_the_command_line_through_a_package(demo_run, tmp_path):
    """keygen, sign, signoff --signing-key, package, verify --key: the whole chain verifies;
    a sign-off forged into the package (re-listed in PACKAGE_MANIFEST.json) does not."""
    run = tmp_path / "run"
    shutil.copytree(demo_run, run)
    r = audit("keygen", tmp_path / "org")
    assert r.returncode == 0 and "fingerprint SHA256:" in r.stderr
    assert (tmp_path / "org.key").stat().st_mode & 0o077 == 0
    key, pub = tmp_path / "org.key", tmp_path / "org.pub"
    assert "hash-consistent but unsigned" in audit("verify", run).stdout
    assert audit("verify", run, "--key", pub).returncode == 1  # sealed without the key
    assert audit("sign", run, "--signing-key", key).returncode == 0
    r = audit("signoff", run, "--role", "preparer", "--name", "Pat", "--signing-key", key)
    assert r.returncode == 0, r.stderr
    zip_path = tmp_path / "signed.zip"
    assert audit("package", run, "--out", zip_path).returncode == 0
    r = audit("verify", zip_path, "--key", pub)
    assert r.returncode == 0 and "every signature verified" in r.stdout, r.stdout
    assert "signatures not checked" in audit("verify", zip_path).stdout
    # the forger appends a reviewer and re-hashes the package listing
    with zipfile.ZipFile(zip_path) as z:
        entries = {n: z.read(n) for n in z.namelist()}
    signoffs = json.loads(entries["run/signoffs.json"])
    signoffs.append({**signoffs[0], "role": "reviewer", "name": "Mallory"})
    entries["run/signoffs.json"] = json.dumps(signoffs).encode()
    listing = json.loads(entries["PACKAGE_MANIFEST.json"])
    for f in listing["files"]:
        f["sha256"] = hashlib.sha256(entries[f["path"]]).hexdigest()
    entries["PACKAGE_MANIFEST.json"] = json.dumps(listing).encode()
    forged = tmp_path / "forged.zip"
    with zipfile.ZipFile(forged, "w") as z:
        for n, b in entries.items():
            z.writestr(n, b)
    r = audit("verify", forged, "--key", pub)
    assert r.returncode == 1 and "sign-off 2 (reviewer Mallory" in r.stdout, r.stdout


def test_signoff_refuses_a_broken_run(demo_run, tmp_path):
    run = tmp_path / "run"
    shutil.copytree(demo_run, run)
    (run / "findings.csv").write_text("tampered\n")
    r = audit("signoff", run, "--role", "reviewer", "--name", "R")
    assert r.returncode == 1 and "not intact" in r.stderr and "Traceback" not in r.stderr


def test_reperform_demo_package(demo_run, tmp_path):
    zip_path = tmp_path / "p.zip"
    assert audit("package", demo_run, "--out", zip_path).returncode == 0
    r = audit("reperform", zip_path)
    assert r.returncode == 0 and "identical, byte for byte" in r.stdout


def test_reperform_with_inputs_and_a_changed_input(file_runs, tmp_path):
    inputs, _prior, current = file_runs
    zip_path = tmp_path / "p.zip"
    assert audit("package", current, "--out", zip_path, "--include-inputs").returncode == 0
    assert {"inputs/claims.csv", "inputs/control.csv"} <= set(zipfile.ZipFile(zip_path).namelist())
    r = audit("reperform", zip_path, "--inputs", inputs)
    assert r.returncode == 0 and "identical, byte for byte" in r.stdout, r.stdout + r.stderr
    for key in ("kpis", "counts", "control_totals"):
        assert f"summary.json {key}: identical" in r.stdout
    # a package verify rejects is never re-performed (it used to say "identical")
    with zipfile.ZipFile(zip_path) as z:
        entries = {n: z.read(n) for n in z.namelist()}
    entries["run/workpaper.xlsx"] += b"\0"
    bad = tmp_path / "bad.zip"
    with zipfile.ZipFile(bad, "w") as z:
        for n, b in entries.items():
            z.writestr(n, b)
    r = audit("reperform", bad, "--inputs", inputs)
    assert r.returncode == 1 and "NOT INTACT, so it is not re-performed" in r.stdout
    assert "CHANGED  run/workpaper.xlsx" in r.stdout
    changed = tmp_path / "changed"
    shutil.copytree(inputs, changed)
    (changed / "claims.csv").write_text(
        (changed / "claims.csv").read_text().replace("MCR-JH", "MCR-JX", 1)
    )
    r = audit("reperform", zip_path, "--inputs", changed)
    assert r.returncode == 1 and "claims.csv: DIFFERENT" in r.stdout


def test_control_totals_reconciliation(file_runs):
    _inputs, _prior, current = file_runs
    summary = json.loads((current / "summary.json").read_text())
    status = {r["measure"]: r["status"] for r in summary["reconciliation"]}
    assert status == {
        "rows": "reconciled",
        "billed_amount": "reconciled",
        "paid_amount": "difference",
    }
    f = pd.read_csv(current / "findings.csv")
    pop = f[f["rule_id"] == "EVD-POP-01"]
    assert pop[["record_key", "row", "amount"]].values.tolist() == [["claims:paid_amount", 0, -5.0]]
    wb = openpyxl.load_workbook(current / "workpaper.xlsx")
    assert {"Control totals", "Prior period", "Sign-off"} <= set(wb.sheetnames)
    cells = [c.value for row in wb["Control totals"].iter_rows() for c in row]
    assert "paid_amount" in cells and "difference" in cells and "reconciled" in cells


def test_quarter_over_quarter(file_runs):
    _inputs, prior, current = file_runs
    summary = json.loads((current / "summary.json").read_text())
    qoq = summary["quarter_over_quarter"]
    n_prior = len(pd.read_csv(prior / "findings.csv"))
    # same input: every prior finding recurs; only the control-total difference is new
    assert (qoq["new"], qoq["recurring"], qoq["resolved"]) == (1, n_prior, 0)
    comparison = pd.read_csv(current / "comparison.csv")
    assert comparison.loc[comparison["status"] == "new", "rule_id"].tolist() == ["EVD-POP-01"]


def test_resolved_findings(file_runs, tmp_path):
    from audit_lib import load_config, run_claims_review

    inputs, prior, _current = file_runs
    frame = pd.read_csv(inputs / "claims.csv", dtype=str, keep_default_na=False)
    prior_f = pd.read_csv(prior / "findings.csv")
    fixed_row = int(prior_f.loc[prior_f["rule_id"] == "CLM-PX-03", "row"].iloc[0])
    frame.loc[fixed_row - 2, "units"] = "1"
    path = tmp_path / "claims.csv"
    frame.to_csv(path, index=False)
    review = run_claims_review(path, config=load_config(period="2026Q3"), prior_dir=prior)
    assert review.comparison["counts"] == {"new": 0, "recurring": len(prior_f) - 1, "resolved": 1}
    assert review.comparison["resolved"]["rule_id"].tolist() == ["CLM-PX-03"]


def test_failed_run_is_left_marked_and_never_intact(tmp_path):
    bad = tmp_path / "claims.csv"
    bad.write_text("claim_id,line_number\nC1,1\n")
    out = tmp_path / "out"
    r = audit("claims", "--claims", bad, "--out", out)
    assert r.returncode == 2 and "missing required column" in r.stderr
    assert not out.exists()
    partial = [p for p in tmp_path.iterdir() if p.name.startswith("out.partial-")]
    assert len(partial) == 1 and (partial[0] / "RUN_FAILED.json").is_file()
    assert "missing required column" in (partial[0] / "RUN_FAILED.json").read_text()
    assert (partial[0] / "claims_review.ipynb").is_file()  # the failed notebook is kept
    r = audit("verify", partial[0])
    assert r.returncode == 1 and "did not finish" in r.stdout


def test_scan_phi_finds_nothing_in_outputs_and_packages_but_finds_the_inputs(file_runs, tmp_path):
    inputs, _prior, current = file_runs
    zip_path = tmp_path / "p.zip"
    assert audit("package", current, "--out", zip_path).returncode == 0
    for target in (current, zip_path):
        r = audit("scan-phi", target, "--inputs", inputs / "claims.csv")
        assert r.returncode == 0 and "no raw protected value found" in r.stdout, r.stdout
    r = audit("scan-phi", inputs, "--inputs", inputs / "claims.csv")  # the scanner can fail
    assert r.returncode == 1 and "RAW patient_id (PT-" in r.stdout
    assert "M" not in r.stdout.split("RAW patient_id (")[1][:3]  # shows a token, not the id


def test_reveal_map_is_written_next_to_the_package(file_runs, tmp_path):
    _inputs, _prior, current = file_runs
    zip_path = tmp_path / "p.zip"
    assert audit("package", current, "--out", zip_path, "--reveal").returncode == 0
    reveal = tmp_path / "p.reveal.csv"
    assert reveal.is_file() and reveal.stat().st_mode & 0o777 == 0o600  # its owner only
    assert not any("reveal" in n for n in zipfile.ZipFile(zip_path).namelist())
    m = pd.read_csv(reveal, dtype=str)
    assert m["token"].str.startswith("PT-").all() and len(m) > 10
    wb = openpyxl.load_workbook(current / "workpaper.xlsx")
    head = [c.value for c in wb["Findings"][1]]
    tokens = {
        r[head.index("patient")] for r in wb["Findings"].iter_rows(min_row=2, values_only=True)
    }
    assert tokens - {None} <= set(m["token"])  # every masked patient can be re-identified


def test_refunds_end_to_end_with_files(tmp_path):
    from audit_lib.claims.demo import generate_demo_claims
    from audit_lib.refunds.demo import generate_demo_overpayments

    claims = generate_demo_claims()
    demo = generate_demo_overpayments(claims, seed=20260930)
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    claims.claims.to_csv(inputs / "claims.csv", index=False)
    demo.overpayments.to_csv(inputs / "overpayments.csv", index=False)
    (inputs / "cert.csv").write_text(
        "provider_ptan,quarter,submitted_date,certified_by,signer_title,signed_date\n"
        "PTAN0042,2026Q3,2026-10-28,Dana Ruiz,CFO,2026-10-27\n",
        encoding="utf-8",
    )  # filed on time and signed: no REF-CB-03/06 finding
    out = tmp_path / "refunds"
    r = audit(
        "refunds",
        "--overpayments",
        inputs / "overpayments.csv",
        "--claims",
        inputs / "claims.csv",
        "--cms838-certification",
        inputs / "cert.csv",
        "--period",
        "2026Q3",
        "--out",
        out,
    )
    assert r.returncode == 0, r.stderr
    for name in (
        "findings.csv",
        "summary.json",
        "validation/overpayments.json",
        "workpaper.xlsx",
        "cms838/PTAN0042.xlsx",
        "refunds_review.html",
        "refunds_review.ipynb",
        "manifest.json",
    ):
        assert (out / name).is_file(), name
    f = pd.read_csv(out / "findings.csv")
    assert set(map(tuple, f[["rule_id", "row", "field"]].values.tolist())) == set(
        map(tuple, demo.truth.values.tolist())
    )
    m = json.loads((out / "manifest.json").read_text())
    assert {i["name"] for i in m["inputs"]} == {"overpayments", "claims", "cms838_certification"}
    cert = json.loads((out / "summary.json").read_text())["credit_balance_report"]["certification"]
    assert cert["evaluated"] and cert["rows_for_quarter"] == 1
    # the claims input only supplies claim ids here; its planted (impossible) dates of birth
    # coincide with ordinary 2026 dates, so the scan uses the overpayment log's values
    r = audit("scan-phi", out, "--inputs", inputs / "overpayments.csv")
    assert r.returncode == 0, r.stdout
    r = audit("reperform", out, "--inputs", inputs)
    assert r.returncode == 0 and "identical" in r.stdout, r.stdout + r.stderr
    bad = tmp_path / "bad.csv"
    demo.overpayments.drop(columns=["identified_date"]).to_csv(bad, index=False)
    r = audit("refunds", "--overpayments", bad, "--out", tmp_path / "bad_out")
    assert r.returncode == 2 and "'identified_date'" in r.stderr and "Traceback" not in r.stderr


def test_re_running_a_review_gives_byte_identical_outputs_but_the_run_fields(file_runs, tmp_path):
    """Issue 13: the same review twice into the same --out (the second replaces the first):
    every file is byte-identical except the manifest fields that record the run's own time and
    id, which the manifest lists, and the two files holding the manifest's hash."""
    inputs, _prior, _current = file_runs
    out = tmp_path / "run"
    args = ("claims", "--claims", inputs / "claims.csv", "--period", "2026Q3", "--out", out)
    assert audit(*args).returncode == 0
    first = tmp_path / "first"
    shutil.copytree(out, first)
    r = audit(*args)
    assert r.returncode == 0, r.stderr
    files = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(first).as_posix() for p in first.rglob("*") if p.is_file())
    manifest = json.loads((out / "manifest.json").read_text())
    varies = manifest["varies_between_runs"]
    assert varies["manifest.json"] == ["run_id", "started_at", "finished_at"]
    differ = [f for f in files if (out / f).read_bytes() != (first / f).read_bytes()]
    assert set(differ) <= set(varies), differ
    old = json.loads((first / "manifest.json").read_text())
    for key in varies["manifest.json"]:
        assert old.pop(key) != manifest.pop(key) or key != "run_id"
    assert old == manifest  # outputs, inputs, parameters: all the same
    assert "claims_review.html" not in differ and "claims_review.ipynb" not in differ


def test_cms838_filing_copy_is_made_on_request_outside_the_run_and_recorded(tmp_path):
    """Issue 14: with the identifiers in the log, the run holds a masked working copy; with
    --filing-copy a workbook per provider number with the names and MBIs goes to that folder,
    the manifest records its hash, who and when, and neither the run folder nor its evidence
    package holds a name or an MBI. A filing copy inside --out is refused (exit 2)."""
    import openpyxl

    from audit_lib.claims.demo import generate_demo_claims
    from audit_lib.refunds.demo import generate_demo_overpayments

    demo = generate_demo_overpayments(generate_demo_claims(n_claims=1500), seed=20260930)
    log = tmp_path / "overpayments.csv"
    demo.overpayments.to_csv(log, index=False)
    out, filing = tmp_path / "refunds", tmp_path / "filing"
    base = ("refunds", "--overpayments", log, "--period", "2026Q3")
    r = audit(*base, "--out", out, "--filing-copy", out / "copy")
    assert r.returncode == 2 and "inside the run folder" in r.stderr and not out.exists()
    r = audit(*base, "--out", out, "--filing-copy", filing)
    assert r.returncode == 0, r.stderr
    assert [p.name for p in filing.iterdir()] == ["CMS-838_PTAN0042_2026Q3.xlsx"]
    copy = filing / "CMS-838_PTAN0042_2026Q3.xlsx"
    m = json.loads((out / "manifest.json").read_text())
    (recorded,) = m["filing_copies"]
    assert recorded["file"] == copy.name and recorded["sha256"] == hashlib.sha256(
        copy.read_bytes()
    ).hexdigest()
    assert recorded["made_by"] and recorded["made_at"]
    assert copy.name not in {o["path"] for o in m["outputs"]}
    mcr = demo.overpayments[demo.overpayments["payer_type"] == "medicare"]
    names, mbis = set(mcr["beneficiary_name"]) - {""}, set(mcr["mbi"]) - {""}
    wb = openpyxl.load_workbook(copy)
    shown = {c for ws in wb.worksheets[1:] for row in ws.iter_rows(min_row=5, values_only=True)
             for c in row[:2]}  # fmt: skip
    assert shown & names and shown & mbis  # the filing copy carries them
    assert audit("package", out, "--out", tmp_path / "evidence.zip").returncode == 0
    for target in (out, tmp_path / "evidence.zip"):
        r = audit("scan-phi", target, "--inputs", log)
        assert r.returncode == 0 and "no raw protected value found" in r.stdout, r.stdout
    assert audit("scan-phi", filing, "--inputs", log).returncode != 0  # the scan would see them
