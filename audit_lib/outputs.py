"""What every review writes the same way: findings.csv, summary.json, the redacted GX
results, and the summary's findings and period blocks."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from .config import AuditConfig, parse_period
from .errors import AuditError
from .rules import Rule
from .tables import LoadedTable

SEVERITIES = ("error", "warning", "info")


def csv_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with every text cell a spreadsheet would run as a formula (first character
    ``=``, ``+``, ``-``, ``@``, tab or carriage return; OWASP "CSV injection") prefixed with an
    apostrophe, so Excel shows it as text; a value that already starts with apostrophes before
    such a character gets one more, so :func:`csv_unescape` gives back every value exactly.
    Numbers written as text (``-12.50``) are left alone. Claim ids, details and other values
    come from input files, which an outsider may have written."""
    out = frame
    for c in frame.columns:
        col = frame[c]
        if not (pd.api.types.is_object_dtype(col) or pd.api.types.is_string_dtype(col)):
            continue
        text = col.astype("string")
        risky = text.str.match(r"'*[=+\-@\t\r]", na=False) & ~text.str.fullmatch(
            r"[-+]?\d+(\.\d+)?", na=False
        )
        if risky.any():
            out = frame.copy() if out is frame else out
            out[c] = text.where(~risky, "'" + text)
    return out


def csv_unescape(frame: pd.DataFrame) -> pd.DataFrame:
    """Undo :func:`csv_safe` on a frame read back from one of our CSV files."""
    out = frame.copy()
    for c in out.columns:
        if pd.api.types.is_object_dtype(out[c]) or pd.api.types.is_string_dtype(out[c]):
            text = out[c].astype("string")
            escaped = text.str.match(r"'+[=+\-@\t\r]", na=False)
            if escaped.any():
                out[c] = text.where(~escaped, text.str.slice(1))
    return out


def jsonable(value: Any) -> Any:
    """Frames as lists of records (ISO dates), recursively through dicts."""
    if isinstance(value, pd.DataFrame):
        return json.loads(value.to_json(orient="records", date_format="iso"))
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    return value


@dataclass(kw_only=True)
class ReviewResult:
    """What every review computes: its config (with the period and as-of date resolved), the
    input it read, its findings and redacted validation results; ``summary`` and ``outputs``
    are filled in as the review is written."""

    config: AuditConfig
    source: str
    period_source: str
    findings: pd.DataFrame
    validation: dict[str, Any]
    summary: dict[str, Any] = field(default_factory=dict)
    outputs: dict[str, str] = field(default_factory=dict)

    @property
    def period(self) -> str:
        if not self.config.period:  # resolved before a review result exists
            raise AuditError("a review result has no period: a defect in audit_lib.")
        return self.config.period

    @property
    def as_of(self) -> dt.date:
        if not self.config.as_of:
            raise AuditError("a review result has no as-of date: a defect in audit_lib.")
        return self.config.as_of


@dataclass(kw_only=True)
class TableReview(ReviewResult):
    """A review of one loaded table (claims, overpayments): its KPIs, control totals and
    their reconciliation, and the comparison with the prior period's run."""

    loaded: LoadedTable
    kpis: dict[str, Any]
    control_totals: dict[str, Any] = field(default_factory=dict)
    reconciliation: list[dict[str, Any]] = field(default_factory=list)
    comparison: dict[str, Any] | None = None


def period_block(period: str, as_of: dt.date, period_source: str) -> dict[str, str]:
    start, end = parse_period(period)
    return {
        "period": period,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "as_of": as_of.isoformat(),
        "period_source": period_source,
    }


def summarize_findings(findings: pd.DataFrame, rules: dict[str, Rule]) -> dict[str, Any]:
    """Total, count per severity, and count and amount per rule of the catalogue."""
    f = findings
    by_rule = {}
    for rule_id, rule in rules.items():
        mine = f["rule_id"] == rule_id
        by_rule[rule_id] = {
            "title": rule.title,
            "severity": rule.severity,
            "count": int(mine.sum()),
            "amount": round(float(f.loc[mine, "amount"].sum()), 2),
            "amount_basis": rule.amount,
        }
    return {
        "total": len(f),
        "by_severity": {s: int((f["severity"] == s).sum()) for s in SEVERITIES},
        "by_rule": by_rule,
    }


def write_review_files(
    out_dir: Path,
    *,
    findings: pd.DataFrame,
    summary: dict[str, Any],
    suite: str,
    validation: dict[str, Any],
    meta: dict[str, Any] | None = None,
) -> dict[str, Path]:
    """findings.csv, summary.json and validation/<suite>.json (deterministic text), returned
    by their paths in the run folder (the names the manifest and the registry use)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "validation").mkdir(exist_ok=True)
    validation_name = f"validation/{suite}.json"
    paths = {
        "findings.csv": out_dir / "findings.csv",
        "summary.json": out_dir / "summary.json",
        validation_name: out_dir / validation_name,
    }
    csv_safe(findings).to_csv(
        paths["findings.csv"], index=False, lineterminator="\n", float_format="%.2f"
    )
    paths["summary.json"].write_text(json.dumps(summary, indent=2, sort_keys=True) + "\n", "utf-8")
    doc = {
        "suite": suite,
        **(meta or {}),
        "note": "Protected values redacted: failing rows are listed by input row number only.",
        "batches": validation,
    }
    paths[validation_name].write_text(
        json.dumps(doc, indent=2, sort_keys=True, default=str) + "\n", "utf-8"
    )
    return paths
