"""Appraisal of a reviewed sample, as RAT-STATS and the AICPA Audit Sampling guide lay it out.

Variable appraisal (RAT-STATS "Variable Appraisal", unrestricted and stratified): for the
examined, audited and difference values the mean-per-unit estimate of the universe total,
and the ratio estimate of the overpayment where the universe's examined (book) total is
known; each with its point estimate, standard error and one- and two-sided limits at
80/90/95% (Student t; finite population correction; stratified: Satterthwaite degrees of
freedom, combined ratio). The difference estimator (mean-per-unit on the differences) is the
headline, and the figure to repay is given by purpose (:func:`repayment`). Monetary-unit
samples are evaluated by :func:`audit_lib.analytics.mus_evaluation`. :func:`appraise` picks
the appraisal from the sampling plan; the CLI and the notebook both call it.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from .errors import ConfigError

__all__ = [
    "appraise",
    "appraise_mus",
    "appraise_stratified",
    "appraise_unrestricted",
    "repayment",
]

CONFIDENCE_LEVELS = (80, 90, 95)
REPAYMENT_SOURCES = {
    "cms_extrapolation": (
        "lower limit of the one-sided 90% interval",
        "CMS Medicare Program Integrity Manual (Pub. 100-08), ch. 8, §8.4.5.1 (Calculating the "
        "Estimated Overpayment): the lower limit of a one-sided 90 percent confidence interval",
    ),
    "oig_audit_or_integrity_agreement": (
        "lower limit of the two-sided 90% interval",
        "OIG audit reports and Corporate Integrity Agreement claims reviews: the lower limit of "
        "the two-sided 90 percent confidence interval",
    ),
    "oig_self_disclosure": (
        "point estimate",
        "OIG Health Care Fraud Self-Disclosure Protocol, section on estimating damages: a "
        "sample of at least 100 items, damages from the mean point estimate",
    ),
}


def _limit_table(point: float, se: float, df: float, sided: str) -> dict[str, dict[str, Any]]:
    from scipy import stats

    out = {}
    for level in CONFIDENCE_LEVELS:
        alpha = 1 - level / 100
        q = 1 - alpha / 2 if sided == "two" else 1 - alpha
        t = float(stats.t.ppf(q, df)) if df > 0 else float("nan")
        half = t * se
        out[str(level)] = {
            "lower": round(point - half, 2),
            "upper": round(point + half, 2),
            "precision_amount": round(half, 2),
            "precision_percent": round(half / point * 100, 4) if point else None,
        }
    return out


def _estimate(point: float, se: float, df: float, **extra: Any) -> dict[str, Any]:
    return {
        "point_estimate": round(point, 2),
        "standard_error": round(se, 2),
        "degrees_of_freedom": round(df, 3),
        "limits_one_sided": _limit_table(point, se, df, "one"),
        "limits_two_sided": _limit_table(point, se, df, "two"),
        **extra,
    }


def repayment(difference: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The figure to repay by purpose, each with its basis and source, from the difference
    estimate (:func:`_estimate`)."""
    figures = {
        "cms_extrapolation": difference["limits_one_sided"]["90"]["lower"],
        "oig_audit_or_integrity_agreement": difference["limits_two_sided"]["90"]["lower"],
        "oig_self_disclosure": difference["point_estimate"],
    }
    return {
        purpose: {"amount": figures[purpose], "basis": basis, "source": source}
        for purpose, (basis, source) in REPAYMENT_SOURCES.items()
    }


def _check(n: int, big_n: int, sided: str) -> None:
    if n < 2 or big_n < n:
        raise ConfigError(f"need at least 2 sampled items and a universe of at least n ({n}).")
    if sided not in ("one", "two"):
        raise ConfigError("sidedness must be 'one' or 'two'.")


def _mpu(values: np.ndarray, big_n: int) -> tuple[float, float]:
    n = len(values)
    sd = float(values.std(ddof=1))
    return big_n * float(values.mean()), big_n * sd / math.sqrt(n) * math.sqrt(1 - n / big_n)


def _headline(design: str, n: int, big_n: int, sided: str, estimators: dict) -> dict[str, Any]:
    diff = estimators["difference"]
    return {
        "design": design,
        "n": n,
        "N": big_n,
        "point_estimate": diff["point_estimate"],
        "standard_error": diff["standard_error"],
        "sidedness": sided,
        "degrees_of_freedom": diff["degrees_of_freedom"],
        "limits": diff[f"limits_{sided}_sided"],
        "estimators": estimators,
        "repayment": repayment(diff),
        "repay_oig": diff["limits_two_sided"]["90"]["lower"],
    }


def appraise_unrestricted(
    examined, audited, *, universe_size: int, sided: str = "two", book_total: float | None = None
) -> dict:
    """Unrestricted variable appraisal (RAT-STATS). Mean-per-unit on the examined, audited and
    difference values (``d = examined - audited``; point = N mean, SE = N s / sqrt(n)
    sqrt(1 - n/N), t with n - 1 df); with ``book_total`` (the universe's examined dollars) the
    ratio estimate X sum(d) / sum(e), SE = N sqrt((1 - n/N) / n) s_u, u = d - R e (Cochran,
    Sampling Techniques, 3rd ed., 6.9)."""
    e = np.asarray(examined, dtype="float64")
    a = np.asarray(audited, dtype="float64")
    d = e - a
    n, big_n = len(d), int(universe_size)
    _check(n, big_n, sided)
    estimators: dict[str, Any] = {}
    for name, v in (("examined", e), ("audited", a), ("difference", d)):
        point, se = _mpu(v, big_n)
        estimators[name] = _estimate(point, se, n - 1, estimator="mean per unit")
    estimators["difference"]["mean"] = round(float(d.mean()), 4)
    estimators["difference"]["sd"] = round(float(d.std(ddof=1)), 4)
    if book_total is not None and e.sum():
        r = d.sum() / e.sum()
        s_u = float((d - r * e).std(ddof=1))
        se = big_n * math.sqrt((1 - n / big_n) / n) * s_u
        estimators["ratio"] = _estimate(
            float(book_total) * r, se, n - 1, estimator="ratio", ratio=round(float(r), 6),
            book_total=round(float(book_total), 2),
        )  # fmt: skip
    doc = _headline("unrestricted", n, big_n, sided, estimators)
    doc["mean_difference"] = estimators["difference"]["mean"]
    doc["sd_difference"] = estimators["difference"]["sd"]
    doc["convention"] = (
        f"{sided}-sided Student t limits, n - 1 degrees of freedom, finite population "
        "correction; the figure to repay depends on the purpose (see repayment)"
    )
    return doc


def appraise_stratified(
    results: pd.DataFrame,
    universe: dict[str, int],
    *,
    sided: str = "two",
    book_by_stratum: dict[str, float] | None = None,
) -> dict:
    """Stratified variable appraisal: per column, point = sum N_h mean_h, SE = sqrt(sum N_h^2
    s_h^2 / n_h (1 - n_h/N_h)), Satterthwaite df; with ``book_by_stratum`` the combined ratio
    estimate X sum_h N_h mean(d)_h / sum_h N_h mean(e)_h (Cochran 6.11)."""
    if sided not in ("one", "two"):
        raise ConfigError("sidedness must be 'one' or 'two'.")
    r = results.assign(
        e=results["examined_amount"].astype(float), a=results["audited_amount"].astype(float)
    )
    r["d"] = r["e"] - r["a"]
    groups = {str(k): g for k, g in r.groupby("stratum")}
    missing = sorted(set(groups) - {str(k) for k in universe})
    if missing:
        raise ConfigError(f"no universe size for stratum {', '.join(missing)}.")
    sizes = {h: int(universe[h]) for h in groups}

    def combine(column: pd.Series | str) -> tuple[float, float, float]:
        point = var = df_num = df_den = 0.0
        for h, g in groups.items():
            v = g[column] if isinstance(column, str) else column[g.index]
            n_h, big_n = len(g), sizes[h]
            s2 = float(v.var(ddof=1)) if n_h > 1 else 0.0
            vh = big_n**2 * s2 / n_h * (1 - n_h / big_n)
            point += big_n * float(v.mean())
            var += vh
            if n_h > 1:
                df_num += vh
                df_den += vh**2 / (n_h - 1)
        df = df_num**2 / df_den if df_den else float(len(r) - len(groups))
        return point, math.sqrt(var), df

    estimators: dict[str, Any] = {}
    for name, col in (("examined", "e"), ("audited", "a"), ("difference", "d")):
        estimators[name] = _estimate(*combine(col), estimator="stratified mean per unit")
    estimators["difference"]["strata"] = {
        h: {"n": len(g), "N": sizes[h], "point_estimate": round(sizes[h] * float(g["d"].mean()), 2)}
        for h, g in groups.items()
    }
    if book_by_stratum is not None:
        x_hat = sum(sizes[h] * float(g["e"].mean()) for h, g in groups.items())
        book = sum(float(book_by_stratum[h]) for h in groups)
        if x_hat:
            ratio = combine("d")[0] / x_hat
            _, se, df = combine(r["d"] - ratio * r["e"])
            estimators["ratio"] = _estimate(
                book * ratio, se, df, estimator="combined ratio",
                ratio=round(ratio, 6), book_total=round(book, 2),
            )  # fmt: skip
    doc = _headline("stratified", len(r), sum(sizes.values()), sided, estimators)
    doc["strata"] = estimators["difference"]["strata"]
    doc["convention"] = (
        f"{sided}-sided Student t limits, Satterthwaite degrees of freedom; the figure to "
        "repay depends on the purpose (see repayment)"
    )
    return doc


def appraise_mus(results: pd.DataFrame, *, interval: float) -> dict:
    """A monetary-unit sample's evaluation at 80/90/95%, overstatements and understatements
    (:func:`analytics.mus_evaluation`)."""
    from .analytics import mus_evaluation

    sample = pd.DataFrame(
        {"book": results["examined_amount"], "audited": results["audited_amount"]}
    )
    evaluations = {
        str(c): mus_evaluation(sample, interval=interval, confidence=c) for c in (80, 90, 95)
    }
    return {
        "design": "mus",
        "n": len(results),
        "interval": interval,
        "evaluations": evaluations,
        "convention": "Stringer (Poisson) bound, AICPA confidence factors: projected "
        "misstatement + basic precision + incremental allowance, overstatements and "
        "understatements evaluated separately; items at or above the interval count at their "
        "actual misstatement. A monetary-unit evaluation bounds misstatement; CMS and OIG "
        "repayment figures come from a variable appraisal (srs or stratified design)",
    }


def appraise(
    results: pd.DataFrame,
    plan: dict[str, Any] | None = None,
    *,
    universe_size: int | None = None,
    universe: dict[str, int] | None = None,
    sided: str = "two",
) -> dict:
    """The appraisal the sample's design calls for: monetary-unit evaluation for a ``mus``
    plan; the stratified estimators for a stratified plan (or given ``universe`` sizes by
    stratum); the unrestricted ones otherwise (``universe_size``, else the plan's frame)."""
    plan = plan or {}
    if plan.get("design") == "mus" and universe_size is None and universe is None:
        return appraise_mus(results, interval=plan["sizes_by_stratum"]["interval"])
    if universe is None and universe_size is None and plan.get("design") == "stratified":
        universe = plan["universe_by_stratum"]
    if universe is not None and "stratum" in results:
        books = plan.get("universe_dollars_by_stratum")
        return appraise_stratified(
            results.astype({"stratum": str}), universe, sided=sided, book_by_stratum=books
        )
    n_universe = universe_size or plan.get("frame", {}).get("rows")
    if n_universe is None:
        raise ConfigError("give --universe-size (unrestricted) or --strata FILE (stratified).")
    book = plan.get("frame", {}).get("dollars") if n_universe == plan.get("frame", {}).get(
        "rows"
    ) else None
    return appraise_unrestricted(
        results["examined_amount"], results["audited_amount"], universe_size=n_universe,
        sided=sided, book_total=book,
    )  # fmt: skip
