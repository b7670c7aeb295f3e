"""Reading X12 files into the claims table: 837s as claim lines, 835s joined as adjudication.

A source may be one file, several files or a folder (every regular file in it, sorted). A file
is X12 when its first bytes are an ISA (or ST) segment, whatever its name.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputError
from ..paths import expand_files
from .claims837 import claims_from_837
from .reader import read_x12
from .remit835 import balance_findings, remits_from_835

__all__ = ["is_x12", "merge_remits", "read_835", "read_837"]

CLAIM_COLUMNS = (
    "claim_id", "line_number", "patient_id", "payer_id", "payer_type", "billing_npi",
    "service_date", "procedure_code", "diagnosis_1", "units", "billed_amount",
    "submission_date", "rendering_npi", "claim_type", "place_of_service", "service_date_to",
    "modifier_1", "modifier_2", "modifier_3", "modifier_4",
    *(f"diagnosis_{i}" for i in range(2, 13)),
    "patient_dob", "patient_sex", "member_id", "frequency_code",
    "revenue_code", "diagnosis_pointers", "claim_charge", "x12_file", "x12_segment",
)  # fmt: skip


def _sniff(path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            head = fh.read(16).lstrip(b"\xef\xbb\xbf \r\n\t")
    except OSError:
        return False
    return head.startswith(b"ISA") or head.startswith(b"ST*") or head.startswith(b"ST~")


def is_x12(source: Any) -> bool:
    """True when every file of ``source`` starts with an X12 segment."""
    if source is None or isinstance(source, pd.DataFrame):
        return False
    files = expand_files(source)
    return bool(files) and all(f.is_file() and _sniff(f) for f in files)


def read_837(source: Any) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The claim lines of every 837 in ``source`` as text columns, and what was read."""
    frames, info = [], {"files": [], "warnings": []}
    files = expand_files(source)
    for f in files:
        ic = read_x12(f)
        t = claims_from_837(ic)
        info["files"].append(
            {"file": f.name, "transactions": len(ic.transactions), "lines": len(t)}
        )
        info["warnings"] += ic.warnings
        if len(t):
            frames.append(t.assign(x12_file=f.name))
    if not frames:
        raise InputError(
            "no 837 claim lines found in " + ", ".join(i["file"] for i in info["files"]) + ".",
            path=files[0],
        )
    frame = pd.concat(frames, ignore_index=True)
    for col in CLAIM_COLUMNS:
        if col not in frame:
            frame[col] = ""
    info["claims"] = int(frame["claim_id"].nunique())
    info["lines"] = len(frame)
    return frame[list(CLAIM_COLUMNS)].astype("string"), info


def read_835(source: Any) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """(service lines, claims, balancing findings, what was read) of every 835 in ``source``."""
    lines, claims, findings = [], [], []
    info: dict[str, Any] = {"files": [], "warnings": []}
    for f in expand_files(source):
        ic = read_x12(f)
        ln, cl = remits_from_835(ic)
        info["files"].append({"file": f.name, "claims": len(cl), "lines": len(ln)})
        info["warnings"] += ic.warnings
        ln, cl = ln.assign(x12_file=f.name), cl.assign(x12_file=f.name)
        lines.append(ln)
        claims.append(cl)
        found = balance_findings(ln, cl, source=f.name)
        if len(found):
            found["detail"] = found["detail"] + f" ({f.name})"
            findings.append(found)
    lines_f = pd.concat(lines, ignore_index=True) if lines else pd.DataFrame()
    claims_f = pd.concat(claims, ignore_index=True) if claims else pd.DataFrame()
    info["claims"], info["lines"] = len(claims_f), len(lines_f)
    found_f = pd.concat(findings, ignore_index=True) if findings else pd.DataFrame()
    return lines_f, claims_f, found_f, info


def merge_remits(claims: pd.DataFrame, remit_lines: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Fill the adjudication columns of claim lines from 835 service lines matched on claim id
    and line position (the n-th SVC of a CLP answers the n-th line of the claim). Values the
    claims already carry are kept. Returns the claims and the number of lines matched."""
    if remit_lines.empty:
        return claims, 0
    r = remit_lines.assign(
        claim_id=remit_lines["claim_id"].astype(str),
        line_number=remit_lines["position"].astype("int64"),
    )
    r = r.drop_duplicates(["claim_id", "line_number"], keep="last")  # the latest remittance
    adj = pd.DataFrame(
        {
            "claim_id": r["claim_id"],
            "line_number": r["line_number"],
            "_allowed": r["allowed_amount"].map(lambda v: "" if np.isnan(v) else f"{v:.2f}"),
            "_paid": r["line_paid"].map(lambda v: "" if np.isnan(v) else f"{v:.2f}"),
            "_pr": r["patient_responsibility"].map("{:.2f}".format),
            "_codes": r["adjustment_codes"],
            "_status": r["claim_status"],
            "_paid_date": r["paid_date"],
        }
    )
    c = claims.copy()
    key_line = pd.to_numeric(c["line_number"], errors="coerce")
    c["_ln"] = key_line
    m = c.merge(
        adj.rename(columns={"line_number": "_ln"}),
        on=["claim_id", "_ln"],
        how="left",
        indicator=True,
    )
    matched = int((m["_merge"] == "both").sum())
    for col, src in (
        ("allowed_amount", "_allowed"),
        ("paid_amount", "_paid"),
        ("patient_responsibility", "_pr"),
        ("adjustment_codes", "_codes"),
        ("claim_status", "_status"),
        ("paid_date", "_paid_date"),
    ):
        current = m[col].astype("string") if col in m else pd.Series(pd.NA, index=m.index)
        empty = current.isna() | (current.str.strip() == "")
        m[col] = current.where(~empty, m[src].astype("string"))
    return m.drop(columns=[c for c in m.columns if c.startswith("_")]), matched
