"""Drawing a sample: the one function ``audit sample`` and the sampling notebook call, so
both record the same plan (the universe file and its SHA-256, the design, sizes and seed)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

__all__ = ["OBJECTIVE", "draw_sample", "read_results", "write_sample"]

OBJECTIVE = "Estimate the amount overpaid in the universe"


def draw_sample(
    population: str | Path | None,
    *,
    unit: str,
    size: int,
    seed: int,
    design: str = "srs",
    strata: str = "",
    certainty: float | None = None,
    spares: int = 0,
    objective: str = OBJECTIVE,
    out: str | Path | None = None,
) -> tuple[Any, pd.DataFrame, dict[str, Any]]:
    """Draw a reproducible sample of ``unit`` from ``population`` (a claims file or an
    overpayment log; None is the demo universe). Returns the population, the sample and the
    plan; with ``out``, writes sample.csv, sampling_plan.json and the sampling workpaper."""
    from ..evidence.manifest import sha256_file
    from ..sampling import load_population, parse_strata, select_sample

    pop = load_population(population, unit=unit)
    bounds, method = parse_strata(strata, pop.frame["amount"])
    chosen, plan = select_sample(
        pop.frame,
        size=size,
        seed=seed,
        design=design,
        strata=bounds,
        certainty_threshold=certainty,
        spares=spares,
    )
    plan = {
        "objective": objective,
        "unit": unit,
        "population_file": Path(population).name if population else pop.source,
        "population_sha256": sha256_file(Path(population)) if population else None,
        "strata_method": method if design == "stratified" else "",
        **plan,
    }
    if out is not None:
        write_sample(Path(out), chosen, plan)
    return pop, chosen, plan


def read_results(path) -> pd.DataFrame:
    """Review results: the sampling workpaper with audited amounts entered (its Selections
    sheet) or a CSV of record_key, [stratum], examined_amount, audited_amount."""
    from ..errors import ConfigError, InputError

    path = Path(path)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from ..reporting.sampling_workpaper import read_selections

        return read_selections(path)
    try:
        r = pd.read_csv(path, dtype={"stratum": str, "record_key": str})
    except Exception as exc:
        raise InputError(f"{path.name} is not a readable CSV file: {exc}.", path=path) from None
    missing = [c for c in ("record_key", "examined_amount", "audited_amount") if c not in r]
    if missing:
        raise ConfigError(f"{path.name} is missing column(s) {', '.join(missing)}.")
    from ..outputs import csv_unescape

    return csv_unescape(r)


def write_sample(out, chosen: pd.DataFrame, plan: dict[str, Any]) -> dict[str, str]:
    """sample.csv, sampling_plan.json and sampling_workpaper.xlsx into ``out``."""
    import json

    from ..reporting.sampling_workpaper import write_sampling_workpaper

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    from ..outputs import csv_safe

    csv_safe(chosen).to_csv(
        out / "sample.csv", index=False, lineterminator="\n", float_format="%.2f"
    )
    (out / "sampling_plan.json").write_text(json.dumps(plan, indent=2) + "\n", "utf-8")
    write_sampling_workpaper(
        out / "sampling_workpaper.xlsx",
        plan=plan,
        selections=chosen.rename(columns={"amount": "examined_amount"}),
    )
    return {
        n: str(out / n) for n in ("sample.csv", "sampling_plan.json", "sampling_workpaper.xlsx")
    }
