"""The Excel workpaper (openpyxl, write-only for speed on large findings lists).

Sheets: Summary, Findings (frozen header, filters, patients as masked tokens), Rules,
Control totals (with the reconciliation), Prior period (when compared), Sign-off. Every text cell is
written as text: a value starting with ``=``, ``+``, ``-`` or ``@`` never becomes a formula.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from ..claims.standard_kpis import describe, number_format
from ..rules import CLAIMS_RULES
from ..xlsx import save_workbook
from .tables import codeset_table, hospital_table, rules_table

if TYPE_CHECKING:
    from ..claims.pipeline import ClaimsReview

_BOLD = Font(bold=True)
_HEAD = PatternFill("solid", fgColor="DDE3EA")


def styled_cell(
    ws, value: Any, *, bold: bool = False, header: bool = False, fmt: str | None = None
) -> WriteOnlyCell:
    if value is pd.NA or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        value = None
    if value is not None and not isinstance(value, (int, float, str)):
        value = str(value)
    c = WriteOnlyCell(ws, value=value)
    if isinstance(value, str):
        c.data_type = "s"  # text, never a formula, whatever it starts with
    if fmt:
        c.number_format = fmt
    if bold or header:
        c.font = _BOLD
    if header:
        c.fill = _HEAD
    return c


def write_rows(ws, rows: list[list[Any]], header: bool = False) -> None:
    for i, r in enumerate(rows):
        ws.append([styled_cell(ws, v, header=header and i == 0) for v in r])


def write_workpaper(review: ClaimsReview, path: Path) -> Path:
    wb = Workbook(write_only=True)
    s = review.summary
    c = s["counts"]["claims"]
    p = s["period"]

    ws = wb.create_sheet("Summary")
    ws.column_dimensions["A"].width = 34
    ws.column_dimensions["B"].width = 22
    ws.column_dimensions["C"].width = 90
    write_rows(ws, [["Claims quarterly review", "", ""]], header=True)
    write_rows(
        ws,
        [
            ["Period", p["period"], f"{p['start']} to {p['end']} ({p['period_source']})"],
            ["As-of date", p["as_of"], ""],
            ["Source", s["source"], ""],
            ["Tool version", s["tool"]["version"], ""],
            ["Lines read", c["rows_read"], "rows in the input file"],
            ["Lines checked", c["rows_checked"], "every line read is checked"],
            [
                "Lines with unparseable values",
                c["rows_rejected"],
                "listed as CLM-PARSE-01 findings",
            ],
            ["Claims", c["claims_read"], ""],
            ["Billed amount", c["billed_amount_total"], "sum of parsed billed_amount"],
            ["Allowed amount", c.get("allowed_amount_total"), "sum of parsed allowed_amount"],
            ["Paid amount", c.get("paid_amount_total"), "sum of parsed paid_amount"],
            ["Findings", s["findings"]["total"], ""],
            ["", "", ""],
        ],
    )
    k = review.kpis
    write_rows(ws, [["KPI", "value", "standard, formula, inputs"]], header=True)
    kpi_rows = [
        ("Claims read", k["claims_read"], "#,##0", "distinct claim_id"),
        ("Lines read", k["lines_read"], "#,##0", "rows in the input"),
    ]
    kpi_rows += [
        (d["label"], d["value"], number_format(d), describe(d)) for d in k["definitions"].values()
    ]
    for label, value, fmt, formula in kpi_rows:
        ws.append(
            [styled_cell(ws, label), styled_cell(ws, value, fmt=fmt), styled_cell(ws, formula)]
        )
    write_rows(ws, [["", "", ""]])
    by = []
    for rule_id, v in s["findings"]["by_rule"].items():
        stake = f" (amount at stake ${v['amount']:,.2f})" if CLAIMS_RULES[rule_id].amount else ""
        by.append([rule_id, v["count"], v["title"] + stake])
    write_rows(ws, [["Rule", "findings", "title"], *by, ["", "", ""]], header=True)
    cs = codeset_table(review).values.tolist()
    write_rows(ws, [["Code set", "release", "source"], *cs], header=True)

    ws = wb.create_sheet("Findings")
    f = review.findings.assign(patient=_patient_tokens(review))
    ws.freeze_panes = "A2"
    widths = {
        "rule_id": 14,
        "severity": 10,
        "dataset": 9,
        "record_key": 16,
        "row": 8,
        "field": 18,
        "detail": 110,
        "amount": 12,
        "fingerprint": 22,
        "patient": 18,
    }
    for i, col in enumerate(f.columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = widths.get(col, 14)
    last = get_column_letter(len(f.columns))
    ws.auto_filter.ref = f"A1:{last}{max(len(f), 1) + 1}"
    ws.append([styled_cell(ws, col, header=True) for col in f.columns])
    for rec in f.itertuples(index=False, name=None):  # writing cells: one call per finding
        ws.append([styled_cell(ws, v) for v in rec])

    ws = wb.create_sheet("Rules")
    rt = rules_table(review)
    for i, w in enumerate([14, 60, 24, 70, 10, 14, 100], start=1):
        ws.column_dimensions[get_column_letter(i)].width = w
    write_rows(ws, [list(rt.columns), *rt.values.tolist()], header=True)

    ws = wb.create_sheet("Control totals")
    for col, w in zip("ABCDEF", (28, 18, 18, 14, 12, 14), strict=True):
        ws.column_dimensions[col].width = w
    t = review.control_totals
    rows: list[list[Any]] = [
        ["Measure", "Value", "", "", "", ""],
        ["rows", t["rows"], "", "", "", ""],
    ]
    rows += [[k, v, "", "", "", ""] for k, v in t["amounts"].items()]
    rows += [[f"{k} first / last", v["min"], v["max"], "", "", ""] for k, v in t["dates"].items()]
    write_rows(ws, rows, header=True)
    write_rows(ws, [["", "", "", "", "", ""]])
    recon = [
        ["Reconciliation: measure", "input", "control total", "difference", "tolerance", "status"]
    ]
    recon += [
        [r["measure"], r["actual"], r["expected"], r["difference"], r["tolerance"], r["status"]]
        for r in review.reconciliation
    ]
    if not review.reconciliation:
        recon.append(
            ["no control totals file given: population not reconciled", "", "", "", "", ""]
        )
    write_rows(ws, recon, header=True)

    carc = review.kpis["tables"].get("remit_adjustments_by_carc")
    if carc is not None:
        ws = wb.create_sheet("835 adjustments")
        for col, w in zip("ABCDEFGHIJ", (8, 8, 12, 8, 8, 14, 16, 10, 9, 50), strict=True):
            ws.column_dimensions[col].width = w
        write_rows(ws, [list(carc.columns), *carc.values.tolist()], header=True)

    hospital = hospital_table(review)
    if hospital is not None:  # inpatient stays, transfers and the DRG regroup
        ws = wb.create_sheet("Hospital")
        for col, w in zip("ABC", (48, 16, 90), strict=True):
            ws.column_dimensions[col].width = w
        write_rows(ws, [list(hospital.columns), *hospital.values.tolist()], header=True)

    rejected = review.kpis["tables"].get("first_pass_rejections")
    if rejected is not None:  # the claims the first 277CA rejected (HFMA CL-1 numerator misses)
        ws = wb.create_sheet("First-pass rejections")
        for col, w in zip("ABCDEF", (18, 12, 12, 14, 28, 16), strict=True):
            ws.column_dimensions[col].width = w
        write_rows(ws, [list(rejected.columns), *rejected.values.tolist()], header=True)

    if review.comparison is not None:
        ws = wb.create_sheet("Prior period")
        ws.column_dimensions["A"].width = 12
        ws.column_dimensions["E"].width = 100
        counts = review.comparison["counts"]
        write_rows(ws, [["Compared with", review.comparison["prior"], "", "", ""]], header=True)
        write_rows(ws, [[k, v, "", "", ""] for k, v in counts.items()])
        write_rows(ws, [["status", "rule_id", "record_key", "field", "detail"]], header=True)
        cur = review.findings.assign(status=review.comparison["status"])
        for rec in cur[["status", "rule_id", "record_key", "field", "detail"]].itertuples(
            index=False, name=None
        ):
            ws.append([styled_cell(ws, v) for v in rec])
        res = review.comparison["resolved"]
        for rec in res[["rule_id", "record_key", "field", "detail"]].itertuples(
            index=False, name=None
        ):
            ws.append([styled_cell(ws, v) for v in ("resolved", *rec)])

    write_signoff_template(wb)
    path.parent.mkdir(parents=True, exist_ok=True)
    save_workbook(wb, path, stamp=review.as_of)
    return path


def write_signoff_template(wb: Workbook) -> None:
    """The Sign-off sheet before anyone signed (``audit signoff`` rewrites it)."""
    ws = wb.create_sheet("Sign-off")
    for col, width in zip("ABCDE", (12, 28, 22, 50, 66), strict=True):
        ws.column_dimensions[col].width = width
    write_rows(
        ws,
        [
            ["Role", "Name", "Date", "Note", "Bound to manifest SHA-256"],
            ["preparer", "", "", "not signed: audit signoff RUN_DIR --role preparer", ""],
            ["reviewer", "", "", "not signed: audit signoff RUN_DIR --role reviewer", ""],
        ],
        header=True,
    )


def _patient_tokens(review: ClaimsReview):
    """The masked patient of each finding (empty for findings about the whole input)."""
    from ..phi import Masker

    ids = review.lines.set_index("_row")["patient_id"].reindex(review.findings["row"].to_numpy())
    tokens = Masker().mask_series(ids.reset_index(drop=True))
    tokens.index = review.findings.index
    return tokens
