"""The quarterly Medicare Credit Balance Report (CMS-838) and its checks (RULEBOOK 3.2).

Every Medicare credit balance open at quarter end is a detail row, whatever its age, including
written-off or holding-account balances, on the page of its provider number and Medicare Part.
The 15 columns are the detail page's, in its order (RULEBOOK 3.2). They come from the
overpayment log: beneficiary_name (1), mbi (2), icn (3), bill_type (4), admission_date or else
service_date (5), discharge_date or else service_date (6), received_date (7),
cost_report_status (8), the amounts (9-12), the reason (13, 15) and msp_code (14). The
detail frame holds masked tokens for columns 1 and 2; only :mod:`.cms838_forms` writes the
real values, into a filing copy made on request outside the run. Checks: REF-CB-02
arithmetic and codes, REF-CB-04 Medicare paid date after quarter end, REF-CB-05 already
reported in the prior quarter's report, REF-CB-07 a field the form requires is missing.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..config import parse_period
from ..findings import findings_frame
from ..phi import Masker

DETAIL_COLUMNS = [
    ("1", "beneficiary", "Beneficiary name (last name, first initial)"),
    ("2", "medicare_id", "Medicare beneficiary identifier (MBI)"),
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


def _col(rows: pd.DataFrame, name: str, like: pd.Series | None = None) -> pd.Series:
    if name in rows:
        return rows[name]
    return pd.Series(pd.NA if like is None else like, index=rows.index)


def build_credit_balance_report(
    frame: pd.DataFrame, *, quarter: str, prior_icns: set[str] | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Detail rows of the CMS-838 for ``quarter`` (with ``provider_ptan``, ``medicare_part``,
    ``overpayment_id`` and ``row`` beside the 15 columns) and the REF-CB findings."""
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
    masker = Masker()
    code = reason_codes(_col(rows, "reason"))
    service = _col(rows, "service_date", nat[rows.index])
    text = {c: _col(rows, c).astype("string").str.strip().replace("", pd.NA)
            for c in ("beneficiary_name", "mbi", "icn", "bill_type", "msp_code",
                      "provider_ptan")}  # fmt: skip
    detail = (
        pd.DataFrame(
            {
                "provider_ptan": text["provider_ptan"],
                "medicare_part": _col(rows, "medicare_part").astype("string").str.upper(),
                "overpayment_id": rows["overpayment_id"],
                "row": rows["_row"],
                "beneficiary": masker.mask_series(text["beneficiary_name"], "beneficiary_name"),
                "medicare_id": masker.mask_series(text["mbi"], "mbi"),
                "claim_icn": text["icn"],
                "type_of_bill": text["bill_type"],
                "from_date": _col(rows, "admission_date", nat[rows.index]).fillna(service),
                "through_date": _col(rows, "discharge_date", nat[rows.index]).fillna(service),
                "medicare_paid_date": _col(rows, "received_date", nat[rows.index]),
                "cost_report_status": _col(rows, "cost_report_status").astype("string").str.upper(),
                "credit_balance": rows["overpayment_amount"].round(2),
                "repaid_with_report": repaid.round(2),
                "method": np.where(repaid > 0, "C", ""),
                "outstanding": (rows["overpayment_amount"] - repaid).round(2),
                "reason_code": code,
                "msp_code": text["msp_code"],
                "comments": _col(rows, "reason").where(code == "3", ""),
            }
        )
        .sort_values(["provider_ptan", "medicare_part", "claim_icn", "overpayment_id"],
                     kind="stable", na_position="last")
        .reset_index(drop=True)
    )  # fmt: skip
    return detail, pd.concat(
        [_checks(detail, q_end, prior_icns), incomplete_lines(detail)], ignore_index=True
    )


# REF-CB-07: what each detail line must carry, by the input column that supplies it
REQUIRED = [
    ("provider_ptan", "provider_ptan", "provider number (one report per provider number)"),
    ("medicare_part", "medicare_part", "Medicare Part A or B (its detail page)"),
    ("beneficiary", "beneficiary_name", "column 1 beneficiary name"),
    ("medicare_id", "mbi", "column 2 MBI"),
    ("claim_icn", "icn", "column 3 ICN"),
    ("type_of_bill", "bill_type", "column 4 type of bill"),
    ("from_date", "admission_date", "column 5 admission/start date"),
    ("through_date", "discharge_date", "column 6 discharge/through date"),
    ("medicare_paid_date", "received_date", "column 7 Medicare paid date"),
    ("cost_report_status", "cost_report_status", "column 8 cost report status"),
]


def incomplete_lines(detail: pd.DataFrame) -> pd.DataFrame:
    """REF-CB-07: one finding per detail line that lacks a field the form requires, naming
    every such field (the first one's input column is the finding's field)."""
    missing = pd.DataFrame(
        {label: detail[col].isna() | detail[col].astype("string").eq("")
         for col, _src, label in REQUIRED}
    )  # fmt: skip
    msp = detail["reason_code"].eq("2") & detail["msp_code"].isna()
    missing["column 14 MSP code (reason 2)"] = msp
    sources = [src for _c, src, _l in REQUIRED] + ["msp_code"]
    any_missing = missing.any(axis=1)
    listed = pd.Series("", index=detail.index, dtype="string")
    for label in missing.columns:  # eleven fields, each a vectorized step
        listed = listed + np.where(missing[label], label + "; ", "")
    listed = listed.str.removesuffix("; ")
    first = pd.Series(np.array(sources)[missing.to_numpy().argmax(axis=1)], index=detail.index)
    out = _finding(detail, any_missing, "REF-CB-07", "error", "", "detail line lacks " + listed)
    out["field"] = first[any_missing].to_numpy()
    return out


def _finding(
    detail: pd.DataFrame, mask: pd.Series, rule: str, severity: str, field: str, text: pd.Series
) -> pd.DataFrame:
    d = detail[mask]
    return findings_frame(
        rule, severity, "overpayments", record_key=d["overpayment_id"], row=d["row"],
        field=field, detail=text[mask], amount=d["credit_balance"],
        trigger=rule + "|" + d["claim_icn"].astype("string").fillna(""),
    )  # fmt: skip


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


def load_prior_icns(path: str | Path | list[str | Path]) -> set[str]:
    """Claim ICNs of a previous quarter's CMS-838: a working-copy folder (``cms838/``), one of
    its workbooks (the "Detail Part" sheets, column 3), a CSV with ``claim_icn``, or a list
    of those files (a folder's workbooks, as a sealed run passes them)."""
    from ..errors import InputError

    if isinstance(path, list | tuple):
        return set().union(*(load_prior_icns(p) for p in path))
    p = Path(path)
    if p.is_dir():
        books = sorted(p.glob("*.xlsx"))
        if not books:
            raise InputError(f"{p} holds no CMS-838 workbook (.xlsx).", path=p)
        return set().union(*(_detail_icns(b, allow_none=True) for b in books))
    if p.suffix.lower() == ".csv":
        frame = pd.read_csv(p, dtype=str)
        col = next((c for c in frame.columns if str(c).strip().lower() == "claim_icn"), None)
        if col is None:
            raise InputError(f"{p.name} has no claim_icn column.", path=p, column="claim_icn")
        return set(frame[col].dropna().astype(str))
    return _detail_icns(p)


def _detail_icns(p: Path, *, allow_none: bool = False) -> set[str]:
    """Column 3 of every "Detail" page of a CMS-838 workbook (a provider with no credit
    balances files its certification page only: ``allow_none``)."""
    from ..errors import InputError

    sheets = pd.read_excel(p, sheet_name=None, dtype=str, header=None)
    pages = [f for name, f in sheets.items() if str(name).startswith("Detail")]
    if not pages and allow_none and "Certification" in sheets:
        return set()
    if not pages:
        raise InputError(
            f"{p.name} has no Detail page: give last quarter's cms838 folder, one of its "
            "workbooks, or a CSV with claim_icn.",
            path=p,
        )
    icns: set[str] = set()
    for f in pages:
        body = f.iloc[4:-1, 2] if len(f) > 5 else f.iloc[0:0, 2]  # rows after the headers
        icns |= set(body.dropna().astype(str))
    return icns
