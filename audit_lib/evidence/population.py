"""Population completeness: control totals of an input and their reconciliation (EVD-POP-01).

A control totals file (CSV) says what the source system or general ledger reports for the
input, one measure a row::

    input,measure,expected
    claims,rows,7694
    claims,billed_amount,731509.50

``rows`` must match exactly; dollar measures within the configured tolerance.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputError

AMOUNT_MEASURES = ("billed_amount", "allowed_amount", "paid_amount", "patient_responsibility")
DATE_MEASURES = ("service_date", "service_date_to", "submission_date", "paid_date")


def compute_control_totals(
    lines: pd.DataFrame,
    rows_read: int,
    *,
    amounts_of: tuple[str, ...] = AMOUNT_MEASURES,
    dates_of: tuple[str, ...] = DATE_MEASURES,
) -> dict[str, Any]:
    """Rows, dollar totals of each amount column, first and last date of each date column."""
    amounts = {c: round(float(lines[c].sum()), 2) for c in amounts_of if c in lines}
    dates = {}
    for c in dates_of:
        if c in lines and lines[c].notna().any():
            dates[c] = {
                "min": lines[c].min().date().isoformat(),
                "max": lines[c].max().date().isoformat(),
                "missing": int(lines[c].isna().sum()),
            }
    return {"rows": int(rows_read), "amounts": amounts, "dates": dates}


def load_control_file(
    path: str | Path, *, measures: tuple[str, ...] = AMOUNT_MEASURES
) -> pd.DataFrame:
    p = Path(path)
    if not p.is_file():
        raise InputError(f"control totals file {p} does not exist.", path=p)
    try:
        frame = pd.read_csv(p, dtype=str, keep_default_na=False)
    except Exception as exc:
        raise InputError(f"{p.name} is not a readable CSV file: {exc}.", path=p) from None
    frame.columns = [c.strip().lower() for c in frame.columns]
    missing = [c for c in ("input", "measure", "expected") if c not in frame.columns]
    if missing:
        raise InputError(
            f"{p.name} is missing column(s) {', '.join(missing)}: a control totals file has "
            "the columns input, measure, expected.",
            path=p,
        )
    expected = pd.to_numeric(frame["expected"].str.replace(",", "", regex=False), errors="coerce")
    bad = expected.isna()
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0]) + 2
        raise InputError(
            f"{p.name} row {row}: expected {frame['expected'].iloc[row - 2]!r} is not a number.",
            path=p,
            column="expected",
            row=row,
        )
    known = {"rows", *measures}
    unknown = sorted(set(frame["measure"].str.strip()) - known)
    if unknown:
        raise InputError(
            f"{p.name}: unknown measure(s) {', '.join(unknown)}; use rows or "
            f"{', '.join(measures)}.",
            path=p,
        )
    return pd.DataFrame(
        {
            "input": frame["input"].str.strip(),
            "measure": frame["measure"].str.strip(),
            "expected": expected,
        }
    )


def reconcile(
    totals: dict[str, Any], control: pd.DataFrame | None, *, dataset: str, tolerance: float
) -> tuple[list[dict[str, Any]], pd.DataFrame]:
    """Compare control totals with the control file: a table and the EVD-POP-01 findings."""
    table: list[dict[str, Any]] = []
    if control is None:
        return table, pd.DataFrame()
    for rec in control[control["input"] == dataset].itertuples(index=False):
        actual = totals["rows"] if rec.measure == "rows" else totals["amounts"].get(rec.measure)
        tol = 0.0 if rec.measure == "rows" else tolerance
        diff = None if actual is None else round(float(actual) - float(rec.expected), 2)
        ok = diff is not None and abs(diff) <= tol + 1e-9
        table.append(
            {
                "input": dataset,
                "measure": rec.measure,
                "actual": actual,
                "expected": float(rec.expected),
                "difference": diff,
                "tolerance": tol,
                "status": "reconciled" if ok else "difference",
            }
        )
    rows = [t for t in table if t["status"] != "reconciled"]
    findings = pd.DataFrame(
        {
            "rule_id": "EVD-POP-01",
            "severity": "error",
            "dataset": dataset,
            "record_key": [f"{dataset}:{t['measure']}" for t in rows],
            "row": 0,
            "field": [t["measure"] for t in rows],
            "detail": [
                f"{t['measure']} of the input is {_fmt(t['actual'], t['measure'])} but the control "
                f"total is {_fmt(t['expected'], t['measure'])} (difference "
                f"{_fmt(t['difference'], t['measure'])}, "
                f"tolerance {_fmt(t['tolerance'], t['measure'])})"
                for t in rows
            ],
            "amount": [t["difference"] if t["measure"] != "rows" else np.nan for t in rows],
            "trigger": [f"{t['actual']}|{t['expected']}" for t in rows],
        }
    )
    return table, findings


def _fmt(value: Any, measure: str) -> str:
    if value is None:
        return "(not available)"
    return f"{value:,.0f}" if measure == "rows" else f"{value:,.2f}"
