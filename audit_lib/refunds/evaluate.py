"""Evaluating an overpayment log: load -> derive (60-day clock and refund tests) -> GX suite ->
findings. The full review (KPIs, CMS-838 workbook, notebook, CLI) builds on this."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ..config import AuditConfig, load_config
from ..findings import FINDINGS_COLUMNS, combine, parse_error_findings
from ..phi import Masker
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
    return parse_error_findings(loaded.parse_errors, frame, prefix="REF", dataset="overpayments")


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
    findings = combine(_parse_findings(loaded, frame), found, prefix="REF")
    return RefundsEvaluation(loaded, frame, findings[FINDINGS_COLUMNS], redacted)
