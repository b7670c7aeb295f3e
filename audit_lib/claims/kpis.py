"""Revenue-cycle KPIs for the claims review. Pure functions: frames in, numbers and tables out.

Every formula is stated in :data:`KPI_FORMULAS` and printed in the report next to its value.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd

from . import standard_kpis

__all__ = [
    "CAS_GROUPS",
    "KPI_FORMULAS",
    "PLB_REASONS",
    "compute_kpis",
    "provider_adjustment_table",
    "remittance_kpis",
]

AGING_BUCKETS = ["0-30", "31-60", "61-90", "91-120", ">120"]
ADJUDICATED = ("paid", "partial", "denied")

# The headline KPIs' formulas, standards and inputs are in ``definitions`` (standard_kpis);
# these are the tables'.
KPI_FORMULAS = {
    "ar_aging": "open (not paid by the as-of date) lines by days from service date to as-of date",
    "denials_by_carc": "denied lines by group-CARC code in adjustment_codes (a line counts "
    "once per code)",
    "denials_by_payer": "per payer: claims adjudicated and claims with at least one denied line, "
    "lines, charges and denied charges (HFMA initial denial rate by payer)",
    "modifier_25_rates": "per rendering provider: E/M lines, those with modifier 25, the share, "
    "and the other providers' (with enough E/M lines) mean, SD and mean + k SD threshold",
    "remit_provider_adjustments": "the 835s' PLB (provider-level) adjustments by reason: a "
    "positive amount was withheld from the payment, a negative one added; CLM-AMT-08 checks that "
    "each transaction's payment (BPR02) = sum of claim payments (CLP04) - sum of PLB amounts",
    "remit_adjustments_by_carc": "every CAS adjustment of the 835s (line and claim level) by "
    "group and claim adjustment reason code: dollars adjusted, and dollars on claims the payer "
    "denied (CLP02 = 4); routine = CO-45 (fee schedule write-down) and PR-1/2/3 (deductible, "
    "coinsurance, copay)",
}
PLB_REASONS = {  # X12 835 PLB03-1 provider adjustment reason codes (the common ones)
    "50": "late charge",
    "51": "interest penalty charge",
    "72": "authorized return",
    "90": "early payment allowance",
    "AP": "acceleration of benefits",
    "B2": "rebate",
    "BD": "bad debt adjustment",
    "C5": "temporary allowance",
    "CS": "adjustment",
    "CV": "capital passthru",
    "DM": "direct medical education passthru",
    "E3": "withholding",
    "FB": "forwarding balance",
    "GO": "graduate medical education passthru",
    "IS": "interim settlement",
    "J1": "nonreimbursable",
    "L3": "penalty",
    "L6": "interest owed",
    "LE": "levy",
    "OA": "organ acquisition passthru",
    "PI": "periodic interim payment",
    "RA": "retro-activity adjustment",
    "TL": "third party liability",
    "WO": "overpayment recovery",
}
CAS_GROUPS = {
    "CO": "contractual obligation (write-off, not billable to the patient)",
    "PR": "patient responsibility",
    "OA": "other adjustment",
    "PI": "payer-initiated reduction",
    "CR": "correction or reversal",
}


def compute_kpis(
    lines: pd.DataFrame,
    findings: pd.DataFrame,
    *,
    period: tuple[dt.date, dt.date],
    as_of: dt.date,
    remit_adjustments: pd.DataFrame | None = None,
    acknowledgements: tuple[pd.DataFrame, pd.DataFrame] | None = None,
) -> dict[str, Any]:
    """Compute the KPI block of ``summary.json`` plus display tables (``tables``). The headline
    KPIs follow named standards (:mod:`.standard_kpis`); ``definitions`` holds each one's
    standard, formula, inputs and what the extract could not supply."""
    start, end = (pd.Timestamp(d) for d in period)
    as_of_ts = pd.Timestamp(as_of)
    status = lines.get("claim_status", pd.Series(pd.NA, index=lines.index)).astype("string")
    void = status.eq("void").fillna(False).astype(bool)
    claim = lines["claim_id"].fillna("(missing)")
    n_claims = int(claim.nunique())

    errors = findings[findings["severity"] == "error"]
    has_error = lines["_row"].isin(set(errors["row"].tolist()))
    claims_with_error = int(claim[has_error].nunique())

    live = ~void
    adjudicated = status.isin(ADJUDICATED).fillna(False).astype(bool) & live
    denied_line = status.eq("denied").fillna(False).astype(bool) & live
    billed = lines["billed_amount"]

    paid_date = lines.get("paid_date", pd.Series(pd.NaT, index=lines.index))
    open_line = live & ~(
        paid_date.notna()
        & (paid_date <= as_of_ts)
        & status.isin(["paid", "partial"]).fillna(False).astype(bool)
    )
    in_period = lines["service_date"].between(start, end)
    days = (end - start).days + 1

    first_pass_rejections = None
    if acknowledgements is None:
        clean = standard_kpis.clean_claim_proxy(n_claims, claims_with_error)
    else:  # HFMA CL-1 on the 277CAs (the statuses and the 999 sets)
        from .first_pass import clean_claim_rate

        clean, first_pass_rejections = clean_claim_rate(lines, *acknowledgements)
    ncr = standard_kpis.net_collection_rate(lines, adjudicated, remit_adjustments)
    (by_claims, by_dollars, by_lines), by_payer = standard_kpis.denial_rates(
        lines, adjudicated, denied_line
    )
    net_days, gross_days = standard_kpis.days_in_ar(
        lines, live=live, denied=denied_line, open_line=open_line, in_period=in_period, days=days
    )
    definitions = {
        "clean_claim_rate": clean,
        "denial_rate": by_claims,
        "denial_rate_dollars": by_dollars,
        "denial_rate_lines": by_lines,
        "net_collection_rate": ncr,
        "net_days_in_ar": net_days,
        "gross_days_in_ar": gross_days,
    }

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

    ar = gross_days.inputs
    return {
        "claims_read": n_claims,
        "lines_read": len(lines),
        "claims_with_error_findings": claims_with_error,
        **{name: k.value for name, k in definitions.items()},
        "claims_adjudicated": by_claims.inputs["claims_remitted"],
        "claims_denied": by_claims.inputs["claims_with_a_denied_line"],
        "ar_billed_amount": ar["gross_ar"],
        "ar_lines_without_service_date": no_date,
        "definitions": {name: k.as_dict() for name, k in definitions.items()},
        "formulas": KPI_FORMULAS,
        "tables": {
            "ar_aging": aging,
            "denials_by_carc": by_carc,
            "denials_by_payer": by_payer,
            "denials_by_payer_month": by_payer_month,
            "top_rules_by_count": top_count.reset_index(drop=True),
            "top_rules_by_dollars": top_dollars.reset_index(drop=True),
            **(
                {"first_pass_rejections": first_pass_rejections}
                if first_pass_rejections is not None
                else {}
            ),
        },
    }


def provider_adjustment_table(plb: pd.DataFrame | None) -> pd.DataFrame:
    """The 835s' PLB (provider-level) adjustments by reason: count, amount (positive = withheld
    from the payment, negative = added) and the reason's meaning (X12 PLB03-1 codes)."""
    cols = ["reason", "meaning", "adjustments", "amount"]
    if plb is None or not len(plb):
        return pd.DataFrame(columns=cols)
    out = (
        plb.groupby("reason", dropna=False)
        .agg(adjustments=("amount", "size"), amount=("amount", "sum"))
        .reset_index()
    )
    out["amount"] = out["amount"].round(2)
    out["meaning"] = out["reason"].map(PLB_REASONS).fillna("")
    return out[cols].sort_values(["amount", "reason"], ascending=[False, True], ignore_index=True)


def remittance_kpis(
    adjustments: pd.DataFrame,
    claims: pd.DataFrame,
    provider_adjustments: pd.DataFrame | None = None,
) -> dict[str, Any]:
    """The 835 side of the denial analysis: totals, ``table`` (remit_adjustments_by_carc: group,
    CARC, adjustments, claims, lines, dollars, dollars on denied claims, share of dollars) and
    ``provider_table`` (the PLB adjustments by reason)."""
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
        "provider_table": provider_adjustment_table(provider_adjustments),
    }
