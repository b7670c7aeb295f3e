"""Alerts -> explainable cases and findings.

A case is what a privacy officer reviews and disposes of: all alerts of one user on one
patient; a bulk-access day of one user; or, for a repeat offender (LOG-R-16), every alert of
that user as one escalated case. Each case carries a score (sum of the weights of its distinct
rules, capped at 100), its rule ids, its events and the evidence that matched, in masked form:
patients appear only as tokens, and evidence says *what* matched ("same last name and postal
code as the user"), never the value.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

from ..phi import Masker
from .detect import RULE_WEIGHTS

__all__ = ["DISPOSITIONS", "alert_findings", "build_cases"]

DISPOSITIONS = (
    "appropriate - job-related",
    "inappropriate - education",
    "inappropriate - sanction",
    "breach assessment required",
)
_SEV_RANK = {"info": 0, "warning": 1, "error": 2}
CASE_COLUMNS = [
    "case_id",
    "user_id",
    "patient",
    "n_patients",
    "n_events",
    "days",
    "first_event",
    "last_event",
    "rules",
    "severity",
    "score",
    "evidence",
    "event_ids",
    "breach_threshold_reached",
    "disposition",
    "reviewer",
    "review_date",
    "notes",
]


def _case_keys(alerts: pd.DataFrame, tokens: pd.Series) -> pd.Series:
    repeat = set(alerts.loc[alerts["rule_id"] == "LOG-R-16", "user_id"])
    day = pd.to_datetime(alerts["ev_date"]).dt.strftime("%Y-%m-%d")
    key = np.where(
        alerts["user_id"].isin(repeat),
        "user:" + alerts["user_id"],
        np.where(
            alerts["scope"] == "user_day",
            "bulk:" + alerts["user_id"] + ":" + day,
            "pair:" + alerts["user_id"] + ":" + tokens.fillna(""),
        ),
    )
    return pd.Series(key, index=alerts.index)


def _case_id(key: str) -> str:
    return "C-" + hashlib.sha256(key.encode()).hexdigest()[:10]


def build_cases(
    alerts: pd.DataFrame,
    bulk_events: pd.DataFrame,
    *,
    breach_threshold: int,
    masker: Masker | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(alerts with ``token`` and ``case_id``, cases, case_events).

    ``bulk_events`` holds the events of each bulk user-day (user_id, ev_date, _row, event_id,
    patient_id, ts_local): they belong to the bulk case even though only the day alerts.
    """
    masker = masker or Masker()
    a = alerts.copy()
    a["token"] = masker.mask_series(a["patient_id"].astype("string"))
    a["case_key"] = _case_keys(a, a["token"])
    a["case_id"] = a["case_key"].map(_case_id)
    # events of each case: the alerting events, plus all events of bulk days
    ev = a[a["scope"] == "event"][["case_id", "user_id", "_row", "event_id", "ts_local", "token"]]
    if len(bulk_events):
        b = bulk_events.copy()
        b["ev_date"] = pd.to_datetime(b["ev_date"]).dt.strftime("%Y-%m-%d")
        day_case = a[a["scope"] == "user_day"].assign(
            ev_date=lambda x: pd.to_datetime(x["ev_date"]).dt.strftime("%Y-%m-%d")
        )[["user_id", "ev_date", "case_id"]]
        b = b.merge(day_case, on=["user_id", "ev_date"])
        b["token"] = masker.mask_series(b["patient_id"].astype("string"))
        ev = pd.concat(
            [ev, b[["case_id", "user_id", "_row", "event_id", "ts_local", "token"]]],
            ignore_index=True,
        )
    rules_per_event = (
        a[a["scope"] == "event"]
        .groupby(["case_id", "event_id"])["rule_id"]
        .agg(lambda r: "|".join(sorted(set(r))))
    )
    case_events = (
        ev.drop_duplicates(["case_id", "event_id"])
        .merge(
            rules_per_event.rename("rules").reset_index(), on=["case_id", "event_id"], how="left"
        )
        .sort_values(["case_id", "ts_local", "_row"], kind="stable")
        .rename(columns={"token": "patient", "_row": "row"})
        .reset_index(drop=True)
    )
    case_events["rules"] = case_events["rules"].fillna("LOG-R-12")
    case_events = case_events[
        ["case_id", "event_id", "row", "ts_local", "user_id", "patient", "rules"]
    ]

    if a.empty:
        return a, pd.DataFrame(columns=CASE_COLUMNS), case_events
    g = a.groupby("case_id", sort=False)
    per_event = case_events.groupby("case_id")
    rules = g["rule_id"].agg(lambda r: sorted(set(r)))
    cases = pd.DataFrame(
        {
            "user_id": g["user_id"].first(),
            "rules": rules.map("|".join),
            "severity": g["severity"].agg(lambda s: max(s, key=_SEV_RANK.__getitem__)),
            "score": rules.map(lambda rs: min(100, sum(RULE_WEIGHTS.get(r, 10) for r in rs))),
            "evidence": g["evidence"].agg(lambda e: "; ".join(dict.fromkeys(e))),
        }
    )
    cases["n_patients"] = per_event["patient"].nunique().reindex(cases.index).fillna(0)
    cases["n_events"] = per_event["event_id"].nunique().reindex(cases.index).fillna(0)
    ts = pd.to_datetime(case_events["ts_local"])
    cases["first_event"] = ts.groupby(case_events["case_id"]).min().reindex(cases.index)
    cases["last_event"] = ts.groupby(case_events["case_id"]).max().reindex(cases.index)
    cases["days"] = ts.dt.normalize().groupby(case_events["case_id"]).nunique().reindex(cases.index)
    # the patient's token where the case has one patient, else "N patients" (object dtype: a
    # case list where no case has one patient must not leave an all-null arrow column)
    single = per_event["patient"].first().reindex(cases.index).astype(object)
    cases["patient"] = single.where(
        cases["n_patients"] == 1, cases["n_patients"].astype(int).astype(str) + " patients"
    )
    ids = per_event["event_id"].agg(
        lambda e: " ".join(e.iloc[:10]) + (f" ... and {len(e) - 10} more" if len(e) > 10 else "")
    )
    cases["event_ids"] = ids.reindex(cases.index)
    cases["breach_threshold_reached"] = cases["n_patients"] >= breach_threshold
    for c in ("disposition", "reviewer", "review_date", "notes"):
        cases[c] = ""
    cases = cases.reset_index().astype({"n_patients": int, "n_events": int, "days": "Int64"})
    cases = cases.sort_values(
        ["score", "first_event", "case_id"], ascending=[False, True, True], kind="stable"
    ).reset_index(drop=True)
    return a, cases[CASE_COLUMNS], case_events


def alert_findings(a: pd.DataFrame) -> pd.DataFrame:
    """Findings: one per rule and case subject (user and patient; user and day for LOG-R-12;
    user for LOG-R-16), at the row of its first event."""
    if a.empty:
        from ..findings import empty_findings

        return empty_findings().assign(trigger=pd.Series(dtype="string"))
    day = pd.to_datetime(a["ev_date"]).dt.strftime("%Y-%m-%d")
    subject = np.where(
        a["scope"] == "user_day",
        a["user_id"] + " " + day,
        np.where(a["scope"] == "user", a["user_id"], a["user_id"] + " " + a["token"].fillna("")),
    )
    a = a.assign(record_key=subject, ts=pd.to_datetime(a["ts_local"]))
    g = a.sort_values("_row").groupby(["rule_id", "record_key"], sort=True)
    out = g.agg(
        row=("_row", "min"),
        field=("field", "first"),
        evidence=("evidence", "first"),
        n=("event_id", "size"),
        first=("ts", "min"),
        last=("ts", "max"),
        case_id=("case_id", "first"),
        severity=("severity", lambda s: max(s, key=_SEV_RANK.__getitem__)),
    ).reset_index()
    # a bulk user-day can alert on several measures (day, hour, print/export): name them all
    bulk = a[a["rule_id"] == "LOG-R-12"]
    if len(bulk):
        every = bulk.groupby("record_key")["evidence"].agg(lambda e: "; ".join(dict.fromkeys(e)))
        is12 = out["rule_id"] == "LOG-R-12"
        out.loc[is12, "evidence"] = out.loc[is12, "record_key"].map(every).to_numpy()
    span = out["first"].dt.strftime("%Y-%m-%d %H:%M")
    span = span.where(out["n"] == 1, span + " to " + out["last"].dt.strftime("%Y-%m-%d %H:%M"))
    events = np.where(
        out["rule_id"].isin(["LOG-R-12", "LOG-R-16"]), "", out["n"].astype(str) + " event(s), "
    )
    detail = out["evidence"] + " (" + events + span + " local; case " + out["case_id"] + ")"
    return pd.DataFrame(
        {
            "rule_id": out["rule_id"],
            "severity": out["severity"],
            "dataset": "access_log",
            "record_key": out["record_key"],
            "row": out["row"].astype("int64"),
            "field": out["field"],
            "detail": detail,
            "amount": np.nan,
            "trigger": out["rule_id"] + "|" + out["record_key"],
        }
    )
