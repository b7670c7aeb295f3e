"""Checks as data: one entry per expectation, engine-independent.

A :class:`Check` names the rulebook rule, the batch it runs on, the expectation type (GX's
vocabulary, as a plain string), its arguments, the field it concerns and the plain-language
detail. ``audit_lib.gx.engine`` turns a list of them into a Great Expectations suite;
``audit_lib.engine_pandas`` evaluates the same list without GX (a Spark evaluator would too).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .phi import PROTECTED_COLUMNS

__all__ = ["Check", "flag", "pair"]


@dataclass(frozen=True)
class Check:
    """One expectation and how its failures read as findings."""

    check: str
    rule_id: str
    type: str
    kwargs: dict[str, Any]
    detail: str
    field: str
    batch: str = "claim_lines"
    severity: str | None = None
    excess: tuple[str, str] | None = None  # amount at stake = a - b
    trigger: str | None = None  # the values that make it fail, for the finding's fingerprint

    def meta(self) -> dict[str, Any]:
        m = {
            "rule_id": self.rule_id,
            "check": self.check,
            "batch": self.batch,
            "field": self.field,
            "detail": self.detail,
        }
        if self.severity:
            m["severity"] = self.severity
        if self.excess:
            m["excess"] = list(self.excess)
        m["trigger"] = self.trigger or _default_trigger(self.kwargs)
        return m


def _default_trigger(kwargs: dict[str, Any]) -> str:
    """The checked columns' values, protected ones left out (fingerprints are not masked)."""
    cols = [kwargs[k] for k in ("column", "column_A", "column_B") if k in kwargs]
    shown = [c for c in cols if c not in PROTECTED_COLUMNS]
    return "|".join(f"{{{c}}}" for c in shown)


def pair(a: str, b: str) -> dict[str, Any]:
    return {
        "column_A": a,
        "column_B": b,
        "or_equal": True,
        "ignore_row_if": "either_value_is_missing",
    }


def flag(column: str) -> dict[str, Any]:
    return {"column": column, "value_set": [False]}
