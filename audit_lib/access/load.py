"""Loading the access review's tables into DuckDB, strictly.

The access log is the large table (tens of millions of events a quarter), so it is read as
Arrow (CSV with every column as text, Parquet as stored, XLSX through pandas) and parsed in
DuckDB by the same contract as :mod:`audit_lib.tables`: column names match ignoring case and
spaces, every missing required column is named in one error, and a value that does not parse
is reported as ``LOG-PARSE-01`` (row and column; protected values withheld) and left out of the
rules. Row numbers are spreadsheet rows (header = row 1).

Timestamps are ISO-8601 with an offset or ``Z``; without one they are local time of
``access.site_timezone``. Each event gets ``ts_utc`` and the local ``ts_local``/``ev_date``
that the per-day and after-hours rules read (daylight-saving changes included).

The three reference tables are small and go through :func:`audit_lib.tables.load_table`.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import EmptyInputError, InputError, MissingColumnsError
from ..tables import (
    FALSE_WORDS,
    TRUE_WORDS,
    LoadedTable,
    as_text,
    normalise_columns,
    read_csv_arrow,
    read_raw,
)
from .schema import ACCESS_LOG_SCHEMA

__all__ = ["AccessLog", "connect", "load_access_log", "register_frame"]

_TS_PATTERN = (
    r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?\s*([Zz]|[+-]\d{2}(:?\d{2})?)?$"
)
_EXPECTED = {
    "timestamp": "an ISO-8601 timestamp (YYYY-MM-DDTHH:MM[:SS][Z|+hh:mm])",
    "boolean": "true/false, 1/0, y/n or yes/no",
}


@dataclass
class AccessLog:
    """The access log as DuckDB table ``events``; ``parse_errors`` as for any LoadedTable."""

    source: str
    rows_read: int
    parse_errors: pd.DataFrame
    columns_found: list[str] = field(default_factory=list)


def connect(site_timezone: str, *, memory_limit: str | None = None, temp_dir: str | None = None):
    """A DuckDB connection whose session time zone is the site's (ICU is built in). With a
    memory limit, DuckDB spills to ``temp_dir`` (give a private folder: spilled pages hold
    patient ids)."""
    import duckdb

    con = duckdb.connect()
    con.execute(f"SET TimeZone = '{site_timezone}'")
    if temp_dir:
        con.execute(f"SET temp_directory = {_sql_text(temp_dir)}")
    if memory_limit:
        con.execute(f"SET memory_limit = {_sql_text(memory_limit)}")
    return con


def _read_arrow(path: Path):
    """CSV or XLSX as an Arrow table of text (Parquet is streamed by DuckDB instead)."""
    import pyarrow as pa

    if path.suffix.lower() == ".csv":
        return read_csv_arrow(path)
    raw = read_raw(path)  # xlsx (and the clear error for other suffixes)
    return pa.Table.from_pandas(raw.apply(as_text), preserve_index=False)


def register_frame(con, name: str, frame: pd.DataFrame) -> None:
    """Register a pandas frame as a DuckDB table (copied, so the frame may go)."""
    con.register("_incoming", frame)
    con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM _incoming")
    con.unregister("_incoming")


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _source_view(source, con, label: str | None) -> tuple[Path, dict[str, str]]:
    """Create the view ``_raw_log`` (canonical lower-case names plus ``_row``) over the input;
    return the path used in messages and each column's DuckDB type."""
    import pyarrow as pa

    if isinstance(source, pd.DataFrame):
        path = Path(label or "access_log")
        table = pa.Table.from_pandas(source, preserve_index=False)
    else:
        path = Path(source)
        if not path.is_file():
            raise InputError(f"{path} does not exist. Check the --access-log path.", path=path)
        table = None
        if path.suffix.lower() == ".parquet":  # streamed by DuckDB, never held whole
            rel = f"read_parquet({_sql_text(str(path))}, file_row_number = true)"
            try:
                described = con.execute(f"DESCRIBE SELECT * FROM {rel}").fetchall()
            except Exception as exc:  # DuckDB raises several types for a damaged file
                raise InputError(
                    f"{path.name} is not a readable Parquet file: {exc}.", path=path
                ) from None
            original = [d[0] for d in described if d[0] != "file_row_number"]
            names = _names(original, path)
            cols = ", ".join(
                f'"{o}" AS {n}' for o, n in zip(original, names, strict=True) if _wanted(n)
            )
            con.execute(
                f"CREATE OR REPLACE TEMP VIEW _raw_log AS SELECT {cols}, "
                f"CAST(file_row_number AS BIGINT) + 2 AS _row FROM {rel}"
            )
            types = {n: d[1] for n, d in zip(names, [d for d in described
                     if d[0] != "file_row_number"], strict=True)}  # fmt: skip
            return path, types
        table = _read_arrow(path)
    names = _names(table.column_names, path)
    table = table.rename_columns(names)
    keep = [n for n in names if _wanted(n)]
    n = table.num_rows
    table = table.select(keep).append_column("_row", pa.array(np.arange(2, n + 2, dtype="int64")))
    con.register("_arrow_log", table)
    con.execute("CREATE OR REPLACE TEMP VIEW _raw_log AS SELECT * FROM _arrow_log")
    types = dict(
        con.execute(
            "SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM _raw_log)"
        ).fetchall()
    )
    return path, {k: v for k, v in types.items() if k != "_row"} | {
        k: "MISSING" for k in names if k not in types
    }


def _names(columns: list[str], path: Path) -> list[str]:
    frame_cols = pd.DataFrame(columns=[str(c) for c in columns])
    return list(normalise_columns(frame_cols, path).columns)


def _wanted(name: str) -> bool:
    return ACCESS_LOG_SCHEMA.spec(name) is not None


def check_columns(path: str | Path) -> None:
    """Fail fast (before any heavy work) when an access-log file lacks required columns."""
    import duckdb

    path = Path(path)
    if path.suffix.lower() == ".parquet":
        try:
            cols = [
                d[0]
                for d in duckdb.sql(
                    f"DESCRIBE SELECT * FROM read_parquet({_sql_text(str(path))})"
                ).fetchall()
            ]
        except Exception as exc:
            raise InputError(
                f"{path.name} is not a readable Parquet file: {exc}.", path=path
            ) from None
    elif path.suffix.lower() == ".csv":
        import csv

        with path.open("rb") as fh:
            first = fh.readline()
        if not first.strip():
            raise EmptyInputError(f"{path.name} is empty: expected a header row.", path=path)
        cols = next(csv.reader([first.decode("utf-8-sig", errors="replace").rstrip("\r\n")]))
    else:
        return  # Excel is checked when it is read
    names = _names(cols, path)
    missing = [c for c in ACCESS_LOG_SCHEMA.required if c not in names]
    if missing:
        raise MissingColumnsError(path, missing, names)


def load_access_log(
    source: str | Path | pd.DataFrame, con, *, label: str | None = None
) -> AccessLog:
    """Read and parse the access log into the DuckDB table ``events``.

    Raises:
        InputError: unreadable file, wrong type, not UTF-8, no rows, missing columns.
    """
    path, types = _source_view(source, con, label)
    schema = ACCESS_LOG_SCHEMA
    missing = [c for c in schema.required if c not in types]
    if missing:
        raise MissingColumnsError(path, missing, list(types))
    n = con.execute("SELECT count(*) FROM _raw_log").fetchall()[0][0]
    if n == 0:
        raise EmptyInputError(
            f"{path.name} has a header but no data rows. Export the access log for the period "
            "again; a review of an empty log cannot be signed off.",
            path=path,
        )
    exprs, errors = [], []
    for spec in schema.columns:
        name = spec.name
        if name not in types:
            default = "FALSE" if spec.kind == "boolean" else "NULL"
            typ = {"timestamp": "TIMESTAMPTZ", "boolean": "BOOLEAN"}.get(spec.kind, "VARCHAR")
            exprs.append(f"CAST({default} AS {typ}) AS {name}")
            continue
        value, bad = _parse_sql(name, spec.kind, spec.choices, types[name])
        exprs.append(f"{value} AS {name}")
        if bad is not None:
            expected = _EXPECTED.get(spec.kind) or "one of " + ", ".join(spec.choices)
            shown = (
                "'(value withheld: protected)'"
                if spec.protected
                # its shape, never the value: a column may hold another column's data
                else "'(a value shaped ''' || regexp_replace(regexp_replace(left(CAST("
                f"{name} AS VARCHAR), 20), '[0-9]', '9', 'g'), '[A-Za-z]', 'A', 'g') || ''')'"
            )
            errors.append(
                f"SELECT _row AS row_, '{name}' AS column_, '{expected}' AS expected, "
                f"{shown} AS shown FROM _raw_log WHERE {bad}"
            )
    parse_errors = (
        con.execute(" UNION ALL ".join(errors) + " ORDER BY row_, column_")
        .df()
        .rename(columns={"row_": "row", "column_": "column"})
        if errors
        else pd.DataFrame(columns=["row", "column", "expected", "shown"])
    )
    con.execute(
        f"""
        CREATE OR REPLACE TABLE events AS
        SELECT * EXCLUDE (event_time, break_the_glass),
               timezone('UTC', event_time) AS ts_utc,
               CAST(event_time AS TIMESTAMP) AS ts_local,
               CAST(CAST(event_time AS TIMESTAMP) AS DATE) AS ev_date,
               break_the_glass AS btg
        FROM (SELECT _row, {", ".join(exprs)} FROM _raw_log)
        """
    )
    con.execute("DROP VIEW _raw_log")
    with contextlib.suppress(Exception):  # a Parquet source registered nothing
        con.unregister("_arrow_log")
    parse_errors["row"] = parse_errors["row"].astype("int64")
    return AccessLog(
        source=str(source) if not isinstance(source, pd.DataFrame) else (label or "frame"),
        rows_read=int(n),
        parse_errors=parse_errors.reset_index(drop=True),
        columns_found=[c for c in types if types[c] != "MISSING"],
    )


def _parse_sql(name: str, kind: str, choices: tuple[str, ...], duck_type: str):
    """(typed value, bad-value predicate or None) for one column of DuckDB type
    ``duck_type``."""
    text = f"NULLIF(trim(CAST({name} AS VARCHAR)), '')"
    if kind == "timestamp":
        if duck_type.startswith("TIMESTAMP"):  # naive = site-local, aware = as given
            return f"CAST({name} AS TIMESTAMPTZ)", None
        ok = f"regexp_full_match({text}, '{_TS_PATTERN}')"
        value = (
            f"CASE WHEN {ok} THEN TRY_CAST(replace(replace({text}, 't', 'T'), ' Z', 'Z') "
            "AS TIMESTAMPTZ) END"
        )
        return value, f"{text} IS NOT NULL AND ({value}) IS NULL"
    if kind == "boolean":
        if duck_type == "BOOLEAN":
            return f"coalesce({name}, FALSE)", None
        low = f"lower({text})"
        allowed = ", ".join(f"'{v}'" for v in (*TRUE_WORDS, *FALSE_WORDS))
        true = ", ".join(f"'{v}'" for v in TRUE_WORDS)
        return (
            f"coalesce({low} IN ({true}), FALSE)",
            f"{text} IS NOT NULL AND {low} NOT IN ({allowed})",
        )
    if kind == "choice":
        low = f"lower({text})"
        allowed = ", ".join(f"'{v}'" for v in choices)
        return f"CASE WHEN {low} IN ({allowed}) THEN {low} END", (
            f"{text} IS NOT NULL AND {low} NOT IN ({allowed})"
        )
    return text, None


def reference_tables(loaded: dict[str, LoadedTable], con) -> None:
    """Register workforce, patients and encounters with the normalised match columns the
    rules compare (upper-case last name, address with single spaces, 5-digit postal code)."""
    wf, pt = loaded["workforce"].frame, loaded["patients"].frame
    register_frame(con, "_wf", _with_columns(wf, WORKFORCE_COLUMNS))
    register_frame(con, "_pt", _with_columns(pt, PATIENT_COLUMNS))
    register_frame(con, "enc", _with_columns(loaded["encounters"].frame, ENCOUNTER_COLUMNS))
    norm = """
        upper(regexp_replace(trim(last_name), '[^A-Za-z]', '', 'g')) AS last_n,
        upper(regexp_replace(trim(address_line), '[^A-Za-z0-9]+', ' ', 'g')) AS addr_n,
        left(regexp_replace(postal_code, '[^0-9]', '', 'g'), 5) AS zip5
    """
    # first row of a repeated key wins (repeats are LOG-KEY-01)
    con.execute(
        f"""CREATE OR REPLACE TABLE wf AS SELECT * EXCLUDE (last_name, address_line,
            postal_code, first_name), lower(role) AS role_n, {norm}
            FROM _wf QUALIFY row_number() OVER (PARTITION BY user_id ORDER BY _row) = 1
            AND user_id IS NOT NULL"""
    )
    con.execute(
        f"""CREATE OR REPLACE TABLE pt AS SELECT * EXCLUDE (last_name, address_line,
            postal_code, first_name, dob), {norm}
            FROM _pt QUALIFY row_number() OVER (PARTITION BY patient_id ORDER BY _row) = 1
            AND patient_id IS NOT NULL"""
    )
    con.execute("DROP TABLE _wf; DROP TABLE _pt")


WORKFORCE_COLUMNS = {
    "user_id": "string",
    "last_name": "string",
    "first_name": "string",
    "department": "string",
    "role": "string",
    "termination_date": "datetime64[ns]",
    "address_line": "string",
    "postal_code": "string",
    "patient_id": "string",
    "account_type": "string",
    "shift": "string",
    "_row": "int64",
}
PATIENT_COLUMNS = {
    "patient_id": "string",
    "last_name": "string",
    "first_name": "string",
    "dob": "datetime64[ns]",
    "address_line": "string",
    "postal_code": "string",
    "deceased_date": "datetime64[ns]",
    "vip": "boolean",
    "employee_user_id": "string",
    "_row": "int64",
}
ENCOUNTER_COLUMNS = {
    "patient_id": "string",
    "start_date": "datetime64[ns]",
    "end_date": "datetime64[ns]",
    "user_id": "string",
    "department": "string",
    "_row": "int64",
}


def _with_columns(frame: pd.DataFrame, columns: dict[str, str]) -> pd.DataFrame:
    """The columns the rules read, absent optional ones added empty, in fixed types."""
    out = {}
    for name, dtype in columns.items():
        if name in frame:
            col = frame[name]
        elif dtype == "boolean":
            col = pd.Series(False, index=frame.index)
        else:
            col = pd.Series(pd.NA if dtype == "string" else pd.NaT, index=frame.index)
        out[name] = col.astype(dtype)
    return pd.DataFrame(out)
