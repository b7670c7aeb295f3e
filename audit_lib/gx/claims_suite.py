"""The claims expectation suite: defined here, serialised to ``expectations/claims.json``,
validated with Great Expectations, and turned into findings.

Each check of :mod:`audit_lib.claims.checks` is one GX expectation whose ``meta`` carries the
rulebook id, the batch it runs on, the column it concerns and the plain-language detail
template, so the JSON suite alone says what every rule checks. Batches:

* ``claim_lines``: one row per service line, with derived columns for cross-row rules
  (duplicates, repeated keys) and for computed limits (filing deadlines, amount tolerances);
* ``diagnoses`` and ``modifiers``: one row per code present (long form), so one expectation
  covers all twelve diagnosis (four modifier) positions.

Suite parameters (``$PARAMETER``) keep run values out of the suite: ``as_of``,
``place_of_service_codes``, ``valid_modifiers``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..claims.checks import INDEX_COLUMNS, claims_checks
from ..errors import AuditError, SuiteOutOfDateError
from ..findings import empty_findings, render_template
from ..rules import CLAIMS_RULES

SUITE_NAME = "claims"
_POSITIONS = 100  # index = row * 100 + code position (positions are 1..12)
_RESULT_KEYS = (
    "element_count",
    "unexpected_count",
    "unexpected_percent",
    "missing_count",
    "missing_percent",
    "unexpected_percent_total",
    "unexpected_percent_nonmissing",
)


# --- suite JSON ---------------------------------------------------------------------------
def _gx():
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    import great_expectations as gx

    from . import expectations  # noqa: F401  (registers the custom expectations)

    return gx


def build_claims_suite():
    """The claims ``ExpectationSuite`` (GX imported here, not at package import)."""
    gx = _gx()
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    checks = claims_checks()
    # Built from a list, not with add_expectation_configuration: that "upserts" by column and
    # type, so a second range check on service_date would silently replace the first.
    suite = gx.ExpectationSuite(
        name=SUITE_NAME,
        meta={"dataset": "claims", "rules": "RULEBOOK.md"},
        expectations=[
            ExpectationConfiguration(
                type=c.type, kwargs=dict(c.kwargs), meta=c.meta()
            ).to_domain_obj()
            for c in checks
        ],
    )
    if len(suite.expectations) != len(checks):
        raise AuditError(
            f"the claims suite holds {len(suite.expectations)} expectations for {len(checks)} "
            "checks; two checks are identical. This is a defect in audit_lib."
        )
    return suite


def suite_json(suite=None) -> str:
    """Stable serialisation: sorted keys, no ids, no GX version (those change run to run)."""
    suite = suite if suite is not None else build_claims_suite()
    doc = suite.to_json_dict()
    doc.pop("id", None)
    doc.get("meta", {}).pop("great_expectations_version", None)
    for exp in doc.get("expectations", []):
        exp.pop("id", None)
    return json.dumps(doc, indent=2, sort_keys=True, default=str) + "\n"


def default_suite_path() -> Path:
    return Path(__file__).resolve().parents[2] / "expectations" / f"{SUITE_NAME}.json"


def write_claims_suite(path: str | Path | None = None) -> Path:
    p = Path(path) if path else default_suite_path()
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(suite_json(), encoding="utf-8")
    return p


def check_claims_suite(path: str | Path | None = None) -> None:
    """Raise :class:`SuiteOutOfDateError` when the committed JSON differs from the code."""
    p = Path(path) if path else default_suite_path()
    if not p.is_file() or p.read_text(encoding="utf-8") != suite_json():
        raise SuiteOutOfDateError(f"{p} is out of date with audit_lib. Run: audit suites build")


# --- validation -----------------------------------------------------------------------------
def validate(batches: dict[str, pd.DataFrame], params: dict[str, Any]) -> dict[str, dict]:
    """Validate each batch against its part of the suite; returns raw GX result dicts."""
    gx = _gx()
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    source = context.data_sources.add_pandas("audit")
    suite = build_claims_suite()
    asset = source.add_dataframe_asset("claims")
    batch_definition = asset.add_batch_definition_whole_dataframe("claims")
    result_format = {
        "result_format": "COMPLETE",
        "partial_unexpected_count": 0,
        "return_unexpected_index_query": False,
    }
    out: dict[str, dict] = {}
    for name, frame in batches.items():
        frame = _gx_frame(frame)
        results: list[dict] = []
        # Column pruning: GX (pandas) filters the whole frame for every metric, so each group of
        # expectations is validated on a projection holding only the columns it reads.
        grouped: dict[tuple[str, ...], list] = {}
        for exp in suite.expectations:
            if exp.meta.get("batch") != name:
                continue
            kw = exp.configuration.kwargs
            cols = tuple(kw[k] for k in ("column", "column_A", "column_B") if k in kw)
            grouped.setdefault(cols, []).append(exp.configuration.to_domain_obj())
        groups = {
            cols: gx.ExpectationSuite(name=f"{SUITE_NAME}.{name}.{i}", expectations=exps)
            for i, (cols, exps) in enumerate(grouped.items())
        }
        for cols, part in groups.items():
            batch = batch_definition.get_batch(batch_parameters={"dataframe": frame[list(cols)]})
            res = batch.validate(part, result_format=result_format, expectation_parameters=params)
            results.extend(_result_dict(r) for r in res.results)
        position = {e.meta["check"]: i for i, e in enumerate(suite.expectations)}
        results.sort(key=lambda r: position[r["expectation_config"]["meta"]["check"]])
        ok = sum(bool(r["success"]) for r in results)
        out[name] = {
            "success": ok == len(results),
            "statistics": {
                "evaluated_expectations": len(results),
                "successful_expectations": ok,
                "unsuccessful_expectations": len(results) - ok,
                "success_percent": round(100 * ok / len(results), 2) if results else 100.0,
            },
            "results": results,
        }
    return out


def _result_dict(r) -> dict[str, Any]:
    """A plain dict of one expectation result, without GX's deep JSON conversion of every
    failing value (they are dropped by :func:`redact_results` anyway)."""
    cfg = r.expectation_config
    return {
        "success": bool(r.success),
        "expectation_config": {
            "type": cfg.type,
            "kwargs": dict(cfg.kwargs),
            "meta": dict(cfg.meta),
        },
        "result": dict(r.result or {}),
        "exception_info": r.exception_info or {},
    }


def _gx_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame as handed to GX, shaped for speed on millions of rows.

    * The (unnamed) index encodes the input row, and for long batches the code position
      (``row * 100 + position``): GX then reports failing rows as a plain list of index values
      instead of looking every failing row up one by one (``unexpected_index_column_names``).
    """
    g = frame.copy()
    key = g["_row"].to_numpy(dtype="int64") * _POSITIONS
    if "position" in g:
        key = key + g["position"].to_numpy(dtype="int64")
    g.index = pd.Index(key, dtype="int64")
    return g


def _decode(index_values: list[int], batch: str) -> list[list[int]]:
    codes = np.asarray(index_values, dtype="int64")
    rows, positions = np.divmod(codes, _POSITIONS)
    if len(INDEX_COLUMNS[batch]) == 1:
        return rows[:, None].tolist()
    return np.stack([rows, positions], axis=1).tolist()


def redact_results(results: dict[str, dict]) -> dict[str, Any]:
    """Keep counts and the row numbers of failures; drop every value (GX puts failing values,
    such as dates of birth, into ``unexpected_list`` and ``unexpected_index_list``)."""
    batches: dict[str, Any] = {}
    for name, res in results.items():
        index_cols = INDEX_COLUMNS[name]
        clean = []
        for r in res["results"]:
            raw = r.get("result") or {}
            kept: dict[str, Any] = {
                k: (None if raw[k] is None else float(raw[k]) if "percent" in k else int(raw[k]))
                for k in _RESULT_KEYS
                if k in raw
            }
            kept["unexpected_index_column_names"] = index_cols
            kept["unexpected_index_list"] = _decode(raw.get("unexpected_index_list") or [], name)
            exc = r.get("exception_info") or {}
            # suite runs key exception_info by metric id; single expectations do not
            infos = [exc] if "raised_exception" in exc else list(exc.values())
            cfg = r["expectation_config"]
            clean.append(
                {
                    "success": r["success"],
                    "expectation_config": {
                        "type": cfg["type"],
                        "kwargs": cfg["kwargs"],
                        "meta": cfg["meta"],
                    },
                    "result": kept,
                    "exception_raised": any(bool(i.get("raised_exception")) for i in infos),
                }
            )
        batches[name] = {
            "success": res["success"],
            "statistics": res["statistics"],
            "results": clean,
        }
    return batches


def findings_from_results(
    redacted: dict[str, Any],
    batches: dict[str, pd.DataFrame],
    lines: pd.DataFrame,
    params: dict[str, Any],
) -> pd.DataFrame:
    """One finding per failing row (and code position) of every expectation."""
    by_row = lines.set_index("_row", drop=False)
    parts: list[pd.DataFrame] = []
    for name, res in redacted.items():
        for r in res["results"]:
            meta = r["expectation_config"]["meta"]
            if r["exception_raised"]:
                raise AuditError(
                    f"expectation {r['expectation_config']['type']} ({meta['rule_id']}) could not "
                    "be evaluated; this is a defect in audit_lib, please report it."
                )
            idx = r["result"]["unexpected_index_list"]
            if not idx:
                continue
            keys = pd.DataFrame(idx, columns=INDEX_COLUMNS[name])
            if name == "claim_lines":
                sub = by_row.loc[keys["_row"].to_numpy()].reset_index(drop=True)
            else:
                sub = keys.merge(batches[name], on=["_row", "position"], how="left")
                line_cols = ["record_key", "billed_amount", "claim_type"]
                sub = sub.join(
                    by_row[line_cols].reindex(sub["_row"].to_numpy()).reset_index(drop=True)
                )
            parts.append(_to_findings(sub, meta, params))
    return pd.concat(parts, ignore_index=True) if parts else empty_findings()


def _to_findings(sub: pd.DataFrame, meta: dict[str, Any], params: dict[str, Any]) -> pd.DataFrame:
    rule = CLAIMS_RULES[meta["rule_id"]]
    severity = pd.Series(meta.get("severity") or rule.severity, index=sub.index, dtype="string")
    if rule.severity_institutional and "claim_type" in sub:
        inst = sub["claim_type"].eq("institutional").fillna(False).astype(bool)
        severity[inst] = rule.severity_institutional
    if meta.get("excess"):
        a, b = meta["excess"]
        amount = (sub[a] - sub[b]).astype("float64")
    elif rule.amount == "billed":
        amount = sub["billed_amount"].astype("float64")
    else:
        amount = pd.Series(np.nan, index=sub.index)
    out = pd.DataFrame(
        {
            "rule_id": meta["rule_id"],
            "severity": severity,
            "dataset": "claims",
            "record_key": sub["record_key"].astype("string"),
            "row": sub["_row"].astype("int64"),
            "field": render_template(meta["field"], sub, params),
            "detail": render_template(meta["detail"], sub, params),
            "amount": amount,
            "trigger": render_template(meta["trigger"], sub, params),
        }
    )
    return out
