"""Matplotlib charts for the claims report. Each returns a Figure; nothing is computed here."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from ..claims.pipeline import ClaimsReview


def new_figure(width: float = 8, height: float = 3.6) -> Figure:
    import matplotlib.pyplot  # noqa: F401  (lets Jupyter's inline backend display Figure objects)
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def findings_by_rule_chart(review: ClaimsReview) -> Figure:
    from .tables import findings_by_rule

    t = findings_by_rule(review).sort_values("findings")
    fig = new_figure(8, max(2.5, 0.28 * len(t) + 1))
    ax = fig.subplots()
    colors = ["#b42318" if s == "error" else "#b54708" for s in t["severity"]]
    ax.barh(t["rule_id"], t["findings"], color=colors)
    ax.set_xlabel("findings")
    ax.set_title("Findings by rule (red: error, amber: warning)")
    return fig


def denials_by_payer_month_chart(review: ClaimsReview) -> Figure:
    t = review.kpis["tables"]["denials_by_payer_month"]
    fig = new_figure()
    ax = fig.subplots()
    if t.empty:
        ax.text(0.5, 0.5, "no denied lines", ha="center", va="center")
        return fig
    pivot = t.pivot_table(index="month", columns="payer_type", values="denied_lines", fill_value=0)
    pivot.plot(kind="bar", stacked=True, ax=ax, rot=0)
    ax.set_ylabel("denied lines")
    ax.set_title("Denied lines by month of service and payer type")
    return fig


def remit_carc_chart(review: ClaimsReview, top: int = 15) -> Figure:
    """The CARCs with the most dollars adjusted in the 835s, leaving out the routine ones
    (CO-45 write-down, PR-1/2/3 deductible, coinsurance, copay), coloured by CAS group, with the
    part on claims the payer denied hatched."""
    t = review.kpis["tables"].get("remit_adjustments_by_carc")
    fig = new_figure(8, 3.8)
    ax = fig.subplots()
    if t is None or t.empty:
        ax.text(0.5, 0.5, "no 835 adjustments (no --remits given)", ha="center", va="center")
        ax.set_axis_off()
        return fig
    t = t[~t["routine"]].head(top).iloc[::-1]
    if t.empty:
        ax.text(0.5, 0.5, "only routine adjustments (CO-45, PR-1/2/3)", ha="center", va="center")
        ax.set_axis_off()
        return fig
    labels = t["group"] + "-" + t["carc"].astype(str)
    palette = {"CO": "#175cd3", "PR": "#b54708", "OA": "#667085", "PI": "#6941c6"}
    colors = [palette.get(g, "#98a2b3") for g in t["group"]]
    ax.barh(labels, t["amount"], color=colors)
    ax.barh(labels, t["amount_on_denied_claims"], color="none", edgecolor="#b42318", hatch="//")
    ax.set_xlabel("dollars adjusted ($)")
    ax.set_title(
        "835 denials and other non-routine adjustments by group-CARC\n(CO-45 and PR-1/2/3 left "
        "out; blue CO, amber PR, grey OA, purple PI; hatched: on denied claims)",
        fontsize=9,
    )
    return fig


def ar_aging_chart(review: ClaimsReview) -> Figure:
    t = review.kpis["tables"]["ar_aging"]
    fig = new_figure()
    ax = fig.subplots()
    ax.bar(t["bucket"].astype(str), t["billed_amount"], color="#175cd3")
    ax.set_xlabel(f"days since service (as of {review.as_of.isoformat()})")
    ax.set_ylabel("open billed amount ($)")
    ax.set_title("A/R aging of lines not paid by the as-of date")
    return fig


def benford_chart(result: dict, title: str = "Benford first digits") -> Figure:
    """Observed against expected proportions of a :func:`audit_lib.analytics.benford` result;
    digits whose Z exceeds 1.96 are red."""
    t = result["table"]
    fig = new_figure(8, 3.4)
    ax = fig.subplots()
    colors = ["#b42318" if z > 1.96 else "#175cd3" for z in t["z"]]
    ax.bar(t["digits"].astype(str), t["observed"], color=colors, label="observed")
    ax.plot(t["digits"].astype(str), t["expected"], color="#101828", marker="o", label="expected")
    ax.set_ylabel("proportion")
    ax.set_title(f"{title}: n = {result['n']:,}, MAD {result['mad']:.4f} ({result['conformity']})")
    ax.legend()
    if len(t) > 20:
        ax.set_xticks(range(0, len(t), 10), t["digits"].astype(str).iloc[::10])
    return fig
