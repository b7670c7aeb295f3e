"""The quarterly Medicare Credit Balance Report (CMS-838) and its checks (RULEBOOK 3.2).

Every Medicare credit balance open at quarter end is a detail row, whatever its age, including
written-off or holding-account balances. Columns follow the detail page as the MACs describe
it (column numbers partly unconfirmed, RULEBOOK 3.2 [U]). The beneficiary appears as a masked
token (the overpayment log carries no name or MBI). Checks: REF-CB-02 arithmetic and codes,
REF-CB-04 Medicare paid date after quarter end, REF-CB-05 already reported in the prior
quarter's report.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..config import parse_period
from ..phi import Masker

DETAIL_COLUMNS = [
    ("1", "beneficiary", "Beneficiary (masked token)"),
    ("2", "medicare_id", "Medicare beneficiary identifier (masked token)"),
    ("3", "claim_icn", "Claim internal control number"),
    ("4", "type_of_bill", "Type of bill"),
    ("5", "from_date", "Admission / start date"),
    ("6", "through_date", "Discharge / through date"),
    ("7", "medicare_paid_date", "Medicare paid date"),
    ("8", "cost_report_status", "Cost report status (O open / C closed)"),
    ("9", "credit_balance", "Amount of Medicare credit balance"),
    ("10", "repaid_with_report", "Amount repaid with this report"),
    ("11", "method", "Method of payment (C check / A adjustment / X submitted)"),
    ("12", "outstanding", "Amount outstanding (9 - 10)"),
    ("13", "reason_code", "Reason (1 duplicate / 2 MSP / 3 other)"),
    ("14", "msp_code", "MSP / primary payer code"),
    ("15", "comments", "Comments (required when reason = 3)"),
]


def due_date(quarter: str) -> pd.Timestamp:
    """The report is due 30 days after quarter end (Q3 -> Oct 30)."""
    return pd.Timestamp(parse_period(quarter)[1]) + pd.Timedelta(days=30)


def reason_codes(reason: pd.Series) -> pd.Series:
    text = reason.astype("string").str.lower().fillna("")
    code = np.where(
        text.str.contains("duplicate"),
        "1",
        np.where(text.str.contains(r"msp|cob|other insurer|primary|coordination"), "2", "3"),
    )
    return pd.Series(code, index=reason.index)


def build_credit_balance_report(
    frame: pd.DataFrame, *, quarter: str, prior_icns: set[str] | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Detail rows of the CMS-838 for ``quarter`` and the REF-CB findings."""
    _, end = parse_period(quarter)
    q_end = pd.Timestamp(end)
    due = due_date(quarter)
    nat = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
    refund_date = frame.get("refund_date", nat)
    medicare = frame["payer_type"].eq("medicare").fillna(False).astype(bool)
    open_at_end = refund_date.isna() | (refund_date > q_end)
    rows = frame[medicare & (frame["identified_date"] <= q_end) & open_at_end]
    refund = rows.get("refund_amount", pd.Series(np.nan, index=rows.index)).fillna(0.0)
    repaid = refund.where(refund_date[rows.index].between(q_end + pd.Timedelta(days=1), due), 0.0)
    tokens = Masker().mask_series(rows["patient_id"])
    code = reason_codes(rows.get("reason", pd.Series(pd.NA, index=rows.index)))
    service = rows.get("service_date", nat[rows.index])
    detail = (
        pd.DataFrame(
            {
                "overpayment_id": rows["overpayment_id"],
                "row": rows["_row"],
                "beneficiary": tokens,
                "medicare_id": tokens,
                "claim_icn": rows.get("claim_id", pd.Series(pd.NA, index=rows.index)),
                "type_of_bill": "",
                "from_date": service,
                "through_date": service,
                "medicare_paid_date": rows.get("received_date", nat[rows.index]),
                "cost_report_status": "O",
                "credit_balance": rows["overpayment_amount"].round(2),
                "repaid_with_report": repaid.round(2),
                "method": np.where(repaid > 0, "C", ""),
                "outstanding": (rows["overpayment_amount"] - repaid).round(2),
                "reason_code": code,
                "msp_code": "",
                "comments": rows.get("reason", pd.Series(pd.NA, index=rows.index)).where(
                    code == "3", ""
                ),
            }
        )
        .sort_values(["claim_icn", "overpayment_id"], kind="stable")
        .reset_index(drop=True)
    )
    return detail, _checks(detail, q_end, prior_icns)


def _finding(
    detail: pd.DataFrame, mask: pd.Series, rule: str, severity: str, field: str, text: pd.Series
) -> pd.DataFrame:
    d = detail[mask]
    return pd.DataFrame(
        {
            "rule_id": rule,
            "severity": severity,
            "dataset": "overpayments",
            "record_key": d["overpayment_id"].astype("string"),
            "row": d["row"].astype("int64"),
            "field": field,
            "detail": text[mask],
            "amount": d["credit_balance"],
            "trigger": rule + "|" + d["claim_icn"].astype("string").fillna(""),
        }
    )


def _checks(detail: pd.DataFrame, q_end: pd.Timestamp, prior: set[str] | None) -> pd.DataFrame:
    over = detail["repaid_with_report"] > detail["credit_balance"] + 0.005
    no_comment = detail["reason_code"].eq("3") & detail["comments"].astype("string").fillna("").eq(
        ""
    )
    late_paid = detail["medicare_paid_date"] > q_end
    parts = [
        _finding(
            detail,
            over,
            "REF-CB-02",
            "error",
            "refund_amount",
            pd.Series("column 10 (repaid) exceeds column 9 (credit balance)", index=detail.index),
        ),
        _finding(
            detail,
            no_comment & ~over,
            "REF-CB-02",
            "error",
            "reason",
            pd.Series("reason code 3 (other) needs a comment (column 15)", index=detail.index),
        ),
        _finding(
            detail,
            late_paid,
            "REF-CB-04",
            "error",
            "received_date",
            "Medicare paid date "
            + detail["medicare_paid_date"].dt.strftime("%Y-%m-%d").fillna("")
            + " is after the quarter end "
            + f"{q_end:%Y-%m-%d}",
        ),
    ]
    if prior:
        again = detail["claim_icn"].isin(prior).fillna(False).astype(bool)
        parts.append(
            _finding(
                detail,
                again,
                "REF-CB-05",
                "warning",
                "claim_id",
                "claim "
                + detail["claim_icn"].astype("string")
                + " was already reported on the prior quarter's CMS-838",
            )
        )
    return pd.concat(parts, ignore_index=True)


def load_prior_icns(path: str | Path) -> set[str]:
    """Claim ICNs of a previous credit balance report (its Detail sheet, or a CSV)."""
    p = Path(path)
    if p.suffix.lower() == ".csv":
        frame = pd.read_csv(p, dtype=str)
    else:
        frame = pd.read_excel(p, sheet_name="Detail", dtype=str, header=1)
    col = next((c for c in frame.columns if str(c).strip().lower() in ("claim_icn", "3")), None)
    if col is None:
        from ..errors import InputError

        raise InputError(
            f"{p.name} has no claim_icn column: give the Detail sheet of a prior "
            "credit_balance_report.xlsx or a CSV with claim_icn.",
            path=p,
        )
    return set(frame[col].dropna().astype(str))


def write_credit_balance_report(
    detail: pd.DataFrame, *, quarter: str, path: Path, ptans: list[str]
) -> Path:
    from openpyxl import Workbook

    from ..reporting.workpaper import _cell
    from ..reporting.xlsx import save_workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Certification")
    ws.column_dimensions["A"].width = 40
    ws.column_dimensions["B"].width = 60
    rows = [
        ["Medicare Credit Balance Report (CMS-838)", ""],
        ["Quarter", quarter],
        ["Quarter end", f"{pd.Timestamp(parse_period(quarter)[1]):%Y-%m-%d}"],
        ["Due (quarter end + 30 days)", f"{due_date(quarter):%Y-%m-%d}"],
        ["Provider numbers (PTAN)", ", ".join(ptans) or "(none recorded)"],
        ["Detail rows", len(detail)],
        ["Total credit balances", round(float(detail["credit_balance"].sum()), 2)],
        ["Total repaid with this report", round(float(detail["repaid_with_report"].sum()), 2)],
        ["Statement", "detail page attached" if len(detail) else "no Medicare credit balances"],
        ["Certified by (officer or administrator), title, date", ""],
    ]
    for r in rows:
        ws.append([_cell(ws, v) for v in r])
    ws = wb.create_sheet("Detail")
    ws.append([_cell(ws, f"({n})") for n, _c, _t in DETAIL_COLUMNS])
    ws.append([_cell(ws, c) for _n, c, _t in DETAIL_COLUMNS])
    for rec in detail[[c for _n, c, _t in DETAIL_COLUMNS]].itertuples(index=False, name=None):
        ws.append(
            [_cell(ws, v.strftime("%Y-%m-%d") if isinstance(v, pd.Timestamp) else v) for v in rec]
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    save_workbook(wb, path)
    return path
