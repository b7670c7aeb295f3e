"""The claims checks as data: one entry per expectation, engine-independent.

See :mod:`audit_lib.checks`. Batches: ``claim_lines`` (one row per service line, with derived
columns for cross-row rules and computed limits), ``diagnoses`` and ``modifiers`` (one row per
code present).
"""

from __future__ import annotations

from dataclasses import replace

from ..checks import Check
from ..checks import flag as _flag
from ..checks import pair as _pair
from ..errors import AuditError
from ..rules import CLAIMS_RULES
from .institutional import institutional_checks
from .logic import DX_SYNTAX, EXTERNAL_CAUSE, NPI_FORMAT
from .schema import CLAIMS_SCHEMA

#: the columns that identify a failing row in each batch
INDEX_COLUMNS = {
    "claim_lines": ["_row"],
    "diagnoses": ["_row", "position"],
    "modifiers": ["_row", "position"],
    "institutional_lines": ["_row"],  # the claim lines of institutional claims only
}


def claims_checks() -> list[Check]:
    """Every claims check, in suite order."""
    c: list[Check] = []
    for col in CLAIMS_SCHEMA.required:
        if col == "procedure_code":  # institutional revenue-code lines need none (RULEBOOK 1.12.9)
            c.append(
                Check(
                    "required:procedure_code",
                    "CLM-REQ-01",
                    "expect_column_values_to_be_in_set",
                    _flag("_procedure_missing"),
                    "required value procedure_code is empty (a professional line, or an "
                    "institutional line without a revenue code)",
                    col,
                    trigger="{procedure_code}",
                )
            )
            continue
        c.append(
            Check(
                f"required:{col}",
                "CLM-REQ-01",
                "expect_column_values_to_not_be_null",
                {"column": col},
                f"required value {col} is empty",
                col,
            )
        )
    c.append(
        Check(
            "key_unique",
            "CLM-KEY-01",
            "expect_column_values_to_be_in_set",
            _flag("_key_repeat"),
            "claim_id:line_number {record_key} repeats the key first seen on row {_key_first_row}",
            "line_number",
        )
    )
    # every NPI column (rulebook CLM-NPI-02); the UB-04 attending and operating physicians
    # (FL76/77) on the institutional lines
    npis = [(col, "claim_lines") for col in ("billing_npi", "rendering_npi")]
    npis += [(col, "institutional_lines") for col in ("attending_npi", "operating_npi")]
    for col, batch in npis:
        c.append(
            Check(
                f"npi_format:{col}",
                "CLM-NPI-01",
                "expect_column_values_to_match_regex",
                {"column": col, "regex": NPI_FORMAT},
                f"{col} {{{col}}} is not 10 digits starting with 1 or 2",
                col,
                batch=batch,
            )
        )
        c.append(
            Check(
                f"npi_check_digit:{col}",
                "CLM-NPI-02",
                "expect_column_values_to_have_valid_npi_check_digit",
                {"column": col},
                f"{col} {{{col}}} fails the NPI check digit (Luhn with prefix 80840)",
                col,
                batch=batch,
            )
        )
    c.append(
        Check(
            "dx_syntax",
            "CLM-DX-01",
            "expect_column_values_to_match_regex",
            {"column": "code", "regex": DX_SYNTAX},
            "diagnosis_{position|int} {code} is not ICD-10-CM syntax (a letter, a digit, "
            "then 1-5 letters or digits)",
            "diagnosis_{position|int}",
            batch="diagnoses",
        )
    )
    c.append(
        Check(
            "dx_billable",
            "CLM-DX-02",
            "expect_column_pair_values_to_be_billable_icd10_cm_codes_on_date",
            {"column_A": "code", "column_B": "dx_date"},
            "diagnosis_{position|int} {code|dx} is not a billable ICD-10-CM code in the "
            "{dx_release} release, in force on the date of service (unknown then, or a header "
            "that needs more characters)",
            "diagnosis_{position|int}",
            batch="diagnoses",
        )
    )
    c.append(
        Check(
            "dx_external_cause_first",
            "CLM-DX-03",
            "expect_column_values_to_not_match_regex",
            {"column": "diagnosis_1", "regex": EXTERNAL_CAUSE},
            "first-listed diagnosis {diagnosis_1|dx} is an external-cause code (V00-Y99); "
            "the condition treated must be listed first",
            "diagnosis_1",
        )
    )
    c.append(
        Check(
            "dx_secondary_repeats_first",
            "CLM-DX-04",
            "expect_column_values_to_be_in_set",
            _flag("_dx_repeats_first"),
            "a secondary diagnosis repeats the first-listed code {diagnosis_1|dx}",
            "diagnosis_1",
        )
    )
    c.append(
        Check(
            "px_syntax",
            "CLM-PX-01",
            "expect_column_values_to_be_cpt_or_hcpcs_syntax",
            {"column": "procedure_code"},
            "procedure_code {procedure_code} is neither CPT (5 digits, or 4 digits + "
            "F/T/U/M) nor HCPCS Level II (A-V + 4 digits)",
            "procedure_code",
        )
    )
    c.append(
        Check(
            "units_positive",
            "CLM-PX-03",
            "expect_column_values_to_be_between",
            {"column": "units", "min_value": 0, "strict_min": True},
            "units {units} is not greater than 0",
            "units",
        )
    )
    c.append(
        Check(
            "modifier_valid",
            "CLM-MOD-01",
            "expect_column_values_to_be_in_set",
            {"column": "modifier", "value_set": {"$PARAMETER": "valid_modifiers"}},
            "modifier_{position|int} {modifier} is not a HCPCS Level II or CPT modifier",
            "modifier_{position|int}",
            batch="modifiers",
        )
    )
    c.append(
        Check(
            "pos_valid",
            "CLM-POS-01",
            "expect_column_values_to_be_in_set",
            {"column": "place_of_service", "value_set": {"$PARAMETER": "place_of_service_codes"}},
            "place_of_service {place_of_service} is not on the CMS place-of-service list",
            "place_of_service",
        )
    )
    c.append(
        Check(
            "service_not_future",
            "CLM-DT-01",
            "expect_column_values_to_be_between",
            {"column": "service_date", "max_value": {"$PARAMETER": "as_of"}},
            "service_date {service_date} is after the as-of date {$as_of}",
            "service_date",
        )
    )
    c.append(
        Check(
            "service_span_order",
            "CLM-DT-02",
            "expect_column_pair_values_a_to_be_greater_than_b",
            _pair("service_date_to", "service_date"),
            "service_date_to {service_date_to} is before service_date {service_date}",
            "service_date_to",
        )
    )
    c.append(
        Check(
            "submitted_after_service",
            "CLM-DT-03",
            "expect_column_pair_values_a_to_be_greater_than_b",
            _pair("submission_date", "_service_end"),
            "submitted {submission_date}, before the service ended {_service_end}",
            "submission_date",
        )
    )
    c.append(
        Check(
            "born_before_service",
            "CLM-DT-05",
            "expect_column_pair_values_a_to_be_greater_than_b",
            _pair("service_date", "patient_dob"),
            "date of birth is after the service date {service_date} (date of birth "
            "withheld: protected)",
            "patient_dob",
        )
    )
    c.append(
        Check(
            "service_before_death",
            "CLM-DT-06",
            "expect_column_pair_values_a_to_be_greater_than_b",
            _pair("patient_death_date", "service_date"),
            "service date {service_date} is after the patient's date of death (withheld: "
            "protected)",
            "service_date",
        )
    )
    for col in ("billed_amount", "allowed_amount", "paid_amount"):
        c.append(
            Check(
                f"amount_not_negative:{col}",
                "CLM-AMT-01",
                "expect_column_values_to_be_between",
                {"column": col, "min_value": 0},
                f"{col} {{{col}}} is negative",
                col,
            )
        )
    c.append(
        Check(
            "paid_within_allowed",
            "CLM-AMT-02",
            "expect_column_pair_values_a_to_be_greater_than_b",
            _pair("_allowed_cents_tol", "_paid_amount_cents"),
            "paid_amount {paid_amount} exceeds allowed_amount {allowed_amount} by more than "
            "{$amount_tolerance}",
            "paid_amount",
            severity="error",
            excess=("paid_amount", "allowed_amount"),
        )
    )
    c.append(
        Check(
            "allowed_within_billed",
            "CLM-AMT-02",
            "expect_column_pair_values_a_to_be_greater_than_b",
            _pair("_billed_cents_tol", "_allowed_amount_cents"),
            "allowed_amount {allowed_amount} exceeds billed_amount {billed_amount} by more "
            "than {$amount_tolerance}",
            "allowed_amount",
            severity="warning",
            excess=("allowed_amount", "billed_amount"),
        )
    )
    c.append(
        Check(
            "medicare_timely_filing",
            "CLM-TF-01",
            "expect_column_pair_values_a_to_be_greater_than_b",
            _pair("_tf01_deadline", "submission_date"),
            "Medicare claim submitted {submission_date}, after the one-year filing deadline "
            "{_tf01_deadline}",
            "submission_date",
        )
    )
    c.append(
        Check(
            "payer_timely_filing",
            "CLM-TF-02",
            "expect_column_pair_values_a_to_be_greater_than_b",
            _pair("_tf02_deadline", "submission_date"),
            "{payer_type} claim submitted {submission_date}, after the {_tf02_limit_days|int}"
            "-day filing limit ended {_tf02_deadline}",
            "submission_date",
        )
    )
    c.append(
        Check(
            "exact_duplicate",
            "CLM-DUP-01",
            "expect_column_values_to_be_in_set",
            _flag("_dup_exact"),
            "exact duplicate of {_dup_of}: same patient, providers, dates, code, modifiers, "
            "place of service and charge",
            "procedure_code",
        )
    )
    c.append(
        Check(
            "suspect_duplicate",
            "CLM-DUP-02",
            "expect_column_values_to_be_in_set",
            _flag("_dup_suspect"),
            "suspect duplicate of {_dup_of}: same patient, rendering provider, date and "
            "code, without a 76/77/91/anatomic/59/X modifier",
            "procedure_code",
        )
    )
    c.append(
        Check(
            "within_period",
            "EVD-POP-02",
            "expect_column_values_to_be_between",
            {
                "column": "service_date",
                "min_value": {"$PARAMETER": "period_start"},
                "max_value": {"$PARAMETER": "period_end"},
            },
            "service_date {service_date} is outside the audit period {$period_start} to "
            "{$period_end} (cut-off)",
            "service_date",
        )
    )
    c.extend(institutional_checks())
    # what identifies a finding across quarters when the checked value is a derived flag
    triggers = {
        "key_unique": "{record_key}",
        "dx_secondary_repeats_first": "{diagnosis_1}",
        "exact_duplicate": "{_dup_of}",
        "suspect_duplicate": "{_dup_of}",
    }
    c = [replace(x, trigger=triggers.get(x.check, x.trigger)) for x in c]
    unknown = {x.rule_id for x in c} - set(CLAIMS_RULES)
    if unknown:
        raise AuditError(f"checks name undeclared rules {sorted(unknown)}: a defect in audit_lib.")
    return c
