"""Display helpers for notebooks and reports. They read a finished review; they never compute
findings, and nothing they show holds a raw protected value."""

from .tables import (
    findings_by_rule,
    findings_preview,
    headline,
    kpi_table,
    population_table,
    rules_table,
    show,
    top_rules_by_dollars,
)

__all__ = [
    "findings_by_rule",
    "findings_preview",
    "headline",
    "kpi_table",
    "population_table",
    "rules_table",
    "show",
    "top_rules_by_dollars",
]
