"""Revenue-cycle KPIs by the field's named definitions, each with what it was computed from.

Every KPI is a :class:`Kpi` record: its value, the standard it follows, the formula, the
inputs with their totals (so a reader can recompute it), and what the extract could not
supply. The records go to ``summary.json`` (``kpis.definitions``), the workpaper and the
report unchanged.

* Net collection rate, MGMA "adjusted fee-for-service collection percentage" (MGMA Cost and
  Revenue glossary: net FFS collections / adjusted FFS charges, adjusted charges being gross
  charges less contractual adjustments). Denied charges stay in the denominator.
* Initial denial rate, HFMA Claim Integrity Task Force, "Standardizing Denial Metrics for
  Revenue Cycle Benchmarking and Process Improvement" (2020): by claim volume and by dollars,
  with the line-level rate the report recommends (its appendix 2) beside them.
* Net days in A/R, HFMA MAP Key: net A/R / average daily net patient service revenue; gross
  days (at charges) beside it.
* Clean-claim rate: HFMA MAP Key CL-1 on first-pass 277CA acknowledgements where they are
  given (:mod:`.first_pass`); otherwise the audit-findings proxy, labelled as a proxy.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "CONTRACTUAL_CARCS",
    "Kpi",
    "clean_claim_proxy",
    "days_in_ar",
    "denial_rates",
    "describe",
    "display_value",
    "net_collection_rate",
    "number_format",
    "share",
]

# CO-group reasons that bring a charge down to the contracted or scheduled amount: the
# contractual allowance, not a denial. 45 charge exceeds fee schedule / maximum allowable or
# contracted arrangement; 42 (deactivated, still seen) charges exceed our fee schedule; 44
# prompt-pay discount; 131 claim-specific negotiated discount; 253 sequestration. (X12 Claim
# Adjustment Reason Codes list.) Every other CO reason (50, 97, 16, 29, 197, ...) is a denial.
CONTRACTUAL_CARCS = ("45", "42", "44", "131", "253")


@dataclasses.dataclass
class Kpi:
    label: str
    value: float | None
    standard: str
    formula: str
    inputs: dict[str, Any]
    not_in_extract: list[str] = dataclasses.field(default_factory=list)
    proxy: bool = False
    unit: str = "rate"  # "rate" (a share) or "days"

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def share(num: float, den: float, places: int = 6) -> float | None:
    """num / den rounded to ``places``; None when there is no denominator."""
    return round(num / den, places) if den else None


def _money(x: float) -> float:
    return round(float(x), 2)


def net_collection_rate(
    lines: pd.DataFrame, adjudicated: pd.Series, remit_adjustments: pd.DataFrame | None
) -> Kpi:
    """MGMA net collection rate over the adjudicated lines. Contractual adjustments come from
    the 835s' CO adjustments with a :data:`CONTRACTUAL_CARCS` reason for the claims an 835
    answered, otherwise from charges - allowed on the adjudicated lines the payer paid."""
    billed = lines["billed_amount"].where(adjudicated, 0.0).fillna(0.0)
    paid = lines.get("paid_amount", pd.Series(np.nan, index=lines.index))
    allowed = lines.get("allowed_amount", pd.Series(np.nan, index=lines.index))
    status = lines["claim_status"].astype("string") if "claim_status" in lines else None
    payer_paid = float(paid.where(adjudicated, 0.0).fillna(0.0).sum())
    not_in = []
    if "patient_paid_amount" in lines and lines["patient_paid_amount"].notna().any():
        patient_paid = float(lines["patient_paid_amount"].where(adjudicated, 0.0).fillna(0).sum())
    else:
        patient_paid = 0.0
        not_in.append("patient payments (no patient_paid_amount values): payer payments only")
    claim = lines["claim_id"].astype("string")
    by_835 = pd.Series(False, index=lines.index)
    contractual_835 = 0.0
    if remit_adjustments is not None and len(remit_adjustments):
        answered = set(remit_adjustments["claim_id"].astype("string"))
        by_835 = claim.isin(answered).fillna(False).astype(bool) & adjudicated
        ours = set(claim[by_835])
        a = remit_adjustments
        co = (
            a["group"].eq("CO")
            & a["carc"].astype("string").isin(CONTRACTUAL_CARCS)
            & a["claim_id"].astype("string").isin(ours)
        )
        contractual_835 = float(a.loc[co.fillna(False), "amount"].sum())
    paid_line = adjudicated & ~by_835
    if status is not None:
        paid_line &= status.isin(["paid", "partial"]).fillna(False).astype(bool)
    known = paid_line & allowed.notna()
    contractual_lines = float((lines["billed_amount"] - allowed)[known].sum())
    no_allowed = int((paid_line & ~known).sum())
    if no_allowed:
        not_in.append(
            f"{no_allowed:,} paid lines without allowed_amount: no contractual adjustment "
            "taken for them"
        )
    charges = float(billed.sum())
    contractual = contractual_835 + contractual_lines
    payments = payer_paid + patient_paid
    return Kpi(
        label="Net collection rate",
        value=share(payments, charges - contractual),
        standard="MGMA adjusted fee-for-service collection percentage (net collection rate)",
        formula="(payer payments + patient payments) / (charges - contractual adjustments), over "
        "adjudicated lines (paid, partial or denied; void excluded); denied charges stay in the "
        "denominator. Contractual adjustments: CO-" + "/".join(CONTRACTUAL_CARCS) + " amounts "
        "from the 835s for the claims they answer, else charges - allowed on paid lines",
        inputs={
            "adjudicated_lines": int(adjudicated.sum()),
            "charges": _money(charges),
            "contractual_adjustments": _money(contractual),
            "contractual_from_835": _money(contractual_835),
            "lines_with_contractual_from_835": int(by_835.sum()),
            "contractual_from_charges_less_allowed": _money(contractual_lines),
            "payer_payments": _money(payer_paid),
            "patient_payments": _money(patient_paid),
        },
        not_in_extract=not_in,
    )


def denial_rates(
    lines: pd.DataFrame, adjudicated: pd.Series, denied: pd.Series
) -> tuple[list[Kpi], pd.DataFrame]:
    """HFMA initial denial rate by claims and by dollars, the line rate beside them, and the
    table by payer."""
    claim = lines["claim_id"].astype("string").fillna("(missing)")
    billed = lines["billed_amount"].fillna(0.0)
    f = pd.DataFrame(
        {
            "claim": claim,
            "payer_type": lines["payer_type"],
            "payer_id": lines["payer_id"],
            "adj": adjudicated,
            "denied": denied,
            "charges": billed.where(adjudicated, 0.0),
            "denied_charges": billed.where(denied, 0.0),
        }
    )
    per_claim = f.groupby("claim", sort=False).agg(
        payer_type=("payer_type", "first"),
        payer_id=("payer_id", "first"),
        adj=("adj", "sum"),
        denied=("denied", "sum"),
        charges=("charges", "sum"),
        denied_charges=("denied_charges", "sum"),
    )
    remitted = per_claim[per_claim["adj"] > 0]
    n_remitted, n_denied = len(remitted), int((remitted["denied"] > 0).sum())
    charges, denied_charges = float(remitted["charges"].sum()), float(f["denied_charges"].sum())
    n_lines, n_denied_lines = int(adjudicated.sum()), int(denied.sum())
    status_note = [
        "first-pass (initial) status: the extract carries each line's current status, so a "
        "denial overturned before the extract was taken counts as paid"
    ]
    source = "HFMA Claim Integrity Task Force, Standardizing Denial Metrics (2020)"
    inputs = {
        "claims_remitted": n_remitted,
        "claims_with_a_denied_line": n_denied,
        "charges_adjudicated": _money(charges),
        "denied_line_charges": _money(denied_charges),
        "lines_adjudicated": n_lines,
        "lines_denied": n_denied_lines,
    }
    kpis = [
        Kpi(
            "Denial rate (claims)",
            share(n_denied, n_remitted),
            source + ": initial denial rate as a percentage of claim volume",
            "claims with at least one denied line / claims adjudicated (at least one non-void "
            "line paid, partial or denied)",
            inputs,
            status_note,
        ),
        Kpi(
            "Denial rate (dollars)",
            share(denied_charges, charges),
            source + ": initial denial rate as a percentage of dollars",
            "charges of denied lines / charges of adjudicated lines",
            inputs,
            status_note,
        ),
        Kpi(
            "Denial rate (lines)",
            share(n_denied_lines, n_lines),
            source + ", appendix 2: the line-level rate",
            "denied lines / adjudicated lines",
            inputs,
            status_note,
        ),
    ]
    lines_by = f[f["adj"]].groupby(["payer_type", "payer_id"], dropna=False)
    by_payer = (
        remitted.assign(claim_denied=remitted["denied"] > 0)
        .groupby(["payer_type", "payer_id"], dropna=False)
        .agg(claims_adjudicated=("adj", "size"), claims_denied=("claim_denied", "sum"))
        .join(lines_by.agg(lines_adjudicated=("adj", "size"), lines_denied=("denied", "sum")))
        .join(lines_by.agg(charges=("charges", "sum"), denied_charges=("denied_charges", "sum")))
        .reset_index()
    )
    by_payer["denial_rate"] = (by_payer["claims_denied"] / by_payer["claims_adjudicated"]).round(4)
    by_payer["denial_rate_dollars"] = (
        by_payer["denied_charges"] / by_payer["charges"].where(by_payer["charges"] != 0)
    ).round(4)
    by_payer[["charges", "denied_charges"]] = by_payer[["charges", "denied_charges"]].round(2)
    return kpis, by_payer


def days_in_ar(
    lines: pd.DataFrame,
    *,
    live: pd.Series,
    denied: pd.Series,
    open_line: pd.Series,
    in_period: pd.Series,
    days: int,
) -> tuple[Kpi, Kpi]:
    """Net days in A/R (HFMA MAP Key) and gross days, each labelled. Net amounts: the allowed
    amount where the payer adjudicated the line (a denied line nets to 0); a line not yet
    adjudicated is valued at the period's realisation rate (allowed / charges of the
    adjudicated lines), an estimate the inputs show."""
    billed = lines["billed_amount"].fillna(0.0)
    allowed = lines.get("allowed_amount", pd.Series(np.nan, index=lines.index))
    known = live & (allowed.notna() | denied)
    net_known = allowed.where(~denied, 0.0).fillna(0.0)
    realisation = share(float(net_known[known].sum()), float(billed[known].sum()))
    estimate = live & ~known
    net = net_known.where(known, billed * (realisation or 0.0))

    ar_gross = float(billed[open_line].sum())
    revenue_gross = float(billed[in_period & live].sum())
    gross = Kpi(
        "Gross days in A/R",
        round(ar_gross / (revenue_gross / days), 1) if revenue_gross else None,
        "gross days in A/R (at charges), beside the HFMA net figure",
        "charges of lines not paid by the as-of date (void excluded; denied lines stay until "
        "paid) / (charges of lines with service in the period / days in the period)",
        {
            "gross_ar": _money(ar_gross),
            "open_lines": int(open_line.sum()),
            "charges_in_period": _money(revenue_gross),
            "days_in_period": days,
        },
        ["write-offs and patient balances after the payer's payment"],
        unit="days",
    )
    ar_net = float(net[open_line].sum())
    revenue_net = float(net[in_period & live].sum())
    not_in = [
        "patient payments and balances: a line the payer paid leaves A/R",
        "bad-debt and charity write-offs",
    ]
    if realisation is None:
        not_in.insert(0, "allowed amounts: no adjudicated line carries one, so no net figure")
    net_kpi = Kpi(
        "Net days in A/R",
        round(ar_net / (revenue_net / days), 1)
        if revenue_net and realisation is not None
        else None,
        "HFMA MAP Key: net days in accounts receivable",
        "net A/R / average daily net patient service revenue; net = allowed amount of an "
        "adjudicated line (denied = 0), an unadjudicated line at charges x the realisation rate "
        "(allowed / charges of adjudicated lines)",
        {
            "net_ar": _money(ar_net),
            "net_ar_estimated_lines": int((estimate & open_line).sum()),
            "net_ar_estimated_amount": _money(net[estimate & open_line].sum()),
            "net_revenue_in_period": _money(revenue_net),
            "realisation_rate": realisation,
            "days_in_period": days,
        },
        not_in,
        unit="days",
    )
    return net_kpi, gross


def clean_claim_proxy(n_claims: int, claims_with_error: int) -> Kpi:
    return Kpi(
        "Clean-claim rate (proxy)",
        share(n_claims - claims_with_error, n_claims),
        "audit-findings proxy, not HFMA MAP Key CL-1 (claims passing edits on first "
        "submission / claims submitted)",
        "claims with no error finding in this review / claims read",
        {"claims_read": n_claims, "claims_with_error_findings": claims_with_error},
        ["first-pass edit status (277CA/999 acknowledgements or a claim status history)"],
        proxy=True,
    )


def describe(k: dict[str, Any]) -> str:
    """One paragraph for a report or workpaper cell: standard, formula, inputs and what the
    extract lacked (``k`` is a :meth:`Kpi.as_dict`)."""
    inputs = "; ".join(
        f"{name.replace('_', ' ')} {v:,}" if isinstance(v, int | float) else f"{name} {v}"
        for name, v in k["inputs"].items()
    )
    text = f"{k['standard']}. {k['formula']}. Inputs: {inputs}."
    if k["not_in_extract"]:
        text += " Not in the extract: " + "; ".join(k["not_in_extract"]) + "."
    return text


def display_value(k: dict[str, Any]) -> str:
    """The value as a report shows it (``k`` is a :meth:`Kpi.as_dict`)."""
    if k["value"] is None:
        return "n/a"
    return f"{k['value']:.1f}" if k["unit"] == "days" else f"{k['value']:.1%}"


def number_format(k: dict[str, Any]) -> str:
    """The Excel number format of the value."""
    return "0.0" if k["unit"] == "days" else "0.0%"
