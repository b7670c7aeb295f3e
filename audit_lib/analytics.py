"""Audit analytics (RULEBOOK 4.3-4.5): Benford tests and MUS evaluation. Pure functions."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = ["benford", "mus_evaluation"]

#: Nigrini (2012) Table 7.1 MAD bands: upper bounds of close, acceptable, marginal
MAD_BANDS = {
    "first": (0.006, 0.012, 0.015),
    "first_two": (0.0012, 0.0018, 0.0022),
}
#: Poisson upper-limit factors for 0..5 misstatements (Stringer bound), by confidence
POISSON_FACTORS = {
    95: [3.00, 4.75, 6.30, 7.76, 9.16, 10.52],
    90: [2.31, 3.89, 5.33, 6.69, 8.00, 9.28],
    80: [1.61, 3.00, 4.28, 5.52, 6.73, 7.91],
}


def _leading(values: pd.Series, digits: int) -> pd.Series:
    v = pd.to_numeric(values, errors="coerce").abs()
    v = v[v >= 10 ** (digits - 1) if digits > 1 else v > 0]
    exponent = np.floor(np.log10(v.to_numpy()))
    lead = np.floor(v.to_numpy() / 10 ** (exponent - (digits - 1))).astype(int)
    return pd.Series(lead, index=v.index)


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


def mus_evaluation(
    sample: pd.DataFrame, *, interval: float, confidence: int = 95, tolerable: float | None = None
) -> dict[str, Any]:
    """Monetary-unit sample evaluation with the Stringer (Poisson) bound.

    ``sample`` has ``book`` and ``audited`` amounts per selected item. Items at or above the
    interval contribute their actual misstatement; smaller ones their tainting x interval.
    UML = projected + basic precision (factor(0) x J) + incremental allowance (ranked
    taintings x (factor(k) - factor(k-1) - 1) x J).
    """
    factors = POISSON_FACTORS[confidence]
    book = sample["book"].astype(float)
    mis = book - sample["audited"].astype(float)
    top = book >= interval
    taint = (mis[~top] / book[~top]).clip(lower=0)
    taint = taint[taint > 0].sort_values(ascending=False).to_numpy()
    if len(taint) >= len(factors):
        raise ValueError(f"more than {len(factors) - 1} misstatements: use a larger factor table")
    projected = float(taint.sum() * interval + mis[top].clip(lower=0).sum())
    basic = factors[0] * interval
    incremental = float(
        sum(t * (factors[k + 1] - factors[k] - 1) * interval for k, t in enumerate(taint))
    )
    uml = projected + basic + incremental
    return {
        "interval": interval,
        "confidence": confidence,
        "misstatements": len(taint),
        "projected_misstatement": round(projected, 2),
        "basic_precision": round(basic, 2),
        "incremental_allowance": round(incremental, 2),
        "upper_misstatement_limit": round(uml, 2),
        "conclusion": None
        if tolerable is None
        else ("not materially misstated" if uml <= tolerable else "may be materially misstated"),
        "tolerable_misstatement": tolerable,
    }
