"""Display helpers for notebooks and reports. They read a finished review; they never compute
findings, and nothing they show holds a raw protected value."""

from .tables import (
    codeset_table,
    comparison_counts,
    comparison_list,
    control_totals_table,
    findings_by_rule,
    findings_preview,
    headline,
    hospital_table,
    kpi_table,
    not_evaluated_table,
    population_table,
    reconciliation_table,
    rules_table,
    show,
    top_rules_by_dollars,
)

__all__ = [
    "codeset_table",
    "comparison_counts",
    "comparison_list",
    "control_totals_table",
    "findings_by_rule",
    "findings_preview",
    "headline",
    "hospital_table",
    "kpi_table",
    "not_evaluated_table",
    "population_table",
    "reconciliation_table",
    "rules_table",
    "show",
    "top_rules_by_dollars",
]
