"""The findings table: one row per exception, the same shape for every dataset.

Columns (DATA_CONTRACT.md plus three that make each finding traceable):
``rule_id, severity, dataset, record_key, row, field, detail, amount, fingerprint``. ``row`` is
the spreadsheet row of the input (header = row 1; 0 for a finding about the whole input);
``field`` the column concerned. ``detail`` is plain language and never holds a raw protected
value. ``fingerprint`` identifies the same exception in another quarter: SHA-256 of the rule,
record key, field and the (unprotected) values that triggered it, not of the row number.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping

import numpy as np
import pandas as pd

__all__ = ["FINDINGS_COLUMNS", "empty_findings", "render_template", "sort_findings"]

FINDINGS_COLUMNS = [
    "rule_id",
    "severity",
    "dataset",
    "record_key",
    "row",
    "field",
    "detail",
    "amount",
    "fingerprint",
]
_PLACEHOLDER = re.compile(r"\{(\$?[A-Za-z_][A-Za-z0-9_]*)(\|[a-z]+)?\}")


def empty_findings() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "rule_id": pd.Series(dtype="string"),
            "severity": pd.Series(dtype="string"),
            "dataset": pd.Series(dtype="string"),
            "record_key": pd.Series(dtype="string"),
            "row": pd.Series(dtype="int64"),
            "field": pd.Series(dtype="string"),
            "detail": pd.Series(dtype="string"),
            "amount": pd.Series(dtype="float64"),
            "fingerprint": pd.Series(dtype="string"),
        }
    )


def findings_frame(
    rule_id: str,
    severity: str,
    dataset: str,
    *,
    record_key: pd.Series,
    row: pd.Series,
    field: str,
    detail: pd.Series | str,
    amount: pd.Series | float,
    trigger: pd.Series | str,
) -> pd.DataFrame:
    """One finding per element of ``record_key``: the frame every rule outside the GX suite
    returns (edits, DRG, CMS-838, hospital cross-claim rules), with the finding columns'
    dtypes (``fingerprint`` is added when findings are combined)."""
    return pd.DataFrame(
        {
            "rule_id": rule_id,
            "severity": severity,
            "dataset": dataset,
            "record_key": record_key.astype("string"),
            "row": row.astype("int64"),
            "field": field,
            "detail": detail,
            "amount": amount.astype("float64") if isinstance(amount, pd.Series) else amount,
            "trigger": trigger,
        }
    )


def _format(values: pd.Series, fmt: str | None) -> pd.Series:
    if fmt == "|dx":
        from .claims.logic import display_dx

        values = display_dx(values)
    if pd.api.types.is_datetime64_any_dtype(values):
        text = values.dt.strftime("%Y-%m-%d")
    elif pd.api.types.is_float_dtype(values):
        text = values.map(lambda v: f"{v:.2f}" if fmt != "|int" else f"{v:.0f}", na_action="ignore")
    else:
        text = values
    return text.astype("string").fillna("(empty)")


def render_template(template: str, frame: pd.DataFrame, params: Mapping[str, object]) -> pd.Series:
    """Fill ``{column}``, ``{column|dx}``, ``{column|int}`` and ``{$param}`` placeholders,
    vectorized over ``frame``.

    >>> f = pd.DataFrame({"units": [0.0, -1.0]})
    >>> render_template("units {units} not > 0 ({$why})", f, {"why": "x"}).tolist()
    ['units 0.00 not > 0 (x)', 'units -1.00 not > 0 (x)']
    """
    out = pd.Series("", index=frame.index, dtype="string")
    pos = 0
    for m in _PLACEHOLDER.finditer(template):
        out = out + template[pos : m.start()]
        name, fmt = m.group(1), m.group(2)
        if name.startswith("$"):
            out = out + str(params.get(name[1:], ""))
        else:
            out = out + _format(frame[name], fmt)
        pos = m.end()
    return out + template[pos:]


def fingerprints(findings: pd.DataFrame) -> pd.Series:
    """SHA-256 (first 20 hex digits) of rule, record key, field and trigger values."""
    text = (
        findings["rule_id"].astype("string")
        + "|"
        + findings["record_key"].astype("string").fillna("")
        + "|"
        + findings["field"].astype("string").fillna("")
        + "|"
        + findings["trigger"].astype("string").fillna("")
    )
    # one hash per finding (not per input row); hashlib is exact and stable across versions
    return pd.Series(
        [hashlib.sha256(t.encode()).hexdigest()[:20] for t in text],
        index=findings.index,
        dtype="string",
    )


def sort_findings(findings: pd.DataFrame) -> pd.DataFrame:
    """Deterministic order: rule, row, field, detail. Adds fingerprints from ``trigger``."""
    if findings.empty:
        return empty_findings()
    if "trigger" in findings:
        findings = findings.assign(fingerprint=fingerprints(findings)).drop(columns="trigger")
    out = (
        findings[FINDINGS_COLUMNS]
        .sort_values(["rule_id", "row", "field", "detail"], kind="stable")
        .reset_index(drop=True)
    )
    out["amount"] = out["amount"].astype("float64").round(2)
    out["row"] = out["row"].astype(np.int64)
    return out


def parse_error_findings(
    parse_errors: pd.DataFrame, records: pd.DataFrame, *, prefix: str, dataset: str
) -> pd.DataFrame:
    """``<PREFIX>-PARSE-01`` findings, one per unparseable cell (``records`` maps ``_row`` to
    ``record_key``). The shown value is already withheld for protected columns."""
    if parse_errors.empty:
        return empty_findings()
    errs = parse_errors
    keys = records.set_index("_row")["record_key"].reindex(errs["row"].to_numpy()).to_numpy()
    detail = (
        errs["column"]
        + " "
        + errs["shown"]
        + " is not "
        + errs["expected"]
        + "; the value is left out of the rules that need it"
    )
    return pd.DataFrame(
        {
            "trigger": (errs["column"] + "|" + errs["shown"]).to_numpy(),
            "rule_id": f"{prefix}-PARSE-01",
            "severity": "error",
            "dataset": dataset,
            "record_key": keys,
            "row": errs["row"].to_numpy(),
            "field": errs["column"].to_numpy(),
            "detail": detail.to_numpy(),
            "amount": float("nan"),
        }
    )


def combine(
    parse_findings: pd.DataFrame, rule_findings: pd.DataFrame, *, prefix: str
) -> pd.DataFrame:
    """All findings in the deterministic order. A required value that did not parse is
    reported once, as ``<PREFIX>-PARSE-01``, not again as ``<PREFIX>-REQ-01``."""
    if not parse_findings.empty:
        parsed = parse_findings["row"].astype("string") + "|" + parse_findings["field"]
        cells = rule_findings["row"].astype("string") + "|" + rule_findings["field"]
        overlap = rule_findings["rule_id"].eq(f"{prefix}-REQ-01") & cells.isin(parsed)
        rule_findings = rule_findings[~overlap]
    return sort_findings(pd.concat([parse_findings, rule_findings], ignore_index=True))
