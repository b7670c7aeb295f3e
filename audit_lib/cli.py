"""The ``audit`` command.

Exit codes: 0 done (findings are results, not failures); 2 bad input or usage; 1 internal
error. Every error is one clear message on stderr, never a traceback (set ``AUDIT_DEBUG=1`` to
see one).
"""

from __future__ import annotations

import json
import os
import sys
import time
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


def _check_input(path: Path) -> None:
    from .errors import InputError

    if not path.is_file():
        raise InputError(f"{path} does not exist. Check the path given.", path=path)
    if path.suffix.lower() not in (".csv", ".parquet", ".xlsx", ".xlsm"):
        raise InputError(
            f"{path.name}: unsupported file type {path.suffix or '(none)'}. "
            "Use .csv, .parquet or .xlsx.",
            path=path,
        )


def _run_review(
    *,
    review: str,
    notebook: str,
    counts_key: str,
    unit: str,
    out: Path,
    notebook_params: dict,
    inputs: dict[str, Path | None],
    main_input: str,
    extra_parameters: dict,
) -> dict:
    """Execute a review notebook into a staged folder, render the HTML report, seal the run
    with its manifest, then move it into place (an unfinished run never is)."""
    from .evidence.chain import signing_key_from_env
    from .evidence.manifest import (
        check_out_dir,
        describe_input,
        staged_run,
        utc_now,
        write_manifest,
    )
    from .notebooks import render_html, run_notebook

    check_out_dir(out, review, [p for p in inputs.values() if p is not None])
    signing_key_from_env()  # a bad AUDIT_SIGNING_KEY stops the run before it starts
    started_clock = time.monotonic()
    started = utc_now()
    with staged_run(out) as stage:
        _progress(f"executing notebooks/{notebook}.ipynb with Papermill")
        nb = run_notebook(
            notebook,
            {**notebook_params, "out_dir": str(stage)},
            stage,
            progress=sys.stderr.isatty(),
            shown_as=out,
        )
        _progress(f"rendering {notebook}.html")
        render_html(nb, stage / f"{notebook}.html")
        summary = json.loads((stage / "summary.json").read_text("utf-8"))
        c = summary["counts"][counts_key]
        described = [
            describe_input(
                inputs.get(main_input),
                name=main_input,
                rows=c["rows_read"],
                source=summary["source"],
            )
        ]
        for name, path in inputs.items():
            if name != main_input and path is not None:
                rows = len(path.read_bytes().splitlines()) - 1 if path.suffix == ".csv" else None
                described.append(describe_input(path, name=name, rows=rows, source=""))
        _progress("hashing inputs and outputs into manifest.json")
        write_manifest(
            stage,
            review=review,
            summary=summary,
            inputs=described,
            parameters={
                "config": summary["parameters"],
                **{f"{n}_file": p.name if p else None for n, p in inputs.items()},
                **extra_parameters,
            },
            started=started,
            finished=utc_now(),
        )
    f = summary["findings"]
    _say(
        f"{review} {summary['period']['period']}: {c['rows_read']:,} {unit} read, "
        f"{c['rows_checked']:,} checked, {c['rows_rejected']:,} with unparseable values; "
        f"{f['total']:,} findings ({f['by_severity']['error']:,} errors, "
        f"{f['by_severity']['warning']:,} warnings) in {time.monotonic() - started_clock:.0f}s "
        f"-> {out}"
    )
    return summary


def _preflight(
    config: Path | None,
    period: str | None,
    as_of: str | None,
    inputs: tuple[Path | None, ...],
    prior: Path | None,
) -> None:
    """Bad parameters and missing files fail here, before Jupyter starts."""
    from .config import load_config

    load_config(config, period=period, as_of=as_of)
    for path in inputs:
        if path is not None:
            _check_input(path)
    if prior is not None and not (prior / "findings.csv").is_file():
        raise ConfigError(f"--prior {prior} is not a previous run folder (no findings.csv).")


def _abs(path: Path | None) -> str | None:
    return str(path.resolve()) if path else None


def _run_claims(
    claims: Path | tuple[Path, ...] | None,
    period: str | None,
    as_of: str | None,
    config: Path | None,
    out: Path,
    *,
    control_totals: Path | None = None,
    prior: Path | None = None,
    remits: tuple[Path, ...] = (),
    profile: str | None = None,
) -> dict:
    from .paths import expand_files
    from .x12.importer import x12_source

    if control_totals is not None and not claims:
        raise ConfigError(
            "--control-totals was given without --claims: give the claims they reconcile."
        )
    if remits and not claims:
        raise ConfigError(
            "--remits was given without --claims: give the claims the remittances answer "
            "(837 files or the claims table) with --claims."
        )
    claim_files = expand_files(claims) if claims else []
    remit_files = expand_files(remits)
    if profile:
        from .profiles import load_profile

        load_profile(profile, "claims")  # a bad name or mapping fails before Jupyter starts
        if not claim_files:
            raise ConfigError("--profile/--mapping reads the claims files given: give them.")
        for path in claim_files:
            if not path.is_file():
                raise ConfigError(f"{path} does not exist. Check the --claims path.")
    x12_claims = bool(claims) and not profile and x12_source(list(claims))
    if remits:
        x12_source(list(remits), "--remits")
    if len(claim_files) > 1 and not x12_claims and not profile:
        raise ConfigError("several --claims files are read only when they are X12 837 files.")
    checked = () if x12_claims or profile else tuple(claim_files)
    _preflight(config, period, as_of, (*checked, control_totals), prior)
    inputs: dict[str, Path | None] = {"claims": claim_files[0] if claim_files else None}
    inputs.update({f"claims_{i + 2}": p for i, p in enumerate(claim_files[1:])})
    inputs.update({f"remits_{i + 1}": p for i, p in enumerate(remit_files)})
    inputs["control_totals"] = control_totals
    if profile and Path(profile).suffix.lower() == ".toml":
        inputs["mapping"] = Path(profile)
    return _run_review(
        review="claims",
        notebook="claims_review",
        counts_key="claims",
        unit="lines",
        out=out,
        notebook_params={
            "claims_path": (
                _abs(claim_files[0]) if len(claim_files) == 1 else [_abs(p) for p in claim_files]
            )
            if claim_files
            else None,
            "remits_path": [_abs(p) for p in remit_files] or None,
            "profile": (_abs(Path(profile)) if Path(profile).suffix.lower() == ".toml" else profile)
            if profile
            else None,
            "period": period,
            "as_of": as_of,
            "config_path": _abs(config),
            "control_totals_path": _abs(control_totals),
            "prior_dir": _abs(prior),
        },
        inputs=inputs,
        main_input="claims",
        extra_parameters={"prior_dir": str(prior) if prior else None},
    )


def _run_refunds(
    overpayments: Path | None,
    claims: Path | None,
    prior_838: Path | None,
    period: str | None,
    as_of: str | None,
    config: Path | None,
    out: Path,
    *,
    control_totals: Path | None = None,
    prior: Path | None = None,
    cms838_certification: Path | None = None,
    filing_copy: Path | None = None,
    remits: tuple[Path, ...] = (),
) -> dict:
    from .paths import expand_files

    if remits and claims is None:
        raise ConfigError(
            "--remits was given without --claims: give the claims the remittances answer."
        )
    remit_files = expand_files(remits) if remits else []
    if filing_copy is not None:
        from .refunds.pipeline import check_filing_folder

        check_filing_folder(filing_copy, out)
    if overpayments is None and any(
        p is not None for p in (claims, prior_838, control_totals, cms838_certification)
    ):
        raise ConfigError(
            "--claims/--prior-838/--control-totals/--cms838-certification were given without "
            "--overpayments: give the overpayment log they are checked against."
        )
    _preflight(
        config,
        period,
        as_of,
        (overpayments, claims, prior_838, control_totals, cms838_certification),
        prior,
    )
    return _run_review(
        review="refunds",
        notebook="refunds_review",
        counts_key="overpayments",
        unit="overpayments",
        out=out,
        notebook_params={
            "overpayments_path": _abs(overpayments),
            "claims_path": _abs(claims),
            "prior_838_path": _abs(prior_838),
            "cms838_certification_path": _abs(cms838_certification),
            "filing_copy_dir": _abs(filing_copy),
            "remits_path": [_abs(p) for p in remit_files] or None,
            "period": period,
            "as_of": as_of,
            "config_path": _abs(config),
            "control_totals_path": _abs(control_totals),
            "prior_dir": _abs(prior),
        },
        inputs={
            "overpayments": overpayments,
            "claims": claims,
            "prior_838": prior_838,
            "control_totals": control_totals,
            "cms838_certification": cms838_certification,
            **{f"remits_{i + 1}": p for i, p in enumerate(remit_files)},
        },
        main_input="overpayments",
        extra_parameters={"prior_dir": str(prior) if prior else None},
    )


def _run_access(
    access_log: tuple[Path, ...],
    workforce: Path | None,
    patients: Path | None,
    encounters: Path | None,
    period: str | None,
    as_of: str | None,
    config: Path | None,
    out: Path,
    profile: str | None = None,
) -> dict:
    if profile:
        from .profiles import load_profile

        load_profile(profile, "access_log")
        if not access_log:
            raise ConfigError("--profile/--mapping reads the --access-log files: give them.")
    if not access_log and any(p is not None for p in (workforce, patients, encounters)):
        raise ConfigError(
            "--workforce/--patients/--encounters were given without --access-log: give the "
            "access log they are checked against."
        )
    if access_log and (workforce is None or patients is None):
        raise ConfigError(
            "--access-log needs --workforce and --patients (and, for LOG-R-07, --encounters)."
        )
    from .access.load import check_columns

    for path in access_log:
        if profile:
            if not path.is_file():
                raise ConfigError(f"{path} does not exist. Check the --access-log path.")
        elif path.suffix.lower() not in (".json", ".ndjson", ".xml"):
            _check_input(path)
            check_columns(path)
        elif not path.is_file():
            raise ConfigError(f"{path} does not exist. Check the --access-log path.")
    _preflight(config, period, as_of, (workforce, patients, encounters), None)
    logs = [_abs(p) for p in access_log]
    inputs: dict[str, Path | None] = {"access_log": access_log[0] if access_log else None}
    inputs.update({f"access_log_{i + 2}": p for i, p in enumerate(access_log[1:])})
    inputs.update({"workforce": workforce, "patients": patients, "encounters": encounters})
    if profile and Path(profile).suffix.lower() == ".toml":
        inputs["mapping"] = Path(profile)
    return _run_review(
        review="access",
        notebook="access_review",
        counts_key="access_log",
        unit="events",
        out=out,
        notebook_params={
            "access_log_path": logs[0] if len(logs) == 1 else (logs or None),
            "profile": (_abs(Path(profile)) if Path(profile).suffix.lower() == ".toml" else profile)
            if profile
            else None,
            "workforce_path": _abs(workforce),
            "patients_path": _abs(patients),
            "encounters_path": _abs(encounters),
            "period": period,
            "as_of": as_of,
            "config_path": _abs(config),
        },
        inputs=inputs,
        main_input="access_log",
        extra_parameters={},
    )


def _demo_or_inputs(demo: bool, given: bool, option: str, *, dependent: bool = False) -> None:
    """Demo data only when asked for: a review without its inputs is a usage error.
    `dependent`: options that need the input were given, and the run says which."""
    if demo and (given or dependent):
        raise ConfigError(
            f"--demo reviews the synthetic demo data; it cannot be given with {option} "
            "or the files checked against it."
        )
    if not demo and not given and not dependent:
        raise ConfigError(
            f"no input: give {option} (the file to review), or --demo for the synthetic demo data."
        )


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


def _review_options(fn):
    """The options every review command shares (period, as-of, config, output, evidence)."""
    for option in reversed(
        [
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
            click.option(
                "--control-totals",
                type=click.Path(path_type=Path, dir_okay=False),
                help="CSV of control totals (input, measure, expected) to reconcile the "
                "population against (EVD-POP-01).",
            ),
            click.option(
                "--prior",
                type=click.Path(path_type=Path, file_okay=False),
                help="The previous period's run folder: classify findings new, recurring "
                "or resolved.",
            ),
        ]
    ):
        fn = option(fn)
    return fn


@main.command()
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--claims",
    multiple=True,
    type=click.Path(path_type=str),  # as text: "" must not become "." (the current folder)
    help="Claims file (.csv, .parquet, .xlsx), or X12 837 files or a folder of them "
    "(repeatable; files may also be given as arguments). Omit to use the demo quarter.",
)
@click.option(
    "--profile",
    help="Read the claims in a public or vendor layout: synpuf-carrier, synpuf-outpatient, "
    "synpuf-inpatient, rif-carrier, rif-dme, rif-outpatient, rif-inpatient, cclf-partb, "
    "cclf-parta (audit profiles lists them).",
)
@click.option(
    "--mapping",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Read the claims with your own mapping file (a profile TOML; see README).",
)
@click.option(
    "--remits",
    multiple=True,
    type=click.Path(path_type=str),
    help="X12 835 remittance files or a folder of them (repeatable): they fill allowed, paid, "
    "adjustments and status, and are checked for balancing (CLM-AMT-03/04).",
)
@_review_options
def claims(
    files: tuple[Path, ...],
    claims: tuple[Path, ...],
    profile: str | None,
    mapping: Path | None,
    remits: tuple[Path, ...],
    period: str | None,
    as_of: str | None,
    config: Path | None,
    out: Path,
    control_totals: Path | None,
    prior: Path | None,
    demo: bool,
) -> None:
    """Run the claims review and write findings, summary, GX results, reports, workpaper and
    the manifest that seals them."""
    if any(not c.strip() for c in (*claims, *remits)):
        raise ConfigError("--claims or --remits is empty: give the files or a folder.")
    claims = (*map(Path, claims), *files)
    remits = tuple(map(Path, remits))
    if profile and mapping:
        raise ConfigError("give --profile (a shipped profile) or --mapping (your file), not both.")
    _demo_or_inputs(
        demo, bool(claims), "--claims", dependent=bool(remits or control_totals or profile)
    )
    if not claims and period is None:
        period = "2026Q3"
    _run_claims(
        claims or None,
        period,
        as_of,
        config,
        out,
        control_totals=control_totals,
        prior=prior,
        remits=remits,
        profile=str(mapping) if mapping else profile,
    )


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

    parse_period(period)
    base = out or (reports_dir() / period.upper())
    _run_claims(None, period.upper(), None, None, base / "claims", prior=prior)
    _run_refunds(None, None, None, period.upper(), None, None, base / "refunds")
    _run_access((), None, None, None, period.upper(), None, None, base / "access")


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
    from .config import parse_period

    parse_period(period)
    if dataset == "x12":
        from .claims.demo import generate_demo_claims
        from .x12.writer import write_demo_x12

        demo = generate_demo_claims(period=period.upper(), seed=seed, n_claims=n_claims)
        paths = write_demo_x12(demo.claims, out)
        demo.truth.to_csv(Path(out) / "truth.csv", index=False, lineterminator="\n")
        _say(f"wrote {', '.join(Path(p).name for p in paths.values())} and truth.csv to {out}")
        return
    if dataset == "access":
        from .access.demo import generate_demo_access, write_demo_access

        demo = generate_demo_access(period=period.upper(), seed=seed)
        write_demo_access(demo, out)
        _say(
            f"wrote {len(demo.access_log):,} synthetic access events, the workforce, patients "
            f"and encounters, and the planted snooping (truth.csv) to {out}"
        )
        return
    from .claims.demo import generate_demo_claims

    if n_claims <= 0:
        raise ConfigError(f"--claims must be positive, got {n_claims}.")
    demo = generate_demo_claims(period=period.upper(), seed=seed, n_claims=n_claims)
    out.parent.mkdir(parents=True, exist_ok=True)
    demo.claims.to_csv(out, index=False, lineterminator="\n")
    truth = out.with_name(out.stem + ".truth.csv")
    demo.truth.to_csv(truth, index=False, lineterminator="\n")
    _say(
        f"wrote {len(demo.claims):,} synthetic claim lines to {out} "
        f"and the planted defects to {truth}"
    )


@main.command()
@click.option(
    "--overpayments",
    type=click.Path(path_type=Path),
    help="Overpayment log (.csv, .parquet, .xlsx). Omit to use the demo log.",
)
@click.option(
    "--claims",
    type=click.Path(path_type=Path),
    help="Claims file, to check that refunds link to existing claims.",
)
@click.option(
    "--prior-838",
    "prior_838",
    type=click.Path(path_type=Path),
    help="The previous quarter's CMS-838 working copies: its run's cms838 folder, one of its "
    "workbooks, or a CSV of claim_icn (REF-CB-05).",
)
@click.option(
    "--cms838-certification",
    "cms838_certification",
    type=click.Path(path_type=Path),
    help="The CMS-838 certification pages as filed: provider_ptan, quarter, submitted_date, "
    "certified_by, signer_title, signed_date (REF-CB-03, REF-CB-06).",
)
@click.option(
    "--filing-copy",
    "filing_copy",
    type=click.Path(path_type=Path, file_okay=False),
    help="Also write the CMS-838 filing copy (beneficiary names and MBIs; one workbook per "
    "provider number) into this folder, outside --out. The run records its hashes, not its "
    "content.",
)
@click.option(
    "--remits",
    multiple=True,
    type=click.Path(path_type=Path),
    help="X12 835 files (or a folder) answering --claims: their CLP07 fills the CMS-838 ICN "
    "(column 3) where the log has none. Repeatable.",
)
@_review_options
def refunds(
    overpayments: Path | None,
    claims: Path | None,
    prior_838: Path | None,
    cms838_certification: Path | None,
    filing_copy: Path | None,
    remits: tuple[Path, ...],
    period: str | None,
    as_of: str | None,
    config: Path | None,
    out: Path,
    control_totals: Path | None,
    prior: Path | None,
    demo: bool,
) -> None:
    """Run the overpayment and refund review: the 60-day clock, refund tests, the CMS-838
    credit balance report, KPIs, reports and the sealed manifest."""
    _demo_or_inputs(
        demo,
        overpayments is not None,
        "--overpayments",
        dependent=any(
            p is not None for p in (claims, prior_838, control_totals, cms838_certification)
        ),
    )
    if overpayments is None and period is None:
        period = "2026Q3"
    _run_refunds(
        overpayments,
        claims,
        prior_838,
        period,
        as_of,
        config,
        out,
        control_totals=control_totals,
        prior=prior,
        cms838_certification=cms838_certification,
        filing_copy=filing_copy,
        remits=remits,
    )


@main.command()
@click.option(
    "--access-log",
    "access_log",
    multiple=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="Access log (.csv, .parquet, .xlsx) or FHIR AuditEvent file(s) (.json, .ndjson, "
    ".xml; repeatable). Omit to use the demo quarter.",
)
@click.option("--workforce", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--patients", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--encounters",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Treatment relationships (without it every access lacks one: LOG-R-07).",
)
@click.option(
    "--profile", help="Read the access log in a vendor layout: epic-access-log (audit profiles)."
)
@click.option(
    "--mapping",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Read the access log with your own mapping file (a profile TOML; see README).",
)
@_demo
@_period
@_as_of
@_config
@click.option(
    "--out", required=True, type=click.Path(path_type=Path, file_okay=False), help="Output folder."
)
def access(
    access_log: tuple[Path, ...],
    workforce: Path | None,
    patients: Path | None,
    encounters: Path | None,
    profile: str | None,
    mapping: Path | None,
    demo: bool,
    period: str | None,
    as_of: str | None,
    config: Path | None,
    out: Path,
) -> None:
    """Run the HIPAA access-log review: integrity checks, snooping rules, explained cases,
    the report, the workpaper with its review sheet, and the sealed manifest."""
    if profile and mapping:
        raise ConfigError("give --profile (a shipped profile) or --mapping (your file), not both.")
    _demo_or_inputs(
        demo,
        bool(access_log),
        "--access-log",
        dependent=bool(profile or mapping)
        or any(p is not None for p in (workforce, patients, encounters)),
    )
    if not access_log and period is None:
        period = "2026Q3"
    _run_access(
        access_log, workforce, patients, encounters, period, as_of, config, out,
        profile=str(mapping) if mapping else profile,
    )  # fmt: skip


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
    from .paths import expand_files
    from .x12 import importer

    claim_files = expand_files(files)
    if not importer.x12_source(claim_files):
        raise ConfigError("audit convert x12 takes X12 837 files (or a folder of them).")
    frame, info = importer.read_837(claim_files)
    matched = 0
    if remits:
        remittances, _found, _info = importer.read_835(expand_files(remits))
        frame, applied = importer.apply_remits(frame, remittances)
        matched = applied["lines_matched"]
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix.lower() == ".csv":
        frame.to_csv(out, index=False, lineterminator="\n")
    elif out.suffix.lower() == ".parquet":
        frame.to_parquet(out, index=False)
    else:
        raise ConfigError(f"--out {out.name}: write a .parquet or .csv file.")
    _say(
        f"wrote {info['lines']:,} claim lines of {info['claims']:,} claims from "
        f"{len(info['files'])} file(s) to {out}"
        + (f"; {matched:,} lines matched to 835 remittances" if remits else "")
        + (f"; {len(info['warnings'])} envelope warning(s)" if info["warnings"] else "")
    )


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
    from .evidence.reperform import reperform as run_reperform

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
    from .evidence.manifest import sha256_file
    from .sampling import load_frame, parse_strata, select_sample, write_sample

    _check_input(population)
    frame = load_frame(population, unit=unit)
    bounds, method = parse_strata(strata, frame["amount"])
    chosen, plan = select_sample(
        frame,
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
        "population_file": population.name,
        "population_sha256": sha256_file(population),
        "strata_method": method if design == "stratified" else "",
        **plan,
    }
    write_sample(out, chosen, plan)
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
    import pandas as pd

    from .appraisal import appraise as appraise_sample
    from .reporting.sampling_workpaper import write_sampling_workpaper
    from .sampling import read_results

    _check_input(results)
    r = read_results(results)
    plan_path = plan_file or results.with_name("sampling_plan.json")
    plan = json.loads(plan_path.read_text("utf-8")) if plan_path.is_file() else None
    sided = "one" if one_sided else "two"
    universe = None
    if strata_file is not None:
        u = pd.read_csv(strata_file, dtype={"stratum": str})
        universe = dict(zip(u["stratum"], u["universe_size"], strict=True))
    doc = appraise_sample(r, plan, universe_size=universe_size, universe=universe, sided=sided)
    out.mkdir(parents=True, exist_ok=True)
    (out / "appraisal.json").write_text(json.dumps(doc, indent=2) + "\n", "utf-8")
    write_sampling_workpaper(
        out / "sampling_workpaper.xlsx", plan=plan, selections=r, appraisal=doc
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
