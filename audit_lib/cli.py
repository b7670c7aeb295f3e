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
        raise InputError(f"{path} does not exist. Check the --claims path.", path=path)
    if path.suffix.lower() not in (".csv", ".parquet", ".xlsx", ".xlsm"):
        raise InputError(
            f"{path.name}: unsupported file type {path.suffix or '(none)'}. "
            "Use .csv, .parquet or .xlsx.",
            path=path,
        )


def _run_claims(
    claims: Path | None, period: str | None, as_of: str | None, config: Path | None, out: Path
) -> dict:
    """Validate the parameters here, execute the notebook, render the HTML report."""
    from .config import load_config
    from .notebooks import render_html, run_notebook

    load_config(config, period=period, as_of=as_of)  # bad parameters fail before Jupyter starts
    if claims is not None:
        _check_input(claims)
    out.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    _progress("executing notebooks/claims_review.ipynb with Papermill")
    nb = run_notebook(
        "claims_review",
        {
            "claims_path": str(claims.resolve()) if claims else None,
            "period": period,
            "as_of": as_of,
            "out_dir": str(out.resolve()),
            "config_path": str(config.resolve()) if config else None,
        },
        out,
        progress=sys.stderr.isatty(),
    )
    _progress("rendering claims_review.html")
    render_html(nb, out / "claims_review.html")
    summary = json.loads((out / "summary.json").read_text("utf-8"))
    c = summary["counts"]["claims"]
    f = summary["findings"]
    _say(
        f"claims {summary['period']['period']}: {c['rows_read']:,} lines read, "
        f"{c['rows_checked']:,} checked, {c['rows_rejected']:,} with unparseable values; "
        f"{f['total']:,} findings ({f['by_severity']['error']:,} errors, "
        f"{f['by_severity']['warning']:,} warnings) in {time.monotonic() - started:.0f}s -> {out}"
    )
    return summary


class _Group(click.Group):
    def invoke(self, ctx: click.Context):  # one message, right exit code, no traceback
        try:
            return super().invoke(ctx)
        except AuditError as exc:
            _say(f"audit: error: {exc}")
            ctx.exit(exc.exit_code)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except KeyboardInterrupt:
            _say("audit: interrupted")
            ctx.exit(130)
        except Exception as exc:  # a defect of ours: say so plainly
            if os.environ.get("AUDIT_DEBUG"):
                traceback.print_exc()
            _say(
                f"audit: internal error: {type(exc).__name__}: {exc}. "
                "Run again with AUDIT_DEBUG=1 for details and report it."
            )
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


@main.command()
@click.option(
    "--claims",
    type=click.Path(path_type=Path),
    help="Claims file (.csv, .parquet, .xlsx). Omit to use the demo quarter.",
)
@_period
@_as_of
@_config
@click.option(
    "--out", required=True, type=click.Path(path_type=Path, file_okay=False), help="Output folder."
)
def claims(
    claims: Path | None, period: str | None, as_of: str | None, config: Path | None, out: Path
) -> None:
    """Run the claims review and write findings, summary, GX results, reports and workpaper."""
    if claims is None and period is None:
        period = "2026Q3"
    _run_claims(claims, period, as_of, config, out)


@main.command()
@click.option("--period", default="2026Q3", show_default=True, help="Demo period YYYYQn.")
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    help="Output folder (default: reports/<period>/).",
)
def run(period: str, out: Path | None) -> None:
    """Run every review on the bundled demo data into reports/<period>/."""
    from .config import parse_period
    from .paths import reports_dir

    parse_period(period)
    base = out or (reports_dir() / period.upper())
    _run_claims(None, period.upper(), None, None, base / "claims")


@main.command("demo-data")
@click.option("--period", default="2026Q3", show_default=True)
@click.option("--seed", default=20260930, show_default=True, type=int)
@click.option("--claims", "n_claims", default=4000, show_default=True, type=int)
@click.option(
    "--out",
    required=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="CSV file to write.",
)
def demo_data(period: str, seed: int, n_claims: int, out: Path) -> None:
    """Write the synthetic demo claims (and the truth of planted defects) as CSV."""
    from .claims.demo import generate_demo_claims
    from .config import parse_period

    parse_period(period)
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


@main.group()
def suites() -> None:
    """Build or check the Great Expectations suites in expectations/."""


@suites.command("build")
def suites_build() -> None:
    """Regenerate expectations/*.json from the code."""
    from .gx.claims_suite import write_claims_suite

    _say(f"wrote {write_claims_suite()}")


@suites.command("check")
def suites_check() -> None:
    """Fail (exit 1) when expectations/*.json differs from the code."""
    from .gx.claims_suite import check_claims_suite

    check_claims_suite()
    _say("expectations are up to date")


if __name__ == "__main__":  # pragma: no cover
    main()
