"""Date formats of real extracts: ISO (the contract's), and those a setting or profile names.

A format is a preset name or a ``strftime`` pattern:

==============  ==================  ===========================================================
preset          pattern             seen in
==============  ==================  ===========================================================
``ISO``         ``%Y-%m-%d``        the data contract, CCLF as loaded into a database
``YYYYMMDD``    ``%Y%m%d``          X12 (D8), CMS DE-SynPUF, many EHR exports
``MM/DD/YYYY``  ``%m/%d/%Y``        spreadsheets saved in the US locale
``DD-MON-YYYY`` ``%d-%b-%Y``        CMS RIF (CCW) extracts, Oracle exports
``EXCEL``       (serial day number) a date cell read as a number (days since 1899-12-30)
==============  ==================  ===========================================================

:func:`parse_dates` never guesses: a value that does not match the format is missing and
reported by the caller, as is a date outside 1678-2261 (placeholders such as ``1000-01-01``).
:func:`guess_format` is used only to suggest a setting in an error.
"""

from __future__ import annotations

import pandas as pd

__all__ = ["PRESETS", "describe", "guess_format", "parse_dates", "strftime_pattern"]

PRESETS = {
    "ISO": "%Y-%m-%d",
    "YYYY-MM-DD": "%Y-%m-%d",
    "YYYYMMDD": "%Y%m%d",
    "MM/DD/YYYY": "%m/%d/%Y",
    "DD-MON-YYYY": "%d-%b-%Y",
    "EXCEL": "excel",
}
_EXCEL_EPOCH = pd.Timestamp("1899-12-30")  # Excel's day 0 (its 1900 leap-year bug included)
_EXCEL_LAST = 132320  # serial of 2262-04-11, the last day a datetime64[ns] holds


def strftime_pattern(fmt: str | None) -> str:
    """The ``strftime`` pattern of a preset or pattern (None: ISO)."""
    if not fmt:
        return "%Y-%m-%d"
    return PRESETS.get(fmt.strip().upper(), fmt)


def describe(fmt: str | None) -> str:
    """How a format reads in a message: its preset name, or the pattern."""
    pattern = strftime_pattern(fmt)
    names = [k for k, v in PRESETS.items() if v == pattern and k != "ISO"]
    if pattern == "excel":
        return "an Excel serial day number"
    return "a date " + (names[0] if names else pattern)


def parse_dates(text: pd.Series, fmt: str | None = None) -> pd.Series:
    """``datetime64[ns]`` values of date text in ``fmt``; NaT where a value does not match."""
    pattern = strftime_pattern(fmt)
    if pattern == "excel":
        days = pd.to_numeric(text.where(text.str.fullmatch(r"\d{1,6}(\.0+)?").fillna(False)))
        # serial 1 is 1900-01-01; beyond 2262-04-11 a date has no datetime64[ns]: not a date
        # here (a number such as 999999 in a mostly-unparsed column), NaT, never a crash
        days = days.where(days.between(1, _EXCEL_LAST))
        return (_EXCEL_EPOCH + pd.to_timedelta(days, unit="D")).astype("datetime64[ns]")
    if pattern == "%Y-%m-%d":  # strict: four-digit year, two-digit month and day
        text = text.where(text.str.fullmatch(r"\d{4}-\d{2}-\d{2}").fillna(False))
    values = pd.to_datetime(text, format=pattern, errors="coerce")
    if values.dt.unit != "ns":  # a year outside 1678-2261 (a placeholder such as 1000-01-01)
        inside = values.between(pd.Timestamp.min, pd.Timestamp.max)
        values = values.where(inside)
    return values.astype("datetime64[ns]")


def guess_format(samples: pd.Series) -> str | None:
    """The preset that parses most of ``samples`` (at least 90% of them), or None."""
    samples = samples.dropna().astype("string").str.strip()
    if samples.empty:
        return None
    best, best_share = None, 0.0
    for name in ("ISO", "YYYYMMDD", "MM/DD/YYYY", "DD-MON-YYYY", "EXCEL"):
        share = float(parse_dates(samples, name).notna().mean())
        if share > best_share:
            best, best_share = name, share
    return best if best_share >= 0.9 else None
