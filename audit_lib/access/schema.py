"""The canonical access-review tables (DATA_CONTRACT.md: access_log, workforce, patients,
encounters). Names, addresses, dates of birth and patient ids are protected: they never reach
an output except as masked tokens or as the fact that they matched."""

from __future__ import annotations

from ..tables import ColumnSpec as C
from ..tables import TableSchema

ACTIONS = ("view", "modify", "print", "export", "search", "delete")
ACCOUNT_TYPES = ("personal", "shared", "service")
SHIFTS = ("day", "evening", "night", "any")

ACCESS_LOG_SCHEMA = TableSchema(
    name="access_log",
    rule_prefix="LOG",
    columns=(
        C("event_id", "text", required=True),
        C("event_time", "timestamp", required=True),
        C("user_id", "text", required=True),
        C("patient_id", "text", required=True, protected=True),
        C("action", "choice", required=True, choices=ACTIONS),
        C("department", "text"),
        C("workstation_id", "text"),
        C("ip_address", "text"),
        C("application", "text"),
        C("break_the_glass", "boolean"),
        C("btg_reason", "text"),
    ),
)

WORKFORCE_SCHEMA = TableSchema(
    name="workforce",
    rule_prefix="LOG",
    columns=(
        C("user_id", "text", required=True),
        C("last_name", "text", required=True, protected=True),
        C("first_name", "text", required=True, protected=True),
        C("department", "text"),
        C("role", "text"),
        C("hire_date", "date"),
        C("termination_date", "date"),
        C("address_line", "text", protected=True),
        C("postal_code", "text", protected=True),
        C("patient_id", "text", protected=True),
        C("account_type", "choice", choices=ACCOUNT_TYPES),
        # extension to DATA_CONTRACT.md: the user's usual shift, so that LOG-R-10 (after hours)
        # applies to day-shift staff only; empty = day
        C("shift", "choice", choices=SHIFTS),
    ),
)

PATIENTS_SCHEMA = TableSchema(
    name="patients",
    rule_prefix="LOG",
    columns=(
        C("patient_id", "text", required=True, protected=True),
        C("last_name", "text", required=True, protected=True),
        C("first_name", "text", required=True, protected=True),
        C("dob", "date", protected=True),
        C("sex", "text"),
        C("address_line", "text", protected=True),
        C("postal_code", "text", protected=True),
        C("deceased_date", "date", protected=True),
        C("vip", "boolean"),
        C("employee_user_id", "text"),
    ),
)

ENCOUNTERS_SCHEMA = TableSchema(
    name="encounters",
    rule_prefix="LOG",
    columns=(
        C("patient_id", "text", required=True, protected=True),
        C("start_date", "date", required=True),
        C("encounter_id", "text"),
        C("end_date", "date"),
        C("user_id", "text"),
        C("department", "text"),
    ),
)

REFERENCE_SCHEMAS = {s.name: s for s in (WORKFORCE_SCHEMA, PATIENTS_SCHEMA, ENCOUNTERS_SCHEMA)}
