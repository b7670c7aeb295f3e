"""835 (005010X221A1) remittance advice -> service-line and claim-level adjudication tables.

Lines: one row per SVC with the claim id (CLP01), the line number (the SVC's position in the
claim, which answers the claim's n-th line), procedure and modifiers, charge,
paid, units, allowed (AMT*B6), service date (DTM*472), the line item control number (REF*6R,
kept as ``line_control``), the line's CAS adjustments as
``GROUP-REASON`` codes with amounts, patient responsibility (the PR adjustments), and the
claim's status and payment date (BPR16). Claims: one row per CLP with charge, paid, patient
responsibility, status and the claim-level CAS total.

Balancing (RULEBOOK 1.11): ``CLM-AMT-03`` line charge - line adjustments = line paid;
``CLM-AMT-04`` claim charge - (claim + line adjustments) = claim paid; both within $0.01.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .reader import Interchange, Segment

__all__ = ["adjustments_table", "balance_findings", "remits_from_835"]

_STATUS = {"1": "paid", "2": "paid", "3": "paid", "4": "denied", "22": "void", "19": "paid"}


def _num(value: str) -> float:
    try:
        return float(value) if value.strip() else float("nan")
    except ValueError:
        return float("nan")


def _cas(seg: Segment) -> list[tuple[str, float]]:
    """(GROUP-REASON, amount) for each reason of one CAS segment (up to six)."""
    group = seg.get(1)
    out = []
    for i in range(2, 19, 3):
        reason = seg.get(i)
        if reason:
            out.append((f"{group}-{reason}", _num(seg.get(i + 1))))
    return out


def remits_from_835(ic: Interchange) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(lines, claims) of every 835 transaction set in ``ic``."""
    lines: list[dict[str, Any]] = []
    claims: list[dict[str, Any]] = []
    comp = ic.separators.component
    for st_type, _version, segments in ic.transactions:
        if st_type != "835":
            continue
        paid_date, payer_id = "", ""
        claim: dict[str, Any] | None = None
        line: dict[str, Any] | None = None
        for seg in segments:
            sid = seg.id
            if sid == "BPR":
                d = seg.get(16)
                paid_date = f"{d[:4]}-{d[4:6]}-{d[6:]}" if len(d) == 8 else ""
            elif sid == "N1" and seg.get(1) == "PR":
                payer_id = seg.get(4) or seg.get(2)
            elif sid == "REF" and seg.get(1) == "2U" and claim is None:
                payer_id = seg.get(2)
            elif sid == "CLP":
                if line is not None:
                    lines.append(line)
                    line = None
                claim = {
                    "claim_id": seg.get(1),
                    "status_code": seg.get(2),
                    "claim_status": _STATUS.get(seg.get(2), "pending"),
                    "claim_charge": _num(seg.get(3)),
                    "claim_paid": _num(seg.get(4)),
                    "claim_patient_responsibility": _num(seg.get(5)),
                    "claim_adjustments": 0.0,
                    "claim_adjustment_codes": [],
                    "claim_adjustment_pairs": [],
                    "paid_date": paid_date,
                    "payer_id": payer_id,
                    "segment": seg.number,
                    "n_lines": 0,
                }
                claims.append(claim)
            elif sid == "CAS" and claim is not None:
                pairs = _cas(seg)
                if line is None:
                    claim["claim_adjustments"] += float(np.nansum([a for _, a in pairs]))
                    claim["claim_adjustment_codes"] += [c for c, _ in pairs]
                    claim["claim_adjustment_pairs"] += pairs
                else:
                    line["adjustments"] += pairs
            elif sid == "SVC" and claim is not None:
                if line is not None:
                    lines.append(line)
                claim["n_lines"] += 1
                parts = seg.get(1).split(comp)
                line = {
                    "claim_id": claim["claim_id"],
                    "position": claim["n_lines"],
                    "line_control": "",
                    "procedure_code": parts[1] if len(parts) > 1 else "",
                    **{f"modifier_{i + 1}": parts[2 + i] if len(parts) > 2 + i else ""
                       for i in range(4)},
                    "line_charge": _num(seg.get(2)),
                    "line_paid": _num(seg.get(3)),
                    "units": seg.get(5) or "1",
                    "allowed_amount": float("nan"),
                    "service_date": "",
                    "adjustments": [],
                    "claim_status": claim["claim_status"],
                    "status_code": claim["status_code"],
                    "paid_date": paid_date,
                    "segment": seg.number,
                }  # fmt: skip
            elif sid == "DTM" and seg.get(1) == "472" and line is not None:
                d = seg.get(2)
                line["service_date"] = f"{d[:4]}-{d[4:6]}-{d[6:]}" if len(d) == 8 else d
            elif sid == "REF" and seg.get(1) == "6R" and line is not None:
                line["line_control"] = seg.get(2)
            elif sid == "AMT" and seg.get(1) == "B6" and line is not None:
                line["allowed_amount"] = _num(seg.get(2))
            elif sid in ("LX", "PLB", "SE") and line is not None:
                lines.append(line)
                line = None
        if line is not None:
            lines.append(line)
    return _lines_frame(lines), _claims_frame(claims, lines)


def _lines_frame(lines: list[dict[str, Any]]) -> pd.DataFrame:
    if not lines:
        return pd.DataFrame(
            columns=["claim_id", "line_number", "line_charge", "line_paid", "adjustments_total"]
        )
    f = pd.DataFrame(lines)
    f["line_number"] = f["position"].astype("int64")  # REF*6R is kept as line_control
    f["adjustments_total"] = [float(np.nansum([a for _, a in adj])) for adj in f["adjustments"]]
    f["patient_responsibility"] = [
        float(np.nansum([a for c, a in adj if c.startswith("PR-")])) for adj in f["adjustments"]
    ]
    f["adjustment_codes"] = ["|".join(c for c, _ in adj) for adj in f["adjustments"]]
    f["adjustment_detail"] = ["|".join(f"{c}:{a:.2f}" for c, a in adj) for adj in f["adjustments"]]
    return f.drop(columns=["adjustments"])


def _claims_frame(claims: list[dict[str, Any]], lines: list[dict[str, Any]]) -> pd.DataFrame:
    if not claims:
        return pd.DataFrame(columns=["claim_id", "claim_charge", "claim_paid"])
    f = pd.DataFrame(claims)
    f["claim_adjustment_codes"] = f["claim_adjustment_codes"].map("|".join)
    f["claim_adjustment_detail"] = [
        "|".join(f"{c}:{a:.2f}" for c, a in adj) for adj in f.pop("claim_adjustment_pairs")
    ]
    # each line belongs to the CLP segment that precedes it
    starts = f["segment"].to_numpy()
    owner = np.searchsorted(starts, [ln["segment"] for ln in lines]) - 1
    amounts = [float(np.nansum([a for _, a in ln["adjustments"]])) for ln in lines]
    sums = np.zeros(len(f))
    np.add.at(sums, owner, amounts)
    f["line_adjustments"] = sums
    return f


def balance_findings(lines: pd.DataFrame, claims: pd.DataFrame, *, source: str) -> pd.DataFrame:
    """CLM-AMT-03 (line) and CLM-AMT-04 (claim) findings, at the SVC / CLP segment number."""
    parts = []
    if len(lines):
        expected = lines["line_charge"] - lines["adjustments_total"]
        missing = lines["line_charge"].isna() | lines["line_paid"].isna()
        off = missing | ((expected - lines["line_paid"]).abs() > 0.01 + 1e-9)
        bad = lines[off]
    if len(lines) and off.any():
        detail = np.where(
            missing[off],
            "the line charge (SVC02) or payment (SVC03) is empty: the line cannot be balanced",
            "line charge "
            + bad["line_charge"].map("{:.2f}".format)
            + " - adjustments "
            + bad["adjustments_total"].map("{:.2f}".format)
            + " ("
            + bad["adjustment_detail"].replace("", "none")
            + ") = "
            + expected[off].map("{:.2f}".format)
            + ", but the line paid "
            + bad["line_paid"].map("{:.2f}".format),
        )
        parts.append(
            pd.DataFrame(
                {
                    "rule_id": "CLM-AMT-03",
                    "severity": "error",
                    "dataset": "remits",
                    "record_key": bad["claim_id"] + ":" + bad["line_number"].astype(str),
                    "row": bad["segment"].astype("int64"),
                    "field": "line_paid",
                    "detail": detail,
                    "amount": (expected[off] - bad["line_paid"]).abs(),
                    "trigger": "CLM-AMT-03|" + source + "|" + bad["segment"].astype(str),
                }
            )
        )
    if len(claims):
        adj = claims["claim_adjustments"] + claims["line_adjustments"]
        expected = claims["claim_charge"] - adj
        off = (expected - claims["claim_paid"]).abs() > 0.01 + 1e-9
        bad = claims[off]
    if len(claims) and off.any():
        parts.append(
            pd.DataFrame(
                {
                    "rule_id": "CLM-AMT-04",
                    "severity": "error",
                    "dataset": "remits",
                    "record_key": bad["claim_id"],
                    "row": bad["segment"].astype("int64"),
                    "field": "claim_paid",
                    "detail": "claim charge "
                    + bad["claim_charge"].map("{:.2f}".format)
                    + " - claim and line adjustments "
                    + adj[off].map("{:.2f}".format)
                    + " = "
                    + expected[off].map("{:.2f}".format)
                    + ", but the claim paid "
                    + bad["claim_paid"].map("{:.2f}".format),
                    "amount": (expected[off] - bad["claim_paid"]).abs(),
                    "trigger": "CLM-AMT-04|" + source + "|" + bad["segment"].astype(str),
                }
            )
        )
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def adjustments_table(lines: pd.DataFrame, claims: pd.DataFrame) -> pd.DataFrame:
    """Every CAS adjustment of the 835s, one row per group-reason and amount: ``level`` (line
    or claim), claim id, line number (claim level: empty), ``group`` (CO, PR, OA, PI, CR),
    ``carc`` (the claim adjustment reason code), ``amount``, the claim's status code (CLP02;
    4 = denied) and the 835 file."""
    cols = ["level", "claim_id", "line_number", "group", "carc", "amount", "status_code",
            "x12_file"]  # fmt: skip
    parts = []
    if len(lines) and "adjustment_detail" in lines:
        parts.append(lines.assign(level="line", detail=lines["adjustment_detail"]))
    if len(claims) and "claim_adjustment_detail" in claims:
        parts.append(
            claims.assign(
                level="claim", line_number=pd.NA, detail=claims["claim_adjustment_detail"]
            )
        )
    if not parts:
        return pd.DataFrame(columns=cols)
    f = pd.concat(
        [p.reindex(columns=["level", "claim_id", "line_number", "status_code", "x12_file",
                            "detail"]) for p in parts],
        ignore_index=True,
    )  # fmt: skip
    f = f.assign(detail=f["detail"].fillna("").str.split("|")).explode("detail")
    f = f[f["detail"].str.len() > 0]
    code_amount = f["detail"].str.rsplit(":", n=1, expand=True)
    group_reason = code_amount[0].str.split("-", n=1, expand=True)
    out = f.assign(
        group=group_reason[0],
        carc=group_reason[1] if group_reason.shape[1] > 1 else "",
        amount=pd.to_numeric(code_amount[1], errors="coerce"),
    )
    return out[cols].reset_index(drop=True)
