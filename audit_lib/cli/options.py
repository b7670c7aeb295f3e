"""The options the commands share, the reviews' inputs taken from the review registry."""

from __future__ import annotations

from pathlib import Path

import click

PERIOD = click.option(
    "--period", help="Audit period YYYYQn (default: quarter of the latest service date)."
)
AS_OF = click.option(
    "--as-of", "as_of", help="As-of date YYYY-MM-DD (default: last day of the period)."
)
CONFIG = click.option("--config", type=click.Path(path_type=Path), help="TOML config file.")


DEMO = click.option(
    "--demo",
    is_flag=True,
    help="Review the synthetic demo data (without it, the inputs must be given).",
)


def review_options(*, prior: bool = True):
    """The options every review command shares (demo, period, as-of, config, output), and
    --prior where the review compares with the previous period."""
    options = [
        DEMO,
        PERIOD,
        AS_OF,
        CONFIG,
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


def input_options(review: str):
    """The review's input options, one per input of its registry declaration."""
    from ..runs.registry import REVIEWS

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


def profile_options(what: str, names: str):
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


SIGNING_KEY = click.option(
    "--signing-key",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    envvar="AUDIT_SIGNING_KEY",
    help="The organisation's private key (from `audit keygen`; default $AUDIT_SIGNING_KEY). "
    "It signs the link; it is never written into the run.",
)
