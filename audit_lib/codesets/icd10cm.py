"""ICD-10-CM billable codes by date of service, FY2019 onward, shipped in the package.

``data/icd10cm_releases.csv`` lists each release (fiscal years start October 1; January and
April updates where CMS issued them) with its first and last day, its count of billable codes
and its source; ``data/icd10cm_history.csv.gz`` gives each code a bit per release in which it
is billable. Both are built by ``tools/build_icd10cm_history.py`` from public copies of the
CMS/CDC files. A code is judged against the release in force on the date of service (RULEBOOK
CLM-DX-02: no grace period). A date outside every shipped release is not judged; the review
reports those lines once.
"""

from __future__ import annotations

import csv
import functools
import gzip
import importlib.resources
import io
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["OUTSIDE", "Release", "billable_codes", "history", "release_index", "releases"]

#: the release label of a date no shipped release covers (its index: -1)
OUTSIDE = "(none shipped)"


@dataclass(frozen=True)
class Release:
    release: str
    first_day: str
    last_day: str
    billable_codes: int
    source: str


def _data(name: str) -> bytes:
    return importlib.resources.files(__package__).joinpath("data", name).read_bytes()


@functools.cache
def releases() -> tuple[Release, ...]:
    rows = csv.DictReader(io.StringIO(_data("icd10cm_releases.csv").decode("utf-8")))
    return tuple(
        Release(r["release"], r["first_day"], r["last_day"], int(r["billable_codes"]), r["source"])
        for r in rows
    )


@functools.cache
def history() -> pd.Series:
    """Bit mask of releases per code (index: the code without the dot)."""
    text = gzip.decompress(_data("icd10cm_history.csv.gz"))
    frame = pd.read_csv(io.BytesIO(text), dtype={"code": "string", "releases": "int64"})
    return pd.Series(frame["releases"].to_numpy(), index=pd.Index(frame["code"]), name="releases")


@functools.cache
def _bounds() -> tuple[np.ndarray, np.datetime64]:
    firsts = np.array([r.first_day for r in releases()], dtype="datetime64[ns]")
    return firsts, np.datetime64(releases()[-1].last_day, "ns")


def release_index(dates: pd.Series) -> np.ndarray:
    """The release in force on each date (position in :func:`releases`); -1 where the date is
    missing or outside every shipped release."""
    firsts, last = _bounds()
    d = pd.to_datetime(dates).to_numpy(dtype="datetime64[ns]")
    idx = np.searchsorted(firsts, d, side="right") - 1
    outside = np.isnat(d) | (d < firsts[0]) | (d > last)
    return np.where(outside, -1, idx)


@functools.cache
def billable_codes(release: str | None = None) -> frozenset[str]:
    """The billable codes of one release (default: the latest shipped)."""
    ids = [r.release for r in releases()]
    bit = ids.index(release) if release else len(ids) - 1
    h = history()
    return frozenset(h.index[(h.to_numpy() >> bit) & 1 == 1])
