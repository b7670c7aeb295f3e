"""The suite engine: checks (data) -> Great Expectations suite -> validation -> findings.

Dataset-agnostic: each dataset describes itself with a :class:`SuiteSpec` (its checks, rule
catalogue, batches and amount column); ``claims_suite`` and later suites are thin bindings.

* The suite is built from the checks by :mod:`audit_lib.gx.suites` (re-exported here).
* Validation is tuned for millions of rows (BENCHMARKS.md): each group of expectations sees a
  projection of the columns it reads, the batch index encodes the input row, and results are
  read without GX's deep JSON conversion.
* :func:`redact_results` keeps counts and failing row numbers only: GX puts failing values
  (dates of birth among them) in its results; they are dropped before anything is written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import pandas as pd

from ..errors import AuditError
from ..findings import empty_findings, render_template
from .suites import (
    GX_SEVERITY,
    SuiteSpec,
    build_suite,
    check_suite,
    gx_module,
    suite_json,
    suite_path,
    write_suite,
)

__all__ = [
    "GX_SEVERITY",
    "SuiteSpec",
    "build_suite",
    "check_suite",
    "findings_from_results",
    "gx_module",
    "redact_results",
    "suite_json",
    "suite_path",
    "validate",
    "write_suite",
]

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


# --- validation -----------------------------------------------------------------------------
def validate(
    spec: SuiteSpec,
    batches: dict[str, pd.DataFrame | Iterable[pd.DataFrame]],
    params: dict[str, Any],
    *,
    on_chunk: Callable[[str, pd.DataFrame, dict], None] | None = None,
) -> dict[str, dict]:
    """Validate each batch against its part of the suite; returns raw GX result dicts.

    A batch may be given as an iterable of frames (chunks of one table, e.g. ten million
    access events a million at a time): every expectation in the suites is row-wise, so each
    chunk is validated on its own and the results are merged (counts summed, failing rows
    concatenated). ``on_chunk(batch, frame, result)`` sees each chunk's raw result while the
    chunk is still in memory (to turn failures into findings).
    """
    gx = gx_module()
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    source = context.data_sources.add_pandas("audit")
    suite = build_suite(spec)
    asset = source.add_dataframe_asset(spec.name)
    batch_definition = asset.add_batch_definition_whole_dataframe(spec.name)
    result_format = {
        "result_format": "COMPLETE",
        "partial_unexpected_count": 0,
        "return_unexpected_index_query": False,
    }
    position = {e.meta["check"]: i for i, e in enumerate(suite.expectations)}
    out: dict[str, dict] = {}
    for name, frames in batches.items():
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
            cols: gx.ExpectationSuite(name=f"{spec.name}.{name}.{i}", expectations=exps)
            for i, (cols, exps) in enumerate(grouped.items())
        }
        merged: list[dict] | None = None
        for chunk in [frames] if isinstance(frames, pd.DataFrame) else frames:
            frame = _gx_frame(chunk)
            results: list[dict] = []
            for cols, part in groups.items():
                batch = batch_definition.get_batch(
                    batch_parameters={"dataframe": frame[list(cols)]}
                )
                res = batch.validate(
                    part, result_format=result_format, expectation_parameters=params
                )
                results.extend(_result_dict(r) for r in res.results)
            del frame
            results.sort(key=lambda r: position[r["expectation_config"]["meta"]["check"]])
            if on_chunk is not None:
                on_chunk(name, chunk, {"results": results})
            merged = results if merged is None else _merge_results(merged, results)
        results = merged or []
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


def _merge_results(a: list[dict], b: list[dict]) -> list[dict]:
    """The results of two chunks of one batch as one (row-wise expectations only)."""
    merged = []
    for ra, rb in zip(a, b, strict=True):
        x, y = ra["result"], rb["result"]
        counts = {
            k: int(x.get(k) or 0) + int(y.get(k) or 0)
            for k in ("element_count", "unexpected_count", "missing_count")
        }
        n, bad, missing = (
            counts["element_count"],
            counts["unexpected_count"],
            counts["missing_count"],
        )
        present = n - missing
        result = {
            **counts,
            "missing_percent": 100 * missing / n if n else None,
            "unexpected_percent": 100 * bad / present if present else None,
            "unexpected_percent_total": 100 * bad / n if n else None,
            "unexpected_percent_nonmissing": 100 * bad / present if present else None,
            "unexpected_index_list": list(x.get("unexpected_index_list") or [])
            + list(y.get("unexpected_index_list") or []),
        }
        exc = {**(ra.get("exception_info") or {}), **(rb.get("exception_info") or {})}
        merged.append(
            {
                "success": bool(ra["success"]) and bool(rb["success"]),
                "expectation_config": ra["expectation_config"],
                "result": result,
                "exception_info": exc,
            }
        )
    return merged


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


def _decode(spec: SuiteSpec, index_values: list[int], batch: str) -> list[list[int]]:
    codes = np.asarray(index_values, dtype="int64")
    rows, positions = np.divmod(codes, _POSITIONS)
    if len(spec.index_columns[batch]) == 1:
        return rows[:, None].tolist()
    return np.stack([rows, positions], axis=1).tolist()


def redact_results(spec: SuiteSpec, results: dict[str, dict]) -> dict[str, Any]:
    """Keep counts and the row numbers of failures; drop every value (GX puts failing values,
    such as dates of birth, into ``unexpected_list`` and ``unexpected_index_list``)."""
    batches: dict[str, Any] = {}
    for name, res in results.items():
        index_cols = spec.index_columns[name]
        clean = []
        for r in res["results"]:
            raw = r.get("result") or {}
            kept: dict[str, Any] = {
                k: (None if raw[k] is None else float(raw[k]) if "percent" in k else int(raw[k]))
                for k in _RESULT_KEYS
                if k in raw
            }
            kept["unexpected_index_column_names"] = index_cols
            kept["unexpected_index_list"] = _decode(
                spec, raw.get("unexpected_index_list") or [], name
            )
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
    spec: SuiteSpec,
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
            keys = pd.DataFrame(idx, columns=spec.index_columns[name])
            if name == spec.main_batch:
                sub = by_row.loc[keys["_row"].to_numpy()].reset_index(drop=True)
            elif spec.standalone(name):
                own = batches[name].set_index("_row", drop=False)
                sub = own.loc[keys["_row"].to_numpy()].reset_index(drop=True)
            else:
                sub = keys.merge(batches[name], on=["_row", "position"], how="left")
                line_cols = [
                    c for c in ("record_key", spec.amount_column, "claim_type") if c in by_row
                ]
                sub = sub.join(
                    by_row[line_cols].reindex(sub["_row"].to_numpy()).reset_index(drop=True)
                )
            parts.append(_to_findings(spec, sub, meta, params, spec.dataset_of(name)))
    return pd.concat(parts, ignore_index=True) if parts else empty_findings()


def _to_findings(
    spec: SuiteSpec,
    sub: pd.DataFrame,
    meta: dict[str, Any],
    params: dict[str, Any],
    dataset: str,
) -> pd.DataFrame:
    rule = spec.rules[meta["rule_id"]]
    severity = pd.Series(meta.get("severity") or rule.severity, index=sub.index, dtype="string")
    if rule.severity_institutional and "claim_type" in sub:
        inst = sub["claim_type"].eq("institutional").fillna(False).astype(bool)
        severity[inst] = rule.severity_institutional
    if meta.get("excess"):
        a, b = meta["excess"]
        amount = (sub[a] - sub[b]).abs().astype("float64")  # a magnitude at stake
    elif (
        rule.amount and spec.amount_column
    ):  # the record's own amount (a claim line's charge, an overpayment)
        amount = sub[spec.amount_column].astype("float64")
    else:
        amount = pd.Series(np.nan, index=sub.index)
    out = pd.DataFrame(
        {
            "rule_id": meta["rule_id"],
            "severity": severity,
            "dataset": dataset,
            "record_key": sub["record_key"].astype("string"),
            "row": sub["_row"].astype("int64"),
            "field": render_template(meta["field"], sub, params),
            "detail": render_template(meta["detail"], sub, params),
            "amount": amount,
            "trigger": render_template(meta["trigger"], sub, params),
        }
    )
    return out
