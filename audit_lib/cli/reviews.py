"""The review commands: claims, refunds, access, run (every review on the demo data), and
the demo-data, profiles and convert helpers."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..errors import ConfigError
from .app import main, say
from .options import input_options, profile_options, review_options


def _progress(message: str) -> None:
    if sys.stderr.isatty():
        say(f"  ... {message}")


def _review(name: str, out: Path, **kw) -> dict:
    """Run one review sealed (audit_lib.runs.run_review) and say what it found."""
    from ..runs import REVIEWS, run_review

    summary = run_review(name, out, progress=_progress, **kw)
    spec = REVIEWS[name]
    c, f = summary["counts"][spec.counts_key], summary["findings"]
    say(
        f"{name} {summary['period']['period']}: {c['rows_read']:,} {spec.unit} read, "
        f"{c['rows_checked']:,} checked, {c['rows_rejected']:,} with unparseable values; "
        f"{f['total']:,} findings ({f['by_severity']['error']:,} errors, "
        f"{f['by_severity']['warning']:,} warnings) in {summary['elapsed_seconds']:.0f}s "
        f"-> {out}"
    )
    return summary


def _inputs(review: str, kw: dict) -> dict:
    """The review's inputs, taken out of the command's options (named as the registry does)."""
    from ..runs.registry import REVIEWS

    return {i.name: kw.pop(i.name) for i in REVIEWS[review].inputs}


def _profile(profile: str | None, mapping: Path | None) -> str | None:
    if profile and mapping:
        raise ConfigError("give --profile (a shipped profile) or --mapping (your file), not both.")
    return str(mapping) if mapping else profile


@main.command()
@click.argument("files", nargs=-1, type=click.Path(path_type=str))
@input_options("claims")
@profile_options(
    "claims",
    "synpuf-carrier, synpuf-outpatient, synpuf-inpatient, rif-carrier, rif-dme, "
    "rif-outpatient, rif-inpatient, cclf-partb, cclf-parta (audit profiles lists them)",
)
@review_options()
def claims(files: tuple[str, ...], profile, mapping, out: Path, demo: bool, **kw) -> None:
    """Run the claims review and write findings, summary, GX results, reports, workpaper and
    the manifest that seals them."""
    inputs = _inputs("claims", kw)
    inputs["claims"] = (*inputs["claims"], *files)
    _review("claims", out, inputs=inputs, demo=demo, profile=_profile(profile, mapping), **kw)


@main.command()
def profiles() -> None:
    """List the shipped input profiles (for --profile)."""
    from ..profiles import list_profiles

    for name, title in list_profiles().items():
        click.echo(f"{name:20} {title}")


@main.command()
@click.option("--period", default="2026Q3", show_default=True, help="Demo period YYYYQn.")
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    help="Output folder (default: reports/<period>/).",
)
@click.option(
    "--prior",
    type=click.Path(path_type=Path, file_okay=False),
    help="The previous period's claims run folder.",
)
def run(period: str, out: Path | None, prior: Path | None) -> None:
    """Run every review (claims, refunds, access) on the bundled demo data into
    reports/<period>/."""
    from ..config import parse_period
    from ..paths import reports_dir
    from ..runs.registry import SEALED

    parse_period(period)
    base = out or (reports_dir() / period.upper())
    for name in SEALED:
        _review(
            name, base / name, demo=True, period=period.upper(),
            prior=prior if name == "claims" else None,
        )  # fmt: skip


@main.command("demo-data")
@click.option(
    "--dataset",
    default="claims",
    show_default=True,
    type=click.Choice(["claims", "access", "x12"]),
    help="claims: one CSV file; access: a folder of access_log, workforce, patients and "
    "encounters CSVs; x12: a folder with the demo claims as demo.837 / demo.837i and their "
    "adjudication as demo.835.",
)
@click.option("--period", default="2026Q3", show_default=True)
@click.option("--seed", default=20260930, show_default=True, type=int)
@click.option("--claims", "n_claims", default=4000, show_default=True, type=int)
@click.option(
    "--out",
    required=True,
    type=click.Path(path_type=Path),
    help="CSV file to write (claims) or folder (access).",
)
def demo_data(dataset: str, period: str, seed: int, n_claims: int, out: Path) -> None:
    """Write synthetic demo data (and the truth of planted defects) as CSV."""
    from ..runs.tools import write_demo_data

    say(write_demo_data(dataset, period=period, seed=seed, n_claims=n_claims, out=out))


@main.command()
@input_options("refunds")
@click.option(
    "--filing-copy",
    "filing_copy",
    type=click.Path(path_type=Path, file_okay=False),
    help="Also write the CMS-838 filing copy (beneficiary names and MBIs; one workbook per "
    "provider number) into this folder, outside --out. The run records its hashes, not its "
    "content.",
)
@review_options()
def refunds(out: Path, demo: bool, filing_copy: Path | None, **kw) -> None:
    """Run the overpayment and refund review: the 60-day clock, refund tests, the CMS-838
    credit balance report, KPIs, reports and the sealed manifest."""
    inputs = _inputs("refunds", kw)
    _review("refunds", out, inputs=inputs, demo=demo, filing_copy=filing_copy, **kw)


@main.command()
@input_options("access")
@profile_options("access log", "epic-access-log (audit profiles)")
@review_options(prior=False)
def access(out: Path, demo: bool, profile, mapping, **kw) -> None:
    """Run the HIPAA access-log review: integrity checks, snooping rules, explained cases,
    the report, the workpaper with its review sheet, and the sealed manifest."""
    inputs = _inputs("access", kw)
    _review("access", out, inputs=inputs, demo=demo, profile=_profile(profile, mapping), **kw)


@main.command()
@click.argument("kind", type=click.Choice(["x12"]))
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--remits",
    multiple=True,
    type=click.Path(path_type=Path),
    help="X12 835 files to join to the claim lines.",
)
@click.option(
    "--out",
    required=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="claims table to write (.parquet or .csv).",
)
def convert(kind: str, files: tuple[Path, ...], remits: tuple[Path, ...], out: Path) -> None:
    """Convert X12 837 claims (and 835 remittances) to the canonical claims table, for other
    tools. The table holds raw patient data: keep it where the inputs are kept."""
    from ..runs.tools import convert_x12

    say(convert_x12(list(files), list(remits), out))
