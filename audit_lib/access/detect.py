"""The access-log detection rules as data, and the DuckDB engine that runs them.

Every per-event rule is a SQL predicate over one row of the context view ``ctx`` (the event
joined to its user, its patient and the treatment-relationship flag), with a plain-language
evidence expression that never holds a protected value ("same last name and postal code as
the user", never the name). The user-day rule (LOG-R-12) and the escalation rule (LOG-R-16)
are window queries. The definitions are plain ANSI-style SQL over named columns, so another
engine (Spark SQL) can run the same list; :func:`detect` is the DuckDB runner.

The relationship check is a range join of (user, patient, day) against encounters, by user or
by the user's department, within +/- ``relationship_window_days``; it is computed once per
distinct (user, patient, day), not per event.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from ..config import AccessSettings

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
    _bulk(con, s)
    _concurrent(con, s)
    _repeat(con, s)
    return con.execute(
        "SELECT * FROM alerts ORDER BY rule_id, user_id, ev_date, _row, patient_id"
    ).df()


def _volume(con, s: AccessSettings, name: str, source: str, unit: str, floor: int, cap: int,
            what: str, when: str) -> None:  # fmt: skip
    """One LOG-R-12 measure: distinct patients per user per ``unit`` (a work day, or a clock
    hour) among the events of ``source``, above max(role percentile, the user's own mean + k SD
    over their other active units, ``floor``), or above ``cap``; alerts go to ``alerts`` and
    the alerting units to table ``name`` (all units: ``name_units``)."""
    units = "hours" if "hour" in unit else "days"
    con.execute(
        f"""
        CREATE OR REPLACE TABLE {name}_units AS
        SELECT user_id, {unit} AS unit, min(work_date) AS ev_date,
               count(DISTINCT patient_id) AS n_patients, min(first_row) AS first_row,
               min(first_event) AS first_event, min(first_ts) AS first_ts
        FROM {source} GROUP BY user_id, {unit};
        CREATE OR REPLACE TABLE {name} AS
        WITH roles AS (
            SELECT coalesce(w.role_n, '(none)') AS role, d.*
            FROM {name}_units d LEFT JOIN wf w USING (user_id)
        ), role_pct AS (
            SELECT role, quantile_cont(n_patients, {s.bulk_role_percentile}) AS role_pct
            FROM roles GROUP BY role
        ), per_user AS (
            SELECT user_id, count(*) AS n, sum(n_patients) AS t1,
                   sum(n_patients * n_patients) AS t2
            FROM roles GROUP BY user_id
        ), base AS (
            -- only units above the floor (or the cap) can alert: the baselines are computed
            -- over every unit, the comparison on these. The user's own baseline leaves the
            -- unit out: with it in, a single burst raises its own bar (over n units a value
            -- can be at most (n-1)/sqrt(n) SD above the mean)
            SELECT r.*, p.role_pct, u.n - 1 AS m, u.t1 - r.n_patients AS s1,
                   u.t2 - r.n_patients * r.n_patients AS s2
            FROM roles r JOIN role_pct p USING (role) JOIN per_user u USING (user_id)
            WHERE r.n_patients > least({floor}, {cap})
        ), limits AS (
            SELECT *,
              CASE WHEN m >= 1 THEN s1 / m END
                + {s.bulk_user_sd} * CASE WHEN m >= 2
                    THEN sqrt(greatest((s2 - s1 * s1 / m) / (m - 1), 0)) ELSE 0 END
                AS user_limit
            FROM base
        )
        SELECT * EXCLUDE (m, s1, s2),
               greatest(role_pct, coalesce(user_limit, 0), {floor}) AS threshold FROM limits
        WHERE n_patients > greatest(role_pct, coalesce(user_limit, 0), {floor})
           OR n_patients > {cap};
        INSERT INTO alerts
        SELECT 'LOG-R-12', 'warning', user_id, NULL, first_row, first_event, ev_date, first_ts,
               'patient_id',
               n_patients || ' distinct patients {what} ' || {when} ||
               ' (limit ' || CAST(round(threshold, 1) AS VARCHAR) || ' = max of role ' ||
               role || ' {round(100 * s.bulk_role_percentile)}th percentile ' ||
               CAST(round(role_pct, 1) AS VARCHAR) ||
               ', own mean + {s.bulk_user_sd:g} SD on other {units} ' ||
               coalesce(CAST(round(user_limit, 1) AS VARCHAR), 'none') ||
               ', floor {floor}; cap {cap})', 'user_day'
        FROM {name};
        """
    )


def _bulk(con, s: AccessSettings) -> None:
    """LOG-R-12: distinct patients per user per work day, per clock hour, and printed or
    exported per work day, each above max(role percentile, user mean + k SD, floor), or above
    its cap. Baselines are computed over the period. A work day is the local date, except that
    a night-shift user's hours before the business day starts count toward the shift that
    began the evening before. Every alerting user-day becomes one bulk case (table ``bulk``)."""

    def events(where: str) -> str:
        return (
            "(SELECT user_id, patient_id, work_date, date_trunc('hour', ts_local) AS hr, "
            "_row AS first_row, event_id AS first_event, ts_local AS first_ts "
            f"FROM events_wd WHERE {where})"
        )

    day = "strftime(unit, '%Y-%m-%d')"
    every, exports = events("TRUE"), events("action IN ('print', 'export')")
    _volume(con, s, "bulk_day", every, "work_date", s.bulk_floor, s.bulk_cap, "on", day)
    _volume(con, s, "bulk_hour", every, "hr", s.bulk_hour_floor, s.bulk_hour_cap,
            "in the hour from", "strftime(unit, '%Y-%m-%d %H:00')")  # fmt: skip
    _volume(con, s, "bulk_export", exports, "work_date", s.bulk_export_floor,
            s.bulk_export_cap, "printed or exported on", day)  # fmt: skip
    con.execute(
        """
        CREATE OR REPLACE VIEW user_days AS SELECT * FROM bulk_day_units;
        CREATE OR REPLACE TABLE bulk AS
        SELECT DISTINCT user_id, ev_date FROM (
            SELECT user_id, ev_date FROM bulk_day UNION ALL
            SELECT user_id, ev_date FROM bulk_hour UNION ALL
            SELECT user_id, ev_date FROM bulk_export
        )
        """
    )


def _concurrent(con, s: AccessSettings) -> None:
    """LOG-R-08 (concurrent sessions): an event from another place than the account's events
    just before and just after it, those two within ``concurrent_window_minutes`` (real time):
    one account in use in two places at once, a shared credential. A place is the IPv4 /16
    network of the event's address by default: the contract has no workstation locations,
    and a network is a site, where two workstation ids may be a cart and a desk in one room."""
    if s.concurrent_window_minutes <= 0:
        return
    place = {
        "ip_prefix": "CASE WHEN regexp_matches(ip_address, '^\\d+\\.\\d+\\.') THEN "
        "regexp_extract(ip_address, '^(\\d+\\.\\d+)\\.', 1) || '.0.0/16' "
        "ELSE nullif(trim(ip_address), '') END",
        "ip": "nullif(trim(ip_address), '')",
        "workstation": "nullif(trim(workstation_id), '')",
    }[s.concurrent_key]
    minutes = int(s.concurrent_window_minutes)
    con.execute(
        f"""
        INSERT INTO alerts
        WITH seq AS (
            SELECT user_id, patient_id, _row, event_id, ev_date, ts_local, ts_utc,
                   {place} AS place
            FROM events_ok WHERE {place} IS NOT NULL
        ), around AS (
            SELECT *,
                   lag(place) OVER w AS prev_place, lag(ts_utc) OVER w AS prev_ts,
                   lead(place) OVER w AS next_place, lead(ts_utc) OVER w AS next_ts,
                   lag(ts_local) OVER w AS prev_local, lead(ts_local) OVER w AS next_local
            FROM seq WINDOW w AS (PARTITION BY user_id ORDER BY ts_utc, _row)
        )
        SELECT 'LOG-R-08', 'error', user_id, patient_id, _row, event_id, ev_date, ts_local,
               'user_id',
               'the account was used at ' || place || ' at ' || strftime(ts_local, '%H:%M') ||
               ' between uses at ' || prev_place || ' at ' || strftime(prev_local, '%H:%M') ||
               ' and ' || strftime(next_local, '%H:%M') ||
               ': concurrent sessions in two places within {minutes} minutes', 'event'
        FROM around
        WHERE place <> prev_place AND next_place = prev_place
          AND next_ts - prev_ts <= INTERVAL {minutes} MINUTE
        """
    )


def _repeat(con, s: AccessSettings) -> None:
    """LOG-R-16: a user with alerts on ``repeat_days`` distinct days within
    ``repeat_window_days`` is escalated as one case."""
    k, span = int(s.repeat_days), int(s.repeat_window_days) - 1
    con.execute(
        f"""
        CREATE OR REPLACE TABLE repeat_users AS
        WITH days AS (SELECT DISTINCT user_id, ev_date FROM alerts),
        win AS (
            SELECT user_id, ev_date,
              count(*) OVER (PARTITION BY user_id ORDER BY ev_date
                RANGE BETWEEN CURRENT ROW AND INTERVAL {span} DAYS FOLLOWING) AS n_days
            FROM days
        )
        SELECT user_id, max(n_days) AS n_days,
               (SELECT count(*) FROM days d WHERE d.user_id = win.user_id) AS all_days
        FROM win GROUP BY user_id HAVING max(n_days) >= {k};
        INSERT INTO alerts
        SELECT 'LOG-R-16', 'error', r.user_id, NULL, a.first_row, a.first_event, a.first_day,
               a.first_ts, 'user_id',
               'alerts on ' || r.all_days || ' distinct days (' || r.n_days ||
               ' within {span + 1} days) from ' || strftime(a.first_day, '%Y-%m-%d') || ' to '
               || strftime(a.last_day, '%Y-%m-%d') || ': escalated as one case', 'user'
        FROM repeat_users r JOIN (
            SELECT user_id, min(_row) AS first_row, min(event_id) AS first_event,
                   min(ev_date) AS first_day, max(ev_date) AS last_day, min(ts_local) AS first_ts
            FROM alerts GROUP BY user_id
        ) a USING (user_id);
        """
    )
