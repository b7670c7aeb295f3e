"""Applying 835 remittances to claim lines, at the level the payer adjudicated them.

Claims: a CLP answers the claim whose patient control number is CLP01 (``patient_control_number``
from an 837, else ``claim_id``). Where several claims share one (resubmissions, COB copies,
batches from several providers), the CLP goes to the one with the same total charge (CLP03 =
CLM02), in reading order, else to the n-th of them. A claim answered by several CLPs (a
reversal and a correction, a second 835) takes the latest by payment date, then reading order.

Lines: an SVC answers the claim line with its line item control number (REF*6R) where both
carry one, else the claim's n-th line (in line-number order). Its paid amount, patient
responsibility (every PR adjustment), adjustment codes and allowed amount fill the line. The
allowed amount is AMT*B6; without it, what the payer recognised: the payment plus the
patient's cost sharing (deductible PR-1, coinsurance PR-2, copay PR-3; RULEBOOK 1.11
CLM-AMT-05), so a denied line is allowed 0.

Claim level, never double counted:

* a CLP without SVC lines (typical of inpatient claims and of denials) applies to every line of
  the claim: CLP04 paid, CLP05 patient responsibility and the claim's cost sharing are
  apportioned to the lines in proportion to their charges, in whole cents that add up to the
  claim's figures; the claim's adjustment codes go on every line;
* claim-level CAS beside SVC lines (CLP04 = the SVC payments less those adjustments) are
  apportioned to the SVC lines in proportion to their payments and taken off them, so the
  lines' paid amounts add up to CLP04.

Line status: the claim's status from CLP02 (4 denied, 22 void, 23 denied, 25 pending; others
processed); a processed line the payer paid nothing on, and not because of the patient's cost
sharing (a deductible), is denied. ``remit_level`` says how each line was filled: ``line``,
``line+claim`` or ``claim``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .remit835 import Remittances

__all__ = ["allocate", "apply_remits"]

_FILLED = ("allowed_amount", "paid_amount", "patient_responsibility", "adjustment_codes",
           "claim_status", "paid_date")  # fmt: skip


def allocate(total_cents, weight, group) -> np.ndarray:
    """Split each group's total (whole cents, repeated on every row of the group) over its rows
    in proportion to ``weight`` (equal shares where a group's weights are all 0), in whole cents
    that add up to the total (largest remainder, ties to the earlier row).

    >>> allocate([100, 100, 100], [1, 1, 1], [0, 0, 0]).tolist()
    [34, 33, 33]
    >>> allocate([-5, -5], [3, 1], ["a", "a"]).tolist()
    [-4, -1]
    """
    total = np.asarray(total_cents, dtype="int64")
    w = np.abs(np.asarray(weight, dtype="float64"))
    f = pd.DataFrame({"g": np.asarray(group), "w": np.nan_to_num(w)})
    wsum = f.groupby("g", sort=False)["w"].transform("sum").to_numpy()
    n = f.groupby("g", sort=False)["w"].transform("size").to_numpy()
    share = np.where(wsum > 0, f["w"].to_numpy() / np.where(wsum > 0, wsum, 1), 1.0 / n)
    mag = np.abs(total)
    raw = mag * share
    base = np.floor(raw + 1e-9).astype("int64")
    f["base"], f["frac"] = base, raw - base
    left = mag - f.groupby("g", sort=False)["base"].transform("sum").to_numpy()
    rank = f.groupby("g", sort=False)["frac"].rank(method="first", ascending=False).to_numpy()
    return np.sign(total) * (base + (rank <= left))


def _cents(values) -> np.ndarray:
    return np.round(np.nan_to_num(np.asarray(values, dtype="float64")) * 100).astype("int64")


def _match_claims(c: pd.DataFrame, r: pd.DataFrame) -> pd.DataFrame:
    """``r`` (835 claims) with the ``claim_id`` of the claim each answers (NaN: none)."""
    occ = c.groupby("claim_id", sort=False).agg(_pcn=("_pcn", "first"), _ch=("_charge", "first"))
    occ = occ.reset_index()
    occ["_k"] = occ.groupby("_pcn").cumcount()
    occ["_n"] = occ.groupby("_pcn")["_k"].transform("size")
    occ["_kc"] = occ.groupby(["_pcn", "_ch"]).cumcount()
    r = r.assign(_kc=r.groupby(["_pcn", "_ch"]).cumcount())
    exact = r.merge(occ[["_pcn", "_ch", "_kc", "claim_id"]], on=["_pcn", "_ch", "_kc"], how="left")
    rest = exact["claim_id"].isna()
    if rest.any():  # by order among the claims that share the control number
        tail = exact.loc[rest, ["_r", "_pcn"]]
        tail = tail.assign(_k=tail.groupby("_pcn").cumcount())
        n = occ.groupby("_pcn")["_n"].first()
        tail["_k"] = np.minimum(tail["_k"], tail["_pcn"].map(n).fillna(1) - 1)
        tail = tail.merge(occ[["_pcn", "_k", "claim_id"]], on=["_pcn", "_k"], how="left")
        exact.loc[rest, "claim_id"] = tail["claim_id"].to_numpy()
    return exact


def apply_remits(claims: pd.DataFrame, remits: Remittances) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Fill the adjudication columns of claim lines (text columns) from 835s; values the claims
    already carry are kept. Returns the claims and what was matched and how."""
    stats: dict[str, Any] = {"claims_in_835": len(remits.claims), "lines_matched": 0}
    if remits.claims.empty:
        return claims, stats
    c = claims.copy()
    c["_i"] = np.arange(len(c))
    pcn = c["patient_control_number"] if "patient_control_number" in c else c["claim_id"]
    c["_pcn"] = pcn.astype("string").fillna(c["claim_id"].astype("string"))
    charge = c.get("claim_charge")
    line_charge = pd.to_numeric(c["billed_amount"], errors="coerce")
    if charge is None:
        charge = line_charge.groupby(c["claim_id"]).transform("sum")
    c["_charge"] = _cents(pd.to_numeric(charge, errors="coerce")) if len(c) else []
    r = remits.claims.drop(columns="claim_id").assign(
        _r=np.arange(len(remits.claims)),
        _pcn=remits.claims["claim_id"].astype("string"),
        _ch=np.abs(_cents(remits.claims["claim_charge"])),
    )
    r = _match_claims(c, r)
    matched = r[r["claim_id"].notna()].sort_values(["paid_date", "_r"], kind="stable")
    kept = matched.drop_duplicates("claim_id", keep="last")
    stats.update(
        claims_matched=int(matched["claim_id"].nunique()),
        claims_not_in_claims_input=int(r["claim_id"].isna().sum()),
        claims_with_several_remittances=int((matched["claim_id"].value_counts() > 1).sum()),
    )
    line_level = _line_level(c, kept, remits.lines, stats)
    claim_level = _claim_level(c, kept, line_charge)
    fill = pd.concat([line_level, claim_level], ignore_index=True)
    stats.update(
        lines_matched=len(fill),
        lines_from_claim_level_remittances=len(claim_level),
        lines_with_claim_level_adjustments=int((line_level.get("remit_level") == "line+claim")
                                               .sum()) if len(line_level) else 0,
        claim_lines_without_remittance=len(c) - len(fill),
    )  # fmt: skip
    return _fill(c, fill), stats


def _line_level(c, kept, lines, stats) -> pd.DataFrame:
    """One row per claim line answered by an SVC: the line's values, claim-level CAS taken
    off in proportion to the lines' payments."""
    k = kept[kept["n_lines"] > 0][
        ["_file", "clp", "claim_id", "claim_status", "paid_date", "icn", "x12_file",
         "claim_adjustments", "claim_patient_adjustments", "claim_cost_share",
         "claim_adjustment_codes"]
    ]  # fmt: skip
    svc = lines.merge(k, on=["_file", "clp"], suffixes=("_svc", ""))
    if svc.empty:
        stats.update(svc_lines_without_claim_line=0)
        return pd.DataFrame()
    cl = c[["claim_id", "_i", "line_number"]].assign(
        _ln=pd.to_numeric(c["line_number"], errors="coerce"),
        _ctl=c["line_control"].fillna("") if "line_control" in c else "",
    )
    cl = cl.sort_values(["claim_id", "_ln", "_i"], kind="stable")
    cl["_pos"] = cl.groupby("claim_id", sort=False).cumcount() + 1
    by_ctl = cl[cl["_ctl"] != ""].drop_duplicates(["claim_id", "_ctl"])
    svc = svc.assign(_ctl=svc["line_control"].fillna(""), _s=np.arange(len(svc)))
    a = svc[svc["_ctl"] != ""].merge(by_ctl[["claim_id", "_ctl", "_i"]], on=["claim_id", "_ctl"])
    rest = svc[~svc["_s"].isin(a["_s"])]
    free = cl[~cl["_i"].isin(a["_i"])]
    b = rest.merge(free[["claim_id", "_pos", "_i"]], left_on=["claim_id", "position"],
                   right_on=["claim_id", "_pos"])  # fmt: skip
    m = pd.concat([a, b], ignore_index=True).drop_duplicates("_i")
    stats.update(
        lines_matched_by_control_number=len(a),
        lines_matched_by_position=len(b),
        svc_lines_without_claim_line=len(svc) - len(m),
    )
    grp = m["_file"].astype(str) + ":" + m["clp"].astype(str)
    weight = m["line_paid"].fillna(0).abs()
    weight = weight.where(weight.groupby(grp).transform("sum") > 0, m["line_charge"].fillna(0))
    cut = {
        name: allocate(_cents(m[col]), weight, grp) / 100
        for name, col in (("all", "claim_adjustments"), ("pr", "claim_patient_adjustments"),
                          ("cs", "claim_cost_share"))
    }  # fmt: skip
    paid = m["line_paid"].fillna(0) - cut["all"]
    pr = m["patient_responsibility"] + cut["pr"]
    cost_share = m["cost_share"] + cut["cs"]
    allowed = m["allowed_amount"].where(m["allowed_amount"].notna(), paid + cost_share)
    stats["allowed_derived_lines"] = int(m["allowed_amount"].isna().sum())
    codes = m["adjustment_codes"].fillna("")
    extra = m["claim_adjustment_codes"].fillna("")
    codes = (codes + np.where((codes != "") & (extra != ""), "|", "") + extra).astype(str)
    level = np.where(m["claim_adjustments"].fillna(0) != 0, "line+claim", "line")
    return _values(m, allowed, paid, pr, cost_share, codes, level)


def _claim_level(c, kept, line_charge) -> pd.DataFrame:
    """Every line of a claim adjudicated without SVC lines: the claim's figures apportioned by
    the lines' charges."""
    k = kept[kept["n_lines"] == 0]
    if k.empty:
        return pd.DataFrame()
    m = c[["claim_id", "_i"]].assign(line_charge=line_charge).merge(k, on="claim_id")
    w = m["line_charge"].fillna(0)
    share = {
        name: allocate(_cents(values), w, m["claim_id"]) / 100
        for name, values in (
            ("paid", m["claim_paid"]),
            ("pr", m["claim_patient_responsibility"]),
            ("cs", m["claim_cost_share"]),
        )
    }
    codes = m["claim_adjustment_codes"].fillna("").astype(str)
    allowed = share["paid"] + share["cs"]
    return _values(m, allowed, share["paid"], share["pr"], share["cs"], codes, "claim")


def _values(m, allowed, paid, pr, cost_share, codes, level) -> pd.DataFrame:
    status = m["claim_status"].astype(str)
    unpaid = np.abs(np.asarray(paid, dtype=float)) < 0.005
    nothing = unpaid & (np.nan_to_num(np.asarray(cost_share, dtype=float)) <= 0)
    status = np.where((status == "paid") & nothing, "denied", status)

    def money(v):
        return pd.Series(np.asarray(v, dtype="float64")).map("{:.2f}".format, na_action="ignore")

    return pd.DataFrame(
        {
            "_i": m["_i"].to_numpy(),
            "allowed_amount": money(allowed).to_numpy(),
            "paid_amount": money(paid).to_numpy(),
            "patient_responsibility": money(pr).to_numpy(),
            "adjustment_codes": np.asarray(codes),
            "claim_status": status,
            "paid_date": m["paid_date"].to_numpy(),
            "remit_level": level,
            "remit_file": m["x12_file"].to_numpy(),
            "icn": m["icn"].to_numpy(),
        }
    )


def _fill(c: pd.DataFrame, fill: pd.DataFrame) -> pd.DataFrame:
    helpers = [col for col in c.columns if col.startswith("_") and col != "_row"]
    if fill.empty:
        return c.drop(columns=helpers)
    f = fill.set_index("_i").reindex(c["_i"]).reset_index(drop=True)
    f.index = c.index
    for col in _FILLED:
        current = c[col].astype("string") if col in c else pd.Series(pd.NA, index=c.index)
        empty = current.isna() | (current.str.strip() == "")
        c[col] = current.where(~empty, f[col].astype("string"))
    for col in ("remit_level", "remit_file", "icn"):
        c[col] = f[col].astype("string")
    return c.drop(columns=helpers)
