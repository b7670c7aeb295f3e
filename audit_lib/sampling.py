"""Reproducible statistical samples and their appraisal (RULEBOOK 4.1-4.3).

Reproducibility is the point: an extrapolation is overturned when the sample cannot be
regenerated from its recorded seed. So selection does not depend on NumPy's ``Generator``
methods (whose streams NumPy may change between releases) but only on the raw 64-bit outputs
of the PCG64 bit generator, whose stream is fixed: every frame item gets one raw number,
taken in the frame's sorted ``record_key`` order, and items are selected in increasing order
of that number. The same frame and seed give the same sample on any machine. The plan records
the frame (rows, dollars, SHA-256 of the ordered keys), design, sizes, seed and generator.

Designs: simple random (``srs``), stratified by dollar boundaries with an optional certainty
stratum (``stratified``), and monetary-unit / probability-proportional-to-size with a fixed
interval and random start (``mus``). Appraisal (variable estimators, MUS evaluation and the
figure to repay by purpose) is :mod:`audit_lib.appraisal`, re-exported here.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .appraisal import appraise, appraise_mus, appraise_stratified, appraise_unrestricted
from .errors import ConfigError

__all__ = [
    "appraise",
    "appraise_attribute",
    "appraise_mus",
    "appraise_stratified",
    "appraise_unrestricted",
    "attribute_sample_size",
    "equal_dollar_bounds",
    "findings_sample",
    "illustrative_results",
    "load_population",
    "parse_strata",
    "select_sample",
    "variable_sample_size",
    "write_findings_sample",
]

GENERATOR = "numpy.random.PCG64 raw 64-bit stream (one draw per frame item in record_key order)"
CONFIDENCE_LEVELS = (80, 90, 95)


def _frame(population: pd.DataFrame) -> pd.DataFrame:
    missing = [c for c in ("record_key", "amount") if c not in population]
    if missing:
        raise ConfigError(f"the sampling frame needs the column(s) {', '.join(missing)}.")
    frame = population[["record_key", "amount"]].copy()
    if frame["record_key"].duplicated().any():
        raise ConfigError(
            "the sampling frame has repeated record_key values; sample units "
            "must be unique (sample claims, not lines, or de-duplicate)."
        )
    frame["record_key"] = frame["record_key"].astype(str)
    frame["amount"] = pd.to_numeric(frame["amount"]).astype("float64")
    return frame.sort_values("record_key", kind="stable").reset_index(drop=True)


def _draws(seed: int, n: int) -> np.ndarray:
    return np.random.PCG64(seed).random_raw(n).astype(np.uint64)


def frame_digest(frame: pd.DataFrame) -> str:
    return hashlib.sha256("\n".join(frame["record_key"]).encode()).hexdigest()


def select_sample(
    population: pd.DataFrame,
    *,
    size: int,
    seed: int,
    design: str = "srs",
    strata: list[float] | None = None,
    certainty_threshold: float | None = None,
    spares: int = 0,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Draw a sample from ``population`` (columns ``record_key``, ``amount``).

    Returns the sample (``record_key, amount, stratum, selection_order, spare``) and the plan.
    ``strata`` are dollar boundaries (``[100, 1000]`` -> <100, 100-<1000, >=1000); items at or
    above ``certainty_threshold`` form a certainty stratum, all selected.
    """
    frame = _frame(population)
    n_frame = len(frame)
    if not 0 < size <= n_frame:
        raise ConfigError(f"sample size {size} must be between 1 and the frame's {n_frame} items.")
    draws = _draws(seed, n_frame)
    frame["_draw"] = draws
    if design == "srs":
        frame["stratum"] = "all"
        picked = _srs(frame, size, spares)
        sizes = {"all": size}
    elif design == "stratified":
        picked, sizes = _stratified(frame, size, strata or [], certainty_threshold, spares)
    elif design == "mus":
        picked, sizes = _mus(frame, size, seed)
    else:
        raise ConfigError(f"design {design!r} is not one of srs, stratified, mus.")
    sample = picked[["record_key", "amount", "stratum", "selection_order", "spare"]].reset_index(
        drop=True
    )
    plan = {
        "design": design,
        "seed": seed,
        "generator": GENERATOR,
        "numpy": np.__version__,
        "frame": {
            "rows": n_frame,
            "dollars": round(float(frame["amount"].sum()), 2),
            "sha256_of_ordered_keys": frame_digest(frame),
        },
        "size": size,
        "spares": spares,
        "sizes_by_stratum": sizes,
        "universe_by_stratum": {
            str(k): int(v) for k, v in frame["stratum"].value_counts().sort_index().items()
        }
        if design != "mus"
        else {"all": n_frame},
        "universe_dollars_by_stratum": {
            str(k): round(float(v), 2)
            for k, v in frame.groupby("stratum")["amount"].sum().sort_index().items()
        }
        if design != "mus"
        else {"all": round(float(frame["amount"].sum()), 2)},
        "strata_boundaries": strata or [],
        "certainty_threshold": certainty_threshold,
        "sample_sha256": hashlib.sha256("\n".join(sample["record_key"]).encode()).hexdigest(),
    }
    return sample, plan


def _srs(frame: pd.DataFrame, size: int, spares: int) -> pd.DataFrame:
    ordered = frame.sort_values(["_draw", "record_key"], kind="stable")
    take = ordered.head(size + spares).copy()
    take["selection_order"] = np.arange(1, len(take) + 1)
    take["spare"] = take["selection_order"] > size
    return take


def _stratified(frame, size, bounds, certainty, spares):
    bins = [-math.inf, *sorted(bounds), math.inf]
    labels = [f"S{i + 1}" for i in range(len(bins) - 1)]
    frame["stratum"] = pd.cut(frame["amount"], bins=bins, labels=labels, right=False).astype(str)
    if certainty is not None:
        frame.loc[frame["amount"] >= certainty, "stratum"] = "certainty"
    counts = frame["stratum"].value_counts()
    certain = int(counts.get("certainty", 0))
    remaining = size - certain
    if remaining < 0:
        raise ConfigError(
            f"the certainty stratum alone has {certain} items, more than size {size}."
        )
    others = counts.drop("certainty", errors="ignore").sort_index()
    # proportional allocation by count, largest remainder, at most the stratum's items
    exact = others / others.sum() * remaining if others.sum() else others * 0
    alloc = np.floor(exact).astype(int)
    for label in (exact - alloc).sort_values(ascending=False, kind="stable").index:
        if alloc.sum() >= remaining:
            break
        if alloc[label] < others[label]:
            alloc[label] += 1
    sizes = {**{k: int(v) for k, v in alloc.items()}, **({"certainty": certain} if certain else {})}
    parts = []
    for label, group in frame.groupby("stratum", sort=True):
        n_h = sizes.get(label, 0)
        if label == "certainty":
            part = group.sort_values("record_key").copy()
            part["spare"] = False
        else:
            part = _srs(group, n_h, spares) if n_h or spares else group.head(0).assign(spare=False)
        part["selection_order"] = np.arange(1, len(part) + 1)
        parts.append(part)
    return pd.concat(parts), sizes


def _mus(frame, size, seed):
    total = float(frame["amount"].clip(lower=0).sum())
    interval = total / size
    start = float(_draws(seed + 1, 1)[0] >> np.uint64(11)) / 2**53 * interval
    cum = frame["amount"].clip(lower=0).cumsum().to_numpy()
    points = start + interval * np.arange(size)
    hit = np.searchsorted(cum, points, side="right")  # item whose dollar range holds the point
    chosen = np.unique(hit[hit < len(frame)])
    picked = frame.iloc[chosen].copy()
    picked["stratum"] = np.where(picked["amount"] >= interval, "certainty", "mus")
    picked["selection_order"] = np.arange(1, len(picked) + 1)
    picked["spare"] = False
    return picked, {
        "interval": round(interval, 2),
        "random_start": round(start, 2),
        "selected": len(picked),
    }


def load_frame(path, *, unit: str) -> pd.DataFrame:
    """A sampling frame (``record_key``, ``amount``) from a claims file (unit ``line``: paid
    amount per line; ``claim``: paid amount per claim) or an overpayment log (unit
    ``overpayment``: the overpayment amount)."""
    return load_population(path, unit=unit).frame


@dataclass
class Population:
    """A sampling frame and the records it was built from (for the analytics)."""

    frame: pd.DataFrame  # record_key, amount
    records: pd.DataFrame  # the parsed claims or overpayments
    source: str
    unit: str
    defect_keys: set[str] | None = None  # demo only: units with planted defects


def load_population(path=None, *, unit: str, demo_seed: int = 20260930) -> Population:
    """The frame for ``unit`` from a file, or from the demo quarter when ``path`` is None."""
    from .tables import load_table

    if unit not in ("line", "claim", "overpayment"):
        raise ConfigError(f"unit {unit!r} is not one of line, claim, overpayment.")
    defects = None
    if unit == "overpayment":
        from .refunds.schema import OVERPAYMENTS_SCHEMA

        if path is None:
            from .claims.demo import generate_demo_claims
            from .refunds.demo import generate_demo_overpayments

            demo = generate_demo_overpayments(generate_demo_claims(seed=demo_seed), seed=demo_seed)
            f = demo.overpayments
            from .tables import parse_frame

            f = parse_frame(f, OVERPAYMENTS_SCHEMA, source="demo").frame
            source = f"demo overpayment log (seed {demo_seed})"
        else:
            f = load_table(path, OVERPAYMENTS_SCHEMA).frame
            source = str(path)
        frame = pd.DataFrame(
            {
                "record_key": f["overpayment_id"].astype(str),
                "amount": f["overpayment_amount"].fillna(0.0),
            }
        )
        return Population(frame, f, source, unit)
    from .claims.logic import record_keys
    from .claims.schema import CLAIMS_SCHEMA

    if path is None:
        from .claims.demo import generate_demo_claims
        from .tables import parse_frame

        demo = generate_demo_claims(seed=demo_seed)
        f = parse_frame(demo.claims, CLAIMS_SCHEMA, source="demo").frame
        source = f"demo claims quarter {demo.period} (seed {demo_seed})"
        bad_rows = set(demo.truth["row"].astype(int))
        bad = f["_row"].isin(bad_rows)
        defects = (
            set(record_keys(f[bad])) if unit == "line" else set(f.loc[bad, "claim_id"].astype(str))
        )
    else:
        f = load_table(path, CLAIMS_SCHEMA).frame
        source = str(path)
    paid = f["paid_amount"] if "paid_amount" in f else f["billed_amount"]
    if unit == "line":
        frame = pd.DataFrame({"record_key": record_keys(f), "amount": paid.fillna(0.0)})
    else:
        g = pd.DataFrame({"claim": f["claim_id"].astype(str), "amount": paid.fillna(0.0)})
        g = g.groupby("claim", sort=True)["amount"].sum().reset_index()
        frame = g.rename(columns={"claim": "record_key"})
    return Population(frame, f, source, unit, defects)


def illustrative_results(sample: pd.DataFrame, defect_keys: set[str]) -> pd.DataFrame:
    """Demo only: review results as if every sampled unit with a planted defect were wholly
    overpaid (audited amount 0) and every other unit correct. Spares are left out."""
    s = sample[~sample["spare"]]
    examined = s["amount"].astype(float)
    audited = examined.where(~s["record_key"].isin(defect_keys), 0.0)
    return pd.DataFrame(
        {
            "record_key": s["record_key"],
            "stratum": s["stratum"].astype(str),
            "examined_amount": examined,
            "audited_amount": audited,
        }
    ).reset_index(drop=True)


def write_findings_sample(run_dir, sample: pd.DataFrame, plan: dict[str, Any]) -> None:
    """``findings_sample.csv`` and ``findings_sample_plan.json`` beside a review's findings."""
    import json
    from pathlib import Path

    from .outputs import csv_safe

    run = Path(run_dir)
    csv_safe(sample).to_csv(
        run / "findings_sample.csv", index=False, lineterminator="\n", float_format="%.2f"
    )
    (run / "findings_sample_plan.json").write_text(json.dumps(plan, indent=2) + "\n", "utf-8")


def parse_strata(text: str | None, amounts: pd.Series) -> tuple[list[float] | None, str]:
    """``--strata`` text: dollar boundaries ``100,1000`` or ``equal:K``; returns the
    boundaries and how they were formed."""
    if not text:
        return None, ""
    if text.startswith("equal:"):
        try:
            k = int(text.split(":", 1)[1])
        except ValueError:
            raise ConfigError(f"strata {text!r}: use equal:K with a whole number K.") from None
        return equal_dollar_bounds(amounts, k), f"{k} equal-dollar strata"
    try:
        return [float(b) for b in text.split(",") if b.strip()], "given boundaries"
    except ValueError:
        raise ConfigError(
            f"strata {text!r}: give dollar boundaries like 100,1000 or equal:K."
        ) from None


def attribute_sample_size(
    *,
    expected_rate: float,
    precision: float,
    confidence: int = 95,
    universe_size: int | None = None,
) -> int:
    """Sample size to estimate an error rate within +/- ``precision`` (two-sided, normal
    approximation), with the finite population correction when N is given:
    n0 = z^2 p (1 - p) / E^2; n = n0 / (1 + (n0 - 1) / N)."""
    from scipy import stats

    if not 0 < expected_rate < 1 or not 0 < precision < 1:
        raise ConfigError("expected_rate and precision must be fractions between 0 and 1.")
    z = float(stats.norm.ppf(1 - (1 - confidence / 100) / 2))
    n0 = z**2 * expected_rate * (1 - expected_rate) / precision**2
    n = n0 / (1 + (n0 - 1) / universe_size) if universe_size else n0
    return math.ceil(n - 1e-9)


def variable_sample_size(
    *, probe_sd: float, universe_size: int, precision_amount: float, confidence: int = 90
) -> int:
    """Sample size so that the two-sided ``confidence`` limits of the estimated total are
    within +/- ``precision_amount``, from a probe sample's standard deviation of the
    differences: n = (t s N / A)^2 / (1 + (t s N / A)^2 / N), with Student t at n - 1 degrees of
    freedom found by iteration (starting from the normal value)."""
    from scipy import stats

    if probe_sd <= 0 or precision_amount <= 0:
        raise ConfigError("probe_sd and precision_amount must be positive.")
    q = 1 - (1 - confidence / 100) / 2
    n = 30
    for _ in range(50):  # converges in a few steps
        t = float(stats.t.ppf(q, max(n - 1, 1)))
        n0 = (t * probe_sd * universe_size / precision_amount) ** 2
        new = math.ceil(n0 / (1 + n0 / universe_size) - 1e-9)
        if new == n:
            break
        n = max(new, 2)
    return min(n, universe_size)


def equal_dollar_bounds(amounts: pd.Series, strata: int) -> list[float]:
    """Dollar boundaries that split the frame into ``strata`` strata of (about) equal total
    dollars: boundary i is the smallest amount at which the ascending cumulative dollars
    reach i/strata of the total (repeated boundaries are merged)."""
    if strata < 2:
        raise ConfigError(f"equal-dollar strata need at least 2 strata, got {strata}.")
    a = np.sort(pd.to_numeric(amounts).clip(lower=0).to_numpy(dtype="float64"))
    total = a.sum()
    if total <= 0:
        raise ConfigError("equal-dollar strata need a frame with a positive dollar total.")
    cum = np.cumsum(a)
    cuts = [
        float(a[np.searchsorted(cum, total * i / strata, side="left")]) for i in range(1, strata)
    ]
    out: list[float] = []
    for c in cuts:
        if c > 0 and (not out or c > out[-1]):
            out.append(round(c, 2))
    return out


def appraise_attribute(
    errors: int, n: int, *, universe_size: int | None = None, sided: str = "two"
) -> dict:
    """Error rate with exact limits at 80/90/95%: hypergeometric when the universe size is
    given (limits on the number of errors in the universe, then the rate), binomial
    (Clopper-Pearson) otherwise. One-sided limits put the whole alpha on each side."""
    from scipy import stats

    if not 0 <= errors <= n or n < 1:
        raise ConfigError(f"errors ({errors}) must be between 0 and the sample size n ({n}).")
    if universe_size is not None and universe_size < n:
        raise ConfigError(f"the universe ({universe_size}) is smaller than the sample ({n}).")
    if sided not in ("one", "two"):
        raise ConfigError("sidedness must be 'one' or 'two'.")
    limits = {}
    for level in CONFIDENCE_LEVELS:
        alpha = 1 - level / 100
        a = alpha / 2 if sided == "two" else alpha
        if universe_size is None:
            lo = 0.0 if errors == 0 else float(stats.beta.ppf(a, errors, n - errors + 1))
            hi = 1.0 if errors == n else float(stats.beta.ppf(1 - a, errors + 1, n - errors))
            limits[str(level)] = {"lower_rate": round(lo, 6), "upper_rate": round(hi, 6)}
        else:
            big = int(universe_size)
            lo_m, hi_m = _hypergeom_limits(errors, n, big, a)
            limits[str(level)] = {
                "lower_rate": round(lo_m / big, 6),
                "upper_rate": round(hi_m / big, 6),
                "lower_count": lo_m,
                "upper_count": hi_m,
            }
    return {
        "design": "attribute",
        "n": n,
        "N": universe_size,
        "errors": errors,
        "rate": round(errors / n, 6),
        "method": "hypergeometric" if universe_size else "binomial (Clopper-Pearson)",
        "sidedness": sided,
        "limits": limits,
    }


def _hypergeom_limits(k: int, n: int, big: int, a: float) -> tuple[int, int]:
    """Smallest M with P(X >= k | M) > a and largest M with P(X <= k | M) > a (exact)."""
    from scipy import stats

    def p_le(m: int) -> float:  # decreasing in m
        return float(stats.hypergeom.cdf(k, big, m, n))

    def p_ge(m: int) -> float:  # increasing in m
        return float(stats.hypergeom.sf(k - 1, big, m, n))

    lo_bound, hi_bound = k, big - (n - k)
    # upper: largest m in [k, hi_bound] with p_le(m) > a
    lo, hi = k, hi_bound
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if p_le(mid) > a:
            lo = mid
        else:
            hi = mid - 1
    upper = lo
    # lower: smallest m in [lo_bound, hi_bound] with p_ge(m) > a (0 when k == 0)
    if k == 0:
        return 0, upper
    lo, hi = lo_bound, hi_bound
    while lo < hi:
        mid = (lo + hi) // 2
        if p_ge(mid) > a:
            hi = mid
        else:
            lo = mid + 1
    return lo, upper


def findings_sample(
    findings: pd.DataFrame, *, size: int, seed: int, severity: str | None = None
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """A reproducible simple random sample of the records that have findings (one unit per
    ``record_key``, its amount the largest amount at stake), for testing by the reviewer."""
    f = findings if severity is None else findings[findings["severity"] == severity]
    keys = f[f["record_key"].notna()].groupby("record_key", sort=True)
    frame = pd.DataFrame(
        {
            "record_key": keys.size().index.astype(str),
            "amount": keys["amount"].max().fillna(0.0).to_numpy(),
        }
    )
    if frame.empty:
        empty = pd.DataFrame(
            columns=["record_key", "amount", "stratum", "selection_order", "spare", "rules"]
        )
        return empty, {"population": "records with findings", "frame": {"rows": 0}, "seed": seed}
    size = min(size, len(frame))
    sample, plan = select_sample(frame, size=size, seed=seed)
    rules = keys["rule_id"].agg(lambda r: "|".join(sorted(set(r))))
    sample["rules"] = sample["record_key"].map(rules)
    return sample, {**plan, "population": "records with findings", "severity": severity}
