"""The 60-day report-and-return clock (SSA 1128J(d); 42 CFR 401.305), vectorized.

For every overpayment: its deadline, how it was reached, and where it stands on the as-of date.

* Identified on or after 2025-01-01 (CY2025 PFS final rule): the 60 days are **suspended**
  while a timely, good-faith investigation of related overpayments runs (``related_investigation``
  true, started within ``investigation_start_within_days`` of identification), from the later
  of identification and the investigation start until the earlier of the investigation end and
  identification + 180 days. How the clock resumes is not settled (RULEBOOK 3.1, [U]); both
  readings are supported and the report says which was used:

  - ``strict`` (default): the days of the 60 not yet used when the suspension began resume
    (deadline = suspension end + (60 - days used));
  - ``restart``: a fresh 60 days run from the suspension end.

  A still-open investigation is assumed to run to the 180-day cap, so the deadline shown is
  the latest it can be.
* Identified before 2025: the older reasonable-diligence guidance (up to about 6 months of
  investigation, then 60 days): with a related investigation, the deadline is 60 days after
  the earlier of its end and its start + ``pre2025_investigation_days``, and never before
  identification + 60.
* When ``cost_report_due_date`` is given and later, it is the deadline (the statute's "later
  of").
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from ..errors import ConfigError

RULE_CHANGE = pd.Timestamp("2025-01-01")
DAYS = 60


@dataclass(frozen=True)
class ClockPolicy:
    """Settings of the clock (from the config file; defaults per RULEBOOK 3.1).

    Attributes:
        resume: ``strict`` (unused days resume) or ``restart`` (60 days restart).
        suspension_cap_days: the suspension ends at the latest this many days after
            identification.
        investigation_start_within_days: an investigation counts as timely (REF-60D-02) when it
            starts within this many days of identification [U].
        pre2025_investigation_days: the reasonable-diligence allowance before 2025.
    """

    resume: str = "strict"
    suspension_cap_days: int = 180
    investigation_start_within_days: int = 30
    pre2025_investigation_days: int = 180

    def __post_init__(self) -> None:
        if self.resume not in ("strict", "restart"):
            raise ConfigError(f"clock resume {self.resume!r} must be 'strict' or 'restart'.")


def _days(n: pd.Series | int) -> pd.Series | pd.Timedelta:
    return pd.to_timedelta(n, unit="D")


def _text(dates: pd.Series) -> pd.Series:
    return dates.dt.strftime("%Y-%m-%d").astype("string").fillna("")


def compute_clock(frame: pd.DataFrame, *, as_of: dt.date, policy: ClockPolicy) -> pd.DataFrame:
    """Deadline and status of every overpayment (one output row per input row).

    Columns: ``deadline``, ``basis`` (how the deadline was reached), ``suspension_start``,
    ``suspension_end``, ``suspension_claimed``, ``suspension_problem`` (why a claimed
    suspension is not legitimate, REF-60D-02; missing when it is or none is claimed), ``returned``,
    ``days_late`` (returned after the deadline), ``days_to_deadline`` (open items; negative =
    overdue) and ``overdue``.
    """
    f = frame
    idx = f.index
    nat = pd.Series(pd.NaT, index=idx, dtype="datetime64[ns]")
    identified = f["identified_date"]
    related = f.get("related_investigation", pd.Series(False, index=idx)).fillna(False).astype(bool)
    start = f.get("investigation_start", nat)
    end = f.get("investigation_end", nat)
    cost_due = f.get("cost_report_due_date", nat)
    as_of_ts = pd.Timestamp(as_of)

    post = identified >= RULE_CHANGE
    claimed = related | start.notna() | end.notna()
    cap = identified + _days(policy.suspension_cap_days)
    timely = (start - identified) <= _days(policy.investigation_start_within_days)
    applies = post & related & start.notna() & timely.fillna(False)
    # the part of an investigation beyond the cap is not a suspension, but the capped part is
    legitimate = applies & (end.isna() | (end <= cap))
    problem = pd.Series(pd.NA, index=idx, dtype="string")
    flagged = post & claimed & ~legitimate
    reasons = [  # first applicable reason, most basic first
        (~related, "no related-overpayment investigation is recorded (related_investigation)"),
        (start.isna(), "the investigation has no start date"),
        (
            ~timely.fillna(False),
            f"the investigation started more than {policy.investigation_start_within_days} days "
            "after identification",
        ),
        (end > cap, f"the investigation ran past the {policy.suspension_cap_days}-day cap"),
    ]
    for mask, text in reversed(reasons):
        problem = problem.mask(flagged & mask.fillna(False).astype(bool), text)

    s_start = start.where(start > identified, identified).where(applies)
    s_end = end.where(end.notna() & (end < cap), cap).where(applies)
    used = (s_start - identified).dt.days.clip(lower=0, upper=DAYS)
    remaining = DAYS - used if policy.resume == "strict" else pd.Series(DAYS, index=idx)
    deadline = identified + _days(DAYS)
    basis = pd.Series("identified + 60 days", index=idx, dtype="string")
    suspended = s_end + _days(remaining)
    deadline = deadline.where(~applies, suspended)
    resumed = remaining.astype("Int64").astype("string").fillna("")
    basis = basis.where(
        ~applies,
        "suspended "
        + _text(s_start)
        + " to "
        + _text(s_end)
        + " (related investigation), then "
        + resumed
        + " days ("
        + policy.resume
        + ")",
    )

    pre = ~post & related & start.notna()
    allowance_end = start + _days(policy.pre2025_investigation_days)
    pre_end = end.where(end.notna() & (end < allowance_end), allowance_end)
    pre_deadline = (pre_end + _days(DAYS)).where(
        pre_end + _days(DAYS) > identified + _days(DAYS), identified + _days(DAYS)
    )
    deadline = deadline.where(~pre, pre_deadline)
    basis = basis.where(~pre, "pre-2025 reasonable diligence: investigation, then 60 days")

    later_cost = cost_due.notna() & (cost_due > deadline)
    deadline = deadline.where(~later_cost, cost_due)
    basis = basis.where(~later_cost, "cost report due date (later than the 60-day deadline)")

    status = f.get("status", pd.Series(pd.NA, index=idx, dtype="string"))
    refund_date = f.get("refund_date", nat)
    returned = refund_date.notna() & ~status.eq("open").fillna(False).astype(bool)
    days_late = (refund_date - deadline).dt.days.where(returned).clip(lower=0)
    to_deadline = (deadline - as_of_ts).dt.days.where(~returned & identified.notna())
    return pd.DataFrame(
        {
            "deadline": deadline,
            "basis": basis.where(identified.notna()),
            "suspension_start": s_start,
            "suspension_end": s_end,
            "suspension_claimed": claimed,
            "suspension_problem": problem,
            "returned": returned,
            "days_late": days_late,
            "days_to_deadline": to_deadline,
            "overdue": (to_deadline < 0).fillna(False).astype(bool) | (days_late > 0).fillna(False),
        },
        index=idx,
    ).assign(overdue=lambda t: t["overdue"].astype(bool))


__all__ = ["DAYS", "RULE_CHANGE", "ClockPolicy", "compute_clock"]
