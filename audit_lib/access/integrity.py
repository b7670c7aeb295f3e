"""Log-pipeline integrity (RULEBOOK 5.2), run before any detection rule.

:func:`flag_events` finds repeated event ids and times outside the period in DuckDB and
defines ``events_ok``, the events the detection rules read. :func:`validate` hands the
integrity columns (patient ids as tokens, names masked) to the Great Expectations suite
``expectations/access_log.json`` and turns its failures into findings.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from ..phi import Masker
from ..tables import LoadedTable
from .checks import ACCESS_SUITE, KEYS
from .schema import REFERENCE_SCHEMAS

__all__ = ["flag_events", "validate"]

_REQUIRED = "event_id IS NOT NULL AND ts_utc IS NOT NULL AND user_id IS NOT NULL " + (
    "AND patient_id IS NOT NULL AND action IS NOT NULL"
)


def _time_problem(start: dt.date, end: dt.date, as_of: dt.date) -> str:
    return (
        "CASE WHEN ts_utc IS NULL THEN NULL "
        f"WHEN ev_date > DATE '{as_of}' THEN 'is in the future: local date ' || "
        f"strftime(ev_date, '%Y-%m-%d') || ' is after the as-of date {as_of}' "
        f"WHEN ev_date < DATE '{start}' THEN 'is before the period: local date ' || "
        f"strftime(ev_date, '%Y-%m-%d') || ' < {start}' "
        f"WHEN ev_date > DATE '{end}' THEN 'is after the period: local date ' || "
        f"strftime(ev_date, '%Y-%m-%d') || ' > {end}' END"
    )


def flag_events(con, start: dt.date, end: dt.date, as_of: dt.date) -> dict[str, Any]:
    """Create ``dup_ids`` and the view ``events_ok``; return the access log's counts."""
    problem = _time_problem(start, end, as_of)
    con.execute(
        f"""
        CREATE OR REPLACE TABLE dup_ids AS
        SELECT event_id, min(_row) AS first_row FROM events WHERE event_id IS NOT NULL
        GROUP BY event_id HAVING count(*) > 1;
        CREATE OR REPLACE VIEW events_flagged AS
        SELECT e.*, coalesce(e._row > d.first_row, FALSE) AS _key_repeat,
               d.first_row AS _key_first_row, {problem} AS _time_problem
        FROM events e LEFT JOIN dup_ids d ON d.event_id = e.event_id;
        CREATE OR REPLACE VIEW events_ok AS
        SELECT * FROM events_flagged
        WHERE {_REQUIRED} AND NOT _key_repeat AND _time_problem IS NULL;
        """
    )
    row = con.execute(
        f"""SELECT count(*),
                   count(*) FILTER (WHERE NOT ({_REQUIRED})),
                   count(*) FILTER (WHERE ({_REQUIRED}) AND _time_problem IS NOT NULL),
                   count(*) FILTER (WHERE ({_REQUIRED}) AND _time_problem IS NULL
                                    AND _key_repeat),
                   count(*) FILTER (WHERE ({_REQUIRED}) AND _time_problem IS NULL
                                    AND NOT _key_repeat),
                   count(DISTINCT user_id), count(DISTINCT patient_id)
            FROM events_flagged"""
    ).fetchall()[0]
    total, missing, out_of_period, repeats, ok, users, patients = (int(x) for x in row)
    return {
        "rows_read": total,
        "rows_checked": total,
        "rows_left_out": total - ok,
        "left_out": {
            "required_field_empty_or_unparseable": missing,
            "time_outside_period": out_of_period,
            "repeated_event_id": repeats,
        },
        "rows_in_detection": ok,
        "distinct_users": users,
        "distinct_patients": patients,
    }


CHUNK_ROWS = 1_000_000  # access events per GX validation chunk (bounds memory, not results)


def _log_chunks(con, masker: Masker, chunk_rows: int = CHUNK_ROWS):
    """The ``access_log`` batch, a chunk at a time (patient ids as tokens)."""
    import pyarrow as pa

    ids = con.execute("SELECT DISTINCT patient_id FROM events WHERE patient_id IS NOT NULL").df()
    ids["token"] = masker.mask_series(ids["patient_id"].astype("string")).astype(object)
    con.register("_tokens_in", ids)
    con.execute("CREATE OR REPLACE TABLE tokens AS SELECT * FROM _tokens_in")
    con.unregister("_tokens_in")
    rel = con.sql(
        """SELECT e._row, e.event_id, e.ts_utc AS event_time, e.user_id,
                  t.token AS patient_id, e.action, e._key_repeat, e._key_first_row,
                  e._time_problem
           FROM events_flagged e LEFT JOIN tokens t ON t.patient_id = e.patient_id"""
    )
    reader = (getattr(rel, "to_arrow_reader", None) or rel.fetch_arrow_reader)(chunk_rows)
    strings = {pa.string(): pd.StringDtype("pyarrow")}.get
    for batch in reader:
        frame = batch.to_pandas(types_mapper=strings)
        frame["record_key"] = frame["event_id"]
        yield frame


def reference_keys(name: str, frame: pd.DataFrame, masker: Masker | None = None) -> pd.DataFrame:
    """``_row`` and ``record_key`` of a reference table (patients by token)."""
    if name == "workforce":
        key = frame["user_id"].astype("string")
    elif name == "patients":
        key = (masker or Masker()).mask_series(frame["patient_id"].astype("string"))
    else:
        key = frame.get("encounter_id", pd.Series(pd.NA, index=frame.index)).astype("string")
    key = key.fillna("row " + frame["_row"].astype("string"))
    return pd.DataFrame({"_row": frame["_row"], "record_key": key})


def _reference_batch(name: str, t: LoadedTable, masker: Masker) -> pd.DataFrame:
    schema = REFERENCE_SCHEMAS[name]
    frame = t.frame
    batch = reference_keys(name, frame, masker)
    for col in schema.required:
        values = (
            frame[col].astype("string") if col in frame else pd.Series(pd.NA, index=frame.index)
        )
        spec = schema.spec(col)
        batch[col] = masker.mask_series(values, kind=col) if spec and spec.protected else values
    if name in KEYS:
        key = frame[KEYS[name]].astype("string")
        present = key.notna()
        batch["_key_repeat"] = (key.duplicated(keep="first") & present).astype(bool)
        first = frame.groupby(key)["_row"].transform("min")
        batch["_key_first_row"] = first.where(batch["_key_repeat"])
    return batch


def validate(
    con, reference: dict[str, LoadedTable], masker: Masker, *, chunk_rows: int = CHUNK_ROWS
) -> tuple[dict[str, Any], pd.DataFrame]:
    """Run the access suite; return (redacted results, findings with ``trigger``).

    The access log is validated a chunk at a time, and each chunk's failures become findings
    while the chunk is in memory, so memory does not grow with the size of the log."""
    from ..gx import engine

    batches: dict[str, Any] = {"access_log": _log_chunks(con, masker, chunk_rows)}
    batches["log_users"] = con.execute(
        """SELECT min(e._row) AS _row, e.user_id AS record_key, count(*) AS events,
                  w.user_id IS NOT NULL AS in_roster
           FROM events e LEFT JOIN wf w ON w.user_id = e.user_id
           WHERE e.user_id IS NOT NULL GROUP BY e.user_id, w.user_id ORDER BY 1"""
    ).df()
    for name, t in reference.items():
        batches[name] = _reference_batch(name, t, masker)
    found: list[pd.DataFrame] = []

    def on_chunk(name: str, frame: pd.DataFrame, result: dict) -> None:
        raw = {name: {"success": True, "statistics": {}, **result}}
        redacted = engine.redact_results(ACCESS_SUITE, raw)
        found.append(engine.findings_from_results(ACCESS_SUITE, redacted, {name: frame}, frame, {}))

    results = engine.validate(ACCESS_SUITE, batches, {}, on_chunk=on_chunk)
    redacted = engine.redact_results(ACCESS_SUITE, results)
    return redacted, pd.concat(found, ignore_index=True)
