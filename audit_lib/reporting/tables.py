"""Tables for the notebook and the workpaper, built from a finished review."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

import pandas as pd

from ..claims.standard_kpis import describe, display_value
from ..rules import CLAIMS_RULES

if TYPE_CHECKING:
    from ..claims.pipeline import ClaimsReview


def _pct(v: float | None) -> str:
    return "n/a" if v is None else f"{v:.1%}"


def headline(review: ClaimsReview) -> str:
    """One paragraph of Markdown saying what the review found."""
    s = review.summary
    c = s["counts"]["claims"]
    f = s["findings"]
    return (
        f"**{c['rows_read']:,} claim lines read, {c['rows_checked']:,} checked** "
        f"({c['claims_read']:,} claims, ${c['billed_amount_total']:,.2f} billed) for "
        f"**{review.period}** as of {review.as_of.isoformat()}. "
        f"{f['total']:,} findings: {f['by_severity']['error']:,} errors and "
        f"{f['by_severity']['warning']:,} warnings on {c['rows_with_findings']:,} lines; "
        f"{c['rows_rejected']:,} lines had values that could not be parsed "
        "(listed as CLM-PARSE-01). "
        f"{_clean_label(s)} {_pct(s['kpis']['clean_claim_rate'])}, "
        f"denial rate {_pct(s['kpis']['denial_rate'])} of claims adjudicated "
        f"({_pct(s['kpis']['denial_rate_dollars'])} of their charges)."
    )


def _clean_label(s: dict) -> str:
    k = s["kpis"].get("definitions", {}).get("clean_claim_rate", {})
    if k.get("proxy", True):
        return "Clean-claim rate (audit-findings proxy)"
    return "Clean-claim rate (HFMA MAP Key CL-1, first-pass 277CA)"


def population_table(review: ClaimsReview) -> pd.DataFrame:
    s = review.summary
    c = s["counts"]["claims"]
    p = s["period"]
    rows = [
        ("Source", s["source"]),
        ("Period", f"{p['period']} ({p['start']} to {p['end']}; {p['period_source']})"),
        ("As-of date", p["as_of"]),
        ("Lines read", f"{c['rows_read']:,}"),
        ("Lines checked", f"{c['rows_checked']:,}"),
        ("Lines with unparseable values", f"{c['rows_rejected']:,}"),
        ("Claims", f"{c['claims_read']:,}"),
        ("Billed amount", f"${c['billed_amount_total']:,.2f}"),
    ]
    rows += _source_rows(s)
    return pd.DataFrame(rows, columns=["item", "value"]).set_index("item")


def _source_rows(s: dict) -> list[tuple[str, str]]:
    """How the input was read: the profile, the X12 guides, how the 835s were applied."""
    rows = []
    profile = s.get("input_profile")
    if profile:
        rows.append(("Input profile", f"{profile['name']}: {profile['title']}"))
        rows.append(("Source rows", f"{profile['source_rows']:,} rows of {profile['file']}, "
                     f"{profile['rows']:,} lines"))  # fmt: skip
    x12 = s.get("x12") or {}
    if "claims" in x12:
        read_as = sorted({f["read_as"] for f in x12["claims"]["files"]})
        rows.append(("837 files", f"{len(x12['claims']['files'])} ({', '.join(read_as)})"))
        shared = x12["claims"].get("repeated_claim_ids", {})
        if shared.get("claims"):
            rows.append(("Claims sharing a patient control number",
                         f"{shared['claims']:,} (numbered CLM01#1, #2...)"))  # fmt: skip
    if "remits" in x12:
        r = x12["remits"]
        rows.append(("835 claims matched", f"{r.get('claims_matched', 0):,} of "
                     f"{r.get('claims_in_835', 0):,}"))  # fmt: skip
        claim_level = r.get("lines_from_claim_level_remittances", 0)
        rows.append(("Lines from line-level / claim-level remittances",
                     f"{r.get('lines_matched', 0) - claim_level:,} / {claim_level:,}"))  # fmt: skip
        plb = r.get("provider_adjustments", {})
        if plb.get("count"):
            rows.append(("Provider-level adjustments (PLB)",
                         f"{plb['count']:,}, ${plb['total']:,.2f}"))  # fmt: skip
    return rows


def not_evaluated_table(review: ClaimsReview) -> pd.DataFrame:
    """The rules the input did not let the review evaluate, and why."""
    rows = review.summary.get("not_evaluated") or []
    return pd.DataFrame(
        [(r["rule_id"], r["field"] or "(all)", r["reason"]) for r in rows],
        columns=["rule_id", "on", "not evaluated because"],
    )


def kpi_table(review: ClaimsReview) -> pd.DataFrame:
    """The headline KPIs: value, and the standard, formula, inputs and gaps behind it."""
    k = review.kpis
    rows = [
        ("Claims read", f"{k['claims_read']:,}", "distinct claim_id"),
        ("Lines read", f"{k['lines_read']:,}", "rows in the input"),
    ]
    rows += [(d["label"], display_value(d), describe(d)) for d in k["definitions"].values()]
    return pd.DataFrame(rows, columns=["KPI", "value", "definition"]).set_index("KPI")


def codeset_table(review: ClaimsReview) -> pd.DataFrame:
    """The code sets the review used: release and source, each ICD-10-CM release that judged
    a diagnosis, and the diagnoses no shipped release covers (once)."""
    rows = []
    for name, v in review.summary["codesets"].items():
        rows.append((name, v["release"], v.get("package", v.get("source", ""))))
        for r in v.get("releases_used") or []:
            rows.append(
                (f"{name} {r['release']}",
                 f"{r['first_day']} to {r['last_day']}: {r['diagnoses_judged']:,} diagnoses",
                 r["source"])
            )  # fmt: skip
        out = v.get("outside_releases")
        if out:
            rows.append(
                (f"{name}: not judged",
                 f"{out['diagnoses']:,} diagnoses on {out['lines']:,} lines dated "
                 f"{out['earliest']} to {out['latest']}",
                 f"{out['note']} (shipped: {out['shipped']})")
            )  # fmt: skip
    return pd.DataFrame(rows, columns=["code set", "release", "source"])


def findings_by_rule(review: ClaimsReview) -> pd.DataFrame:
    by = review.summary["findings"]["by_rule"]
    rows = [
        (r, v["title"], v["severity"], v["count"], v["amount"] if v.get("amount_basis") else None)
        for r, v in by.items()
    ]
    out = pd.DataFrame(rows, columns=["rule_id", "title", "severity", "findings", "amount"])
    return (
        out[out["findings"] > 0]
        .sort_values(["findings", "rule_id"], ascending=[False, True])
        .reset_index(drop=True)
    )


def rules_table(review: ClaimsReview) -> pd.DataFrame:
    by = review.summary["findings"]["by_rule"]
    rows = [
        (
            r.rule_id,
            r.title,
            r.severity
            + (f" ({r.severity_institutional} institutional)" if r.severity_institutional else ""),
            r.source,
            by[r.rule_id]["count"],
            by[r.rule_id]["amount"],
            r.definition,
        )
        for r in CLAIMS_RULES.values()
    ]
    return pd.DataFrame(
        rows,
        columns=["rule_id", "title", "severity", "source", "findings", "amount", "definition"],
    )


def findings_preview(review: ClaimsReview, n: int = 25) -> pd.DataFrame:
    """The first ``n`` findings per the deterministic order (the full list is in findings.csv)."""
    return review.findings.head(n)


def show(frame: pd.DataFrame, *, index: bool = False):
    """A display version of a table: full text, no row counter, amounts with two decimals."""
    money = [c for c in frame.columns if "amount" in str(c)]
    styler = frame.style.format({c: "{:,.2f}" for c in money}, na_rep="")
    # ids from the table itself, not pandas' random uuid: the same run renders the same HTML
    styler.set_uuid(hashlib.sha256(frame.to_csv().encode()).hexdigest()[:8])
    styler = styler.set_properties(**{"text-align": "left"})
    return styler if index else styler.hide(axis="index")


def top_rules_by_dollars(review: ClaimsReview) -> pd.DataFrame:
    t = findings_by_rule(review)
    return (
        t[t["amount"] > 0]
        .sort_values(["amount", "rule_id"], ascending=[False, True])
        .head(10)
        .reset_index(drop=True)
    )


def control_totals_table(review: ClaimsReview) -> pd.DataFrame:
    """Rows, dollar totals and first/last dates of the input, as read."""
    t = review.control_totals
    rows = [("rows", f"{t['rows']:,}")]
    rows += [(k, f"${v:,.2f}") for k, v in t["amounts"].items()]
    rows += [(f"{k} (first / last)", f"{v['min']} / {v['max']}") for k, v in t["dates"].items()]
    return pd.DataFrame(rows, columns=["measure", "value"])


def reconciliation_table(review: ClaimsReview) -> pd.DataFrame:
    """Input totals against the control totals file (empty when none was given)."""
    cols = ["measure", "actual", "expected", "difference", "tolerance", "status"]
    return pd.DataFrame(review.reconciliation, columns=["input", *cols])[cols]


def comparison_counts(review: ClaimsReview) -> pd.DataFrame:
    """New, recurring and resolved findings against the prior period (empty without one)."""
    if review.comparison is None:
        return pd.DataFrame(columns=["new", "recurring", "resolved"])
    return pd.DataFrame([review.comparison["counts"]])


def comparison_list(review: ClaimsReview, status: str, n: int = 25) -> pd.DataFrame:
    """The first ``n`` new, recurring or resolved findings."""
    if review.comparison is None:
        return pd.DataFrame()
    if status == "resolved":
        return review.comparison["resolved"].head(n)
    mask = review.comparison["status"] == status
    return review.findings.loc[mask, ["rule_id", "record_key", "field", "detail"]].head(n)


def hospital_table(review: ClaimsReview) -> pd.DataFrame | None:
    """The hospital KPIs and the DRG regroup (None without inpatient acute claims)."""
    from ..claims.hospital_kpis import hospital_table as table

    block = review.summary.get("hospital")
    return table(block) if block else None
