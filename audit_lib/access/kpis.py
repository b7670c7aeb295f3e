"""Descriptive statistics the access report and workpaper show (computed in DuckDB)."""

from __future__ import annotations

from typing import Any

import pandas as pd

__all__ = ["access_stats"]

WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


def access_stats(
    con, alerts: pd.DataFrame, cases: pd.DataFrame, *, identity_min: float = 0.99
) -> dict[str, Any]:
    """Heat map of events by weekday and local hour, top users by distinct patients, alerts
    by rule, and identity resolution (share of log user ids found in the roster)."""
    heat = con.execute(
        "SELECT isodow(ev_date) AS dow, hour(ts_local) AS hour, count(*) AS n "
        "FROM events_ok GROUP BY 1, 2"
    ).df()
    grid = (
        heat.pivot_table(index="dow", columns="hour", values="n", aggfunc="sum")
        .reindex(index=range(1, 8), columns=range(24))
        .fillna(0)
        .astype("int64")
    )
    grid.index = WEEKDAYS
    top = con.execute(
        """SELECT e.user_id, coalesce(w.role_n, '(not in roster)') AS role,
                  coalesce(w.department, '') AS department,
                  count(DISTINCT e.patient_id) AS distinct_patients, count(*) AS events,
                  max(d.n_patients) AS max_patients_in_a_day
           FROM events_ok e LEFT JOIN wf w ON w.user_id = e.user_id
           LEFT JOIN (SELECT user_id, max(n_patients) AS n_patients FROM user_days
                      GROUP BY user_id) d ON d.user_id = e.user_id
           GROUP BY 1, 2, 3 ORDER BY distinct_patients DESC, e.user_id LIMIT 15"""
    ).df()
    users = con.execute(
        """SELECT count(*) AS ids, count(w.user_id) AS mapped,
                  sum(n) AS events, sum(CASE WHEN w.user_id IS NOT NULL THEN n END) AS mapped_ev
           FROM (SELECT user_id, count(*) AS n FROM events WHERE user_id IS NOT NULL
                 GROUP BY user_id) u LEFT JOIN wf w ON w.user_id = u.user_id"""
    ).fetchall()[0]
    ids, mapped, events, mapped_ev = (int(x or 0) for x in users)
    by_rule = (
        alerts.groupby("rule_id")
        .agg(alerts=("rule_id", "size"), users=("user_id", "nunique"))
        .reset_index()
        if len(alerts)
        else pd.DataFrame(columns=["rule_id", "alerts", "users"])
    )
    return {
        "heatmap": grid,
        "top_users": top,
        "alerts_by_rule": by_rule,
        "identity_resolution": {
            "user_ids": ids,
            "mapped_user_ids": mapped,
            "share_of_user_ids": round(mapped / ids, 4) if ids else None,
            "share_of_events": round(mapped_ev / events, 4) if events else None,
            "threshold": identity_min,
            "meets_threshold": bool(ids and mapped / ids >= identity_min),
        },
        "alerts_by_rule_counts": dict(
            zip(by_rule["rule_id"], by_rule["alerts"].astype(int), strict=True)
        ),
    }
