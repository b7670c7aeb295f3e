"""The access-review workpaper: Summary, Review (one row per case, with the disposition,
reviewer and date columns the privacy officer fills in), Case events, Findings, Rules and
Sign-off. Patients appear only as tokens; evidence names what matched, never the value."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
from openpyxl import Workbook
from openpyxl.worksheet.datavalidation import DataValidation

from ..access.cases import DISPOSITIONS
from ..rules import ACCESS_RULES
from ..xlsx import save_workbook
from .refunds_workpaper import add_sheet, rules_sheet
from .workpaper import write_signoff_template

if TYPE_CHECKING:
    from ..access.pipeline import AccessReview

MAX_EVENT_ROWS = 200_000  # the full list is in case_events.csv


def _text_times(frame: pd.DataFrame, cols: tuple[str, ...]) -> pd.DataFrame:
    out = frame.copy()
    for c in cols:
        if c in out:
            out[c] = pd.to_datetime(out[c]).dt.strftime("%Y-%m-%d %H:%M:%S")
    return out


def write_access_workpaper(review: AccessReview, path: Path) -> Path:
    s = review.summary
    c = s["counts"]["access_log"]
    cs = s["cases"]
    ident = s["statistics"]["identity_resolution"]
    wb = Workbook(write_only=True)
    rows = [
        ["Period", s["period"]["period"], f"{s['period']['start']} to {s['period']['end']}"],
        ["As-of date", s["period"]["as_of"], ""],
        ["Source", s["source"], ""],
        ["Site time zone", review.config.access.site_timezone, "local clock of per-day rules"],
        ["Events read", c["rows_read"], "rows in the access log"],
        ["Events checked", c["rows_checked"], "every event read is checked for integrity"],
        [
            "Events left out of detection",
            c["rows_left_out"],
            "; ".join(f"{k.replace('_', ' ')}: {v}" for k, v in c["left_out"].items()),
        ],
        ["Events in detection", c["rows_in_detection"], "read by the LOG-R rules"],
        [
            "User ids found in the roster",
            f"{ident['mapped_user_ids']} of {ident['user_ids']}",
            f"threshold {review.config.access.identity_resolution_min:.0%} (LOG-I-05)",
        ],
        ["Cases", cs["total"], "one row each on the Review sheet"],
        ["Users with cases", cs["users"], ""],
        ["Distinct patients in cases", cs["distinct_patients"], ""],
        [
            f"Cases reaching {cs['breach_threshold']} individuals",
            cs["cases_reaching_breach_threshold"],
            "would require HHS notice with the individual notices if a breach (164.408)",
        ],
        ["Findings", s["findings"]["total"], "findings.csv"],
    ]
    add_sheet(wb, "Summary", ["Item", "Value", "Note"], rows, [36, 22, 90])
    cases = _text_times(review.cases, ("first_event", "last_event"))
    ws_cols = list(cases.columns)
    add_sheet(
        wb,
        "Review",
        ws_cols,
        cases.astype(object).where(cases.notna(), "").values.tolist(),
        [14, 12, 18, 10, 9, 6, 19, 19, 30, 9, 7, 90, 40, 10, 28, 16, 12, 40],
    )
    ws = wb["Review"]
    if len(cases):
        col = chr(ord("A") + ws_cols.index("disposition"))
        dv = DataValidation(
            type="list",
            formula1='"' + ",".join(DISPOSITIONS) + '"',
            allow_blank=True,
            showErrorMessage=True,
            errorTitle="Disposition",
            error="Choose one of the four dispositions.",
        )
        dv.add(f"{col}2:{col}{len(cases) + 1}")
        ws.data_validations.dataValidation.append(dv)
    ev = _text_times(review.case_events.head(MAX_EVENT_ROWS), ("ts_local",))
    add_sheet(wb, "Case events", list(ev.columns), ev.values.tolist(), [14, 14, 10, 19, 12, 18, 30])
    f = review.findings
    add_sheet(
        wb,
        "Findings",
        list(f.columns),
        f.astype(object).where(f.notna(), "").values.tolist(),
        [12, 9, 12, 28, 9, 12, 110, 8, 22],
    )
    rules_sheet(wb, ACCESS_RULES, s["findings"]["by_rule"], [14, 70, 10, 50, 10])
    write_signoff_template(wb)
    path.parent.mkdir(parents=True, exist_ok=True)
    save_workbook(wb, path, stamp=review.as_of)
    return path
