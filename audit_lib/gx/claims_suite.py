"""The claims suite: the claims checks bound to the suite engine.

Serialised to ``expectations/claims.json`` (``audit suites build``; a contract test fails on
drift). Batches: ``claim_lines`` (one row per service line, with derived columns for cross-row
rules and computed limits), ``diagnoses`` and ``modifiers`` (one row per code present, so one
expectation covers all twelve diagnosis or four modifier positions). Suite parameters:
``as_of``, ``period_start``, ``period_end``, ``place_of_service_codes``, ``valid_modifiers``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from ..claims.checks import INDEX_COLUMNS, claims_checks
from ..rules import CLAIMS_RULES
from . import engine
from .suites import SuiteSpec, gx_module

CLAIMS_SUITE = SuiteSpec(
    name="claims",
    checks=claims_checks,
    rules=CLAIMS_RULES,
    index_columns=INDEX_COLUMNS,
    main_batch="claim_lines",
    amount_column="billed_amount",
)

__all__ = [
    "CLAIMS_SUITE",
    "INDEX_COLUMNS",
    "build_claims_suite",
    "check_claims_suite",
    "claims_checks",
    "findings_from_results",
    "gx_module",
    "redact_results",
    "suite_json",
    "validate",
    "write_claims_suite",
]


def build_claims_suite():
    return engine.build_suite(CLAIMS_SUITE)


def suite_json(suite=None) -> str:
    return engine.suite_json(CLAIMS_SUITE, suite)


def write_claims_suite(path: str | Path | None = None) -> Path:
    return engine.write_suite(CLAIMS_SUITE, path)


def check_claims_suite(path: str | Path | None = None) -> None:
    engine.check_suite(CLAIMS_SUITE, path)


def validate(batches: dict[str, pd.DataFrame], params: dict[str, Any]) -> dict[str, dict]:
    return engine.validate(CLAIMS_SUITE, batches, params)


def redact_results(results: dict[str, dict]) -> dict[str, Any]:
    return engine.redact_results(CLAIMS_SUITE, results)


def findings_from_results(
    redacted: dict[str, Any],
    batches: dict[str, pd.DataFrame],
    lines: pd.DataFrame,
    params: dict[str, Any],
) -> pd.DataFrame:
    return engine.findings_from_results(CLAIMS_SUITE, redacted, batches, lines, params)
