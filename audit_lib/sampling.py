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
figure to repay by purpose) is :mod:`audit_lib.appraisal`, and sample sizes and the attribute
appraisal :mod:`audit_lib.sample_size`; both are re-exported here.
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
from .sample_size import appraise_attribute, attribute_sample_size, variable_sample_size

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
