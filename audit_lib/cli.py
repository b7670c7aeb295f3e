"""The ``audit`` command.

Exit codes: 0 done (findings are results, not failures); 2 bad input or usage; 1 internal
error. Every error is one clear message on stderr, never a traceback (set ``AUDIT_DEBUG=1`` to
see one).
"""

from __future__ import annotations

import os
import sys
import traceback
from pathlib import Path

import click

from ._version import __version__
from .errors import AuditError, ConfigError

EXIT_OK, EXIT_INTERNAL, EXIT_USAGE = 0, 1, 2


def _say(message: str) -> None:
    click.echo(message, err=True)


def _progress(message: str) -> None:
    if sys.stderr.isatty():
        _say(f"  ... {message}")


def _review(name: str, out: Path, **kw) -> dict:
    """Run one review sealed (audit_lib.runs.run_review) and say what it found."""
    from .runs import REVIEWS, run_review

    summary = run_review(name, out, progress=_progress, **kw)
    spec = REVIEWS[name]
    c, f = summary["counts"][spec.counts_key], summary["findings"]
    _say(
        f"{name} {summary['period']['period']}: {c['rows_read']:,} {spec.unit} read, "
        f"{c['rows_checked']:,} checked, {c['rows_rejected']:,} with unparseable values; "
        f"{f['total']:,} findings ({f['by_severity']['error']:,} errors, "
        f"{f['by_severity']['warning']:,} warnings) in {summary['elapsed_seconds']:.0f}s "
        f"-> {out}"
    )
    return summary


def _inputs(review: str, kw: dict) -> dict:
    """The review's inputs, taken out of the command's options (named as the registry does)."""
    from .runs.registry import REVIEWS

    return {i.name: kw.pop(i.name) for i in REVIEWS[review].inputs}


def _profile(profile: str | None, mapping: Path | None) -> str | None:
    if profile and mapping:
        raise ConfigError("give --profile (a shipped profile) or --mapping (your file), not both.")
    return str(mapping) if mapping else profile


def _say_notes(exc: BaseException) -> None:
    for note in getattr(exc, "__notes__", ()):  # the suite's own notes (where a run was kept)
        _say(f"audit: {note}")


class _Group(click.Group):
    def invoke(self, ctx: click.Context):  # one message, right exit code, no traceback
        try:
            return super().invoke(ctx)
        except AuditError as exc:
            _say(f"audit: error: {exc}")
            _say_notes(exc)
            ctx.exit(exc.exit_code)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except OSError as exc:  # permission, read-only, disk full: the user's to fix
            if os.environ.get("AUDIT_DEBUG"):
                traceback.print_exc()
            if exc.filename is None:
                _say(f"audit: error: {exc.strerror or type(exc).__name__}.")
            else:
                _say(
                    f"audit: error: {exc.filename}: {exc.strerror}. Check that the folder "
                    "exists, that you may write there and that the disk has room."
                )
            _say_notes(exc)
            ctx.exit(EXIT_USAGE)
        except KeyboardInterrupt as exc:
            _say("audit: interrupted")
            _say_notes(exc)
            ctx.exit(130)
        except Exception as exc:  # a defect of ours: say so plainly, without the data
            if os.environ.get("AUDIT_DEBUG"):
                traceback.print_exc()
            from .errors import safe_error_text

            _say(
                f"audit: internal error: {safe_error_text(exc)}. "
                "Run again with AUDIT_DEBUG=1 for details and report it."
            )
            _say_notes(exc)
            ctx.exit(EXIT_INTERNAL)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="audit")
def main() -> None:
    """Audit and compliance reviews of healthcare revenue-cycle data."""


_period = click.option(
    "--period", help="Audit period YYYYQn (default: quarter of the latest service date)."
)
_as_of = click.option(
    "--as-of", "as_of", help="As-of date YYYY-MM-DD (default: last day of the period)."
)
_config = click.option("--config", type=click.Path(path_type=Path), help="TOML config file.")


_demo = click.option(
    "--demo",
    is_flag=True,
    help="Review the synthetic demo data (without it, the inputs must be given).",
)


def _review_options(*, prior: bool = True):
    """The options every review command shares (demo, period, as-of, config, output), and
    --prior where the review compares with the previous period."""
    options = [
        _demo,
        _period,
        _as_of,
        _config,
        click.option(
            "--out",
            required=True,
            type=click.Path(path_type=Path, file_okay=False),
            help="Output folder.",
        ),
    ]
    if prior:
        options.append(
            click.option(
                "--prior",
                type=click.Path(path_type=Path, file_okay=False),
                help="The previous period's run folder: classify findings new, recurring "
                "or resolved.",
            )
        )

    def apply(fn):
        for option in reversed(options):
            fn = option(fn)
        return fn

    return apply


def _input_options(review: str):
    """The review's input options, one per input of its registry declaration."""
    from .runs.registry import REVIEWS

    def apply(fn):
        for item in reversed(REVIEWS[review].inputs):
            fn = click.option(
                item.option,
                item.name,
                multiple=item.repeat,
                type=click.Path(path_type=str),  # as text: "" must not become "."
                help=item.help,
            )(fn)
        return fn

    return apply


def _profile_options(what: str, names: str):
    def apply(fn):
        fn = click.option(
            "--mapping",
            type=click.Path(path_type=Path, dir_okay=False),
            help=f"Read the {what} with your own mapping file (a profile TOML; see README).",
        )(fn)
        return click.option(
            "--profile", help=f"Read the {what} in a public or vendor layout: {names}."
        )(fn)

    return apply


@main.command()
@click.argument("files", nargs=-1, type=click.Path(path_type=str))
@_input_options("claims")
@_profile_options(
    "claims",
    "synpuf-carrier, synpuf-outpatient, synpuf-inpatient, rif-carrier, rif-dme, "
    "rif-outpatient, rif-inpatient, cclf-partb, cclf-parta (audit profiles lists them)",
)
@_review_options()
def claims(files: tuple[str, ...], profile, mapping, out: Path, demo: bool, **kw) -> None:
    """Run the claims review and write findings, summary, GX results, reports, workpaper and
    the manifest that seals them."""
    inputs = _inputs("claims", kw)
    inputs["claims"] = (*inputs["claims"], *files)
    _review("claims", out, inputs=inputs, demo=demo, profile=_profile(profile, mapping), **kw)


@main.command()
def profiles() -> None:
    """List the shipped input profiles (for --profile)."""
    from .profiles import list_profiles

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
    from .config import parse_period
    from .paths import reports_dir
    from .runs.registry import SEALED

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
    from .runs.tools import write_demo_data

    _say(write_demo_data(dataset, period=period, seed=seed, n_claims=n_claims, out=out))


@main.command()
@_input_options("refunds")
@click.option(
    "--filing-copy",
    "filing_copy",
    type=click.Path(path_type=Path, file_okay=False),
    help="Also write the CMS-838 filing copy (beneficiary names and MBIs; one workbook per "
    "provider number) into this folder, outside --out. The run records its hashes, not its "
    "content.",
)
@_review_options()
def refunds(out: Path, demo: bool, filing_copy: Path | None, **kw) -> None:
    """Run the overpayment and refund review: the 60-day clock, refund tests, the CMS-838
    credit balance report, KPIs, reports and the sealed manifest."""
    inputs = _inputs("refunds", kw)
    _review("refunds", out, inputs=inputs, demo=demo, filing_copy=filing_copy, **kw)


@main.command()
@_input_options("access")
@_profile_options("access log", "epic-access-log (audit profiles)")
@_review_options(prior=False)
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
    from .runs.tools import convert_x12

    _say(convert_x12(list(files), list(remits), out))


@main.command()
@click.argument("run_dir", type=click.Path(path_type=Path, file_okay=False))
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Zip to write (default: RUN_DIR.zip).",
)
@click.option(
    "--include-inputs",
    is_flag=True,
    help="Put the input files in the package (they hold protected data).",
)
@click.option(
    "--reveal",
    is_flag=True,
    help="Internal use: also write a token-to-patient map NEXT TO the package.",
)
def package(run_dir: Path, out: Path | None, include_inputs: bool, reveal: bool) -> None:
    """Build one evidence zip from a run folder: index.html, README, the run, a file listing."""
    from .evidence.manifest import sha256_file
    from .evidence.package import build_package

    target = build_package(run_dir, out=out, include_inputs=include_inputs, reveal=reveal)
    _say(f"wrote {target} (SHA-256 {sha256_file(target)}): record this hash in your workpapers")


_SIGNING_KEY = click.option(
    "--signing-key",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    envvar="AUDIT_SIGNING_KEY",
    help="The organisation's private key (from `audit keygen`; default $AUDIT_SIGNING_KEY). "
    "It signs the link; it is never written into the run.",
)


@main.command()
@click.argument("stem", type=click.Path(path_type=Path, dir_okay=False))
def keygen(stem: Path) -> None:
    """Make the organisation's Ed25519 signing key pair: STEM.key (private, 0600) and STEM.pub.

    Keep STEM.key away from the runs and packages; give STEM.pub (and its fingerprint) to
    whoever verifies them."""
    from .evidence.chain import generate_keypair

    private, public, fp = generate_keypair(stem)
    _say(f"wrote {private} (private: keep it safe) and {public} (public); fingerprint {fp}")


@main.command()
@click.argument("run_dir", type=click.Path(path_type=Path, file_okay=False, exists=True))
@_SIGNING_KEY
def sign(run_dir: Path, signing_key: Path | None) -> None:
    """Sign the manifest of a run sealed without a key (the first link of its evidence chain)."""
    from .evidence.chain import load_private_key, sign_manifest_link
    from .evidence.verify import verify as run_verify

    if signing_key is None:
        raise ConfigError("give --signing-key KEY (or set AUDIT_SIGNING_KEY).")
    key = load_private_key(signing_key)
    report = run_verify(run_dir)
    if not report.intact or report.manifest_sha256 is None:
        problems = "; ".join(report.failures)
        raise ConfigError(f"{run_dir} is not intact, so it cannot be signed: {problems}")
    links = sign_manifest_link(run_dir, report.manifest_sha256, key)
    _say(f"signed the manifest of {run_dir} with {links[0]['key_fingerprint']}")


@main.command()
@click.argument("target", type=click.Path(path_type=Path))
@click.option(
    "--key",
    "public_key",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="The organisation's public key (STEM.pub): check every signature of the chain.",
)
def verify(target: Path, public_key: Path | None) -> None:
    """Re-hash a run folder or evidence zip; exit 0 only when it is intact.

    Without --key a run can only be hash-consistent; with it, every link of the evidence chain
    (manifest, sign-offs, revisions) must carry a valid signature by that key."""
    from .evidence.chain import load_public_key
    from .evidence.verify import verify as run_verify

    report = run_verify(target, public_key=load_public_key(public_key) if public_key else None)
    for line in report.lines:
        if not line.startswith("ok") or os.environ.get("AUDIT_VERBOSE"):
            click.echo(line)
    status = {
        "verified": "intact, and signed: every signature verified",
        "unchecked": "intact (hash-consistent; its signatures not checked: give --key)",
        "unsigned": "intact (hash-consistent but unsigned)",
    }
    click.echo(f"{target}: " + (status[report.signature] if report.intact else "NOT INTACT"))
    sys.exit(0 if report.intact else 1)


@main.command()
@click.argument("target", type=click.Path(path_type=Path))
@click.option(
    "--inputs",
    "inputs_dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="Folder holding the input files named in the manifest.",
)
def reperform(target: Path, inputs_dir: Path | None) -> None:
    """Run the recorded review again and compare the findings byte for byte."""
    from .runs.reperform import reperform as run_reperform

    report = run_reperform(target, inputs_dir=inputs_dir)
    for line in report.lines:
        click.echo(line)
    click.echo("re-performed: " + ("identical findings" if report.identical else "NOT identical"))
    sys.exit(0 if report.identical else 1)


@main.command()
@click.argument("run_dir", type=click.Path(path_type=Path, file_okay=False))
@click.option("--role", required=True, type=click.Choice(["preparer", "reviewer"]))
@click.option("--name", required=True)
@click.option("--note", default="")
@_SIGNING_KEY
def signoff(run_dir: Path, role: str, name: str, note: str, signing_key: Path | None) -> None:
    """Record who prepared or reviewed a run, bound to its manifest hash and, with a signing
    key, signed as a link of the run's evidence chain."""
    from .evidence.chain import load_private_key
    from .evidence.signoff import record_signoff

    key = load_private_key(signing_key) if signing_key else None
    entry = record_signoff(run_dir, role=role, name=name, note=note, signing_key=key)
    _say(
        f"{role} sign-off by {entry['name']} recorded at {entry['signed_at']} "
        f"(bound to manifest {entry['manifest_sha256'][:16]}...)"
    )


@main.command("scan-phi")
@click.argument("target", type=click.Path(path_type=Path, exists=True))
@click.option(
    "--inputs",
    "inputs",
    multiple=True,
    required=True,
    type=click.Path(path_type=Path, exists=True),
    help="Input file or folder whose protected values to look for (repeatable): tables, "
    "X12 837/835 files, FHIR AuditEvent and Patient resources.",
)
def scan_phi(target: Path, inputs: tuple[Path, ...]) -> None:
    """Scan a folder or zip for raw protected values of the inputs; exit 1 if any is found."""
    from .evidence.scan import scan

    skipped: list[str] = []
    coincidences: list = []
    hits = scan(target, list(inputs), skipped, coincidences)
    for h in coincidences:
        click.echo(
            f"DATE {h.kind} ({h.token}) in {h.file}: an unlabelled date equal to one of the "
            "inputs' (a computed deadline can fall on it); look at it, it is not counted"
        )
    for line in skipped:
        click.echo(f"not read (no review reads it either): {line}")
    for h in hits:
        click.echo(f"RAW {h.kind} ({h.token}) in {h.file}")
    click.echo(
        f"{target}: "
        + (f"{len(hits)} raw protected value(s) found" if hits else "no raw protected value found")
    )
    sys.exit(1 if hits else 0)


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
    from .runs.preflight import check_table
    from .runs.sample import draw_sample

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
    _say(
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
    from .runs.preflight import check_table
    from .runs.tools import appraise_results

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
        _say(
            f"projected overstatement {e['projected_misstatement']:,.2f}; 95% upper "
            f"misstatement limit {e['upper_misstatement_limit']:,.2f} (Stringer), net of "
            f"understatements {e['net_overstatement_limit']:,.2f} -> {out}"
        )
        return
    figures = "; ".join(
        f"{purpose.replace('_', ' ')} {v['amount']:,.2f} ({v['basis']})"
        for purpose, v in doc["repayment"].items()
    )
    _say(f"point estimate {doc['point_estimate']:,.2f}; to repay, by purpose: {figures} -> {out}")


@main.group()
def suites() -> None:
    """Build or check the Great Expectations suites in expectations/."""


def _suites():
    from .access.checks import ACCESS_SUITE
    from .gx.claims_suite import CLAIMS_SUITE
    from .refunds.suite import REFUNDS_SUITE

    return [CLAIMS_SUITE, REFUNDS_SUITE, ACCESS_SUITE]


@suites.command("build")
def suites_build() -> None:
    """Regenerate expectations/*.json from the code."""
    from .gx.engine import write_suite

    for spec in _suites():
        _say(f"wrote {write_suite(spec)}")


@suites.command("check")
def suites_check() -> None:
    """Fail (exit 1) when expectations/*.json differs from the code."""
    from .gx.engine import check_suite

    for spec in _suites():
        check_suite(spec)
    _say("expectations are up to date")


if __name__ == "__main__":  # pragma: no cover
    main()
