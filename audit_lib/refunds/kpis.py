"""Overpayment KPIs and the deadline calendar. Pure functions over the derived frame of
:func:`audit_lib.refunds.logic.build_overpayments`; formulas in :data:`KPI_FORMULAS`."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd

AGING_BUCKETS = ["0-30", "31-60", "61-90", "91-180", "181-365", ">365"]
KPI_FORMULAS = {
    "open_aging": "open overpayments (no return) by days from identification to the as-of date",
    "returned_within_60_days": "overpayments returned on or before their deadline / overpayments "
    "returned",
    "median_days_to_return": "median of refund_date - identified_date over returned overpayments",
    "dollars_overdue": "overpayment_amount of open items past their deadline at the as-of date",
    "deadline_calendar": "open items whose deadline falls in the 30 days after the as-of date",
}


def compute_refund_kpis(frame: pd.DataFrame, *, as_of: dt.date) -> dict[str, Any]:
    returned = (
        frame["_deadline"].notna()
        & frame.get("refund_date", pd.Series(pd.NaT, index=frame.index)).notna()
        & ~frame.get("status", pd.Series("open", index=frame.index)).eq("open").fillna(False)
    )
    open_ = ~returned
    amount = frame["overpayment_amount"]
    age = frame["_age_days"]
    bucket = pd.cut(age, bins=[-np.inf, 30, 60, 90, 180, 365, np.inf], labels=AGING_BUCKETS)
    aging = (
        pd.DataFrame({"bucket": bucket[open_], "amount": amount[open_]})
        .groupby("bucket", observed=False)
        .agg(items=("amount", "size"), amount=("amount", "sum"))
        .reindex(AGING_BUCKETS)
        .fillna(0)
        .reset_index()
    )
    on_time = returned & ~frame["_returned_late"]
    # returned overpayments with both dates (a missing identified date is its own finding)
    days = (frame["refund_date"] - frame["identified_date"]).dt.days[returned].dropna()
    overdue = open_ & frame["_open_overdue"]
    as_of_ts = pd.Timestamp(as_of)
    soon = open_ & frame["_deadline"].between(as_of_ts, as_of_ts + pd.Timedelta(days=30))
    calendar = frame.loc[
        soon, ["record_key", "payer_type", "overpayment_amount", "_deadline", "_basis"]
    ].rename(columns={"_deadline": "deadline", "_basis": "basis"})
    calendar = calendar.sort_values(["deadline", "record_key"]).reset_index(drop=True)
    by_payer = (
        pd.DataFrame({"payer_type": frame["payer_type"], "amount": amount})[overdue]
        .groupby("payer_type")
        .agg(items=("amount", "size"), amount=("amount", "sum"))
        .reset_index()
    )
    return {
        "overpayments": len(frame),
        "open": int(open_.sum()),
        "open_amount": round(float(amount[open_].sum()), 2),
        "returned": int(returned.sum()),
        "returned_within_60_days": round(float(on_time.sum() / returned.sum()), 6)
        if returned.sum()
        else None,
        "median_days_to_return": float(days.median()) if len(days) else None,
        "overdue": int(overdue.sum()),
        "dollars_overdue": round(float(amount[overdue].sum()), 2),
        "formulas": KPI_FORMULAS,
        "tables": {
            "open_aging": aging,
            "deadline_calendar": calendar,
            "overdue_by_payer": by_payer,
            "days_to_return": days.reset_index(drop=True),
        },
    }
