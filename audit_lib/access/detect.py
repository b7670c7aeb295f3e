"""The access-log detection rules as data, and the DuckDB engine that runs them.

Every per-event rule is a SQL predicate over one row of the context view ``ctx`` (the event
joined to its user, its patient and the treatment-relationship flag), with a plain-language
evidence expression that never holds a protected value ("same last name and postal code as
the user", never the name). The user-day rule (LOG-R-12) and the escalation rule (LOG-R-16)
are window queries (:mod:`audit_lib.access.detect_windows`). The definitions are plain
ANSI-style SQL over named columns, so another engine (Spark SQL) can run the same list;
:func:`detect` is the DuckDB runner.

The relationship check is a range join of (user, patient, day) against encounters, by user or
by the user's department, within +/- ``relationship_window_days``; it is computed once per
distinct (user, patient, day), not per event.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from ..config import AccessSettings
from .detect_windows import bulk_rule, concurrent_rule, repeat_rule

__all__ = ["EVENT_RULES", "RULE_WEIGHTS", "EventRule", "detect"]


@dataclass(frozen=True)
class EventRule:
    """One per-event detection rule.

    Attributes:
        rule_id: the rulebook id.
        predicate: SQL boolean over ``ctx``; true = the event raises an alert.
        evidence: SQL text expression saying what matched, in masked form.
        field: the access-log field the alert concerns.
        severity: SQL expression giving the severity when it depends on the row (else the
            rule's default applies).
    """

    rule_id: str
    predicate: str
    evidence: str
    field: str
    severity: str | None = None


# Case score: the sum of the weights of the distinct rules in a case, capped at 100 [K].
RULE_WEIGHTS = {
    "LOG-R-01": 60,
    "LOG-R-02": 50,
    "LOG-R-04": 30,
    "LOG-R-05": 50,
    "LOG-R-06": 20,
    "LOG-R-07": 20,
    "LOG-R-08": 40,
    "LOG-R-09": 50,
    "LOG-R-10": 10,
    "LOG-R-11": 30,
    "LOG-R-12": 30,
    "LOG-R-16": 30,
}

_NO_REL = "no treatment relationship within {window} days"


def event_rules(s: AccessSettings) -> list[EventRule]:
    """The per-event rules with the run's settings filled in."""
    window = f"+/-{s.relationship_window_days}"
    no_rel = _NO_REL.format(window=window)
    start, end = s.business_hours
    return [
        EventRule(
            "LOG-R-01",
            "is_self",
            "'the record is the user''s own patient record (linked in the roster)'",
            "patient_id",
        ),
        EventRule(
            "LOG-R-02",
            "NOT is_self AND same_last AND (same_addr OR same_zip) AND NOT has_rel",
            "'same last name and ' || CASE WHEN same_addr THEN 'address' ELSE 'postal code' END"
            f" || ' as the user; {no_rel}'",
            "patient_id",
        ),
        EventRule(
            "LOG-R-04",
            "NOT is_self AND pt_is_employee AND NOT has_rel",
            "'the patient is an employee' || CASE WHEN emp_same_dept THEN ' of the user''s own "
            f"department' ELSE '' END || '; {no_rel}'",
            "patient_id",
            severity="CASE WHEN emp_same_dept THEN 'error' ELSE 'warning' END",
        ),
        EventRule(
            "LOG-R-05",
            "pt_vip AND (NOT has_rel OR btg)",
            "'VIP or restricted record; ' || CASE WHEN btg THEN 'opened by break-the-glass' "
            f"ELSE '{no_rel}' END",
            "patient_id",
        ),
        EventRule(
            "LOG-R-06",
            "pt_deceased_date IS NOT NULL AND ev_date > pt_deceased_date "
            "AND NOT role_may_see_deceased",
            "'opened after the patient''s date of death by role ' || coalesce(role_n, '(none)')",
            "patient_id",
        ),
        EventRule(
            "LOG-R-07",
            "in_roster AND NOT has_rel AND NOT population_role",
            "'no encounter links the user or the department ' || coalesce(u_dept, '(none)') || "
            f"' to the patient within {window} days; role ' || coalesce(role_n, '(none)') || "
            "' has no population-wide duty'",
            "patient_id",
        ),
        EventRule(
            "LOG-R-08",
            "NOT in_roster OR account_type IN ('shared', 'service') OR generic_id",
            "CASE WHEN NOT in_roster THEN 'user id not in the workforce roster' "
            "WHEN account_type IN ('shared', 'service') THEN 'account type ' || account_type "
            "ELSE 'user id names no person (generic account name)' END",
            "user_id",
        ),
        EventRule(
            "LOG-R-09",
            "u_term IS NOT NULL AND "
            + (
                "ev_date > u_term"
                if s.termination_effective == "end_of_day"
                else "ev_date >= u_term"
            ),
            "'access on ' || strftime(ts_local, '%Y-%m-%d %H:%M') || ' local, after the "
            "termination date ' || strftime(u_term, '%Y-%m-%d')",
            "event_time",
        ),
        EventRule(
            "LOG-R-10",
            f"day_shift AND (hour(ts_local) < {start} OR hour(ts_local) >= {end} "
            "OR isodow(ev_date) >= 6 OR is_holiday)",
            "'access at ' || strftime(ts_local, '%H:%M') || ' local on ' || "
            "CASE WHEN is_holiday THEN 'a federal holiday' WHEN isodow(ev_date) >= 6 THEN "
            f"'a weekend' ELSE 'a weekday, outside {start:02d}:00-{end:02d}:00' END || "
            "' by a day-shift user'",
            "event_time",
        ),
        EventRule(
            "LOG-R-11",
            "btg AND (btg_reason IS NULL OR trim(btg_reason) = '')",
            "'break-the-glass with no reason recorded'",
            "btg_reason",
        ),
    ]


EVENT_RULES = event_rules(AccessSettings())


def _sql_list(values) -> str:
    return ", ".join("'" + str(v).replace("'", "''") + "'" for v in values) or "''"


def _holidays(start: dt.date, end: dt.date) -> pd.DataFrame:
    from ..holidays import federal_holidays

    return pd.DataFrame({"day": federal_holidays(start, end).date})


def build_context(con, s: AccessSettings, start: dt.date, end: dt.date) -> None:
    """Create ``rel`` (treatment relationships) and ``ctx`` (events in scope with their user,
    patient and relationship flags). Reads ``events_ok``, ``wf``, ``pt``, ``enc``."""
    w = int(s.relationship_window_days)
    from .load import register_frame

    register_frame(con, "holidays", _holidays(start, end))
    con.execute(
        f"""
        CREATE OR REPLACE TABLE enc_d AS
        SELECT patient_id, user_id, department,
               CAST(start_date AS DATE) - {w} AS lo,
               CAST(coalesce(end_date, start_date) AS DATE) + {w} AS hi
        FROM enc WHERE patient_id IS NOT NULL AND start_date IS NOT NULL;
        CREATE OR REPLACE TABLE upd AS
        SELECT DISTINCT e.user_id, e.patient_id, e.ev_date, w.department AS u_dept
        FROM events_ok e LEFT JOIN wf w USING (user_id);
        CREATE OR REPLACE TABLE rel AS
        SELECT DISTINCT u.user_id, u.patient_id, u.ev_date FROM upd u
        JOIN enc_d e ON e.patient_id = u.patient_id AND e.user_id = u.user_id
        WHERE u.ev_date BETWEEN e.lo AND e.hi
        UNION
        SELECT DISTINCT u.user_id, u.patient_id, u.ev_date FROM upd u
        JOIN enc_d e ON e.patient_id = u.patient_id AND e.department = u.u_dept
        WHERE u.ev_date BETWEEN e.lo AND e.hi;
        CREATE OR REPLACE TABLE emp AS
        SELECT patient_id, min(department) AS emp_dept FROM (
            SELECT patient_id, department FROM wf WHERE patient_id IS NOT NULL
            UNION ALL
            SELECT p.patient_id, w.department FROM pt p JOIN wf w
              ON w.user_id = p.employee_user_id
        ) GROUP BY patient_id;
        """
    )
    start_hour = int(s.business_hours[0])
    # a night shift's early-morning hours belong to the shift that began the evening before
    con.execute(
        f"""
        CREATE OR REPLACE VIEW events_wd AS
        SELECT e.*, CASE WHEN w.shift = 'night' AND hour(e.ts_local) < {start_hour}
                         THEN e.ev_date - 1 ELSE e.ev_date END AS work_date
        FROM events_ok e LEFT JOIN wf w ON w.user_id = e.user_id
        """
    )
    generic = s.generic_account_pattern.replace("'", "''")
    con.execute(
        f"""
        CREATE OR REPLACE VIEW ctx AS
        SELECT e._row, e.event_id, e.user_id, e.patient_id, e.ts_local, e.ev_date, e.action,
               e.btg, e.btg_reason,
               w.user_id IS NOT NULL AS in_roster,
               w.role_n, w.department AS u_dept, CAST(w.termination_date AS DATE) AS u_term,
               w.account_type,
               regexp_full_match(lower(e.user_id), '{generic}') AS generic_id,
               coalesce(w.shift, 'day') IN ({_sql_list(s.checked_shifts)}) AS day_shift,
               coalesce(w.role_n IN ({_sql_list(s.population_roles)}), FALSE)
                   AS population_role,
               coalesce(w.role_n IN ({_sql_list(s.deceased_roles)}), FALSE)
                   AS role_may_see_deceased,
               coalesce(w.patient_id = e.patient_id OR p.employee_user_id = e.user_id, FALSE)
                   AS is_self,
               coalesce(w.last_n = p.last_n AND w.last_n <> '', FALSE) AS same_last,
               coalesce(w.addr_n = p.addr_n AND w.addr_n <> '', FALSE) AS same_addr,
               coalesce(w.zip5 = p.zip5 AND length(w.zip5) = 5, FALSE) AS same_zip,
               coalesce(p.vip, FALSE) AS pt_vip,
               CAST(p.deceased_date AS DATE) AS pt_deceased_date,
               m.patient_id IS NOT NULL AS pt_is_employee,
               coalesce(m.emp_dept = w.department, FALSE) AS emp_same_dept,
               r.user_id IS NOT NULL AS has_rel,
               h.day IS NOT NULL AS is_holiday
        FROM events_ok e
        LEFT JOIN wf w ON w.user_id = e.user_id
        LEFT JOIN pt p ON p.patient_id = e.patient_id
        LEFT JOIN emp m ON m.patient_id = e.patient_id
        LEFT JOIN rel r ON r.user_id = e.user_id AND r.patient_id = e.patient_id
                        AND r.ev_date = e.ev_date
        LEFT JOIN holidays h ON h.day = e.ev_date
        """
    )


def detect(con, s: AccessSettings, start: dt.date, end: dt.date) -> pd.DataFrame:
    """All alerts: one row per (event, rule) for per-event rules, per (user, day) for
    LOG-R-12 and per user for LOG-R-16, with the evidence text.

    Columns: rule_id, severity, user_id, patient_id (raw; mask before output), _row, event_id,
    ev_date, ts_local, field, evidence, scope (``event``, ``user_day`` or ``user``).
    """
    from ..rules import ACCESS_RULES

    build_context(con, s, start, end)
    # one pass over the events: every rule's verdict as a list, the alerts unnested from it
    verdicts = []
    for r in event_rules(s):
        severity = r.severity or f"'{ACCESS_RULES[r.rule_id].severity}'"
        verdicts.append(
            f"CASE WHEN {r.predicate} THEN struct_pack(rule_id := '{r.rule_id}', "
            f"severity := {severity}, field := '{r.field}', evidence := {r.evidence}) END"
        )
    con.execute(
        f"""
        CREATE OR REPLACE TABLE alerts AS
        SELECT a['rule_id'] AS rule_id, a['severity'] AS severity, user_id, patient_id, _row,
               event_id, ev_date, ts_local, a['field'] AS field, a['evidence'] AS evidence,
               'event' AS scope
        FROM (
            SELECT user_id, patient_id, _row, event_id, ev_date, ts_local,
                   unnest(list_filter([{", ".join(verdicts)}], lambda v: v IS NOT NULL)) AS a
            FROM ctx
        )
        """
    )
    bulk_rule(con, s)
    concurrent_rule(con, s)
    repeat_rule(con, s)
    return con.execute(
        "SELECT * FROM alerts ORDER BY rule_id, user_id, ev_date, _row, patient_id"
    ).df()
