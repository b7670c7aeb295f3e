"""The sampling commands (sample, appraise) and the suites command group."""

from __future__ import annotations

from pathlib import Path

import click

from .app import main, say


@main.command()
@click.option(
    "--population",
    required=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="Claims file or overpayment log to sample from.",
)
@click.option("--unit", required=True, type=click.Choice(["line", "claim", "overpayment"]))
@click.option("--size", required=True, type=int)
@click.option("--seed", required=True, type=int, help="Record it: it regenerates the sample.")
@click.option(
    "--design", default="srs", show_default=True, type=click.Choice(["srs", "stratified", "mus"])
)
@click.option(
    "--strata",
    default="",
    help="Stratified: dollar boundaries (100,1000) or equal:K for K equal-dollar strata.",
)
@click.option("--certainty", type=float, help="Items at or above this amount are all selected.")
@click.option("--spares", default=0, show_default=True, type=int)
@click.option(
    "--objective",
    default="Estimate the amount overpaid in the universe",
    show_default=True,
    help="The sampling objective, for the plan.",
)
@click.option("--out", required=True, type=click.Path(path_type=Path, file_okay=False))
def sample(
    population: Path,
    unit: str,
    size: int,
    seed: int,
    design: str,
    strata: str,
    certainty: float | None,
    spares: int,
    objective: str,
    out: Path,
) -> None:
    """Draw a reproducible statistical sample: sample.csv, sampling_plan.json and the sampling
    workpaper (Plan, and Selections with columns for the audited amounts)."""
    from ..runs.preflight import check_table
    from ..runs.sample import draw_sample

    check_table(population)
    _pop, chosen, plan = draw_sample(
        population,
        unit=unit,
        size=size,
        seed=seed,
        design=design,
        strata=strata,
        certainty=certainty,
        spares=spares,
        objective=objective,
        out=out,
    )
    say(
        f"sampled {len(chosen):,} of {plan['frame']['rows']:,} {unit}s ({design}, seed {seed}) "
        f"-> {out} (enter audited amounts in sampling_workpaper.xlsx, then audit appraise)"
    )


@main.command()
@click.option(
    "--results",
    required=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="The sampling workpaper with audited amounts entered, or a CSV: record_key, "
    "[stratum], examined_amount, audited_amount.",
)
@click.option("--universe-size", type=int, help="N for an unrestricted design.")
@click.option(
    "--strata",
    "strata_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="CSV: stratum, universe_size (stratified design; default: from the plan).",
)
@click.option(
    "--plan",
    "plan_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="sampling_plan.json (default: the one beside --results, if any).",
)
@click.option("--one-sided", is_flag=True, help="One-sided limits (CMS PIM convention).")
@click.option("--out", required=True, type=click.Path(path_type=Path, file_okay=False))
def appraise(
    results: Path,
    universe_size: int | None,
    strata_file: Path | None,
    plan_file: Path | None,
    one_sided: bool,
    out: Path,
) -> None:
    """Appraise a reviewed sample: point estimate, standard error, limits at 80/90/95%;
    writes appraisal.json and the sampling workpaper with its Appraisal sheet."""
    from ..runs.preflight import check_table
    from ..runs.tools import appraise_results

    check_table(results)
    doc = appraise_results(
        results,
        plan_file=plan_file,
        universe_size=universe_size,
        strata_file=strata_file,
        sided="one" if one_sided else "two",
        out=out,
    )
    if doc["design"] == "mus":
        e = doc["evaluations"]["95"]
        say(
            f"projected overstatement {e['projected_misstatement']:,.2f}; 95% upper "
            f"misstatement limit {e['upper_misstatement_limit']:,.2f} (Stringer), net of "
            f"understatements {e['net_overstatement_limit']:,.2f} -> {out}"
        )
        return
    figures = "; ".join(
        f"{purpose.replace('_', ' ')} {v['amount']:,.2f} ({v['basis']})"
        for purpose, v in doc["repayment"].items()
    )
    say(f"point estimate {doc['point_estimate']:,.2f}; to repay, by purpose: {figures} -> {out}")


@main.group()
def suites() -> None:
    """Build or check the Great Expectations suites in expectations/."""


def _suites():
    from ..access.checks import ACCESS_SUITE
    from ..gx.claims_suite import CLAIMS_SUITE
    from ..refunds.suite import REFUNDS_SUITE

    return [CLAIMS_SUITE, REFUNDS_SUITE, ACCESS_SUITE]


@suites.command("build")
def suites_build() -> None:
    """Regenerate expectations/*.json from the code."""
    from ..gx.suites import write_suite

    for spec in _suites():
        say(f"wrote {write_suite(spec)}")


@suites.command("check")
def suites_check() -> None:
    """Fail (exit 1) when expectations/*.json differs from the code."""
    from ..gx.suites import check_suite

    for spec in _suites():
        check_suite(spec)
    say("expectations are up to date")
