"""835 remittance advice (releases 4010 X091 and 5010 X221) -> adjudication tables.

:func:`remits_from_835` gives a :class:`Remittances`:

* ``lines``: one row per SVC with the claim id (CLP01), the SVC's position in the claim,
  procedure and modifiers, charge, paid, units, allowed (AMT*B6, NaN when the payer did not
  send it), service date (DTM*472), the line item control number (REF*6R, ``line_control``:
  the 837 line it answers), the line's CAS adjustments as ``GROUP-REASON`` codes with amounts,
  patient responsibility (the PR adjustments), and the claim's status and payment date (BPR16);
* ``claims``: one row per CLP with charge, paid, patient responsibility, status, the payer's
  claim control number (CLP07, the ICN), the claim-level CAS adjustments, the sum of the line
  adjustments and the number of SVC lines (0: the payer adjudicated the claim as a whole);
* ``provider_adjustments``: every PLB adjustment (provider, fiscal period, reason, reference,
  amount; a positive amount is withheld from the payment, a negative one added);
* ``payments``: one row per transaction set: BPR02 (the payment), the sum of CLP04 and of the
  PLB amounts.

Balancing (RULEBOOK 1.11): ``CLM-AMT-03`` line charge - line adjustments = line paid;
``CLM-AMT-04`` claim charge - (claim + line adjustments) = claim paid; ``CLM-AMT-08`` BPR02 =
sum of CLP04 - sum of PLB amounts per transaction set; all within $0.01.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .reader import Interchange, Segment

__all__ = ["Remittances", "adjustments_table", "balance_findings", "remits_from_835"]

# CLP02 claim status -> claim_status; a processed claim's lines take their own status
_STATUS = {
    **dict.fromkeys(("1", "2", "3", "19", "20", "21"), "paid"),
    "4": "denied",
    "22": "void",  # reversal of a previous payment
    "23": "denied",  # not our claim, forwarded to another payer
    "25": "pending",  # predetermination pricing only: no payment
}


@dataclass
class Remittances:
    lines: pd.DataFrame
    claims: pd.DataFrame
    provider_adjustments: pd.DataFrame
    payments: pd.DataFrame


def _num(value: str) -> float:
    try:
        return float(value) if value.strip() else float("nan")
    except ValueError:
        return float("nan")


def _d8(value: str) -> str:
    return f"{value[:4]}-{value[4:6]}-{value[6:]}" if len(value) == 8 else value


def _cas(seg: Segment) -> list[tuple[str, float]]:
    """(GROUP-REASON, amount) for each reason of one CAS segment (up to six)."""
    group = seg.get(1)
    out = []
    for i in range(2, 19, 3):
        reason = seg.get(i)
        if reason:
            out.append((f"{group}-{reason}", _num(seg.get(i + 1))))
    return out


def _plb(seg: Segment, comp: str) -> list[dict[str, Any]]:
    out = []
    for i in range(3, 15, 2):
        if seg.get(i):
            reason, _, reference = seg.get(i).partition(comp)
            out.append(
                {
                    "provider_id": seg.get(1),
                    "fiscal_period": _d8(seg.get(2)),
                    "reason": reason,
                    "reference": reference,
                    "amount": _num(seg.get(i + 1)),
                    "segment": seg.number,
                }
            )
    return out


def remits_from_835(ic: Interchange) -> Remittances:
    """The remittances of every 835 transaction set in ``ic`` (other sets are ignored)."""
    lines: list[dict[str, Any]] = []
    claims: list[dict[str, Any]] = []
    plb: list[dict[str, Any]] = []
    payments: list[dict[str, Any]] = []
    comp = ic.separators.component
    for st_type, _version, segments in ic.transactions:
        if st_type != "835":
            continue
        paid_date, payer_id, payment = "", "", {"segment": segments[0].number}
        claim: dict[str, Any] | None = None
        line: dict[str, Any] | None = None
        first_claim = len(claims)
        for seg in segments:
            sid = seg.id
            if sid == "BPR":
                paid_date = _d8(seg.get(16))
                payment.update(bpr_payment=_num(seg.get(2)), paid_date=paid_date)
            elif sid == "N1" and seg.get(1) == "PR":
                payer_id = seg.get(4) or seg.get(2)
            elif sid == "REF" and seg.get(1) == "2U" and claim is None:
                payer_id = seg.get(2)
            elif sid == "CLP":
                if line is not None:
                    lines.append(line)
                    line = None
                claim = _clp(seg, paid_date, payer_id)
                claim["clp"] = len(claims)
                claims.append(claim)
            elif sid == "CAS" and claim is not None:
                pairs = _cas(seg)
                if line is None:
                    claim["claim_adjustment_pairs"] += pairs
                else:
                    line["adjustments"] += pairs
            elif sid == "SVC" and claim is not None:
                if line is not None:
                    lines.append(line)
                claim["n_lines"] += 1
                line = _svc(seg, claim, comp)
            elif sid == "DTM" and seg.get(1) in ("472", "150") and line is not None:
                line["service_date"] = line["service_date"] or _d8(seg.get(2))
            elif sid == "REF" and seg.get(1) == "6R" and line is not None:
                line["line_control"] = seg.get(2)
            elif sid == "AMT" and seg.get(1) == "B6" and line is not None:
                line["allowed_amount"] = _num(seg.get(2))
            elif sid in ("LX", "PLB", "SE") and line is not None:
                lines.append(line)
                line = None
            if sid == "PLB":
                plb.extend(_plb(seg, comp))
                claim = None
        if line is not None:
            lines.append(line)
        payment["claims_paid"] = float(np.nansum([c["claim_paid"] for c in claims[first_claim:]]))
        payment["claims"] = len(claims) - first_claim
        payment["plb_total"] = float(
            np.nansum([p["amount"] for p in plb if p["segment"] > payment["segment"]])
        )
        payments.append(payment)
    return Remittances(
        _lines_frame(lines),
        _claims_frame(claims, lines),
        pd.DataFrame(plb, columns=["provider_id", "fiscal_period", "reason", "reference",
                                   "amount", "segment"]),
        pd.DataFrame(payments, columns=["segment", "bpr_payment", "paid_date", "claims",
                                        "claims_paid", "plb_total"]),
    )  # fmt: skip


def _clp(seg: Segment, paid_date: str, payer_id: str) -> dict[str, Any]:
    return {
        "claim_id": seg.get(1),
        "status_code": seg.get(2),
        "claim_status": _STATUS.get(seg.get(2), "pending"),
        "claim_charge": _num(seg.get(3)),
        "claim_paid": _num(seg.get(4)),
        "claim_patient_responsibility": _num(seg.get(5)),
        "icn": seg.get(7),
        "claim_adjustment_pairs": [],
        "paid_date": paid_date,
        "payer_id": payer_id,
        "segment": seg.number,
        "n_lines": 0,
    }


def _svc(seg: Segment, claim: dict[str, Any], comp: str) -> dict[str, Any]:
    parts = seg.get(1).split(comp)
    return {
        "claim_id": claim["claim_id"],
        "clp": claim["clp"],
        "position": claim["n_lines"],
        "line_control": "",
        "procedure_code": parts[1] if len(parts) > 1 else "",
        **{f"modifier_{i + 1}": parts[2 + i] if len(parts) > 2 + i else "" for i in range(4)},
        "line_charge": _num(seg.get(2)),
        "line_paid": _num(seg.get(3)),
        "units": seg.get(5) or "1",
        "allowed_amount": float("nan"),
        "service_date": "",
        "adjustments": [],
        "claim_status": claim["claim_status"],
        "status_code": claim["status_code"],
        "paid_date": claim["paid_date"],
        "segment": seg.number,
    }


def _sum(pairs, prefix: str = "") -> float:
    return float(np.nansum([a for c, a in pairs if c.startswith(prefix)]))


def _cost_share(pairs) -> float:
    """The patient's cost sharing: deductible, coinsurance and copay (PR-1, PR-2, PR-3)."""
    return float(np.nansum([a for c, a in pairs if c in ("PR-1", "PR-2", "PR-3")]))


def _detail(pairs) -> str:
    return "|".join(f"{c}:{a:.2f}" for c, a in pairs)


def _lines_frame(lines: list[dict[str, Any]]) -> pd.DataFrame:
    if not lines:
        return pd.DataFrame(
            columns=["claim_id", "clp", "position", "line_number", "line_control", "line_charge",
                     "line_paid", "allowed_amount", "adjustments_total", "patient_responsibility",
                     "contractual_total", "adjustment_codes", "adjustment_detail", "claim_status",
                     "status_code", "paid_date", "segment", "cost_share"]
        )  # fmt: skip
    f = pd.DataFrame(lines)
    f["line_number"] = f["position"].astype("int64")  # REF*6R is kept as line_control
    names = ("adjustments_total", "patient_responsibility", "contractual_total", "cost_share",
             "adjustment_codes", "adjustment_detail")  # fmt: skip
    return f.assign(**_summaries(f.pop("adjustments"), names))


def _summaries(pairs: pd.Series, names: tuple[str, ...]) -> dict[str, list]:
    """Per row of (GROUP-REASON, amount) pairs: the total, the PR and CO totals, the cost
    sharing, the codes and the detail, under ``names`` in that order."""
    values = (
        [_sum(p) for p in pairs],
        [_sum(p, "PR-") for p in pairs],
        [_sum(p, "CO-") for p in pairs],
        [_cost_share(p) for p in pairs],
        ["|".join(c for c, _ in p) for p in pairs],
        [_detail(p) for p in pairs],
    )
    return dict(zip(names, values, strict=True))


def _claims_frame(claims: list[dict[str, Any]], lines: list[dict[str, Any]]) -> pd.DataFrame:
    if not claims:
        return pd.DataFrame(columns=["claim_id", "clp", "claim_charge", "claim_paid", "n_lines"])
    f = pd.DataFrame(claims)
    names = ("claim_adjustments", "claim_patient_adjustments", "claim_contractual_adjustments",
             "claim_cost_share", "claim_adjustment_codes", "claim_adjustment_detail")  # fmt: skip
    f = f.assign(**_summaries(f.pop("claim_adjustment_pairs"), names))
    # each line belongs to the CLP segment that precedes it
    starts = f["segment"].to_numpy()
    owner = np.searchsorted(starts, [ln["segment"] for ln in lines]) - 1
    sums = np.zeros(len(f))
    np.add.at(sums, owner, [_sum(ln["adjustments"]) for ln in lines])
    f["line_adjustments"] = sums
    return f


def _finding_frame(rule: str, bad: pd.DataFrame, key, field: str, detail, amount, source: str):
    return pd.DataFrame(
        {
            "rule_id": rule,
            "severity": "error",
            "dataset": "remits",
            "record_key": key,
            "row": bad["segment"].astype("int64"),
            "field": field,
            "detail": detail,
            "amount": amount,
            "trigger": f"{rule}|{source}|" + bad["segment"].astype(str),
        }
    )


def _money(values: pd.Series) -> pd.Series:
    return values.map("{:.2f}".format)


def balance_findings(remits: Remittances, *, source: str) -> pd.DataFrame:
    """CLM-AMT-03 (line), CLM-AMT-04 (claim) and CLM-AMT-08 (transaction) findings, at the
    SVC / CLP / ST segment number."""
    parts = []
    lines, claims, pay = remits.lines, remits.claims, remits.payments
    if len(lines):
        expected = lines["line_charge"] - lines["adjustments_total"]
        missing = lines["line_charge"].isna() | lines["line_paid"].isna()
        off = missing | ((expected - lines["line_paid"]).abs() > 0.01 + 1e-9)
        bad = lines[off]
        if off.any():
            detail = np.where(
                missing[off],
                "the line charge (SVC02) or payment (SVC03) is empty: the line cannot be balanced",
                "line charge " + _money(bad["line_charge"]) + " - adjustments "
                + _money(bad["adjustments_total"]) + " ("
                + bad["adjustment_detail"].replace("", "none") + ") = " + _money(expected[off])
                + ", but the line paid " + _money(bad["line_paid"]),
            )  # fmt: skip
            key = bad["claim_id"] + ":" + bad["line_number"].astype(str)
            amount = (expected[off] - bad["line_paid"]).abs()
            parts.append(_finding_frame("CLM-AMT-03", bad, key, "line_paid", detail, amount,
                                        source))  # fmt: skip
    if len(claims):
        adj = claims["claim_adjustments"] + claims["line_adjustments"]
        expected = claims["claim_charge"] - adj
        missing = claims["claim_charge"].isna() | claims["claim_paid"].isna()
        off = missing | ((expected - claims["claim_paid"]).abs() > 0.01 + 1e-9)
        bad = claims[off]
        if off.any():
            detail = np.where(
                missing[off],
                "the claim charge (CLP03) or payment (CLP04) is empty: the claim cannot be "
                "balanced",
                "claim charge " + _money(bad["claim_charge"]) + " - claim and line adjustments "
                + _money(adj[off]) + " = " + _money(expected[off]) + ", but the claim paid "
                + _money(bad["claim_paid"]),
            )  # fmt: skip
            amount = (expected[off] - bad["claim_paid"]).abs()
            parts.append(_finding_frame("CLM-AMT-04", bad, bad["claim_id"], "claim_paid", detail,
                                        amount, source))  # fmt: skip
    if len(pay):
        expected = pay["claims_paid"] - pay["plb_total"]
        off = pay["bpr_payment"].notna() & ((expected - pay["bpr_payment"]).abs() > 0.01 + 1e-9)
        bad = pay[off]
        if off.any():
            detail = (
                "claim payments " + _money(bad["claims_paid"]) + " - provider adjustments (PLB) "
                + _money(bad["plb_total"]) + " = " + _money(expected[off])
                + ", but the payment (BPR02) is " + _money(bad["bpr_payment"])
            )  # fmt: skip
            key = "transaction at segment " + bad["segment"].astype(str)
            amount = (expected[off] - bad["bpr_payment"]).abs()
            parts.append(_finding_frame("CLM-AMT-08", bad, key, "bpr_payment", detail, amount,
                                        source))  # fmt: skip
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
