"""The access-log rules that look across events (window queries over the DuckDB context
tables that :func:`audit_lib.access.detect.build_context` makes): bulk access per user-day and
per hour (LOG-R-12), concurrent sessions in two places (LOG-R-08) and repeated alerts escalated
as one case (LOG-R-16). Each inserts its alerts into the ``alerts`` table."""

from __future__ import annotations

from ..config import AccessSettings

__all__ = ["bulk_rule", "concurrent_rule", "repeat_rule"]


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


def bulk_rule(con, s: AccessSettings) -> None:
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


def concurrent_rule(con, s: AccessSettings) -> None:
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


def repeat_rule(con, s: AccessSettings) -> None:
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
