"""Matplotlib charts for the claims report. Each returns a Figure; nothing is computed here."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from ..claims.review import ClaimsReview


def _figure(width: float = 8, height: float = 3.6) -> Figure:
    import matplotlib.pyplot  # noqa: F401  (lets Jupyter's inline backend display Figure objects)
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def findings_by_rule_chart(review: ClaimsReview) -> Figure:
    from .tables import findings_by_rule

    t = findings_by_rule(review).sort_values("findings")
    fig = _figure(8, max(2.5, 0.28 * len(t) + 1))
    ax = fig.subplots()
    colors = ["#b42318" if s == "error" else "#b54708" for s in t["severity"]]
    ax.barh(t["rule_id"], t["findings"], color=colors)
    ax.set_xlabel("findings")
    ax.set_title("Findings by rule (red: error, amber: warning)")
    return fig


def denials_by_payer_month_chart(review: ClaimsReview) -> Figure:
    t = review.kpis["tables"]["denials_by_payer_month"]
    fig = _figure()
    ax = fig.subplots()
    if t.empty:
        ax.text(0.5, 0.5, "no denied lines", ha="center", va="center")
        return fig
    pivot = t.pivot_table(index="month", columns="payer_type", values="denied_lines", fill_value=0)
    pivot.plot(kind="bar", stacked=True, ax=ax, rot=0)
    ax.set_ylabel("denied lines")
    ax.set_title("Denied lines by month of service and payer type")
    return fig


def ar_aging_chart(review: ClaimsReview) -> Figure:
    t = review.kpis["tables"]["ar_aging"]
    fig = _figure()
    ax = fig.subplots()
    ax.bar(t["bucket"].astype(str), t["billed_amount"], color="#175cd3")
    ax.set_xlabel(f"days since service (as of {review.as_of.isoformat()})")
    ax.set_ylabel("open billed amount ($)")
    ax.set_title("A/R aging of lines not paid by the as-of date")
    return fig
