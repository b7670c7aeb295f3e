"""Reading X12 files into the claims table: 837s as claim lines, 835s as their adjudication.

A source may be one file, several files or a folder (every regular file in it, sorted). A file
is X12 when its content starts with an ISA, GS or ST segment (in UTF-8, UTF-16 or a single-byte
encoding), whatever its name. A source that mixes X12 and other files, or an 837 source holding
a file with no 837 in it (an 835, a 277, a 999), is refused naming the files.

Claim identity: a claim is one CLM segment. Its ``claim_id`` is the patient control number
(CLM01, also kept as ``patient_control_number``) when no other claim of the source shares it;
claims that share one (resubmissions, COB copies, batches from several billing providers,
de-identified files) are numbered ``CLM01#1``, ``CLM01#2``... in reading order (file, then
segment), and ``x12_file`` / ``x12_claim_segment`` say where each one is.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputError
from ..paths import expand_files
from .apply835 import apply_remits
from .claims837 import INSTITUTIONAL_COLUMNS, claims_from_837, guide_of
from .reader import Interchange, decode_x12, read_x12
from .remit835 import Remittances, balance_findings, remits_from_835

__all__ = ["apply_remits", "is_x12", "read_835", "read_837", "x12_source"]

CLAIM_COLUMNS = (
    "claim_id", "line_number", "patient_id", "payer_id", "payer_type", "billing_npi",
    "service_date", "procedure_code", "diagnosis_1", "units", "billed_amount",
    "submission_date", "rendering_npi", "claim_type", "place_of_service", "service_date_to",
    "modifier_1", "modifier_2", "modifier_3", "modifier_4",
    *(f"diagnosis_{i}" for i in range(2, 13)),
    "patient_dob", "patient_sex", "patient_death_date", "member_id", "frequency_code",
    "revenue_code", "diagnosis_pointers", "claim_charge", "line_control",
    "patient_control_number", "x12_file", "x12_claim_segment", "x12_segment",
)  # fmt: skip
_TRANSACTIONS = {
    "835": "an 835 remittance advice",
    "837": "837 claims",
    "276": "a 276 claim status request",
    "277": "a 277 claim status response or acknowledgment",
    "999": "a 999 implementation acknowledgment",
    "997": "a 997 functional acknowledgment",
    "270": "a 270 eligibility inquiry",
    "271": "a 271 eligibility response",
    "834": "an 834 enrollment",
    "820": "an 820 premium payment",
    "278": "a 278 authorization",
}


def sniff_x12(path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            head = fh.read(256)
    except OSError:
        return False
    text = decode_x12(head).lstrip("\ufeff \r\n\t")
    sep = {"ISA": 3, "GS": 2, "ST": 2}.get(text[:3] if text[:3] == "ISA" else text[:2])
    # the element separator follows the segment id: not a letter, digit, space, or the
    # delimiter of a table (a CSV whose first column is named "ST" is not X12)
    return (
        sep is not None
        and len(text) > sep
        and not text[sep].isalnum()
        and (text[sep] not in ' ,;"\t\r\n')
    )


def is_x12(source: Any) -> bool:
    """True when every file of ``source`` starts with an X12 segment."""
    if source is None or isinstance(source, pd.DataFrame):
        return False
    files = expand_files(source)
    return bool(files) and all(f.is_file() and sniff_x12(f) for f in files)


def x12_source(source: Any, option: str = "--claims") -> bool:
    """Whether ``source`` (a path, paths or a folder) is X12. A source that mixes X12 with
    other files, or a folder with no file, is an error naming them."""
    if source is None or isinstance(source, pd.DataFrame):
        return False
    files = expand_files(source)
    if not files:
        first = source[0] if isinstance(source, list | tuple) and source else source
        raise InputError(f"{option} {first}: the folder holds no file.", path=str(first))
    missing = [f for f in files if not f.is_file()]
    if missing:
        raise InputError(f"{missing[0]} does not exist. Check the {option} path.", path=missing[0])
    x12 = [f for f in files if sniff_x12(f)]
    if x12 and len(x12) < len(files):
        other = [f.name for f in files if f not in x12]
        raise InputError(
            f"{option}: {len(x12)} X12 file(s) and {len(other)} other file(s) were given "
            f"together ({', '.join(other[:5])}{' ...' if len(other) > 5 else ''} "
            "do not start with an ISA, GS or ST segment). Give the X12 files only, or one "
            "table (.csv, .parquet, .xlsx).",
            path=files[0].parent if len(files) > 1 else files[0],
        )
    return bool(x12)


def _kinds(ic: Interchange) -> str:
    kinds = sorted({t for t, _, _ in ic.transactions})
    return ", ".join(_TRANSACTIONS.get(k, f"an X12 {k}") for k in kinds)


def _read_kind(path: Path, kind: str, what: str) -> Interchange:
    """One X12 file that must hold ``kind`` transaction sets (837 or 835)."""
    ic = read_x12(path)
    if not any(t == kind for t, _, _ in ic.transactions):
        raise InputError(
            f"{path.name} holds {_kinds(ic)}, not {what}. Pass claims (837P/837I) with "
            "--claims and remittances (835) with --remits.",
            path=path,
        )
    return ic


def _reading(ic: Interchange, want: str) -> tuple[list[str], str]:
    """The guides a file declares and how it was read (a release and the guide)."""
    declared = sorted({v for t, v, _ in ic.transactions if t == want})
    if want == "837":
        releases = {guide_of(ic, v)[0] for v in declared}
    else:
        releases = {"5010" if v.startswith("005010") else "4010" if v.startswith("004010")
                    else "?" for v in declared}  # fmt: skip
    if "?" in releases:
        releases.discard("?")
        releases.add("by content (the version element does not name a guide)")
    return declared, ", ".join(sorted(releases))


def read_837(source: Any) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The claim lines of every 837 in ``source`` as text columns, and what was read."""
    frames, info = [], {"files": [], "warnings": []}
    files = expand_files(source)
    x12_source(files)
    for n, f in enumerate(files):
        ic = _read_kind(f, "837", "837 claims")
        t = claims_from_837(ic)
        declared, read_as = _reading(ic, "837")
        clm = sum(1 for _, _, segs in ic.transactions for s in segs if s.id == "CLM")
        info["files"].append(
            {"file": f.name, "transactions": len(ic.transactions), "guides": declared,
             "read_as": read_as, "claims": clm, "lines": len(t)}
        )  # fmt: skip
        if len(t) and t["x12_claim_segment"].nunique() < clm:
            info["warnings"].append(
                f"{f.name}: {clm - t['x12_claim_segment'].nunique()} claim(s) have no service "
                "line (LX) and are not in the review"
            )
        info["warnings"] += ic.warnings
        if len(t):
            frames.append(t.assign(x12_file=f.name, _file=n))
    if not frames:
        raise InputError(
            "no 837 claim lines found in " + ", ".join(i["file"] for i in info["files"]) + ".",
            path=files[0],
        )
    frame = pd.concat(frames, ignore_index=True)
    frame, info["repeated_claim_ids"] = _claim_identity(frame)
    # the hospital columns when an 837I claim was read (a professional file gains none)
    hospital = INSTITUTIONAL_COLUMNS if frame["claim_type"].eq("institutional").any() else ()
    columns = [*CLAIM_COLUMNS, *hospital]
    for col in columns:
        if col not in frame:
            frame[col] = ""
    info["claims"] = int(frame["claim_id"].nunique())
    info["lines"] = len(frame)
    return frame[columns].astype("string"), info


def _claim_identity(frame: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, int]]:
    occ = frame[["patient_control_number", "_file", "x12_claim_segment"]].drop_duplicates()
    occ = occ.assign(_k=occ.groupby("patient_control_number").cumcount() + 1)
    occ["_of"] = occ.groupby("patient_control_number")["_k"].transform("size")
    occ["claim_id"] = np.where(
        occ["_of"] > 1,
        occ["patient_control_number"] + "#" + occ["_k"].astype(str),
        occ["patient_control_number"],
    )
    shared = occ[occ["_of"] > 1]
    frame = frame.drop(columns="claim_id").merge(
        occ[["_file", "x12_claim_segment", "claim_id"]], on=["_file", "x12_claim_segment"]
    )
    return frame.drop(columns="_file"), {
        "control_numbers": int(shared["patient_control_number"].nunique()),
        "claims": len(shared),
    }


def read_835(source: Any) -> tuple[Remittances, pd.DataFrame, dict[str, Any]]:
    """(remittances of every 835 in ``source``, balancing findings, what was read)."""
    parts: list[Remittances] = []
    findings = []
    info: dict[str, Any] = {"files": [], "warnings": []}
    files = expand_files(source)
    if not x12_source(files, "--remits"):
        raise InputError(
            f"--remits takes X12 835 files (or a folder of them); {files[0].name} does not start "
            "with an ISA, GS or ST segment.",
            path=files[0],
        )
    for n, f in enumerate(files):
        ic = _read_kind(f, "835", "an 835 remittance")
        rm = remits_from_835(ic)
        declared, read_as = _reading(ic, "835")
        for name in ("lines", "claims", "provider_adjustments", "payments"):
            setattr(rm, name, getattr(rm, name).assign(x12_file=f.name, _file=n))
        info["files"].append(
            {"file": f.name, "guides": declared, "read_as": read_as, "claims": len(rm.claims),
             "lines": len(rm.lines), "claims_without_service_lines":
             int((rm.claims["n_lines"] == 0).sum())}
        )  # fmt: skip
        info["warnings"] += ic.warnings
        parts.append(rm)
        found = balance_findings(rm, source=f.name)
        if len(found):
            found["detail"] = found["detail"] + f" ({f.name})"
            findings.append(found)
    remits = Remittances(
        *(pd.concat([getattr(p, name) for p in parts], ignore_index=True)
          for name in ("lines", "claims", "provider_adjustments", "payments"))
    )  # fmt: skip
    plb = remits.provider_adjustments
    info["claims"], info["lines"] = len(remits.claims), len(remits.lines)
    info["provider_adjustments"] = {
        "count": len(plb),
        "total": round(float(plb["amount"].sum()), 2),
        "by_reason": {str(k): round(float(v), 2) for k, v in
                      plb.groupby("reason")["amount"].sum().items()},
        "note": "PLB adjustments are provider-level (not of any claim): a positive amount was "
        "withheld from the payment, a negative one added",
    }  # fmt: skip
    found_f = pd.concat(findings, ignore_index=True) if findings else pd.DataFrame()
    return remits, found_f, info
