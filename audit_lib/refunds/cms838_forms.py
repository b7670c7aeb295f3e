"""The CMS-838 workbooks: one per provider number, a certification page and a detail page per
Medicare Part, each laid out to print on one page.

Two copies are written from the same detail frame (:func:`.cms838.build_credit_balance_report`):

* the **working copy** in the run folder (``cms838/<provider number>.xlsx``), with masked
  tokens in columns 1 and 2: it is part of the sealed run and the evidence package;
* the **filing copy**, made only when asked (``audit refunds --filing-copy DIR``), in a folder
  outside the run, with the beneficiary names and MBIs of the overpayment log. It is never an
  output of the run: the run's manifest records that it was made (file, SHA-256, who, when),
  not its content.

The certification page carries every field of the form (OMB 0938-0600): provider name and
number, the quarter ended, the three check-one statements, the certification text, the
signature, printed name, title and date of the officer or administrator, and the contact
person and telephone. Fields the log cannot supply come from ``[cms838]`` in the config; the
signature and its date are left for the signer.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pandas as pd

from ..config import parse_period
from .cms838 import DETAIL_COLUMNS

__all__ = ["write_filing_copies", "write_working_copies"]

NO_PTAN = "no-provider-number"
STATEMENT = (
    "I HEREBY CERTIFY that I have read the above statements and that I have examined the "
    "accompanying credit balance report prepared by {name} (provider name), {ptan} (provider "
    "number), for the calendar quarter ended {end}, and that it is a true, correct, and "
    "complete statement prepared from the books and records of the provider in accordance "
    "with applicable Federal laws, regulations and instructions."
)
CHECK_ONE = (
    ("detail", "The Detail page(s) of this report are attached: the provider has Medicare "
     "credit balances at the end of the quarter."),
    ("none", "The provider has no Medicare credit balances at the end of the quarter."),
    ("low", "The provider is a low-utilization provider (fewer than 25 Medicare claims a year) "
     "and is not required to file the Detail page; a letter is attached."),
)  # fmt: skip


def _put(ws, row: int, col: int, value: Any, *, bold: bool = False):
    from openpyxl.styles import Font

    if value is pd.NA or value is pd.NaT or (isinstance(value, float) and pd.isna(value)):
        value = None
    if isinstance(value, pd.Timestamp):
        value = value.strftime("%m/%d/%Y")
    c = ws.cell(row=row, column=col, value=value)
    if isinstance(value, str):
        c.data_type = "s"  # text, never a formula, whatever it starts with
    if bold:
        c.font = Font(bold=True)
    return c


def _one_page(ws, *, landscape: bool) -> None:
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 1
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def _certification(wb, ptan: str, quarter: str, detail: pd.DataFrame, info: dict) -> None:
    ws = wb.create_sheet("Certification")
    ws.column_dimensions["A"].width = 34
    ws.column_dimensions["B"].width = 86
    end = pd.Timestamp(parse_period(quarter)[1]).strftime("%m/%d/%Y")
    name = (info.get("provider_names") or {}).get(ptan, "")
    checked = "detail" if len(detail) else "none"
    rows: list[tuple[str, Any]] = [
        ("MEDICARE CREDIT BALANCE REPORT (CMS-838), CERTIFICATION PAGE", ""),
        ("Form", "CMS-838, OMB No. 0938-0600"),
        ("Provider name", name),
        ("Provider number", "" if ptan == NO_PTAN else ptan),
        ("Calendar quarter ended", end),
        ("Check one", ""),
    ]
    rows += [(("[X] " if key == checked else "[ ] "), text) for key, text in CHECK_ONE]
    rows += [
        ("Certification", STATEMENT.format(name=name or "(provider name)", ptan=ptan, end=end)),
        ("Signature of officer or administrator", ""),
        ("Printed name", info.get("certifier_name", "")),
        ("Title", info.get("certifier_title", "")),
        ("Date", ""),
        ("Contact person", info.get("contact_name", "")),
        ("Telephone number", info.get("contact_phone", "")),
    ]
    for i, (label, value) in enumerate(rows, start=1):
        _put(ws, i, 1, label, bold=True)
        _put(ws, i, 2, value)
    from openpyxl.styles import Alignment

    for row in ws.iter_rows(min_col=2, max_col=2):
        row[0].alignment = Alignment(wrap_text=True, vertical="top")
    _one_page(ws, landscape=False)


def _detail_page(wb, title: str, rows: pd.DataFrame, ptan: str, quarter: str) -> None:
    ws = wb.create_sheet(title)
    end = pd.Timestamp(parse_period(quarter)[1]).strftime("%m/%d/%Y")
    _put(ws, 1, 1, f"MEDICARE CREDIT BALANCE REPORT (CMS-838), DETAIL PAGE, {title[7:]}", bold=True)
    _put(ws, 2, 1, f"Provider number {ptan}; calendar quarter ended {end}")
    for j, (n, _col, header) in enumerate(DETAIL_COLUMNS, start=1):
        _put(ws, 3, j, f"({n})", bold=True)
        _put(ws, 4, j, header, bold=True)
    columns = [c for _n, c, _h in DETAIL_COLUMNS]
    for i, rec in enumerate(rows[columns].itertuples(index=False, name=None), start=5):
        for j, v in enumerate(rec, start=1):
            _put(ws, i, j, v)
    total = len(rows) + 5
    _put(ws, total, 1, "Totals", bold=True)
    for name in ("credit_balance", "repaid_with_report", "outstanding"):
        _put(ws, total, columns.index(name) + 1, round(float(rows[name].sum()), 2), bold=True)
    for j in range(1, len(columns) + 1):
        ws.column_dimensions[ws.cell(row=4, column=j).column_letter].width = 16
    ws.print_title_rows = "3:4"
    _one_page(ws, landscape=True)


def _providers(detail: pd.DataFrame, ptans: list[str]) -> list[str]:
    logged = set(detail["provider_ptan"].dropna().astype(str))
    out = sorted(set(ptans) | logged)
    return out + ([NO_PTAN] if detail["provider_ptan"].isna().any() else [])


def _workbooks(detail: pd.DataFrame, *, quarter: str, ptans: list[str], folder: Path,
               info: dict, name_of) -> list[Path]:  # fmt: skip
    from openpyxl import Workbook

    from ..xlsx import save_workbook

    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for ptan in _providers(detail, ptans):
        mine = detail[
            detail["provider_ptan"].isna() if ptan == NO_PTAN else detail["provider_ptan"].eq(ptan)
        ].fillna({"provider_ptan": ""})
        wb = Workbook()
        wb.remove(wb.active)
        _certification(wb, ptan, quarter, mine, info)
        part = mine["medicare_part"].astype("string")
        for label, rows in (("A", mine[part.eq("A").fillna(False)]),
                            ("B", mine[part.eq("B").fillna(False)]),
                            ("(Part not given)", mine[part.isna()])):  # fmt: skip
            if len(rows):
                title = f"Detail Part {label}" if len(label) == 1 else "Detail (Part not given)"
                _detail_page(wb, title, rows, ptan, quarter)
        path = folder / name_of(ptan)
        save_workbook(wb, path)
        paths.append(path)
    return paths


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", text)


def write_working_copies(
    detail: pd.DataFrame, *, quarter: str, ptans: list[str], folder: Path, info: dict
) -> list[Path]:
    """The masked working copy: ``folder/<provider number>.xlsx`` for every provider number."""
    return _workbooks(detail, quarter=quarter, ptans=ptans, folder=folder, info=info,
                      name_of=lambda p: f"{_safe(p)}.xlsx")  # fmt: skip


def write_filing_copies(
    detail: pd.DataFrame,
    frame: pd.DataFrame,
    *,
    quarter: str,
    ptans: list[str],
    folder: Path,
    info: dict,
) -> list[Path]:
    """The filing copy, with the log's beneficiary names and MBIs in columns 1 and 2 (where
    the log lacks them, the cell stays empty and REF-CB-07 has reported the line)."""
    by_row = frame.set_index("_row")
    real = detail.copy()
    for col, src in (("beneficiary", "beneficiary_name"), ("medicare_id", "mbi")):
        values = by_row[src] if src in by_row else pd.Series(pd.NA, index=by_row.index)
        real[col] = values.reindex(real["row"].to_numpy()).to_numpy()
    return _workbooks(real, quarter=quarter, ptans=ptans, folder=folder, info=info,
                      name_of=lambda p: f"CMS-838_{_safe(p)}_{quarter}.xlsx")  # fmt: skip
