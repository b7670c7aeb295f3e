"""Revenue-cycle KPIs for the claims review. Pure functions: frames in, numbers and tables out.

Every formula is stated in :data:`KPI_FORMULAS` and printed in the report next to its value.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["CAS_GROUPS", "KPI_FORMULAS", "compute_kpis", "remittance_kpis"]

AGING_BUCKETS = ["0-30", "31-60", "61-90", "91-120", ">120"]
ADJUDICATED = ("paid", "partial", "denied")

KPI_FORMULAS = {
    "clean_claim_rate": "claims with no error finding / claims read",
    "denial_rate": "claims whose lines are all denied / claims adjudicated (every non-void line "
    "paid, partial or denied)",
    "net_collection_rate": "paid / allowed, over adjudicated lines",
    "gross_days_in_ar": "billed amount of lines not paid by the as-of date (no paid_date on or "
    "before it; void lines excluded) / average daily billed amount of lines with service in the "
    "period",
    "ar_aging": "open (not paid by the as-of date) lines by days from service date to as-of date",
    "denials_by_carc": "denied lines by group-CARC code in adjustment_codes (a line counts "
    "once per code)",
    "denials_by_payer": "claims with every line denied, per payer",
    "modifier_25_rates": "per rendering provider: E/M lines, those with modifier 25, the share, "
    "and the other providers' (with enough E/M lines) mean, SD and mean + k SD threshold",
    "remit_adjustments_by_carc": "every CAS adjustment of the 835s (line and claim level) by "
    "group and claim adjustment reason code: dollars adjusted, and dollars on claims the payer "
    "denied (CLP02 = 4); routine = CO-45 (fee schedule write-down) and PR-1/2/3 (deductible, "
    "coinsurance, copay)",
}
CAS_GROUPS = {
    "CO": "contractual obligation (write-off, not billable to the patient)",
    "PR": "patient responsibility",
    "OA": "other adjustment",
    "PI": "payer-initiated reduction",
    "CR": "correction or reversal",
}


def _rate(num: float, den: float) -> float | None:
    return round(num / den, 6) if den else None


def compute_kpis(
    lines: pd.DataFrame, findings: pd.DataFrame, *, period: tuple[dt.date, dt.date], as_of: dt.date
) -> dict[str, Any]:
    """Compute the KPI block of ``summary.json`` plus display tables (``tables``)."""
    start, end = (pd.Timestamp(d) for d in period)
    as_of_ts = pd.Timestamp(as_of)
    status = lines.get("claim_status", pd.Series(pd.NA, index=lines.index)).astype("string")
    void = status.eq("void").fillna(False).astype(bool)
    claim = lines["claim_id"].fillna("(missing)")
    n_claims = int(claim.nunique())

    errors = findings[findings["severity"] == "error"]
    err_rows = set(errors["row"].tolist())
    has_error = lines["_row"].isin(err_rows)
    claims_with_error = int(claim[has_error].nunique())

    live = ~void
    adjudicated_line = status.isin(ADJUDICATED).fillna(False).astype(bool)
    per_claim = pd.DataFrame(
        {
            "claim": claim,
            "live": live,
            "adj": adjudicated_line & live,
            "denied": status.eq("denied").fillna(False).astype(bool) & live,
        }
    )
    g = per_claim.groupby("claim", sort=False).agg(
        live=("live", "sum"), adj=("adj", "sum"), denied=("denied", "sum")
    )
    adjudicated_claims = g[(g["live"] > 0) & (g["adj"] == g["live"])]
    denied_claims = adjudicated_claims[adjudicated_claims["denied"] == adjudicated_claims["live"]]

    paid = lines.get("paid_amount", pd.Series(np.nan, index=lines.index))
    allowed = lines.get("allowed_amount", pd.Series(np.nan, index=lines.index))
    billed = lines["billed_amount"]
    adj_mask = adjudicated_line & live
    paid_sum = float(paid[adj_mask].sum())
    allowed_sum = float(allowed[adj_mask].sum())

    paid_date = lines.get("paid_date", pd.Series(pd.NaT, index=lines.index))
    open_line = live & ~(
        paid_date.notna()
        & (paid_date <= as_of_ts)
        & status.isin(["paid", "partial"]).fillna(False).astype(bool)
    )
    in_period = lines["service_date"].between(start, end)
    days = (end - start).days + 1
    avg_daily = float(billed[in_period & live].sum()) / days
    ar_billed = float(billed[open_line].sum())

    age = (as_of_ts - lines["service_date"]).dt.days
    bucket = pd.cut(age, bins=[-np.inf, 30, 60, 90, 120, np.inf], labels=AGING_BUCKETS)
    aging = (
        pd.DataFrame({"bucket": bucket[open_line], "billed": billed[open_line]})
        .groupby("bucket", observed=False)
        .agg(lines=("billed", "size"), billed_amount=("billed", "sum"))
        .reindex(AGING_BUCKETS)
        .fillna(0)
        .reset_index()
    )
    no_date = int((open_line & lines["service_date"].isna()).sum())

    denied_line = status.eq("denied").fillna(False).astype(bool) & live
    adj_codes = lines.get("adjustment_codes", pd.Series(pd.NA, index=lines.index)).astype("string")
    exploded = (
        pd.DataFrame({"code": adj_codes[denied_line].str.split("|"), "billed": billed[denied_line]})
        .explode("code")
        .dropna(subset=["code"])
    )
    exploded = exploded[exploded["code"].str.len() > 0]
    by_carc = (
        exploded.groupby("code")
        .agg(lines=("billed", "size"), billed_amount=("billed", "sum"))
        .sort_values(["lines", "billed_amount"], ascending=False)
        .reset_index()
        .rename(columns={"code": "group_carc"})
    )
    claim_payer = lines.groupby(claim, sort=False)[["payer_id", "payer_type"]].first()
    payer_tbl = claim_payer.loc[adjudicated_claims.index].assign(
        denied=lambda t: t.index.isin(denied_claims.index)
    )
    by_payer = (
        payer_tbl.groupby(["payer_type", "payer_id"], dropna=False)
        .agg(claims_adjudicated=("denied", "size"), claims_denied=("denied", "sum"))
        .reset_index()
    )
    by_payer["denial_rate"] = (by_payer["claims_denied"] / by_payer["claims_adjudicated"]).round(4)
    month = lines["service_date"].dt.to_period("M").astype("string")
    by_payer_month = (
        pd.DataFrame({"payer_type": lines["payer_type"], "month": month, "denied": denied_line})[
            denied_line
        ]
        .groupby(["month", "payer_type"], dropna=True)
        .size()
        .rename("denied_lines")
        .reset_index()
    )

    money = findings.dropna(subset=["amount"])
    top_count = (
        findings.groupby("rule_id")
        .size()
        .rename("findings")
        .reset_index()
        .sort_values(["findings", "rule_id"], ascending=[False, True])
        .head(10)
    )
    top_dollars = money.groupby("rule_id")["amount"].sum().round(2).rename("amount").reset_index()
    top_dollars = top_dollars.sort_values(["amount", "rule_id"], ascending=[False, True]).head(10)

    return {
        "claims_read": n_claims,
        "lines_read": len(lines),
        "claims_with_error_findings": claims_with_error,
        "clean_claim_rate": _rate(n_claims - claims_with_error, n_claims),
        "claims_adjudicated": len(adjudicated_claims),
        "claims_denied": len(denied_claims),
        "denial_rate": _rate(len(denied_claims), len(adjudicated_claims)),
        "paid_amount_adjudicated": round(paid_sum, 2),
        "allowed_amount_adjudicated": round(allowed_sum, 2),
        "net_collection_rate": _rate(paid_sum, allowed_sum),
        "ar_billed_amount": round(ar_billed, 2),
        "average_daily_billed": round(avg_daily, 2),
        "gross_days_in_ar": round(ar_billed / avg_daily, 1) if avg_daily else None,
        "ar_lines_without_service_date": no_date,
        "formulas": KPI_FORMULAS,
        "tables": {
            "ar_aging": aging,
            "denials_by_carc": by_carc,
            "denials_by_payer": by_payer,
            "denials_by_payer_month": by_payer_month,
            "top_rules_by_count": top_count.reset_index(drop=True),
            "top_rules_by_dollars": top_dollars.reset_index(drop=True),
        },
    }


def remittance_kpis(adjustments: pd.DataFrame, claims: pd.DataFrame) -> dict[str, Any]:
    """The 835 side of the denial analysis: totals and ``remit_adjustments_by_carc`` (group,
    CARC, adjustments, claims, lines, dollars, dollars on denied claims, share of dollars)."""
    denied = adjustments["status_code"].astype("string").eq("4").fillna(False)
    a = adjustments.assign(
        denied_amount=adjustments["amount"].where(denied, 0.0),
        claim_key=adjustments["x12_file"].astype(str) + "|" + adjustments["claim_id"].astype(str),
        line_key=adjustments["x12_file"].astype(str) + "|" + adjustments["claim_id"].astype(str)
        + "|" + adjustments["line_number"].astype("string").fillna(""),
    )  # fmt: skip
    total = float(a["amount"].sum())
    by = (
        a.groupby(["group", "carc"], dropna=False)
        .agg(
            adjustments=("amount", "size"),
            claims=("claim_key", "nunique"),
            lines=("line_key", "nunique"),
            amount=("amount", "sum"),
            amount_on_denied_claims=("denied_amount", "sum"),
        )
        .reset_index()
    )
    by["share_of_dollars"] = (by["amount"] / total).round(4) if total else 0.0
    by[["amount", "amount_on_denied_claims"]] = by[["amount", "amount_on_denied_claims"]].round(2)
    # contractual write-downs to the fee schedule and the patient's deductible, coinsurance and
    # copay are the routine adjustments of a paid claim; the rest are what a denial review reads
    by["routine"] = (by["group"].eq("CO") & by["carc"].eq("45")) | (
        by["group"].eq("PR") & by["carc"].isin(["1", "2", "3"])
    )
    by["group_meaning"] = by["group"].map(CAS_GROUPS).fillna("")
    by = by.sort_values(["amount", "group", "carc"], ascending=[False, True, True])
    status = claims.get("status_code", pd.Series(dtype="string")).astype("string")
    return {
        "claims_in_835": len(claims),
        "claims_denied_in_835": int(status.eq("4").sum()),
        "claim_charges": round(float(claims.get("claim_charge", pd.Series(dtype=float)).sum()), 2),
        "claim_paid": round(float(claims.get("claim_paid", pd.Series(dtype=float)).sum()), 2),
        "adjustments_total": round(total, 2),
        "adjustments_by_group": {
            g: round(float(v), 2) for g, v in a.groupby("group")["amount"].sum().items()
        },
        "table": by.reset_index(drop=True),
    }
