"""``audit package``: one zip an external auditor can open, verify and re-perform.

Layout::

    index.html            links to every report, workpaper, findings file and the manifest;
                          control totals, reconciliation, findings by rule, sign-offs,
                          new/recurring/resolved counts
    README.txt            how to verify and re-perform
    PACKAGE_MANIFEST.json SHA-256 of every other file in the zip
    run/...               the run folder as sealed by its manifest (plus sign-offs)
    inputs/...            only with --include-inputs: they hold protected data
"""

from __future__ import annotations

import html
import json
import os
import zipfile
from pathlib import Path
from typing import Any

from ..atomic import replacing
from ..errors import AuditError, InputError
from ..phi import Masker
from .manifest import MANIFEST, SIGNOFFS, list_files, read_json, sha256_bytes, sha256_file, utc_now
from .verify import PACKAGE_MANIFEST, RUN_PREFIX, verify

README = """EVIDENCE PACKAGE - {review} review, period {period}

What this is
  The complete output of one run of audit-suite {version} (commit {commit}), sealed by
  run/manifest.json. Start with index.html.

Verify it (nothing changed since it was made)
  audit verify {zipname}        (with audit-suite installed: see "The code that made it")
  Exit code 0 and "intact" mean every file matches its recorded SHA-256. Any added, removed
  or changed file is named. A sign-off made before a change is reported VOID.
  Without the tool: compare `sha256sum` of each file with PACKAGE_MANIFEST.json and
  run/manifest.json, and run/manifest.json with run/manifest.sha256.
  Record the SHA-256 of this zip ({zip_sha_hint}) in your own workpapers: that is what makes
  later substitution of the whole package detectable.

Re-perform it (the same inputs give the same findings)
  audit reperform {zipname} --inputs DIR
  DIR holds the input files named in run/manifest.json ("inputs"); their SHA-256 are checked
  first. The review is run again with the recorded parameters and the new findings.csv is
  compared byte for byte with run/findings.csv. {inputs_note}

The code that made it
  audit-suite {version}, commit {commit}, code fingerprint {code}
  (SHA-256 of every module and data file of audit_lib: notebooks, suites, code sets, rules).
  {wheel_note}
  `audit reperform` first says whether the installed code is the run's; re-perform with it.

Protected health information
  Patients appear only as keyed tokens (PT-...). The key is not in this package.
  Findings name claim lines by claim_id:line_number and input row.
"""


def build_package(
    run_dir: str | Path,
    *,
    out: str | Path | None = None,
    include_inputs: bool = False,
    reveal: bool = False,
    wheel: str | Path | None = None,
) -> Path:
    """One evidence zip of a sealed run; ``wheel``: the audit-suite wheel that made the run,
    carried in the package (``tool/``) so the run can be re-performed with its own code."""
    run = Path(run_dir)
    report = verify(run)
    if not report.intact:
        problems = "; ".join(report.failures)
        raise AuditError(f"{run} is not intact, so it cannot be packaged: {problems}")
    manifest = read_json(run / MANIFEST)
    summary = read_json(run / "summary.json")
    signoffs = read_json(run / SIGNOFFS) if (run / SIGNOFFS).is_file() else []
    target = Path(out) if out else run.with_suffix(".zip")
    target.parent.mkdir(parents=True, exist_ok=True)
    entries: dict[str, bytes] = {}
    for rel in list_files(run):
        entries[RUN_PREFIX + rel] = (run / rel).read_bytes()
    inputs = [i for i in manifest["inputs"] if "path" in i]
    if include_inputs:
        for item in inputs:
            src = Path(item["path"])
            if not src.is_file() or sha256_file(src) != item["sha256"]:
                raise InputError(
                    f"input {item['file']} is no longer at {src} with the recorded SHA-256; "
                    "package without --include-inputs or restore the file.",
                    path=src,
                )
            entries[f"inputs/{item['file']}"] = src.read_bytes()
    wheel_note = _carry_wheel(wheel, manifest["tool"], entries)
    entries["README.txt"] = README.format(
        review=manifest["review"],
        period=(manifest.get("period") or {}).get("period"),
        version=manifest["tool"]["version"],
        commit=manifest["tool"]["git_commit"],
        code=manifest["tool"].get("code_sha256", "not recorded (a run of an earlier version)"),
        wheel_note=wheel_note,
        zipname=target.name,
        zip_sha_hint="printed by `audit package`",
        inputs_note="The inputs are inside this package (inputs/)."
        if include_inputs
        else "The inputs are not inside this package: they hold protected data.",
    ).encode("utf-8")
    entries["index.html"] = render_index(
        manifest, summary, signoffs, report.manifest_sha256, include_inputs
    ).encode("utf-8")
    listing = {
        "created_at": utc_now(),
        "files": [{"path": p, "sha256": sha256_bytes(b)} for p, b in sorted(entries.items())],
    }
    entries[PACKAGE_MANIFEST] = (json.dumps(listing, indent=2) + "\n").encode("utf-8")
    with replacing(target) as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
        for name in sorted(entries):
            z.writestr(name, entries[name])
    if reveal:
        write_reveal_map(run, manifest, target)
    return target


def _carry_wheel(wheel: str | Path | None, tool: dict[str, Any], entries: dict) -> str:
    """Put the run's own wheel in the package (after checking it holds the run's code) and
    say in the README how to install it; without one, say where the code is to be found."""
    from .manifest import wheel_code_sha256

    if wheel is None:
        return (
            f"Install audit-suite {tool['version']} from the wheel your organisation keeps (or "
            "check out the commit), then compare the fingerprint:\n"
            '    python -c "from audit_lib.evidence.manifest import code_sha256; '
            'print(code_sha256())"\n'
            "  (`audit package --wheel FILE` carries the wheel in the package.)"
        )
    path = Path(wheel)
    if not path.is_file() or not zipfile.is_zipfile(path):
        raise InputError(
            f"--wheel {path} is not a wheel file; give the audit_suite-*.whl.", path=path
        )
    recorded = tool.get("code_sha256")
    if recorded is not None and wheel_code_sha256(path) != recorded:
        raise InputError(
            f"--wheel {path.name} does not hold the code that made this run (its fingerprint "
            f"differs from the manifest's {recorded[:16]}...): give the wheel of audit-suite "
            f"{tool['version']} built from commit {tool['git_commit']}.",
            path=path,
        )
    entries[f"tool/{path.name}"] = path.read_bytes()
    return (
        f"The wheel travels in this package: tool/{path.name} (SHA-256 "
        f"{sha256_bytes(entries[f'tool/{path.name}'])}). Install it in a fresh environment:\n"
        f"    python -m venv audit-env && audit-env/bin/pip install tool/{path.name}"
    )


def write_reveal_map(run: Path, manifest: dict[str, Any], target: Path) -> Path:
    """Token -> patient id for every patient of the review's main input, written NEXT TO the
    package (never inside it). Internal use: it re-identifies the masked findings and the
    CMS-838 beneficiaries."""
    import pandas as pd

    from ..claims.schema import CLAIMS_SCHEMA
    from ..refunds.schema import OVERPAYMENTS_SCHEMA
    from ..tables import load_table

    name, schema = (
        ("overpayments", OVERPAYMENTS_SCHEMA)
        if manifest["review"] == "refunds"
        else ("claims", CLAIMS_SCHEMA)
    )
    item = next((i for i in manifest["inputs"] if i.get("name") == name and "path" in i), None)
    if item is None:
        raise InputError(
            f"--reveal needs the {name} input file recorded in the manifest; a demo "
            "run has none (its patients are synthetic)."
        )
    ids = load_table(item["path"], schema).frame["patient_id"].dropna().unique()
    ids = pd.Series(sorted(ids), dtype="string")
    out = target.with_name(target.stem + ".reveal.csv")
    with replacing(out, mode=0o600) as tmp:  # it re-identifies patients: its owner only
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", newline="") as fh:
            frame = pd.DataFrame({"token": Masker().mask_series(ids), "patient_id": ids})
            frame.to_csv(fh, index=False)
    return out


def _table(rows: list[list[Any]], head: list[str]) -> str:
    h = "".join(f"<th>{html.escape(str(x))}</th>" for x in head)
    body = "".join(
        "<tr>"
        + "".join(f"<td>{html.escape('' if v is None else str(v))}</td>" for v in r)
        + "</tr>"
        for r in rows
    )
    return f"<table><thead><tr>{h}</tr></thead><tbody>{body}</tbody></table>"


def render_index(
    manifest: dict[str, Any],
    summary: dict[str, Any],
    signoffs: list[dict],
    manifest_sha: str | None,
    include_inputs: bool,
) -> str:
    p = summary.get("period", {})
    links = [
        [
            f'<a href="run/{html.escape(o["path"])}">{html.escape(o["path"])}</a>',
            o["sha256"],
            o["bytes"],
        ]
        for o in manifest["outputs"]
    ]
    files = (
        "<table><thead><tr><th>file</th><th>SHA-256</th><th>bytes</th></tr></thead><tbody>"
        + "".join(
            f"<tr><td>{a}</td><td><code>{b}</code></td><td>{c:,}</td></tr>" for a, b, c in links
        )
        + "</tbody></table>"
    )
    totals = next(iter((summary.get("control_totals") or {"": {}}).values()))
    total_rows = [["rows", f"{totals.get('rows', 0):,}"]]
    total_rows += [[k, f"${v:,.2f}"] for k, v in totals.get("amounts", {}).items()]
    total_rows += [
        [f"{k} min / max", f"{v['min']} / {v['max']}"] for k, v in totals.get("dates", {}).items()
    ]
    recon = summary.get("reconciliation") or []
    recon_html = (
        _table(
            [
                [
                    r["measure"],
                    r["actual"],
                    r["expected"],
                    r["difference"],
                    r["tolerance"],
                    r["status"],
                ]
                for r in recon
            ],
            ["measure", "input", "control total", "difference", "tolerance", "status"],
        )
        if recon
        else "<p>No control totals file was given: the population was not reconciled to an independent source (EVD-POP-01 not performed).</p>"
    )
    by_rule = [
        [
            r,
            v["title"],
            v["severity"],
            v["count"],
            f"${v['amount']:,.2f}" if v.get("amount_basis") else "",
        ]
        for r, v in summary["findings"]["by_rule"].items()
        if v["count"]
    ]
    qoq = summary.get("quarter_over_quarter")
    qoq_html = (
        _table(
            [[qoq["new"], qoq["recurring"], qoq["resolved"], qoq["prior"]]],
            ["new", "recurring", "resolved", "prior run"],
        )
        if qoq
        else "<p>No prior period was given (run with --prior to classify findings).</p>"
    )
    sign = (
        _table(
            [
                [
                    s["role"],
                    s["name"],
                    s["signed_at"],
                    s["note"],
                    "valid" if s["manifest_sha256"] == manifest_sha else "VOID",
                ]
                for s in signoffs
            ],
            ["role", "name", "signed (UTC)", "note", "status"],
        )
        if signoffs
        else "<p>Not signed off yet (audit signoff RUN_DIR --role preparer|reviewer --name NAME).</p>"
    )
    inputs = _table(
        [
            [i.get("file", i.get("generated")), i.get("sha256", ""), i.get("rows")]
            for i in manifest["inputs"]
        ],
        ["input", "SHA-256", "rows"],
    )
    t = manifest["tool"]
    return f"""<!doctype html><html><head><meta charset="utf-8">
<title>Evidence package: {html.escape(manifest["review"])} {html.escape(str(p.get("period")))}</title>
<style>body{{font-family:sans-serif;max-width:1100px;margin:2em auto}}table{{border-collapse:collapse;margin:.5em 0 1.5em}}
td,th{{border:1px solid #ccc;padding:3px 8px;text-align:left;font-size:13px}}code{{font-size:11px}}</style></head><body>
<h1>Evidence package: {html.escape(manifest["review"])} review, {html.escape(str(p.get("period")))}</h1>
<p>Period {html.escape(str(p.get("start")))} to {html.escape(str(p.get("end")))}, as of {html.escape(str(p.get("as_of")))}.
Run by <b>{html.escape(manifest["user"])}</b> from {html.escape(manifest["started_at"])} to {html.escape(manifest["finished_at"])}
with audit-suite {html.escape(t["version"])} (commit <code>{html.escape(t["git_commit"])}</code>, code fingerprint <code>{html.escape(t.get("code_sha256", "not recorded"))}</code>).
Manifest SHA-256 <code>{html.escape(str(manifest_sha))}</code>. Verify with <code>audit verify</code>; see README.txt.</p>
<h2>Reports and files</h2>
<p><a href="run/{html.escape(manifest["review"])}_review.html">Report (HTML)</a> · <a href="run/workpaper.xlsx">Workpaper (Excel)</a> ·
<a href="run/findings.csv">Findings (CSV)</a> · <a href="run/manifest.json">Manifest</a> · <a href="README.txt">README</a></p>
{files}
<h2>Inputs</h2>{inputs}<p>{"Inputs are included under inputs/." if include_inputs else "Inputs are not included (protected data); their hashes are above."}</p>
<h2>Control totals</h2>{_table(total_rows, ["measure", "value"])}
<h2>Reconciliation to control totals</h2>{recon_html}
<h2>Findings by rule</h2>{_table(by_rule, ["rule", "title", "severity", "findings", "amount"])}
<h2>Quarter over quarter</h2>{qoq_html}
<h2>Sign-offs</h2>{sign}
</body></html>
"""
