"""The 60-day clock around each boundary."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from audit_lib.errors import ConfigError
from audit_lib.refunds.clock import ClockPolicy, compute_clock

D = pd.Timestamp


def clock(*, as_of="2026-09-30", resume="strict", **cols):
    row = {
        "identified_date": None,
        "related_investigation": False,
        "investigation_start": None,
        "investigation_end": None,
        "cost_report_due_date": None,
        "refund_date": None,
        "status": "open",
    }
    row.update(cols)
    frame = pd.DataFrame([row])
    for c in (
        "identified_date",
        "investigation_start",
        "investigation_end",
        "cost_report_due_date",
        "refund_date",
    ):
        frame[c] = pd.to_datetime(frame[c]).astype("datetime64[ns]")
    frame["related_investigation"] = frame["related_investigation"].astype("boolean")
    frame["status"] = frame["status"].astype("string")
    out = compute_clock(
        frame, as_of=dt.date.fromisoformat(as_of), policy=ClockPolicy(resume=resume)
    )
    return out.iloc[0]


@pytest.mark.parametrize(("refund", "late"), [("2025-04-30", 0), ("2025-05-01", 1)])
def test_returned_on_day_60_is_timely_day_61_is_late(refund, late):
    c = clock(identified_date="2025-03-01", refund_date=refund, status="refunded")
    assert c["deadline"] == D("2025-04-30") and c["basis"] == "identified + 60 days"
    assert c["days_late"] == late and c["overdue"] == bool(late)


@pytest.mark.parametrize(
    ("as_of", "to_deadline", "overdue"), [("2025-04-30", 0, False), ("2025-05-01", -1, True)]
)
def test_open_item_on_and_after_the_deadline(as_of, to_deadline, overdue):
    c = clock(identified_date="2025-03-01", as_of=as_of)
    assert c["days_to_deadline"] == to_deadline and c["overdue"] == overdue


@pytest.mark.parametrize(
    ("resume", "deadline"), [("strict", "2025-06-20"), ("restart", "2025-06-30")]
)
def test_suspension_resumes_unused_days_or_restarts(resume, deadline):
    c = clock(
        identified_date="2025-03-01",
        related_investigation=True,
        investigation_start="2025-03-11",
        investigation_end="2025-05-01",
        resume=resume,
    )
    assert c["suspension_start"] == D("2025-03-11") and c["suspension_end"] == D("2025-05-01")
    assert c["deadline"] == D(deadline)  # strict: 10 days used, 50 resume
    assert f"({resume})" in c["basis"] and pd.isna(c["suspension_problem"])


def test_investigation_from_identification_uses_no_days():
    kw = dict(
        identified_date="2025-03-01",
        related_investigation=True,
        investigation_start="2025-03-01",
        investigation_end="2025-04-15",
    )
    assert clock(**kw)["deadline"] == clock(**kw, resume="restart")["deadline"] == D("2025-06-14")


def test_suspension_is_capped_at_180_days():
    c = clock(
        identified_date="2025-01-10",
        related_investigation=True,
        investigation_start="2025-01-10",
        investigation_end="2025-09-30",
    )
    assert c["suspension_end"] == D("2025-07-09")  # identified + 180
    assert c["deadline"] == D("2025-09-07")
    assert "180-day cap" in c["suspension_problem"]


def test_open_investigation_runs_to_the_cap():
    c = clock(
        identified_date="2025-01-10", related_investigation=True, investigation_start="2025-01-10"
    )
    assert c["suspension_end"] == D("2025-07-09") and pd.isna(c["suspension_problem"])


@pytest.mark.parametrize(
    ("start", "problem"),
    [
        ("2025-01-31", None),  # day 30: timely
        ("2025-02-01", "started more than 30 days"),  # day 31
    ],
)
def test_investigation_must_start_promptly(start, problem):
    c = clock(
        identified_date="2025-01-01",
        related_investigation=True,
        investigation_start=start,
        investigation_end="2025-03-01",
    )
    if problem:  # no suspension: identified + 60
        assert problem in c["suspension_problem"] and c["deadline"] == D("2025-03-02")
    else:  # 30 days used before the investigation began; 30 resume after it ends
        assert pd.isna(c["suspension_problem"]) and c["deadline"] == D("2025-03-31")


def test_investigation_without_the_related_flag_does_not_suspend():
    c = clock(
        identified_date="2025-03-01",
        investigation_start="2025-03-01",
        investigation_end="2025-05-01",
    )
    assert c["deadline"] == D("2025-04-30")
    assert "no related-overpayment investigation" in c["suspension_problem"]


def test_identified_2024_12_31_follows_the_older_guidance():
    kw = dict(
        related_investigation=True, investigation_start="2024-12-31", investigation_end="2025-03-01"
    )
    old = clock(identified_date="2024-12-31", **kw)
    assert old["deadline"] == D("2025-04-30") and old["basis"].startswith("pre-2025")
    assert pd.isna(old["suspension_problem"])  # the 2025 suspension rule does not apply
    new = clock(identified_date="2025-01-01", **dict(kw, investigation_start="2025-01-01"))
    assert new["basis"].startswith("suspended 2025-01-01 to 2025-03-01")
    assert new["deadline"] == D("2025-04-30")


def test_pre_2025_allowance_is_capped():
    c = clock(
        identified_date="2024-03-01",
        related_investigation=True,
        investigation_start="2024-03-01",
        investigation_end="2024-12-31",
    )
    assert c["deadline"] == D("2024-08-28") + pd.Timedelta(days=60)  # start + 180, then 60


@pytest.mark.parametrize(
    ("identified", "deadline"), [("2024-02-01", "2024-04-01"), ("2025-02-01", "2025-04-02")]
)
def test_leap_years(identified, deadline):
    assert clock(identified_date=identified)["deadline"] == D(deadline)


@pytest.mark.parametrize(
    ("cost_due", "deadline", "basis"),
    [
        ("2025-05-31", "2025-05-31", "cost report due date"),
        ("2025-04-01", "2025-04-30", "identified + 60 days"),
    ],
)
def test_cost_report_due_date_when_later(cost_due, deadline, basis):
    c = clock(identified_date="2025-03-01", cost_report_due_date=cost_due)
    assert c["deadline"] == D(deadline) and c["basis"].startswith(basis)


def test_bad_policy():
    with pytest.raises(ConfigError, match="strict"):
        ClockPolicy(resume="sometimes")
