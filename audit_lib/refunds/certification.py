"""The CMS-838 certification pages as filed: REF-CB-03 (timely, signed, dated, titled) and
REF-CB-06 (one for every quarter and provider number, even with no credit balances).

The overpayment log says which credit balances belong on the report; it cannot say whether the
report was filed. That is a small table the compliance office keeps, one row per provider
number and quarter: ``provider_ptan``, ``quarter`` (``2026Q3``), ``submitted_date``,
``certified_by``, ``signer_title``, ``signed_date`` and optional ``statement`` (low utilization /
detail attached / no credit balances). Given with ``--cms838-certification``; without it both
rules are reported as not evaluated.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from ..findings import parse_error_findings
from ..tables import ColumnSpec as C
from ..tables import TableSchema, load_table
from .cms838 import due_date

__all__ = ["CERTIFICATION_SCHEMA", "certification_findings"]

CERTIFICATION_SCHEMA = TableSchema(
    name="cms838_certification",
    rule_prefix="REF",
    columns=(
        C("provider_ptan", "text", required=True),
        C("quarter", "text", required=True),
        # a page is judged by all four (REF-CB-03): a table without one is refused, naming it
        C("submitted_date", "date", required=True),
        C("certified_by", "text", required=True),
        C("signer_title", "text", required=True),
        C("signed_date", "date", required=True),
        C("statement", "text"),
    ),
)
DATASET = "cms838_certification"


def _finding(rows: pd.DataFrame, rule: str, field: str, detail: pd.Series) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "rule_id": rule,
            "severity": "error",
            "dataset": DATASET,
            "record_key": rows["record_key"].astype("string"),
            "row": rows["_row"].astype("int64"),
            "field": field,
            "detail": detail.astype("string"),
            "amount": float("nan"),
            "trigger": rule + "|" + rows["record_key"].astype("string"),
        }
    )


def certification_findings(
    path: str | Path | None, *, quarter: str, ptans: list[str]
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Findings (with ``trigger``) and what was evaluated, for the review ``quarter`` and the
    provider numbers ``ptans`` (those of the overpayment log and the configured ones)."""
    if path is None:
        return pd.DataFrame(), {
            "evaluated": False,
            "note": "no certification table given (--cms838-certification): REF-CB-03 and "
            "REF-CB-06 not evaluated",
        }
    loaded = load_table(path, CERTIFICATION_SCHEMA)
    f = loaded.frame.copy()
    f["provider_ptan"] = f["provider_ptan"].astype("string").str.strip()
    f["quarter"] = f["quarter"].astype("string").str.strip().str.upper()
    f["record_key"] = f["provider_ptan"].fillna("") + " " + f["quarter"].fillna("")
    parse = parse_error_findings(
        loaded.parse_errors, f[["_row", "record_key"]], prefix="REF", dataset=DATASET
    )
    due = due_date(quarter)
    mine = f[f["quarter"].eq(quarter).fillna(False)]
    parts = [parse]
    submitted = mine["submitted_date"]
    late = mine[submitted.isna() | (submitted > due)]
    if len(late):
        text = late["submitted_date"].dt.strftime("%Y-%m-%d")
        parts.append(
            _finding(
                late, "REF-CB-03", "submitted_date",
                ("submitted " + text + ", after the due date " + f"{due:%Y-%m-%d}").fillna(
                    f"no submission date (due {due:%Y-%m-%d})"
                ),
            )
        )  # fmt: skip
    blank = {
        c: mine[c].astype("string").str.strip().fillna("").eq("")
        for c in ("certified_by", "signer_title")
    }
    blank["signed_date"] = mine["signed_date"].isna()
    missing = pd.DataFrame(blank)
    unsigned = missing.any(axis=1)
    if unsigned.any():
        what = missing[unsigned].apply(
            lambda r: ", ".join(c.replace("_", " ") for c in r.index[r]), axis=1
        )  # per flawed certification row only
        parts.append(
            _finding(
                mine[unsigned], "REF-CB-03", "certified_by",
                "certification page without " + what + ": it must be signed and dated by an "
                "officer or administrator, with the signer's title",
            )
        )  # fmt: skip
    have = set(mine["provider_ptan"].dropna())
    absent = sorted(set(ptans) - have)
    if absent:
        rows = pd.DataFrame({"record_key": [f"{p} {quarter}" for p in absent], "_row": 0})
        parts.append(
            _finding(
                rows, "REF-CB-06", "provider_ptan",
                pd.Series([f"no certification page for provider number {p} for {quarter}, "
                           "required every quarter even with no credit balances" for p in absent]),
            )
        )  # fmt: skip
    parts = [p for p in parts if len(p)]
    found = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    return found, {
        "evaluated": True,
        "file": Path(path).name,
        "rows_read": loaded.rows_read,
        "rows_for_quarter": len(mine),
        "provider_numbers_expected": sorted(ptans),
        "due_date": f"{due:%Y-%m-%d}",
    }
