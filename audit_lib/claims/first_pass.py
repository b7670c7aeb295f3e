"""The clean-claim rate by HFMA MAP Key CL-1, measured on first-pass acknowledgements.

MAP Key CL-1 (rulebook §2.2 KPI-CCR): claims that pass all edits with no manual intervention /
claims submitted. With the 277CA acknowledgements the payers or the clearinghouse returned
(:mod:`audit_lib.x12.acks`), each claim of the review is judged on its *first* claim-level
acknowledgement (the earliest status date; among equal dates, the order the files were given):
accepted into adjudication (category A2 or A5, and no rejection category in the same
acknowledgement) or rejected (A3, A4, A6, A7, A8). A claim whose first acknowledgement only
says it was received (A0, A1) and a claim with no 277CA are outside the denominator, counted
and named in the KPI. A claim is matched by its patient control number (CLM01, which the 277CA
repeats in TRN02), or by its claim id where the table has no patient control number.

What acknowledgements cannot show, and the KPI says so: edits and manual holds in the
provider's own claim scrubber before submission, and the 837s a 999 rejected (the claims table
does not keep their group and set control numbers; such claims have no 277CA).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..x12.acks import ACCEPTED, REJECTED
from .standard_kpis import Kpi, share

REJECTED_999 = ("R", "M", "W", "X")  # IK5: rejected; MAC, assurance or content failures


def first_acknowledgements(statuses: pd.DataFrame) -> pd.DataFrame:
    """One row per patient control number: its first claim-level acknowledgement (one claim
    loop of one file on one status date): outcome (accepted, rejected, received), date, file,
    the acknowledgements it had in all, and for a rejection its categories and status codes."""
    keys = ["patient_control_number", "ack_file", "status_date"]
    s = statuses[statuses["level"] == "claim"].reset_index(drop=True)
    s = s.astype({k: "string[pyarrow]" for k in keys})  # fast hashing of the keys
    s = s.assign(
        _order=range(len(s)),
        _rej=s["category"].isin(REJECTED),
        _acc=s["category"].isin(ACCEPTED),
    )
    ack = s.groupby(keys, sort=False).agg(
        _order=("_order", "min"),
        _rej=("_rej", "max"),
        _acc=("_acc", "max"),
        payer_claim_id=("payer_claim_id", "first"),
    )
    ack = ack.reset_index()
    ack["outcome"] = np.where(
        ack["_rej"], "rejected", np.where(ack["_acc"], "accepted", "received")
    )
    ack["_date"] = pd.to_datetime(ack["status_date"], errors="coerce")
    ack = ack.sort_values(["_date", "_order"], kind="stable", na_position="last")
    ack["acknowledgements"] = ack.groupby("patient_control_number")["_order"].transform("size")
    first = ack.drop_duplicates("patient_control_number").set_index("patient_control_number")
    # the codes of the first-pass rejections only (few): every composite of that acknowledgement
    rej = first[first["outcome"] == "rejected"].reset_index()[keys]
    rows = s.merge(rej, on=keys).sort_values("_order", kind="stable")
    for col, name in (("category", "categories"), ("status_code", "status_codes")):
        first[name] = _joined(rows.drop_duplicates(["patient_control_number", col]), col)
    return first.drop(columns=["_order", "_date", "_rej", "_acc"])


def _joined(rows: pd.DataFrame, col: str) -> pd.Series:
    """``col`` of each patient control number's rows joined with "|", in row order: one
    vectorised pass per position (a claim has one or a few composites)."""
    pos = rows.groupby("patient_control_number", sort=False).cumcount()
    out = rows.loc[pos == 0].set_index("patient_control_number")[col]
    for k in range(1, int(pos.max()) + 1 if len(pos) else 1):
        more = rows.loc[pos == k].set_index("patient_control_number")[col]
        out.loc[more.index] = out.loc[more.index] + "|" + more
    return out


def clean_claim_rate(
    lines: pd.DataFrame, statuses: pd.DataFrame, sets: pd.DataFrame
) -> tuple[Kpi, pd.DataFrame]:
    """(the KPI, the claims rejected on first pass: claim id, date, categories, codes)."""
    key = lines["claim_id"].astype("string")
    if "patient_control_number" in lines:
        pcn = lines["patient_control_number"].astype("string").fillna("")
        key = pcn.where(pcn != "", key)
    claims = pd.DataFrame({"claim_id": lines["claim_id"], "pcn": key.astype("string[pyarrow]")})
    claims = claims.drop_duplicates("pcn")
    first = first_acknowledgements(statuses)
    m = claims.join(first, on="pcn")
    outcome = m["outcome"].fillna("none")
    n = {k: int((outcome == k).sum()) for k in ("accepted", "rejected", "received", "none")}
    other = len(first) - int(m["outcome"].notna().sum())  # claims deduplicated: one row each
    set_status = sets["set_status"].fillna("")
    inputs: dict[str, Any] = {
        "claims_in_review": len(claims),
        "first_pass_accepted": n["accepted"],
        "first_pass_rejected": n["rejected"],
        "first_acknowledgement_received_only": n["received"],
        "claims_without_277ca": n["none"],
        "acknowledged_claims_not_in_review": other,
        "sets_in_999s": len(sets),
        "sets_rejected_by_999": int(set_status.isin(REJECTED_999).sum()),
    }
    not_in = [
        "edits and manual holds in the provider's own claim scrubber before submission "
        "(acknowledgements show the payer's or clearinghouse's front-end edits only)"
    ]
    if n["none"]:
        not_in.append(
            f"a 277CA for {n['none']:,} claim(s) of the review: outside the denominator (not "
            "yet acknowledged, or in an 837 a 999 rejected)"
        )
    if n["received"]:
        not_in.append(
            f"an acceptance or rejection for {n['received']:,} claim(s) whose first "
            "acknowledgement only records receipt (A0/A1): outside the denominator"
        )
    kpi = Kpi(
        "Clean-claim rate (first pass)",
        share(n["accepted"], n["accepted"] + n["rejected"]),
        "HFMA MAP Key CL-1 (claims that pass all edits with no manual intervention / claims "
        "submitted), measured on each claim's first 277CA claim-level acknowledgement",
        "claims whose first 277CA accepted them into adjudication (A2/A5) / claims whose first "
        "277CA accepted or rejected them (A3/A4/A6/A7/A8)",
        inputs,
        not_in,
    )
    rejected = m[outcome == "rejected"][
        ["claim_id", "status_date", "categories", "status_codes", "ack_file", "acknowledgements"]
    ].reset_index(drop=True)
    return kpi, rejected
