"""A sealed run: the one entry point of the CLI, the Python API and ``audit run``.

It checks the inputs, executes the review's notebook with Papermill into a staged folder,
renders the HTML report, hashes inputs and outputs into the manifest (signed when a signing
key is set), then moves the run into place. An unfinished run never is; a folder that holds
anything but a sealed run of the same review is refused, never emptied.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from ..errors import ConfigError, InputError
from . import preflight
from .registry import SEALED, Review, review

__all__ = ["run_review"]

Source = str | Path | Sequence[str | Path] | None
DEMO_PERIOD = "2026Q3"


def _files(spec: Review, inputs: Mapping[str, Source]) -> dict[str, list[Path]]:
    """Every input as its list of files (a folder stands for the files in it)."""
    from ..paths import expand_files

    unknown = sorted(set(inputs) - {i.name for i in spec.inputs})
    if unknown:
        names = ", ".join(i.name for i in spec.inputs)
        raise ConfigError(f"the {spec.name} review has no input {unknown[0]!r}; it reads {names}.")
    given: dict[str, list[Path]] = {}
    for item in spec.inputs:
        raw = inputs.get(item.name)
        if raw is None or (isinstance(raw, list | tuple) and not raw):
            continue
        values = list(raw) if isinstance(raw, list | tuple) else [raw]
        if any(not str(v).strip() for v in values):
            raise ConfigError(f"{item.option} is empty: give the files or a folder.")
        if len(values) > 1 and not item.repeat:
            raise ConfigError(f"{item.option} takes one file; {len(values)} were given.")
        files = expand_files(values) if item.many else [Path(values[0])]
        if not files:
            raise InputError(
                f"{item.option} {values[0]}: the folder holds no file.", path=str(values[0])
            )
        given[item.name] = files
    return given


def _abs(path: str | Path | None) -> str | None:
    return str(Path(path).resolve()) if path else None


def _notebook_parameters(
    spec: Review, given: dict[str, list[Path]], common: dict
) -> dict[str, Any]:
    """A file as its absolute path; several as a list (an input numbered from 1 always)."""
    params: dict[str, Any] = {}
    for item in spec.inputs:
        files = given.get(item.name, [])
        if item.many:
            one = len(files) == 1 and not item.numbered
            params[item.param] = (_abs(files[0]) if one else [_abs(p) for p in files]) or None
        else:
            params[item.param] = _abs(files[0]) if files else None
    return {**params, **{k: v for k, v in common.items() if k in spec.parameters}}


def _manifest_inputs(spec: Review, given: dict[str, list[Path]]) -> list[tuple[str, Path]]:
    """(name, path) for each input file, named as the manifest names them."""
    named: list[tuple[str, Path]] = []
    for item in spec.inputs:
        files = given.get(item.name, [])
        named += list(zip(item.manifest_names(len(files)), files, strict=True))
    return named


def run_review(
    name: str,
    out: str | Path,
    *,
    inputs: Mapping[str, Source] | None = None,
    demo: bool = False,
    period: str | None = None,
    as_of: str | None = None,
    config: str | Path | None = None,
    prior: str | Path | None = None,
    profile: str | None = None,
    filing_copy: str | Path | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Run review ``name`` (claims, refunds, access) into ``out``, sealed; return its summary.

    ``inputs`` maps the review's input names (:mod:`audit_lib.runs.registry`) to a path, a
    list of paths or a folder; ``demo=True`` reviews the synthetic demo data instead.
    ``config`` is a TOML file; ``prior`` the previous period's run folder; ``profile`` an
    input profile name or a mapping ``.toml``; ``filing_copy`` a folder outside ``out`` for
    the CMS-838 filing copy (refunds). The CLI, ``audit run`` and Python callers all come
    here, so every run is sealed the same way and ``audit verify`` checks it.
    """
    from ..config import load_config
    from ..evidence.chain import signing_key_from_env
    from ..evidence.manifest import check_out_dir, staged_run, utc_now
    from ..evidence.timestamp import tsa_url

    spec = review(name)
    if name not in SEALED:
        raise ConfigError(f"the {name} review is not run sealed: use audit sample / appraise.")
    out, raw = Path(out), dict(inputs or {})
    given = _files(spec, raw)
    preflight.check_given(spec, given, demo=demo, profile=profile)
    if not given.get(spec.main.name) and period is None:
        period = DEMO_PERIOD
    if filing_copy is not None:
        if name != "refunds":
            raise ConfigError("--filing-copy is a refunds review option (the CMS-838).")
        from ..refunds.pipeline import check_filing_folder

        check_filing_folder(Path(filing_copy), out)
    preflight.check_files(spec, given, profile)
    load_config(config, period=period, as_of=as_of)  # bad settings fail before Jupyter starts
    preflight.check_prior(Path(prior) if prior else None)
    named = _manifest_inputs(spec, given)
    mapping = bool(profile) and Path(profile).suffix.lower() == ".toml"  # the user's own file
    if mapping:
        named.append(("mapping", Path(profile)))
    check_out_dir(out, name, [p for _, p in named])
    signing_key_from_env()  # a bad AUDIT_SIGNING_KEY or AUDIT_TSA_URL stops the run here
    tsa_url()
    common = {
        "period": period,
        "as_of": as_of,
        "config_path": _abs(config),
        "prior_dir": _abs(prior),
        "filing_copy_dir": _abs(filing_copy),
        "profile": _abs(profile) if mapping else profile,
    }
    params = _notebook_parameters(spec, given, common)
    say = progress or (lambda _message: None)
    started_clock, started = time.monotonic(), utc_now()
    with staged_run(out) as stage:
        summary = _execute(spec, stage, out, params, say)
        _seal(spec, stage, summary, named, prior, started, say)
    summary["elapsed_seconds"] = round(time.monotonic() - started_clock, 1)
    return summary


def _execute(spec: Review, stage: Path, out: Path, params: dict, say) -> dict[str, Any]:
    from ..notebooks import render_html, run_notebook

    say(f"executing notebooks/{spec.notebook}.ipynb with Papermill")
    nb = run_notebook(
        spec.notebook,
        {**params, "out_dir": str(stage)},
        stage,
        progress=sys.stderr.isatty(),
        shown_as=out,
    )
    say(f"rendering {spec.notebook}.html")
    render_html(nb, stage / f"{spec.notebook}.html")
    return json.loads((stage / "summary.json").read_text("utf-8"))


def _seal(spec: Review, stage: Path, summary: dict, named, prior, started, say) -> None:
    from ..evidence.manifest import describe_input, utc_now, write_manifest

    c = summary["counts"][spec.counts_key]
    main = spec.main.name
    described = [
        describe_input(
            next((p for n, p in named if n == main), None),
            name=main,
            rows=c["rows_read"],
            source=summary["source"],
        )
    ]
    for name, path in named:
        if name != main:
            rows = len(path.read_bytes().splitlines()) - 1 if path.suffix == ".csv" else None
            described.append(describe_input(path, name=name, rows=rows, source=""))
    files = {n: p for n, p in named}
    keys = _file_keys(spec, [n for n, _ in named])
    extra = {"prior_dir": str(prior) if prior else None} if "prior_dir" in spec.parameters else {}
    say("hashing inputs and outputs into manifest.json")
    write_manifest(
        stage,
        review=spec.name,
        summary=summary,
        inputs=described,
        parameters={
            "config": summary["parameters"],
            **{f"{n}_file": files[n].name if n in files else None for n in keys},
            **extra,
        },
        started=started,
        finished=utc_now(),
    )


def _file_keys(spec: Review, recorded: list[str]) -> list[str]:
    """The ``<input>_file`` parameters the manifest records: each file given, and the
    input's own name when none was (but for numbered inputs), in declaration order."""
    keys: list[str] = []
    for item in spec.inputs:
        names = [n for n in recorded if item.is_manifest_name(n)]
        keys += names or ([] if item.numbered else [item.name])
    keys += [n for n in recorded if n == "mapping"]
    return keys
