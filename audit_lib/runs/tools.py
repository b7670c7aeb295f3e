"""The commands' work beyond a review: demo data, the X12 conversion, the appraisal of a
reviewed sample and signing a sealed run. The CLI parses options and calls these; Python
callers may too."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..errors import ConfigError

__all__ = ["appraise_results", "convert_x12", "sign_run", "write_demo_data"]


def write_demo_data(dataset: str, *, period: str, seed: int, n_claims: int, out: Path) -> str:
    """Write a synthetic demo dataset (claims CSV, X12 files or the access quarter) with the
    truth of its planted defects; return what was written, in a sentence."""
    from ..config import parse_period

    parse_period(period)
    period = period.upper()
    if dataset == "x12":
        from ..claims.demo import generate_demo_claims
        from ..x12.writer import write_demo_x12

        demo = generate_demo_claims(period=period, seed=seed, n_claims=n_claims)
        paths = write_demo_x12(demo.claims, out)
        demo.truth.to_csv(Path(out) / "truth.csv", index=False, lineterminator="\n")
        return f"wrote {', '.join(Path(p).name for p in paths.values())} and truth.csv to {out}"
    if dataset == "access":
        from ..access.demo import generate_demo_access, write_demo_access

        demo = generate_demo_access(period=period, seed=seed)
        write_demo_access(demo, out)
        return (
            f"wrote {len(demo.access_log):,} synthetic access events, the workforce, patients "
            f"and encounters, and the planted snooping (truth.csv) to {out}"
        )
    from ..claims.demo import generate_demo_claims

    if n_claims <= 0:
        raise ConfigError(f"--claims must be positive, got {n_claims}.")
    demo = generate_demo_claims(period=period, seed=seed, n_claims=n_claims)
    out.parent.mkdir(parents=True, exist_ok=True)
    demo.claims.to_csv(out, index=False, lineterminator="\n")
    truth = out.with_name(out.stem + ".truth.csv")
    demo.truth.to_csv(truth, index=False, lineterminator="\n")
    return (
        f"wrote {len(demo.claims):,} synthetic claim lines to {out} "
        f"and the planted defects to {truth}"
    )


def convert_x12(files: list[Path], remits: list[Path], out: Path) -> str:
    """X12 837 claims (and 835 remittances applied to them) as the canonical claims table,
    CSV or Parquet; return what was written, in a sentence."""
    from ..paths import expand_files
    from ..x12 import importer

    claim_files = expand_files(files)
    if not importer.x12_source(claim_files):
        raise ConfigError("audit convert x12 takes X12 837 files (or a folder of them).")
    if out.suffix.lower() not in (".csv", ".parquet"):
        raise ConfigError(f"--out {out.name}: write a .parquet or .csv file.")
    frame, info = importer.read_837(claim_files)
    matched = 0
    if remits:
        remittances, _found, _info = importer.read_835(expand_files(remits))
        frame, applied = importer.apply_remits(frame, remittances)
        matched = applied["lines_matched"]
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix.lower() == ".csv":
        frame.to_csv(out, index=False, lineterminator="\n")
    else:
        frame.to_parquet(out, index=False)
    return (
        f"wrote {info['lines']:,} claim lines of {info['claims']:,} claims from "
        f"{len(info['files'])} file(s) to {out}"
        + (f"; {matched:,} lines matched to 835 remittances" if remits else "")
        + (f"; {len(info['warnings'])} envelope warning(s)" if info["warnings"] else "")
    )


def appraise_results(
    results: Path,
    *,
    plan_file: Path | None = None,
    universe_size: int | None = None,
    strata_file: Path | None = None,
    sided: str = "two",
    out: Path,
) -> dict[str, Any]:
    """Appraise a reviewed sample (audit appraise): appraisal.json and the sampling
    workpaper with its Appraisal sheet in ``out``; returns the appraisal."""
    import pandas as pd

    from ..appraisal import appraise
    from ..reporting.sampling_workpaper import write_sampling_workpaper
    from .sample import read_results

    r = read_results(results)
    plan_path = plan_file or results.with_name("sampling_plan.json")
    plan = json.loads(plan_path.read_text("utf-8")) if plan_path.is_file() else None
    universe = None
    if strata_file is not None:
        u = pd.read_csv(strata_file, dtype={"stratum": str})
        universe = dict(zip(u["stratum"], u["universe_size"], strict=True))
    doc = appraise(r, plan, universe_size=universe_size, universe=universe, sided=sided)
    out.mkdir(parents=True, exist_ok=True)
    (out / "appraisal.json").write_text(json.dumps(doc, indent=2) + "\n", "utf-8")
    write_sampling_workpaper(
        out / "sampling_workpaper.xlsx", plan=plan, selections=r, appraisal=doc
    )
    return doc


def sign_run(run_dir: Path, signing_key: Path) -> list[dict]:
    """Sign the manifest of a run sealed without a key, once it re-hashes intact; return the
    evidence chain's links."""
    from ..evidence.chain import load_private_key, sign_manifest_link
    from ..evidence.verify import verify

    key = load_private_key(signing_key)
    report = verify(run_dir)
    if not report.intact or report.manifest_sha256 is None:
        problems = "; ".join(report.failures)
        raise ConfigError(f"{run_dir} is not intact, so it cannot be signed: {problems}")
    return sign_manifest_link(run_dir, report.manifest_sha256, key)
