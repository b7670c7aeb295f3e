"""Tables and charts for the refunds notebook. They read a finished review; nothing is
computed here, and nothing shown holds a raw protected value."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from .charts import new_figure
from .tables import show

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from ..refunds.pipeline import RefundsReview

__all__ = [
    "aging_chart",
    "credit_balance_summary",
    "days_to_return_chart",
    "deadline_calendar",
    "findings_by_rule",
    "headline",
    "kpi_table",
    "overdue_by_payer_chart",
    "show",
]


def _pct(v: float | None) -> str:
    return "n/a" if v is None else f"{v:.1%}"


def headline(review: RefundsReview) -> str:
    s = review.summary
    c = s["counts"]["overpayments"]
    k = review.kpis
    return (
        f"**{c['rows_read']:,} overpayments read, {c['rows_checked']:,} checked** for "
        f"**{review.period}** as of {review.as_of.isoformat()}: {k['open']:,} open "
        f"(${k['open_amount']:,.2f}), {k['overdue']:,} past their deadline "
        f"(${k['dollars_overdue']:,.2f}); {_pct(k['returned_within_60_days'])} of returns on "
        f"time. {s['findings']['total']:,} findings; clock after a suspension: "
        f"**{s['clock']['resume']}** ({s['clock']['meaning']})."
    )


def kpi_table(review: RefundsReview) -> pd.DataFrame:
    k = review.kpis
    f = k["formulas"]
    rows = [
        ("Overpayments", f"{k['overpayments']:,}", "rows in the log"),
        ("Open", f"{k['open']:,} (${k['open_amount']:,.2f})", f["open_aging"]),
        ("Returned on time", _pct(k["returned_within_60_days"]), f["returned_within_60_days"]),
        (
            "Median days to return",
            "n/a" if k["median_days_to_return"] is None else f"{k['median_days_to_return']:.0f}",
            f["median_days_to_return"],
        ),
        ("Dollars overdue", f"${k['dollars_overdue']:,.2f}", f["dollars_overdue"]),
    ]
    return pd.DataFrame(rows, columns=["KPI", "value", "formula"]).set_index("KPI")


def deadline_calendar(review: RefundsReview) -> pd.DataFrame:
    cal = review.kpis["tables"]["deadline_calendar"]
    return cal.assign(deadline=cal["deadline"].dt.strftime("%Y-%m-%d"))


def findings_by_rule(review: RefundsReview) -> pd.DataFrame:
    by = review.summary["findings"]["by_rule"]
    rows = [(r, v["title"], v["severity"], v["count"]) for r, v in by.items() if v["count"]]
    return pd.DataFrame(rows, columns=["rule_id", "title", "severity", "findings"])


def credit_balance_summary(review: RefundsReview) -> pd.DataFrame:
    cb = dict(review.summary["credit_balance_report"])
    cert = cb.pop("certification", None) or {}
    cb["certification pages"] = (
        f"{cert['rows_for_quarter']} for the quarter in {cert['file']}; expected for "
        + (", ".join(cert["provider_numbers_expected"]) or "no provider number")
        if cert.get("evaluated")
        else cert.get("note", "")
    )
    return pd.DataFrame([cb])


def aging_chart(review: RefundsReview) -> Figure:
    t = review.kpis["tables"]["open_aging"]
    fig = new_figure()
    ax = fig.subplots()
    ax.bar(t["bucket"].astype(str), t["amount"], color="#175cd3")
    ax.set_xlabel("days since identification")
    ax.set_ylabel("open overpayments ($)")
    ax.set_title("Aging of open overpayments")
    return fig


def days_to_return_chart(review: RefundsReview) -> Figure:
    days = pd.Series(review.kpis["tables"]["days_to_return"], dtype="float64").dropna()
    fig = new_figure()
    ax = fig.subplots()
    if days.empty:  # no overpayment has both an identified and a return date
        ax.text(0.5, 0.5, "no overpayment with both dates", ha="center", va="center")
        ax.set_title("Days to return")
        return fig
    ax.hist(days, bins=range(0, int(max(days.max(), 70)) + 5, 5), color="#475467")
    ax.axvline(60, color="#b42318", linestyle="--", label="60 days")
    ax.set_xlabel("days from identification to return")
    ax.set_ylabel("overpayments")
    ax.legend()
    ax.set_title("Days to return")
    return fig


def overdue_by_payer_chart(review: RefundsReview) -> Figure:
    t = review.kpis["tables"]["overdue_by_payer"]
    fig = new_figure()
    ax = fig.subplots()
    if t.empty:
        ax.text(0.5, 0.5, "nothing overdue", ha="center", va="center")
    else:
        ax.bar(t["payer_type"], t["amount"], color="#b42318")
    ax.set_ylabel("overdue ($)")
    ax.set_title("Overdue overpayments by payer type")
    return fig


def control_totals_table(review: RefundsReview) -> pd.DataFrame:
    t = review.control_totals
    rows = [("rows", f"{t['rows']:,}")]
    rows += [(k, f"${v:,.2f}") for k, v in t["amounts"].items()]
    rows += [(f"{k} (first / last)", f"{v['min']} / {v['max']}") for k, v in t["dates"].items()]
    rows += [
        (f"reconciled {r['measure']}", f"{r['actual']} vs {r['expected']}: {r['status']}")
        for r in review.reconciliation
    ]
    return pd.DataFrame(rows, columns=["measure", "value"])


def comparison_counts(review: RefundsReview) -> pd.DataFrame:
    if review.comparison is None:
        return pd.DataFrame(columns=["new", "recurring", "resolved"])
    return pd.DataFrame([review.comparison["counts"]])
