"""Checks made before Jupyter starts: bad parameters, missing files and inputs given without
what they are checked against fail here, with the option to fix."""

from __future__ import annotations

from pathlib import Path

from ..errors import ConfigError, InputError
from .registry import Review

TABLE_SUFFIXES = (".csv", ".parquet", ".xlsx", ".xlsm")
FHIR_SUFFIXES = (".json", ".ndjson", ".xml")


def check_table(path: Path) -> None:
    """A table input exists and is a CSV, Parquet or Excel file."""
    if not path.is_file():
        raise InputError(f"{path} does not exist. Check the path given.", path=path)
    if path.suffix.lower() not in TABLE_SUFFIXES:
        raise InputError(
            f"{path.name}: unsupported file type {path.suffix or '(none)'}. "
            "Use .csv, .parquet or .xlsx.",
            path=path,
        )


def check_given(
    spec: Review, given: dict[str, list[Path]], *, demo: bool, profile: str | None = None
) -> None:
    """Demo data only when asked for; every input that needs another has it."""
    main = spec.main
    dependent = [i for i in spec.inputs[1:] if given.get(i.name) and main.name in i.needs]
    if demo and (given.get(main.name) or dependent or profile):
        raise ConfigError(
            f"--demo reviews the synthetic demo data; it cannot be given with {main.option} "
            "or the files checked against it."
        )
    for item in spec.inputs[1:]:
        missing = [n for n in item.needs if n != main.name and not given.get(n)]
        if given.get(item.name) and missing:
            needed = spec.input(missing[0])
            raise ConfigError(
                f"{item.option} was given without {needed.option}: give the {needed.name} "
                f"the {item.name.replace('_', ' ')} answer with {needed.option}."
            )
    if not demo and not given.get(main.name):
        if profile:
            raise ConfigError(
                f"--profile/--mapping reads the {main.option} files given: give them."
            )
        if dependent:
            names = "/".join(i.option for i in dependent)
            raise ConfigError(
                f"{names} {'was' if len(dependent) == 1 else 'were'} given without "
                f"{main.option}: give the {main.name.replace('_', ' ')} they are checked against."
            )
        raise ConfigError(
            f"no input: give {main.option} (the file to review), or --demo for the synthetic "
            "demo data."
        )
    if given.get(main.name):
        absent = [spec.input(n).option for n in spec.requires if not given.get(n)]
        if absent:
            raise ConfigError(f"{main.option} needs {' and '.join(absent)}{spec.requires_note}.")


def check_files(spec: Review, given: dict[str, list[Path]], profile: str | None) -> None:
    """Each file exists; table inputs are tables. A profile reads the main input."""
    if profile:  # (check_given has made sure the files it reads were given)
        from ..profiles import load_profile

        load_profile(profile, spec.main.name)  # a bad name or mapping fails here
    for item in spec.inputs:
        for path in given.get(item.name, []):
            if item.table and not (profile and item is spec.main):
                check_table(path)
            elif not path.exists():
                raise ConfigError(f"{path} does not exist. Check the {item.option} path.")
    if spec.name == "claims":
        _check_claims(given, profile)
    elif spec.name == "access" and not profile:
        from ..access.load import check_columns

        for path in given.get("access_log", []):
            if path.suffix.lower() not in FHIR_SUFFIXES:
                check_table(path)
                check_columns(path)


def _check_claims(given: dict[str, list[Path]], profile: str | None) -> None:
    from ..x12.importer import x12_source

    claims, remits = given.get("claims", []), given.get("remits", [])
    x12 = bool(claims) and not profile and x12_source(claims)
    if remits:
        x12_source(remits, "--remits")
    if len(claims) > 1 and not x12 and not profile:
        raise ConfigError("several --claims files are read only when they are X12 837 files.")
    if claims and not x12 and not profile:
        check_table(claims[0])


def check_prior(prior: Path | None) -> None:
    if prior is not None and not (Path(prior) / "findings.csv").is_file():
        raise ConfigError(f"--prior {prior} is not a previous run folder (no findings.csv).")
