"""Claim acknowledgements: the 277CA (X12 005010X214) and the 999 (005010X231A1).

A 277CA answers each claim of an 837 with its status at the payer's or clearinghouse's front
end: the claim's loop (HL level code ``PT``) carries the patient control number the 837 sent
(TRN02 in loop 2200D = CLM01), the payer's claim control number (REF*1K) and one or more STC
segments. STC01 (and STC10, STC11) is a composite: the claim status category (X12 code list
507), the status code (list 508) and the entity. Category A2 (accepted into the adjudication
system) and A5 (split) accept the claim; A3 (returned as unprocessable), A4 (not found), A6
(rejected for missing information), A7 (rejected for invalid information) and A8 (rejected for
relational field in error) reject it; A0/A1 (forwarded, received) only acknowledge receipt.
STC segments under a service line (SVC, loop 2220D) give line-level statuses; they are kept
with their line but the claim's outcome is its claim-level status.

A 999 answers each 837 transaction set: IK5 (set accepted A, accepted with errors E, rejected
R, M, W, X) and AK9 (the group). Its sets are listed; they name the 837 by group and set
control numbers (AK1/AK2), which the claims table does not keep, so a claim in a rejected set
appears as a claim without a 277CA.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import InputError
from ..paths import expand_files
from .reader import Interchange, read_x12, x12_date

ACCEPTED = ("A2", "A5")
REJECTED = ("A3", "A4", "A6", "A7", "A8")
STATUS_COLUMNS = (
    "ack_file", "ack_segment", "patient_control_number", "payer_claim_id", "status_date",
    "category", "status_code", "entity", "level", "claim_charge",
)  # fmt: skip
SET_COLUMNS = ("ack_file", "ack_segment", "group_control", "set_control", "set_status")


def _composites(seg, comp: str) -> list[tuple[str, str, str]]:
    out = []
    for i in (1, 10, 11):
        value = seg.get(i)
        if value:
            parts = [*value.split(comp), "", ""]
            out.append((parts[0], parts[1], parts[2]))
    return out


def is_277ca(kind: str, version: str) -> bool:
    return kind == "277" and "X214" in version.upper()


def statuses_from_277(ic: Interchange) -> pd.DataFrame:
    """One row per status composite of each claim (and service line) in every 277CA set."""
    comp = ic.separators.component
    rows: list[tuple[dict[str, str], int, str, tuple[str, str, str], str, str]] = []
    for kind, version, segs in ic.transactions:
        if not is_277ca(kind, version):
            continue
        claim: dict[str, str] | None = None
        line = False
        for seg in segs:
            if seg.id == "HL":
                claim = {"pcn": "", "icn": ""} if seg.get(3) == "PT" else None
                line = False
            elif claim is None:
                continue
            elif seg.id == "TRN" and seg.get(1) == "2":
                claim["pcn"] = seg.get(2)
            elif seg.id == "REF" and seg.get(1) == "1K":
                claim["icn"] = seg.get(2)  # it follows the STC it belongs with
            elif seg.id == "SVC":
                line = True
            elif seg.id == "STC":
                for status in _composites(seg, comp):
                    level = "line" if line else "claim"
                    rows.append((claim, seg.number, seg.get(2), status, level, seg.get(4)))
    frame = pd.DataFrame(
        [
            (ic.path.name, n, c["pcn"], c["icn"], x12_date(d), *status, level, charge)
            for c, n, d, status, level, charge in rows
        ],
        columns=list(STATUS_COLUMNS),
    )
    return frame.astype({c: "string" for c in STATUS_COLUMNS if c != "ack_segment"})


def sets_from_999(ic: Interchange) -> pd.DataFrame:
    rows = []
    for kind, _, segs in ic.transactions:
        if kind != "999":
            continue
        group = ""
        current: dict[str, Any] | None = None
        for seg in segs:
            if seg.id == "AK1":
                group = seg.get(2)
            elif seg.id == "AK2":
                current = dict(ack_file=ic.path.name, ack_segment=seg.number, group_control=group,
                               set_control=seg.get(2), set_status="")  # fmt: skip
                rows.append(current)
            elif seg.id == "IK5" and current is not None:
                current["set_status"] = seg.get(1)
    frame = pd.DataFrame(rows, columns=list(SET_COLUMNS))
    return frame.astype({c: "string" for c in SET_COLUMNS if c != "ack_segment"})


def read_acknowledgements(source: Any) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """(claim statuses of every 277CA, transaction sets of every 999, what was read) from one
    file, several or a folder. A file that holds neither is refused, naming it."""
    files = expand_files(source)
    statuses, sets, info = [], [], {"files": [], "warnings": []}
    for f in files:
        ic = read_x12(Path(f))
        kinds = {t for t, _, _ in ic.transactions}
        if not any(is_277ca(t, v) or t == "999" for t, v, _ in ic.transactions):
            held = ", ".join(sorted({f"{t} ({v})" if v else t for t, v, _ in ic.transactions}))
            raise InputError(
                f"{Path(f).name} holds X12 {held}, not a 277CA claim acknowledgement "
                "(005010X214) or a 999. Give --acknowledgements the 277CA and 999 files the "
                "payers or the clearinghouse returned (a 277 claim status response, X212, "
                "answers a later 276 inquiry, not the first submission).",
                path=f,
            )
        s, t = statuses_from_277(ic), sets_from_999(ic)
        info["files"].append(
            {"file": Path(f).name, "transactions": sorted(kinds),
             "claim_statuses": int((s["level"] == "claim").sum()), "sets_acknowledged": len(t)}
        )  # fmt: skip
        info["warnings"] += ic.warnings
        statuses.append(s)
        sets.append(t)
    return pd.concat(statuses, ignore_index=True), pd.concat(sets, ignore_index=True), info
