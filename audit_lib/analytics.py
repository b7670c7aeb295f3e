"""Audit analytics (RULEBOOK 4.3-4.5): Benford tests and MUS evaluation. Pure functions."""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
import pandas as pd

from .errors import ConfigError

__all__ = ["benford", "mus_evaluation", "mus_factor", "mus_sample_size"]

#: Nigrini (2012) Table 7.1 MAD bands: upper bounds of close, acceptable, marginal
MAD_BANDS = {
    "first": (0.006, 0.012, 0.015),
    "first_two": (0.0012, 0.0018, 0.0022),
}
#: AICPA Audit Guide "Audit Sampling", the monetary-unit confidence factors for 0..5
#: misstatements: the Poisson upper limits, rounded up to two decimals (:func:`mus_factor`
#: computes them for any number of misstatements and reproduces these).
POISSON_FACTORS = {
    95: [3.00, 4.75, 6.30, 7.76, 9.16, 10.52],
    90: [2.31, 3.89, 5.33, 6.69, 8.00, 9.28],
    80: [1.61, 3.00, 4.28, 5.52, 6.73, 7.91],
}
#: AICPA Audit Sampling guide, expansion factors for expected misstatement, by risk of
#: incorrect acceptance (sample size: n = book x CF / (tolerable - expected x EF))
EXPANSION_FACTORS = {
    1: 1.9, 5: 1.6, 10: 1.5, 15: 1.4, 20: 1.3, 25: 1.25, 30: 1.2, 37: 1.15, 50: 1.0
}  # fmt: skip


def mus_factor(misstatements: int, confidence: float) -> float:
    """The confidence (upper-limit) factor for ``misstatements`` at ``confidence`` percent: the
    Poisson mean whose chance of that many misstatements or fewer is 1 - confidence,
    chi2(confidence, 2k + 2) / 2, rounded up to two decimals as the AICPA table prints it."""
    from scipy import stats

    exact = float(stats.chi2.ppf(confidence / 100, 2 * misstatements + 2)) / 2
    return math.ceil(round(exact * 100, 6)) / 100


def mus_sample_size(
    book_value: float, tolerable: float, *, expected: float = 0.0, risk: int = 5
) -> dict[str, Any]:
    """Monetary-unit sample size by the AICPA Audit Sampling guide: n = book value x
    confidence factor (0 misstatements, at ``risk`` percent of incorrect acceptance) /
    (tolerable - expected x expansion factor), rounded up; interval = book value / n."""
    if risk not in EXPANSION_FACTORS:
        raise ConfigError(f"risk {risk}% is not in the AICPA table {sorted(EXPANSION_FACTORS)}.")
    cf = mus_factor(0, 100 - risk)
    ef = EXPANSION_FACTORS[risk]
    room = tolerable - expected * ef
    if room <= 0:
        raise ConfigError("expected misstatement x expansion factor leaves no room under the "
                          "tolerable misstatement: no sample size achieves it.")  # fmt: skip
    n = math.ceil(round(book_value * cf / room, 9))
    return {"sample_size": n, "interval": round(book_value / n, 2), "confidence_factor": cf,
            "expansion_factor": ef, "risk_percent": risk, "book_value": book_value,
            "tolerable": tolerable, "expected": expected}  # fmt: skip


def _leading(values: pd.Series, digits: int) -> pd.Series:
    """The first (or first two) significant digits: 0.30 -> 3, 0.047 -> 4, 1250 -> 1 (or 12).
    The first-two-digits test leaves out amounts under 10 (Nigrini 2012, ch. 5)."""
    v = pd.to_numeric(values, errors="coerce").abs()
    v = v[v >= 10 ** (digits - 1) if digits > 1 else v > 0]
    x = v.to_numpy(dtype="float64")
    scaled = x / 10.0 ** (np.floor(np.log10(x)) - (digits - 1)) if len(x) else x
    # 0.3 / 0.1 is 2.9999999999999996 in binary: round at the 9th decimal before the floor,
    # and put back a value a log10 rounding left one decade off
    scaled = np.round(scaled, 9)
    scaled = np.where(scaled >= 10**digits, scaled / 10, scaled)
    scaled = np.where(scaled < 10 ** (digits - 1), scaled * 10, scaled)
    lead = np.floor(np.round(scaled, 9)).astype("int64")
    return pd.Series(lead, index=v.index, dtype="int64")


def benford(values: pd.Series, *, test: str = "first") -> dict[str, Any]:
    """First-digit or first-two-digits Benford test: expected log10(1 + 1/d), per-digit Z with
    continuity correction, chi-square, MAD and Nigrini's conformity band."""
    digits = 1 if test == "first" else 2
    lead = _leading(values, digits)
    n = len(lead)
    support = np.arange(10 ** (digits - 1), 10**digits)
    expected = np.log10(1 + 1 / support)
    counts = lead.value_counts().reindex(support, fill_value=0).to_numpy()
    observed = counts / n if n else np.zeros_like(expected)
    diff = np.abs(observed - expected)
    correction = np.where(1 / (2 * n) < diff, 1 / (2 * n), 0) if n else 0
    z = (diff - correction) / np.sqrt(expected * (1 - expected) / n) if n else diff * 0
    chi2 = float(((counts - n * expected) ** 2 / (n * expected)).sum()) if n else 0.0
    mad = float(diff.mean())
    close, acceptable, marginal = MAD_BANDS[test]
    band = (
        "close conformity"
        if mad <= close
        else "acceptable conformity"
        if mad <= acceptable
        else "marginally acceptable conformity"
        if mad <= marginal
        else "nonconformity"
    )
    table = pd.DataFrame(
        {"digits": support, "count": counts, "observed": observed, "expected": expected, "z": z}
    )
    return {
        "test": test,
        "n": n,
        "mad": round(mad, 6),
        "conformity": band,
        "chi_square": round(chi2, 4),
        "degrees_of_freedom": len(support) - 1,
        "table": table,
    }


def _stringer(book: pd.Series, mis: pd.Series, interval: float, confidence: int) -> dict:
    """One direction of the Stringer bound; ``mis`` positive in that direction."""
    top = book >= interval
    taint = (mis[~top] / book[~top]).clip(lower=0)
    taint = np.sort(taint[taint > 0].to_numpy())[::-1]
    factors = [mus_factor(k, confidence) for k in range(len(taint) + 1)]
    projected = float(taint.sum() * interval + mis[top].clip(lower=0).sum())
    basic = factors[0] * interval
    incremental = float(
        sum(t * (factors[k + 1] - factors[k] - 1) * interval for k, t in enumerate(taint))
    )
    return {
        "misstatements": int(len(taint) + (mis[top] > 0).sum()),
        "projected_misstatement": round(projected, 2),
        "basic_precision": round(basic, 2),
        "incremental_allowance": round(incremental, 2),
        "upper_misstatement_limit": round(projected + basic + incremental, 2),
    }


def mus_evaluation(
    sample: pd.DataFrame, *, interval: float, confidence: int = 95, tolerable: float | None = None
) -> dict[str, Any]:
    """Monetary-unit sample evaluation with the Stringer (Poisson) bound, AICPA Audit Sampling
    guide: overstatements and understatements evaluated separately, any number of each.

    ``sample`` has ``book`` and ``audited`` amounts per selected item. Items at or above the
    interval contribute their actual misstatement; smaller ones their tainting x interval.
    UML = projected + basic precision (factor(0) x J) + incremental allowance (ranked
    taintings x (factor(k) - factor(k-1) - 1) x J). The net limits take the other direction's
    projected misstatement off each bound. The top-level figures are the overstatement's.
    """
    book = sample["book"].astype(float)
    mis = book - sample["audited"].astype(float)
    over = _stringer(book, mis, interval, confidence)
    under = _stringer(book, -mis, interval, confidence)
    net_over = round(over["upper_misstatement_limit"] - under["projected_misstatement"], 2)
    net_under = round(under["upper_misstatement_limit"] - over["projected_misstatement"], 2)
    return {
        "interval": interval,
        "confidence": confidence,
        **over,
        "overstatement": over,
        "understatement": under,
        "net_overstatement_limit": net_over,
        "net_understatement_limit": net_under,
        "conclusion": None
        if tolerable is None
        else (
            "not materially misstated"
            if max(net_over, net_under) <= tolerable
            else "may be materially misstated"
        ),
        "tolerable_misstatement": tolerable,
    }


def sequence_gaps(values: pd.Series) -> dict[str, Any]:
    """Gaps and duplicates in a numeric sequence (claim numbers, check numbers): the missing
    ranges between the smallest and largest number, and the numbers used more than once.
    Non-numeric parts are ignored (``C26000007`` -> 26000007)."""
    nums = pd.to_numeric(values.astype(str).str.extract(r"(\d+)\s*$")[0], errors="coerce").dropna()
    nums = nums.astype("int64")
    dup = nums[nums.duplicated(keep=False)].value_counts().sort_index()
    u = np.unique(nums.to_numpy())
    step = np.diff(u)
    gaps = [(int(a + 1), int(b - 1)) for a, b, s in zip(u[:-1], u[1:], step, strict=True) if s > 1]
    return {
        "count": len(nums),
        "min": int(u.min()) if len(u) else None,
        "max": int(u.max()) if len(u) else None,
        "gaps": pd.DataFrame(gaps, columns=["from", "to"]).assign(
            missing=lambda t: t["to"] - t["from"] + 1
        ),
        "duplicates": dup.rename("times").rename_axis("number").reset_index(),
    }


def stratify(amounts: pd.Series, bounds: list[float]) -> pd.DataFrame:
    """Count, dollars and shares per amount band (``[0, 100, 1000]`` -> <0, 0-<100, ...)."""
    bins = [-np.inf, *sorted(bounds), np.inf]
    labels = [f"[{a:g}, {b:g})" for a, b in itertools.pairwise(bins)]
    a = pd.to_numeric(amounts, errors="coerce").dropna()
    band = pd.cut(a, bins=bins, labels=labels, right=False)
    t = (
        a.groupby(band, observed=False)
        .agg(["size", "sum"])
        .rename(columns={"size": "count", "sum": "amount"})
    )
    t["count_share"] = t["count"] / max(len(a), 1)
    t["amount_share"] = t["amount"] / a.sum() if a.sum() else 0.0
    return t.reset_index(names="band")


def age(
    start: pd.Series, end: pd.Series | pd.Timestamp, buckets: tuple[int, ...] = (30, 60, 90, 120)
) -> pd.Series:
    """Aging bucket of the days from ``start`` to ``end`` (0-30, 31-60, ..., >120)."""
    days = (
        (pd.to_datetime(end) - pd.to_datetime(start)).dt.days
        if isinstance(end, pd.Series)
        else (pd.Timestamp(end) - pd.to_datetime(start)).dt.days
    )
    edges = [-np.inf, *buckets, np.inf]
    labels = (
        [f"0-{buckets[0]}"]
        + [f"{a + 1}-{b}" for a, b in itertools.pairwise(buckets)]
        + [f">{buckets[-1]}"]
    )
    return pd.cut(days, bins=edges, labels=labels)


def summarize(frame: pd.DataFrame, by: list[str], amount: str) -> pd.DataFrame:
    """Count, total, mean, min and max of ``amount`` per group, largest total first."""
    g = frame.groupby(by, dropna=False)[amount].agg(["size", "sum", "mean", "min", "max"])
    g = g.rename(columns={"size": "count", "sum": "total"})
    return g.sort_values("total", ascending=False).reset_index()


def duplicates(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Records sharing the same values in ``columns`` (e.g. patient, date, code, amount): one
    row per duplicated combination with its count, largest groups first."""
    missing = [c for c in columns if c not in frame]
    if missing:
        raise ConfigError(f"no column(s) {', '.join(missing)} to look for duplicates on.")
    g = frame.groupby(columns, dropna=False).size().rename("count").reset_index()
    return g[g["count"] > 1].sort_values(["count", *columns], ascending=[False] + [True] * len(
        columns)).reset_index(drop=True)  # fmt: skip
