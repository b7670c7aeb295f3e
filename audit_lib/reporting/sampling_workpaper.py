"""The sampling workpaper: Plan (what was sampled, how, and how to regenerate it),
Selections (one row per sampled item, with the columns the reviewer fills in) and, once the
results are in, Appraisal (estimate, standard error, limits at 80/90/95%)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook, load_workbook

from .._version import __version__
from ..errors import InputError
from ..xlsx import save_workbook
from .refunds_workpaper import add_sheet

__all__ = ["read_selections", "write_sampling_workpaper"]

SELECTION_COLUMNS = [
    "selection_order",
    "record_key",
    "stratum",
    "spare",
    "examined_amount",
    "audited_amount",
    "reviewer",
    "notes",
]


def _plan_rows(plan: dict[str, Any]) -> list[list[Any]]:
    f = plan.get("frame", {})
    strata = plan.get("strata_boundaries") or []
    return [
        ["Objective", plan.get("objective", ""), ""],
        ["Universe", plan.get("population_file", ""), plan.get("population_sha256", "")],
        ["Sampling unit", plan.get("unit", ""), ""],
        ["Frame items", f.get("rows", ""), "every item of the universe, ordered by record_key"],
        ["Frame dollars", f.get("dollars", ""), ""],
        ["Frame SHA-256", f.get("sha256_of_ordered_keys", ""), "of the ordered record keys"],
        ["Design", plan.get("design", ""), ""],
        ["Strata (dollar boundaries)", ", ".join(str(b) for b in strata) or "(none)",
         plan.get("strata_method", "")],
        ["Certainty threshold", plan.get("certainty_threshold") or "(none)", ""],
        ["Universe by stratum", _kv(plan.get("universe_by_stratum", {})), ""],
        ["Sample size", plan.get("size", ""), plan.get("size_method", "given")],
        ["Sample by stratum", _kv(plan.get("sizes_by_stratum", {})), ""],
        ["Spares", plan.get("spares", 0), "used in selection order to replace unusable items"],
        ["Seed", plan.get("seed", ""), "regenerates the sample: audit sample ... --seed"],
        ["Generator", plan.get("generator", ""), f"numpy {plan.get('numpy', '')}"],
        ["Sample SHA-256", plan.get("sample_sha256", ""), "of the selected record keys"],
        ["Software", f"audit-suite {__version__}", ""],
    ]  # fmt: skip


def _kv(d: dict) -> str:
    return ", ".join(f"{k}: {v}" for k, v in d.items())


def _appraisal_rows(doc: dict[str, Any]) -> list[list[Any]]:
    if doc.get("design") == "mus":
        rows = [
            ["Design", "monetary-unit (PPS)", doc["convention"]],
            ["Sample size / interval", f"{doc['n']} / {doc['interval']:,.2f}", ""],
        ]
        for lvl, e in doc["evaluations"].items():
            for way in ("overstatement", "understatement"):
                d = e[way]
                rows.append(
                    [
                        f"{lvl}% upper {way} limit",
                        d["upper_misstatement_limit"],
                        f"{d['misstatements']} misstatements: projected "
                        f"{d['projected_misstatement']:,.2f} + basic precision "
                        f"{d['basic_precision']:,.2f} + incremental "
                        f"{d['incremental_allowance']:,.2f}",
                    ]
                )
            rows.append(
                [f"{lvl}% net limits", f"{e['net_overstatement_limit']:,.2f} over / "
                 f"{e['net_understatement_limit']:,.2f} under",
                 "each bound less the other direction's projected misstatement"]
            )  # fmt: skip
        return rows
    if doc.get("design") == "attribute":
        rows = [
            ["Errors / sample", f"{doc['errors']} / {doc['n']}", f"rate {doc['rate']:.4%}"],
            ["Method", doc["method"], f"{doc['sidedness']}-sided"],
        ]
        rows += [
            [f"{lvl}% limits (rate)", f"{v['lower_rate']:.4%} to {v['upper_rate']:.4%}", ""]
            for lvl, v in doc["limits"].items()
        ]
        return rows
    rows = [
        ["Design", doc["design"], doc.get("convention", "")],
        ["Sample size n / universe N", f"{doc['n']} / {doc['N']}", ""],
        ["Point estimate (overpayment)", doc["point_estimate"], "N x mean difference"],
        ["Standard error", doc["standard_error"], "with the finite population correction"],
        ["Degrees of freedom", doc["degrees_of_freedom"], ""],
    ]
    for lvl, v in doc["limits"].items():
        rows.append(
            [
                f"{lvl}% {doc['sidedness']}-sided limits",
                f"{v['lower']:,.2f} to {v['upper']:,.2f}",
                f"precision {v['precision_amount']:,.2f}"
                + (
                    f" ({v['precision_percent']:.2f}%)"
                    if v["precision_percent"] is not None
                    else ""
                ),
            ]
        )
    for name, est in (doc.get("estimators") or {}).items():
        two = est["limits_two_sided"]["90"]
        rows.append(
            [f"{name} ({est['estimator']})", est["point_estimate"],
             f"SE {est['standard_error']:,.2f}; two-sided 90% {two['lower']:,.2f} to "
             f"{two['upper']:,.2f}; one-sided 90% lower "
             f"{est['limits_one_sided']['90']['lower']:,.2f}"]
        )  # fmt: skip
    for purpose, v in (doc.get("repayment") or {}).items():
        rows.append(
            [f"To repay: {purpose.replace('_', ' ')}", v["amount"], f"{v['basis']}. {v['source']}"]
        )
    return rows


def write_sampling_workpaper(
    path: Path,
    *,
    plan: dict[str, Any] | None,
    selections: pd.DataFrame,
    appraisal: dict[str, Any] | None = None,
) -> Path:
    """Write the workbook; ``selections`` has at least record_key and examined_amount."""
    wb = Workbook(write_only=True)
    if plan is not None:
        rows = [*_plan_rows(plan), ["Drawn", plan.get("drawn_at", dt.date.today().isoformat()), ""]]
        add_sheet(wb, "Plan", ["Item", "Value", "Note"], rows, [28, 50, 70])
    sel = selections.copy()
    for col in SELECTION_COLUMNS:
        if col not in sel:
            sel[col] = ""
    sel = sel[SELECTION_COLUMNS].astype(object).where(sel[SELECTION_COLUMNS].notna(), "")
    add_sheet(
        wb, "Selections", SELECTION_COLUMNS, sel.values.tolist(), [10, 22, 12, 8, 16, 16, 16, 40]
    )
    if appraisal is not None:
        add_sheet(wb, "Appraisal", ["Measure", "Value", "Note"], _appraisal_rows(appraisal),
               [34, 30, 90])  # fmt: skip
    path.parent.mkdir(parents=True, exist_ok=True)
    save_workbook(wb, path)
    return path


def _blank(values: pd.Series) -> pd.Series:
    text = values.astype("string").str.strip()
    return (text.isna() | text.isin(["", "None", "nan"])).fillna(True).astype(bool)


def read_selections(path: Path) -> pd.DataFrame:
    """The Selections sheet of a sampling workpaper, with the reviewer's audited amounts."""
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:
        raise InputError(f"{path.name} is not a readable workbook: {exc}.", path=path) from None
    if "Selections" not in wb.sheetnames:
        raise InputError(
            f"{path.name} has no Selections sheet; give the sampling workpaper written by "
            "`audit sample`, or a CSV of record_key, examined_amount, audited_amount.",
            path=path,
        )
    rows = list(wb["Selections"].values)
    frame = pd.DataFrame(rows[1:], columns=rows[0])
    frame = frame[frame["record_key"].notna() & (frame["record_key"].astype(str) != "")]
    spare = frame["spare"].astype("string").str.lower().isin(["true", "1"]).fillna(False)
    entered = ~_blank(frame["audited_amount"])
    used = frame[~spare | entered]
    blank = _blank(used["audited_amount"])
    if blank.any():
        first = used.index[blank.to_numpy()][0] + 2
        raise InputError(
            f"{path.name}: audited_amount is empty on row {first} of Selections (and "
            f"{int(blank.sum()) - 1} more). Enter the correct amount for every sampled item "
            "(0 when nothing was payable), then appraise.",
            path=path,
            row=int(first),
        )
    out = used.assign(
        examined_amount=pd.to_numeric(used["examined_amount"], errors="raise"),
        audited_amount=pd.to_numeric(used["audited_amount"], errors="coerce"),
        stratum=used["stratum"].astype(str),
    )
    bad = out["audited_amount"].isna()
    if bad.any():
        row = int(out.index[bad.to_numpy()][0]) + 2
        raise InputError(
            f"{path.name}: audited_amount on row {row} of Selections is not a number.",
            path=path,
            row=row,
        )
    return out.reset_index(drop=True)
