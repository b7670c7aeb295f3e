"""Great Expectations Data Docs for a run, and the Checkpoint that declares its validations.

A GX user browses a run the GX way: ``data_docs/index.html`` links the suite's page and one
validation page per batch, laid out as a GX Data Docs site
(``validations/<suite>/<run name>/<run time>/<batch>.html``), rendered by GX's own
``ValidationResultsPageRenderer``, ``ExpectationSuitePageRenderer`` and ``DefaultJinjaPageView``
from the *redacted* results (counts and failing row numbers, never a value).
``data_docs/checkpoint.json`` is the GX Checkpoint that declares the validations: one
validation definition per batch (its part of the suite, its dataframe asset) and the
``update_data_docs`` action, in GX's own serialisation.

The engine does not call ``Checkpoint.run``: it validates each batch's expectations in column
groups for speed (:func:`audit_lib.gx.engine.validate`, BENCHMARKS.md), with the same
expectations and results; the checkpoint says what was validated, the pages show the results.

Made deterministic and offline, as the rest of a sealed run: the run time is the as-of date
(midnight UTC), GX's random collapse ids are numbered in page order, and the pages load
nothing: GX's pages pull Bootstrap, jQuery, Vega and a time-stamped logo from eight hosts;
every script and remote stylesheet is removed (the pages are static; collapsed sections show
open), the logo and GX's stylesheet are copied beside the pages from the GX package.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
import shutil
from pathlib import Path
from typing import Any

from .suites import gx_module, suite_text

__all__ = [
    "DATA_DOCS",
    "checkpoint_files",
    "load_checkpoint",
    "render_data_docs",
    "write_data_docs",
]

DATA_DOCS = "data_docs"
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script>\s*", re.S | re.I)
_REMOTE_LINK = re.compile(r"<link\b[^>]*href=\"https?://[^\"]*\"[^>]*>\s*", re.I)
_LOGO = re.compile(r"src=\"https://great-expectations-web-assets[^\"]*/(logo-long\.png)[^\"]*\"")
_STATIC = re.compile(r"(src|href)=\"(?:\.\./)*static/")
_NEWSLETTER = re.compile(r"<footer>\s*<p>Stay current.*?</footer>\s*", re.S)
_REMOTE_HREF = re.compile(r"\s*href=\"https?://[^\"]*\"")
_STATIC_FILES = (
    "styles/data_docs_default_styles.css",
    "images/logo-long.png",
    "images/favicon.ico",
)


def _run_time(as_of: dt.date) -> dt.datetime:
    return dt.datetime.combine(as_of, dt.time(), tzinfo=dt.timezone.utc)


def _offline(page: str, depth: int) -> str:
    """A GX page with nothing fetched from the network and no random ids."""
    root = "../" * depth
    page = _SCRIPT.sub("", page)
    page = _REMOTE_LINK.sub("", page)
    page = _LOGO.sub(lambda m: f'src="{root}static/images/{m.group(1)}"', page)
    page = _STATIC.sub(lambda m: f'{m.group(1)}="{root}static/', page)
    page = _NEWSLETTER.sub("", page)
    page = _REMOTE_HREF.sub("", page)
    ids: dict[str, str] = {}
    return _UUID.sub(lambda m: ids.setdefault(m.group(0), f"{len(ids) + 1:04d}"), page)


def _configuration(r: dict[str, Any]):
    from great_expectations.expectations.expectation_configuration import (
        ExpectationConfiguration,
    )

    c = r["expectation_config"]
    return ExpectationConfiguration(type=c["type"], kwargs=c["kwargs"], meta=c["meta"])


def _validation_result(
    suite: str, batch: str, res: dict[str, Any], run_name: str, run_time: dt.datetime
):
    from great_expectations.core import (
        ExpectationSuiteValidationResult,
        ExpectationValidationResult,
    )

    results = [
        ExpectationValidationResult(
            success=r["success"],
            expectation_config=_configuration(r),
            result=r["result"],
            exception_info={
                "raised_exception": r["exception_raised"],
                "exception_message": None,
                "exception_traceback": None,
            },
        )
        for r in res["results"]
    ]
    return ExpectationSuiteValidationResult(
        success=res["success"],
        results=results,
        suite_name=suite,
        statistics=res["statistics"],
        meta={
            "run_id": {"run_name": run_name, "run_time": run_time.isoformat()},
            "active_batch_definition": {
                "datasource_name": "audit",
                "data_connector_name": "fluent",
                "data_asset_name": batch,
                "batch_identifiers": {},
            },
        },
    )


def _suite(suite: str, validation: dict[str, Any], batch: str | None = None):
    gx = gx_module()
    expectations = [
        _configuration(r).to_domain_obj()
        for name, res in validation.items()
        if batch in (None, name)
        for r in res["results"]
    ]
    return gx.ExpectationSuite(
        name=suite if batch is None else f"{suite}.{batch}", expectations=expectations
    )


def render_data_docs(
    suite: str, validation: dict[str, Any], *, run_name: str, as_of: dt.date
) -> dict[str, str]:
    """The Data Docs pages of one suite's redacted validation results, by their path under
    ``data_docs/``: ``index.html``, ``expectations/<suite>.html`` and one validation page per
    batch. The same results give the same bytes."""
    gx_module()
    from great_expectations.render.renderer import (
        ExpectationSuitePageRenderer,
        ValidationResultsPageRenderer,
    )
    from great_expectations.render.view import DefaultJinjaPageView

    run_time = _run_time(as_of)
    stamp = run_time.strftime("%Y%m%dT%H%M%S.%fZ")
    view = DefaultJinjaPageView()
    pages = {
        f"expectations/{suite}.html": _offline(
            view.render(ExpectationSuitePageRenderer().render(_suite(suite, validation))), 1
        )
    }
    rows = []
    for batch, res in validation.items():
        path = f"validations/{suite}/{run_name}/{stamp}/{batch}.html"
        result = _validation_result(suite, batch, res, run_name, run_time)
        pages[path] = _offline(view.render(ValidationResultsPageRenderer().render(result)), 4)
        s = res["statistics"]
        rows.append(
            f'<tr><td><a href="{html.escape(path)}">{html.escape(batch)}</a></td>'
            f"<td>{'passed' if res['success'] else 'failed'}</td>"
            f"<td>{s['evaluated_expectations']}</td><td>{s['successful_expectations']}</td>"
            f"<td>{s['unsuccessful_expectations']}</td><td>{s['success_percent']}</td></tr>"
        )
    pages["index.html"] = _INDEX.format(
        suite=html.escape(suite),
        run_name=html.escape(run_name),
        run_time=run_time.isoformat(),
        rows="\n".join(rows),
    )
    return pages


def checkpoint_files(suite: str, validation: dict[str, Any]) -> dict[str, str]:
    """The GX Checkpoint (``checkpoint.json``, GX's own serialisation) declaring one validation
    definition per batch and the Data Docs action, and each definition's suite, the batch's
    part of the suite (``expectations/<suite>.<batch>.json``). GX's random ids are left out, so
    the same suite gives the same text; :func:`load_checkpoint` reads them back into GX."""
    gx = gx_module()
    context = gx.get_context(mode="ephemeral")
    source = context.data_sources.add_pandas("audit")
    files: dict[str, str] = {}
    definitions = []
    for batch in validation:
        asset = source.add_dataframe_asset(batch)
        data = asset.add_batch_definition_whole_dataframe(batch)
        part = context.suites.add(_suite(suite, validation, batch))
        files[f"expectations/{part.name}.json"] = suite_text(part)
        definitions.append(
            context.validation_definitions.add(
                gx.ValidationDefinition(name=f"{suite}.{batch}", data=data, suite=part)
            )
        )
    checkpoint = gx.Checkpoint(
        name=f"{suite}_review",
        validation_definitions=definitions,
        actions=[gx.checkpoint.UpdateDataDocsAction(name="update_data_docs")],
        result_format={"result_format": "COMPLETE", "partial_unexpected_count": 0},
    )
    doc = json.loads(checkpoint.json())
    doc["validation_definitions"] = [json.loads(d.json(models_as_dict=False)) for d in definitions]
    files["checkpoint.json"] = json.dumps(_without_ids(doc), indent=2, sort_keys=True) + "\n"
    return files


def load_checkpoint(folder: str | Path):
    """A run's ``data_docs`` folder back in GX: an ephemeral context holding its suites, batch
    definitions and validation definitions, and the Checkpoint (returned), ready for
    ``checkpoint.run(batch_parameters={"dataframe": frame})`` on a one-batch suite."""
    gx = gx_module()
    folder = Path(folder)
    doc = json.loads((folder / "checkpoint.json").read_text("utf-8"))
    context = gx.get_context(mode="ephemeral")
    source = context.data_sources.add_pandas("audit")
    definitions = []
    for vd in doc["validation_definitions"]:
        batch = vd["data"]["batch_definition"]["name"]
        data = source.add_dataframe_asset(vd["data"]["asset"]["name"])
        data = data.add_batch_definition_whole_dataframe(batch)
        text = (folder / "expectations" / f"{vd['suite']['name']}.json").read_text("utf-8")
        part = context.suites.add(gx.ExpectationSuite(**json.loads(text)))
        definitions.append(
            context.validation_definitions.add(
                gx.ValidationDefinition(name=vd["name"], data=data, suite=part)
            )
        )
    return context.checkpoints.add(
        gx.Checkpoint(
            name=doc["name"],
            validation_definitions=definitions,
            actions=[gx.checkpoint.UpdateDataDocsAction(name=a["name"]) for a in doc["actions"]],
            result_format=doc["result_format"],
        )
    )


def _without_ids(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_ids(v) for k, v in value.items() if k != "id"}
    if isinstance(value, list):
        return [_without_ids(v) for v in value]
    return value


def write_data_docs(
    out_dir: Path, suite: str, validation: dict[str, Any], *, run_name: str, as_of: dt.date
) -> dict[str, Path]:
    """The Data Docs site and checkpoint written under ``out_dir/data_docs``, returned by their
    paths in the run folder (as the manifest names them)."""
    import great_expectations

    root = out_dir / DATA_DOCS
    files = {
        **render_data_docs(suite, validation, run_name=run_name, as_of=as_of),
        **checkpoint_files(suite, validation),
    }
    written: dict[str, Path] = {}
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, "utf-8")
        written[f"{DATA_DOCS}/{name}"] = path
    static = Path(great_expectations.__file__).parent / "render" / "view" / "static"
    for name in _STATIC_FILES:
        path = root / "static" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(static / name, path)
        written[f"{DATA_DOCS}/static/{name}"] = path
    return written


_INDEX = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Data Docs: {suite} {run_name}</title>
<link rel="stylesheet" href="static/styles/data_docs_default_styles.css">
<style>body {{ font-family: sans-serif; margin: 2em; }} td, th {{ padding: .3em .8em; }}</style>
</head>
<body>
<h1>Great Expectations Data Docs: suite {suite}</h1>
<p>Run {run_name}, run time {run_time} (the review's as-of date). Values are redacted as in
the validation results: failing rows are listed by input row number only.</p>
<p><a href="expectations/{suite}.html">Expectation suite {suite}</a> &middot;
<a href="checkpoint.json">Checkpoint</a></p>
<table>
<thead><tr><th>Batch</th><th>Status</th><th>Expectations</th><th>Successful</th>
<th>Unsuccessful</th><th>Success %</th></tr></thead>
<tbody>
{rows}
</tbody>
</table>
</body>
</html>
"""
