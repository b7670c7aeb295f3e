"""The access review's integrity and reference-table checks as data (see
:mod:`audit_lib.checks`), validated by Great Expectations before any detection rule runs.

Batches (each with its own ``_row`` and ``record_key``):

* ``access_log``: one row per event; patient ids as masked tokens (LOG-I-03, LOG-I-04,
  LOG-KEY-01);
* ``log_users``: one row per user id seen in the log, at its first event's row (LOG-I-05);
* ``workforce``, ``patients``, ``encounters``: the reference tables, names masked (LOG-REQ-01,
  LOG-KEY-01).
"""

from __future__ import annotations

from ..checks import Check, flag
from ..gx.suites import SuiteSpec
from ..rules import ACCESS_RULES
from .schema import ACCESS_LOG_SCHEMA, REFERENCE_SCHEMAS

INDEX_COLUMNS = {
    b: ["_row"] for b in ("access_log", "log_users", "workforce", "patients", "encounters")
}
KEYS = {"workforce": "user_id", "patients": "patient_id"}


def access_checks() -> list[Check]:
    """Every access-review expectation, in suite order."""
    log = "access_log"
    c = [
        Check(
            f"required:{col}",
            "LOG-I-03",
            "expect_column_values_to_not_be_null",
            {"column": col},
            f"access event with {col} empty; the event is left out of the detection rules",
            col,
            batch=log,
        )
        for col in ACCESS_LOG_SCHEMA.required
    ]
    c += [
        Check(
            "key_unique",
            "LOG-KEY-01",
            "expect_column_values_to_be_in_set",
            flag("_key_repeat"),
            "event_id {record_key} repeats the event first seen on row {_key_first_row}; the "
            "repeat is left out of the detection rules",
            "event_id",
            batch=log,
            trigger="{record_key}",
        ),
        Check(
            "event_time_in_period",
            "LOG-I-04",
            "expect_column_values_to_be_null",
            {"column": "_time_problem"},
            "event time {_time_problem}; the event is left out of the detection rules",
            "event_time",
            batch=log,
            trigger="{_time_problem}",
        ),
        Check(
            "user_in_roster",
            "LOG-I-05",
            "expect_column_values_to_be_in_set",
            {"column": "in_roster", "value_set": [True]},
            "user id {record_key} ({events} events) is not in the workforce roster",
            "user_id",
            batch="log_users",
            trigger="{record_key}",
        ),
    ]
    for name, schema in REFERENCE_SCHEMAS.items():
        c += [
            Check(
                f"{name}:required:{col}",
                "LOG-REQ-01",
                "expect_column_values_to_not_be_null",
                {"column": col},
                f"required value {col} is empty in {name}",
                col,
                batch=name,
            )
            for col in schema.required
        ]
        if name in KEYS:
            c.append(
                Check(
                    f"{name}:key_unique",
                    "LOG-KEY-01",
                    "expect_column_values_to_be_in_set",
                    flag("_key_repeat"),
                    f"{KEYS[name]} {{record_key}} repeats the one on row {{_key_first_row}} of "
                    f"{name}; the first row is used",
                    KEYS[name],
                    batch=name,
                    trigger="{record_key}",
                )
            )
    return c


ACCESS_SUITE = SuiteSpec(
    name="access_log",
    checks=access_checks,
    rules=ACCESS_RULES,
    index_columns=INDEX_COLUMNS,
    main_batch="access_log",
    amount_column="",
    datasets={"workforce": "workforce", "patients": "patients", "encounters": "encounters"},
)
