"""The canonical claims table (DATA_CONTRACT.md, "claims")."""

from __future__ import annotations

from ..tables import ColumnSpec as C
from ..tables import TableSchema

PAYER_TYPES = ("medicare", "medicaid", "commercial", "self_pay", "other")
CLAIM_STATUSES = ("paid", "denied", "partial", "pending", "void")
DIAGNOSIS_COLUMNS = tuple(f"diagnosis_{i}" for i in range(1, 13))
MODIFIER_COLUMNS = tuple(f"modifier_{i}" for i in range(1, 5))
POA_COLUMNS = tuple(f"poa_{i}" for i in range(1, 13))
PCS_CODE_COLUMNS = tuple(f"pcs_code_{i}" for i in range(1, 26))
PCS_DATE_COLUMNS = tuple(f"pcs_date_{i}" for i in range(1, 26))
AMOUNT_COLUMNS = ("billed_amount", "allowed_amount", "paid_amount", "patient_responsibility")
DATE_COLUMNS = (
    "service_date",
    "service_date_to",
    "submission_date",
    "paid_date",
    "patient_dob",
    "patient_death_date",
)

#: institutional claims (UB-04 / 837I; DATA_CONTRACT.md, institutional part). Optional: a rule
#: that reads one reports not evaluated when the input lacks it, and they are not added empty
#: to a table that lacks them (a million professional lines carry no 80 empty columns)
INSTITUTIONAL_SPECS = (
    C("bill_type", "code"),
    C("statement_from", "date"),
    C("statement_through", "date"),
    C("admission_date", "date"),
    C("discharge_date", "date"),
    C("admission_type", "code"),
    C("admission_source", "code"),
    C("patient_status", "code"),
    C("drg_code", "code"),
    *(C(p, "code") for p in POA_COLUMNS),
    *(C(p, "code") for p in PCS_CODE_COLUMNS),
    *(C(p, "date") for p in PCS_DATE_COLUMNS),
    C("condition_codes", "code"),
    C("occurrence_codes", "code"),
    C("value_codes", "code"),
    C("attending_npi", "text"),
    C("operating_npi", "text"),
    C("facility_ccn", "text"),
)
INSTITUTIONAL_COLUMNS = tuple(c.name for c in INSTITUTIONAL_SPECS)

CLAIMS_SCHEMA = TableSchema(
    name="claims",
    rule_prefix="CLM",
    columns=(
        C("claim_id", "text", required=True),
        C("line_number", "integer", required=True),
        C("patient_id", "text", required=True, protected=True),
        C("payer_id", "text", required=True),
        C("payer_type", "choice", required=True, choices=PAYER_TYPES),
        C("billing_npi", "text", required=True),
        C("service_date", "date", required=True),
        C("procedure_code", "code", required=True),
        C("diagnosis_1", "code", required=True),
        C("units", "number", required=True),
        C("billed_amount", "amount", required=True),
        C("submission_date", "date", required=True),
        C("rendering_npi", "text"),
        C("claim_type", "choice", choices=("professional", "institutional")),
        C("place_of_service", "code"),
        C("service_date_to", "date"),
        *(C(m, "code") for m in MODIFIER_COLUMNS),
        *(C(d, "code") for d in DIAGNOSIS_COLUMNS[1:]),
        C("patient_dob", "date", protected=True),
        C("patient_sex", "code", protected=True),
        C("patient_death_date", "date", protected=True),
        C("member_id", "text", protected=True),
        C("allowed_amount", "amount"),
        C("paid_amount", "amount"),
        C("patient_responsibility", "amount"),
        # extension to DATA_CONTRACT.md: what the patient paid on the line, for the MGMA net
        # collection rate (payer + patient payments); without it the rate is payer-only
        C("patient_paid_amount", "amount"),
        C("claim_status", "choice", choices=CLAIM_STATUSES),
        C("adjustment_codes", "code"),
        C("paid_date", "date"),
        C("frequency_code", "code"),
        C("revenue_code", "code"),
        *INSTITUTIONAL_SPECS,
    ),
)
