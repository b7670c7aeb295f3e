"""``audit signoff``: who prepared or reviewed a run, and when, bound to its manifest hash.

The sign-off is appended to ``signoffs.json`` with the SHA-256 of the manifest it approves.
The workpaper's Sign-off sheet is rewritten to show every sign-off; that change to a sealed
file is recorded in ``revisions.json`` (who, when, why, hash before and after), as AS 1215.16
asks of additions after completion, and ``verify`` follows that chain. Each sign-off and
revision is also a link of the evidence chain (``chain.json``), signed with the organisation's
key when one is given (``signing_key``; the CLI reads ``--signing-key`` or AUDIT_SIGNING_KEY),
so a forged, deleted or back-dated entry fails ``verify --key``.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

from ..errors import AuditError, ConfigError
from .chain import extended, read_chain, sign_manifest_link, start_chain, write_chain
from .manifest import REVISIONS, SIGNOFFS, read_json, sha256_file, user_name, utc_now
from .verify import verify

ROLES = ("preparer", "reviewer")


def record_signoff(
    run_dir: str | Path,
    *,
    role: str,
    name: str,
    note: str = "",
    signing_key: Any | None = None,
) -> dict[str, Any]:
    run = Path(run_dir)
    if role not in ROLES:
        raise ConfigError(f"role {role!r} is not one of {', '.join(ROLES)}.")
    if not name.strip():
        raise ConfigError("--name must not be empty: a sign-off says who signed.")
    if not run.is_dir():
        raise ConfigError(f"{run} is not a run folder. Sign off the folder a review wrote.")
    report = verify(run)
    if not report.intact or report.manifest_sha256 is None:
        problems = "; ".join(report.failures)
        raise AuditError(f"{run} is not intact, so it cannot be signed off: {problems}")
    entry = {
        "role": role,
        "name": name.strip(),
        "note": note,
        "signed_at": utc_now(),
        "os_user": user_name(),
        "manifest_sha256": report.manifest_sha256,
    }
    signoffs = read_json(run / SIGNOFFS) if (run / SIGNOFFS).is_file() else []
    if not read_chain(run):  # sealed before the chain existed, and never signed off
        start_chain(run, report.manifest_sha256, signing_key)
    elif signing_key is not None:  # signing off attests the manifest too
        sign_manifest_link(run, report.manifest_sha256, signing_key)
    signoffs.append(entry)
    links = extended(read_chain(run), "signoff", entry, signing_key)
    workpaper = run / "workpaper.xlsx"
    with tempfile.TemporaryDirectory(prefix="audit-signoff-") as tmp:
        # every link (and its timestamp, where a service is set) is made before any file is
        # written: a service that fails leaves the run as it was
        shown = Path(tmp) / workpaper.name
        revisions = read_json(run / REVISIONS) if (run / REVISIONS).is_file() else []
        if workpaper.is_file():
            shutil.copyfile(workpaper, shown)
            write_signoff_sheet(shown, signoffs)
            revision = {
                "file": "workpaper.xlsx",
                "at": entry["signed_at"],
                "by": entry["os_user"],
                "why": f"{role} sign-off by {entry['name']} shown on the Sign-off sheet",
                "sha256_before": sha256_file(workpaper),
                "sha256_after": sha256_file(shown),
            }
            revisions.append(revision)
            links = extended(links, "revision", revision, signing_key)
        (run / SIGNOFFS).write_text(json.dumps(signoffs, indent=2) + "\n", "utf-8")
        if workpaper.is_file():
            shutil.copyfile(shown, workpaper)
            (run / REVISIONS).write_text(json.dumps(revisions, indent=2) + "\n", "utf-8")
        write_chain(run, links)
    return entry


def write_signoff_sheet(workpaper: Path, signoffs: list[dict[str, Any]]) -> None:
    from openpyxl import load_workbook

    from ..xlsx import save_workbook

    wb = load_workbook(workpaper)
    if "Sign-off" in wb.sheetnames:
        del wb["Sign-off"]
    ws = wb.create_sheet("Sign-off")
    ws.append(["Role", "Name", "Date", "Note", "Bound to manifest SHA-256"])
    for s in signoffs:
        ws.append([s["role"], s["name"], s["signed_at"], s["note"], s["manifest_sha256"]])
    for row in ws.iter_rows():
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # a name or note starting with '=' stays text
    for col, width in zip("ABCDE", (12, 28, 22, 50, 66), strict=True):
        ws.column_dimensions[col].width = width
    save_workbook(wb, workpaper)
