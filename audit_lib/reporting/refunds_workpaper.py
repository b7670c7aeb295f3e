"""The refunds workpaper: Summary, Findings (patients as tokens), Rules, Deadline calendar,
Credit balances (CMS-838 detail) and Sign-off (the same sheet `audit signoff` rewrites)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from ..rules import REFUNDS_RULES
from ..xlsx import save_workbook
from .workpaper import styled_cell, write_rows, write_signoff_template

if TYPE_CHECKING:
    from ..refunds.pipeline import RefundsReview


def add_sheet(wb, title: str, header: list[str], rows: list[list[Any]], widths: list[int]) -> None:
    ws = wb.create_sheet(title)
    for i, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = w
    ws.freeze_panes = "A2"
    write_rows(ws, [header], header=True)
    for r in rows:
        ws.append([styled_cell(ws, v) for v in r])


def rules_sheet(wb, catalogue: dict, by_rule: dict, widths: list[int]) -> None:
    """The Rules sheet: every rule of the catalogue with its findings count and definition."""
    rows = [
        [r.rule_id, r.title, r.severity, r.source, by_rule[r.rule_id]["count"], r.definition]
        for r in catalogue.values()
    ]
    header = ["rule_id", "title", "severity", "source", "findings", "definition"]
    add_sheet(wb, "Rules", header, rows, [*widths, 100][: len(header)])


def write_refunds_workpaper(review: RefundsReview, path: Path) -> Path:
    from ..phi import Masker

    s = review.summary
    k = review.kpis
    c = s["counts"]["overpayments"]
    wb = Workbook(write_only=True)
    summary_rows = [
        ["Period", s["period"]["period"], f"{s['period']['start']} to {s['period']['end']}"],
        ["As-of date", s["period"]["as_of"], ""],
        ["Source", s["source"], ""],
        ["60-day clock after a suspension", s["clock"]["resume"], s["clock"]["meaning"]],
        ["Overpayments read", c["rows_read"], "rows in the input file"],
        ["Overpayments checked", c["rows_checked"], "every row read is checked"],
        ["Rows with unparseable values", c["rows_rejected"], "listed as REF-PARSE-01 findings"],
        ["Open overpayments", k["open"], f"${k['open_amount']:,.2f}"],
        [
            "Returned within the deadline",
            k["returned_within_60_days"],
            k["formulas"]["returned_within_60_days"],
        ],
        [
            "Median days identified to returned",
            k["median_days_to_return"],
            k["formulas"]["median_days_to_return"],
        ],
        ["Dollars overdue", k["dollars_overdue"], k["formulas"]["dollars_overdue"]],
        [
            "CMS-838 rows / due date",
            s["credit_balance_report"]["rows"],
            f"due {s['credit_balance_report']['due_date']} (credit_balance_report.xlsx)",
        ],
        ["Findings", s["findings"]["total"], ""],
    ]
    add_sheet(wb, "Summary", ["Item", "Value", "Note"], summary_rows, [36, 22, 90])
    masked = Masker().mask_series(
        review.frame.set_index("_row")["patient_id"]
        .reindex(review.findings["row"].to_numpy())
        .reset_index(drop=True)
    )
    f = review.findings.assign(patient=masked.to_numpy())
    add_sheet(
        wb, "Findings", list(f.columns), f.values.tolist(), [12, 9, 13, 14, 7, 20, 100, 12, 22, 18]
    )
    rules_sheet(wb, REFUNDS_RULES, s["findings"]["by_rule"], [14, 60, 10, 60, 10])
    t = s["control_totals"]["overpayments"]
    totals = [["rows", t["rows"], ""]]
    totals += [[m, v, ""] for m, v in t["amounts"].items()]
    totals += [[f"{m} first / last", v["min"], v["max"]] for m, v in t["dates"].items()]
    totals += [["", "", ""], ["Reconciliation: measure", "input / control total", "status"]]
    totals += [
        [r["measure"], f"{r['actual']} / {r['expected']}", r["status"]]
        for r in review.reconciliation
    ] or [["no control totals file given", "", ""]]
    if review.comparison is not None:
        totals += [["", "", ""], ["Prior period", review.comparison["prior"], ""]]
        totals += [[key, v, ""] for key, v in review.comparison["counts"].items()]
    add_sheet(wb, "Control totals", ["Measure", "Value", ""], totals, [30, 18, 18])
    cal = k["tables"]["deadline_calendar"]
    add_sheet(
        wb,
        "Deadline calendar",
        ["overpayment", "payer type", "amount", "deadline", "basis"],
        [[r[0], r[1], r[2], f"{r[3]:%Y-%m-%d}", r[4]] for r in cal.values.tolist()],
        [16, 12, 12, 12, 80],
    )
    cb = review.credit_balances.drop(columns=["row"])
    add_sheet(
        wb,
        "Credit balances",
        list(cb.columns),
        [
            [v.strftime("%Y-%m-%d") if hasattr(v, "strftime") and v == v else v for v in r]
            for r in cb.values.tolist()
        ],
        [14] * len(cb.columns),
    )
    write_signoff_template(wb)
    path.parent.mkdir(parents=True, exist_ok=True)
    save_workbook(wb, path, stamp=review.as_of)
    return path
