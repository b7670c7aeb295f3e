"""Evaluating an overpayment log: load -> derive (60-day clock and refund tests) -> GX suite ->
findings. The full review (KPIs, CMS-838 workbook, notebook, CLI) builds on this."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ..config import AuditConfig, load_config
from ..findings import FINDINGS_COLUMNS, empty_findings, sort_findings
from ..phi import Masker
from ..rules import REFUNDS_RULES
from ..tables import LoadedTable, load_table
from .logic import build_overpayments
from .schema import OVERPAYMENTS_SCHEMA
from .suite import REFUNDS_SUITE


@dataclass
class RefundsEvaluation:
    loaded: LoadedTable
    frame: pd.DataFrame  # holds raw patient ids: display only through masked views
    findings: pd.DataFrame
    validation: dict[str, Any]


def _parse_findings(loaded: LoadedTable, frame: pd.DataFrame) -> pd.DataFrame:
    errs = loaded.parse_errors
    if errs.empty:
        return empty_findings()
    keys = frame.set_index("_row")["record_key"].reindex(errs["row"].to_numpy()).to_numpy()
    return pd.DataFrame(
        {
            "trigger": (errs["column"] + "|" + errs["shown"]).to_numpy(),
            "rule_id": "REF-PARSE-01",
            "severity": REFUNDS_RULES["REF-PARSE-01"].severity,
            "dataset": "overpayments",
            "record_key": keys,
            "row": errs["row"].to_numpy(),
            "field": errs["column"].to_numpy(),
            "detail": (
                errs["column"]
                + " "
                + errs["shown"]
                + " is not "
                + errs["expected"]
                + "; the value is left out of the rules that need it"
            ).to_numpy(),
            "amount": float("nan"),
        }
    )


def evaluate_overpayments(
    overpayments: str | Path | LoadedTable,
    *,
    as_of: dt.date,
    config: AuditConfig | None = None,
    claim_keys: pd.Series | None = None,
) -> RefundsEvaluation:
    """Every REF rule on an overpayment log, as findings with the same columns as claims."""
    from ..gx import engine

    config = config or load_config()
    loaded = (
        overpayments
        if isinstance(overpayments, LoadedTable)
        else load_table(overpayments, OVERPAYMENTS_SCHEMA)
    )
    frame = build_overpayments(loaded.frame, config, as_of=as_of, claim_keys=claim_keys)
    # GX never sees a raw identifier: patients as tokens, payee ids dropped (already compared)
    batch = frame.drop(columns=["refund_payee_id"], errors="ignore").assign(
        patient_id=Masker().mask_series(frame["patient_id"])
    )
    redacted = engine.redact_results(
        REFUNDS_SUITE, engine.validate(REFUNDS_SUITE, {"overpayments": batch}, {})
    )
    shown = {"as_of": as_of.isoformat(), "dormancy_years": str(config.dormancy_years)}
    found = engine.findings_from_results(
        REFUNDS_SUITE, redacted, {"overpayments": batch}, batch, shown
    )
    parse = _parse_findings(loaded, frame)
    if not parse.empty:  # an unparseable required value is PARSE-01, not also REQ-01
        parsed = parse["row"].astype("string") + "|" + parse["field"]
        cells = found["row"].astype("string") + "|" + found["field"]
        found = found[~(found["rule_id"].eq("REF-REQ-01") & cells.isin(parsed))]
    findings = sort_findings(pd.concat([parse, found], ignore_index=True))
    return RefundsEvaluation(loaded, frame, findings[FINDINGS_COLUMNS], redacted)
