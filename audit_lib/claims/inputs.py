"""Which claims rules an input lets the review evaluate.

A rule whose inputs are absent is reported as not evaluated, never as passed (DATA_CONTRACT.md):
a column is absent when the input file does not have it, or when the input profile declares it
unavailable (DE-SynPUF has no billed amount, CCLF5 no billing NPI...). Most rules read their
columns together; a few check each of several columns on its own (``_PER_FIELD``): those are
not evaluated on the absent column only. The findings such a rule would still produce (a
required value empty on every row, because the layout has no such column) are taken out and
the rule is listed in ``summary.json`` under ``not_evaluated`` with the reason.
"""

from __future__ import annotations

import pandas as pd

from .hospital_stays import NEEDS as STAY_NEEDS
from .institutional import NEEDS as INSTITUTIONAL_NEEDS

__all__ = ["not_evaluated", "without_not_evaluated"]

# what regrouping a claim needs (rulebook §1.12.5)
_REGROUP = ("drg_code", "bill_type", "discharge_date", "admission_date", "patient_dob",
            "patient_status", "diagnosis_1")  # fmt: skip
# rule -> the columns it needs (every one)
_NEEDS: dict[str, tuple[str, ...]] = {
    "CLM-KEY-01": ("claim_id", "line_number"),
    "CLM-DX-01": ("diagnosis_1",),
    "CLM-DX-02": ("diagnosis_1",),
    "CLM-DX-03": ("diagnosis_1",),
    "CLM-DX-04": ("diagnosis_1",),
    "CLM-DX-05": ("diagnosis_1", "patient_dob", "service_date"),
    "CLM-PX-01": ("procedure_code",),
    "CLM-PX-02": ("procedure_code", "service_date"),
    "CLM-PX-03": ("units",),
    "CLM-MOD-01": ("modifier_1",),
    "CLM-MOD-25": ("procedure_code", "modifier_1"),
    "CLM-MOD-59X": ("procedure_code", "modifier_1"),
    "CLM-MOD-7677": ("patient_id", "procedure_code", "service_date"),
    "CLM-MOD-50": ("procedure_code", "modifier_1", "units"),
    "CLM-MOD-LTRT": ("procedure_code", "modifier_1"),
    "CLM-POS-01": ("place_of_service",),
    "CLM-DT-01": ("service_date",),
    "CLM-DT-02": ("service_date", "service_date_to"),
    "CLM-DT-03": ("service_date", "submission_date"),
    "CLM-DT-05": ("patient_dob", "service_date"),
    "CLM-DT-06": ("patient_death_date", "service_date"),
    "CLM-TF-01": ("service_date", "submission_date", "payer_type"),
    "CLM-TF-02": ("service_date", "submission_date", "payer_type"),
    "CLM-DUP-01": ("patient_id", "billing_npi", "service_date", "procedure_code", "billed_amount"),
    "CLM-DUP-02": ("patient_id", "service_date", "procedure_code"),
    "CLM-NCCI-01": ("procedure_code", "service_date"),
    "CLM-MUE-01": ("procedure_code", "units"),
    "CLM-MUE-02": ("procedure_code", "units"),
    "CLM-MUE-03": ("procedure_code", "units"),
    "EVD-POP-02": ("service_date",),
    **INSTITUTIONAL_NEEDS,  # the UB-04 / 837I rules (rulebook §1.12)
    "CLM-DRG-01": (*_REGROUP,),
    "CLM-DRG-02": ("drg_code", "bill_type"),
    "CLM-DRG-05": (*_REGROUP,),
    "CLM-POA-04": (*_REGROUP, "poa_1"),
    **STAY_NEEDS,  # the payment window and the two-midnight benchmark
}
# rules that check each of several columns on its own: (rule, field) -> columns needed
_PER_FIELD: dict[tuple[str, str], tuple[str, ...]] = {
    ("CLM-NPI-01", "billing_npi"): ("billing_npi",),
    ("CLM-NPI-02", "billing_npi"): ("billing_npi",),
    ("CLM-NPI-01", "rendering_npi"): ("rendering_npi",),
    ("CLM-NPI-02", "rendering_npi"): ("rendering_npi",),
    ("CLM-NPI-01", "attending_npi"): ("attending_npi",),
    ("CLM-NPI-02", "attending_npi"): ("attending_npi",),
    ("CLM-NPI-01", "operating_npi"): ("operating_npi",),
    ("CLM-NPI-02", "operating_npi"): ("operating_npi",),
    ("CLM-AMT-01", "billed_amount"): ("billed_amount",),
    ("CLM-AMT-01", "allowed_amount"): ("allowed_amount",),
    ("CLM-AMT-01", "paid_amount"): ("paid_amount",),
    ("CLM-AMT-02", "paid_amount"): ("paid_amount", "allowed_amount"),
    ("CLM-AMT-02", "allowed_amount"): ("allowed_amount", "billed_amount"),
}


def not_evaluated(
    columns_found: list[str], unavailable: dict[str, str], required: list[str]
) -> list[dict[str, str]]:
    """The rules (and, for per-column rules, the column) an input does not let the review
    evaluate, each with the columns it misses and why."""
    found = set(columns_found)
    absent = {c: "not in the input" for c in _all_columns() if c not in found}
    absent.update(unavailable)
    out = []
    for col in required:
        if col in unavailable:
            out.append(_entry("CLM-REQ-01", col, [col], absent))
    for rule, needs in _NEEDS.items():
        missing = [c for c in needs if c in absent]
        if missing:
            out.append(_entry(rule, "", missing, absent))
    for (rule, field), needs in _PER_FIELD.items():
        missing = [c for c in needs if c in absent]
        if missing:
            out.append(_entry(rule, field, missing, absent))
    return out


def _entry(rule: str, field: str, missing: list[str], absent: dict[str, str]) -> dict[str, str]:
    return {
        "rule_id": rule,
        "field": field,
        "missing": ", ".join(missing),
        "reason": "; ".join(f"{c}: {absent[c]}" for c in missing),
    }


def _all_columns() -> set[str]:
    needs = {c for cols in _NEEDS.values() for c in cols}
    return needs | {c for cols in _PER_FIELD.values() for c in cols}


def without_not_evaluated(findings: pd.DataFrame, skipped: list[dict[str, str]]) -> pd.DataFrame:
    """The findings less those of rules (or rule and column) that were not evaluated."""
    if findings.empty or not skipped:
        return findings
    whole = {s["rule_id"] for s in skipped if not s["field"]}
    pairs = {(s["rule_id"], s["field"]) for s in skipped if s["field"]}
    key = list(zip(findings["rule_id"], findings["field"], strict=True))
    drop = findings["rule_id"].isin(whole) | pd.Series([k in pairs for k in key],
                                                       index=findings.index)  # fmt: skip
    return findings[~drop].reset_index(drop=True)
