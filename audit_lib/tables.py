"""Reading canonical input tables from CSV, Parquet or XLSX, strictly.

Shared by every dataset (claims now; refunds and access logs reuse it with their own
:class:`TableSchema`). The contract (``DATA_CONTRACT.md``):

* the format is chosen by suffix; CSV must be UTF-8 (a BOM is accepted);
* column names match case-insensitively, ignoring surrounding spaces; extra columns pass through;
* every required column must exist, or one error lists all that are missing;
* values are never silently coerced: a value that does not parse is reported as
  ``<PREFIX>-PARSE-01`` with its row and column and is then treated as missing by the rules.

Row numbers are spreadsheet rows: the header is row 1, the first record row 2.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .dates import describe, guess_format, parse_dates
from .errors import EmptyInputError, InputError, MissingColumnsError

__all__ = ["ColumnSpec", "LoadedTable", "TableSchema", "load_table", "parse_frame"]

ROW_COLUMN = "_row"
_PATTERNS = {
    "integer": r"\d+",
    "number": r"-?\d+(\.\d+)?",
    "amount": r"-?\d+(\.\d{1,2})?",
    "date": r"\d{4}-\d{2}-\d{2}",
}
TRUE_WORDS = ("true", "1", "y", "yes")
FALSE_WORDS = ("false", "0", "n", "no")
_EXPECTED = {
    "integer": "a whole number",
    "number": "a number",
    "amount": "dollars with up to 2 decimals, no symbols or separators",
    "date": "a date YYYY-MM-DD",
}


@dataclass(frozen=True)
class ColumnSpec:
    """One canonical column. ``kind``: text, code, integer, number, amount, date, boolean or
    choice."""

    name: str
    kind: str = "text"
    required: bool = False
    choices: tuple[str, ...] = ()
    protected: bool = False


@dataclass(frozen=True)
class TableSchema:
    name: str
    rule_prefix: str
    columns: tuple[ColumnSpec, ...]

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    def spec(self, name: str) -> ColumnSpec | None:
        return next((c for c in self.columns if c.name == name), None)


@dataclass
class LoadedTable:
    """A parsed table. ``frame`` has typed canonical columns plus ``_row``;
    ``parse_errors`` has one row per unparseable cell: row, column, expected, shown."""

    name: str
    source: str
    frame: pd.DataFrame
    parse_errors: pd.DataFrame
    rows_read: int
    columns_found: list[str] = field(default_factory=list)
    unavailable: dict[str, str] = field(default_factory=dict)  # declared by the input profile
    profile: dict | None = None  # the input profile used, and what it read


def read_csv_arrow(path: Path, delimiter: str = ",", *, trailing_delimiter: bool = False):
    """A UTF-8 delimited text file as an Arrow table with every column as text (keeps leading
    zeros). ``trailing_delimiter``: data lines end with one more delimiter than the header (the
    CMS RIF convention), which is dropped."""
    data = path.read_bytes()
    if not data or data.isspace():
        raise EmptyInputError(
            f"{path.name} is empty: expected a header row and at least one record.",
            path=path,
        )
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InputError(
            f"{path.name} is not UTF-8 text: byte 0x{data[exc.start]:02x} on line {line} "
            "cannot be decoded. Save the file as 'CSV UTF-8' (or convert it with "
            "iconv -f cp1252 -t utf-8) and run again.",
            path=path,
            row=line,
        ) from None
    import pyarrow as pa
    import pyarrow.csv as pacsv

    try:
        # Force every column to text (keeps leading zeros): read the header row first.
        end = data.find(b"\n")
        first = data[: end if end >= 0 else len(data)].decode("utf-8-sig").rstrip("\r")
        header = next(csv.reader([first], delimiter=delimiter))
        names = [*header, "_trailing"] if trailing_delimiter else header
        table = pacsv.read_csv(
            pa.BufferReader(data),
            read_options=pacsv.ReadOptions(column_names=names, skip_rows=1),
            parse_options=pacsv.ParseOptions(delimiter=delimiter),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
        return table.drop_columns(["_trailing"]) if trailing_delimiter else table
    except pa.ArrowInvalid as exc:
        raise _csv_error(path, data, str(exc)) from None


def _csv_error(path: Path, data: bytes, message: str) -> InputError:
    """A malformed-row error that names the line and the field counts, never the row itself
    (Arrow quotes the row: it may hold a patient id, a name or a date of birth)."""
    import re

    m = re.match(r"CSV parse error: Expected (\d+) columns, got (\d+): (.*)", message, re.S)
    if not m:
        return InputError(
            f"{path.name} is not a well-formed CSV file (a quoting or delimiter problem). Check "
            "that every row has the header's number of fields and that quotes are closed.",
            path=path,
        )
    at = data.find(m.group(3).encode("utf-8", "replace")[:200])
    line = data.count(b"\n", 0, at) + 1 if at >= 0 else None
    where = f"line {line}" if line else "a row"
    return InputError(
        f"{path.name} {where} has {m.group(2)} fields where the header has {m.group(1)} (a "
        "value with an unquoted delimiter, a quote left open, or a field missing). Fix that "
        "row and run again.",
        path=path,
        row=line,
    )


def read_raw(
    path: Path, delimiter: str | None = None, *, trailing_delimiter: bool = False
) -> pd.DataFrame:
    """One input file as a frame of its columns; ``delimiter`` (from a profile) reads any
    suffix as delimited text."""
    suffix = path.suffix.lower()
    if not path.is_file():
        raise InputError(f"{path} does not exist. Check the path and run again.", path=path)
    if suffix == ".csv" or delimiter:
        import pyarrow as pa

        table = read_csv_arrow(path, delimiter or ",", trailing_delimiter=trailing_delimiter)
        return table.to_pandas(types_mapper={pa.string(): pd.StringDtype()}.get)
    if suffix == ".parquet":
        try:
            return pd.read_parquet(path)
        except Exception as exc:  # pyarrow raises several types for a damaged file
            raise InputError(
                f"{path.name} is not a readable Parquet file: {exc}.", path=path
            ) from None
    if suffix in (".xlsx", ".xlsm"):
        with open(path, "rb") as fh:
            magic = fh.read(8)
        if magic.startswith(b"\xd0\xcf\x11\xe0"):  # OLE2: an encrypted workbook, or old .xls
            raise InputError(
                f"{path.name} is password-protected (encrypted) or an Excel 97-2003 workbook: "
                "open it in Excel and save it as .xlsx without a password.",
                path=path,
            )
        try:
            frame = pd.read_excel(path, sheet_name=0, dtype=object, engine="openpyxl")
        except Exception as exc:  # its text may quote a cell: the type says enough
            raise InputError(
                f"{path.name} is not a readable Excel workbook ({type(exc).__name__}). "
                "Save it as .xlsx.",
                path=path,
            ) from None
        return frame
    raise InputError(
        f"{path.name}: unsupported file type {suffix or '(none)'}. Use .csv, .parquet or .xlsx"
        + _hint(path),
        path=path,
    )


def _hint(path: Path) -> str:
    """What the file looks like, when it is not a table: X12, or delimited text."""
    try:
        with path.open("rb") as fh:
            head = fh.read(2048)
    except OSError:
        return "."
    from .x12.importer import sniff_x12

    if sniff_x12(path):
        return "; it is an X12 file: give 837 claims with --claims and 835s with --remits."
    first = head.split(b"\n", 1)[0]
    if first.count(b"|") >= 3:
        return (
            "; it looks like pipe-delimited text (a CMS RIF extract?): read it with a profile "
            "(--profile rif-carrier, ...) or a --mapping file."
        )
    return "."


def normalise_columns(frame: pd.DataFrame, path: Path) -> pd.DataFrame:
    names = [str(c).strip().lower() for c in frame.columns]
    seen: dict[str, int] = {}
    for n in names:
        seen[n] = seen.get(n, 0) + 1
    dupes = sorted(n for n, k in seen.items() if k > 1)
    if dupes:
        raise InputError(
            f"{path.name} has the column(s) {', '.join(dupes)} more than once (names are matched "
            "ignoring case and spaces). Keep one of each and run again.",
            path=path,
        )
    frame.columns = names
    return frame


def as_text(values: pd.Series) -> pd.Series:
    """Values as trimmed text; empty text becomes missing. Excel/Parquet values are converted
    without guessing: whole floats lose '.0', timestamps at midnight become YYYY-MM-DD."""
    if isinstance(values.dtype, pd.StringDtype) or values.dtype == object:
        if values.dtype == object:
            values = values.map(_cell_to_text, na_action="ignore")
        text = values.astype("string").str.strip()
    elif pd.api.types.is_datetime64_any_dtype(values):
        ts = values
        text = ts.dt.strftime("%Y-%m-%d").where(ts.dt.normalize() == ts, ts.astype("string"))
        text = text.astype("string")
    elif pd.api.types.is_bool_dtype(values):
        text = values.astype("string").str.lower()
    elif pd.api.types.is_integer_dtype(values):
        text = values.astype("string")
    elif pd.api.types.is_float_dtype(values):
        text = values.map(_cell_to_text, na_action="ignore").astype("string")
    else:
        text = values.astype("string").str.strip()
    return text.mask(text == "")


def _cell_to_text(v: object) -> str:
    import datetime as dt

    if isinstance(v, float):
        if np.isnan(v):
            return ""
        return str(int(v)) if v.is_integer() else repr(v)
    if isinstance(v, pd.Timestamp | dt.datetime):
        return (
            v.strftime("%Y-%m-%d")
            if v == v.replace(hour=0, minute=0, second=0, microsecond=0)
            else str(v)
        )
    if isinstance(v, dt.date):
        return v.isoformat()
    return str(v)


def parse_frame(
    raw: pd.DataFrame, schema: TableSchema, source: str, *, date_format: str | None = None
) -> LoadedTable:
    """Parse raw columns into typed ones, recording every unparseable cell. Dates are ISO, or
    ``date_format`` (a :mod:`audit_lib.dates` preset or pattern). A required date column that
    does not parse on most of its values is an error: the format is wrong, not the rows."""
    n = len(raw)
    out: dict[str, pd.Series] = {}
    errors: list[pd.DataFrame] = []
    rows = pd.Series(np.arange(2, n + 2, dtype="int64"), index=raw.index)
    for spec in schema.columns:
        if spec.name not in raw.columns:
            continue
        text = as_text(raw[spec.name])
        present = text.notna()
        if spec.kind in ("text", "code"):
            value = text.str.upper() if spec.kind == "code" else text
            bad = pd.Series(False, index=raw.index)
            expected = ""
        elif spec.kind == "choice":
            value = text.str.lower()
            bad = present & ~value.isin(spec.choices)
            expected = "one of " + ", ".join(spec.choices)
        elif spec.kind == "boolean":  # empty = false (DATA_CONTRACT.md)
            lowered = text.str.lower()
            bad = present & ~lowered.isin([*TRUE_WORDS, *FALSE_WORDS])
            value = lowered.isin(TRUE_WORDS).fillna(False).astype("boolean")
            expected = "true/false, 1/0, y/n or yes/no"
        else:
            ok = text.str.fullmatch(_PATTERNS[spec.kind]).fillna(False).astype(bool)
            if spec.kind == "date":
                value = parse_dates(text, date_format)
                ok = value.notna()
            else:
                value = text.where(ok).astype("float64")  # every kept value matched the pattern
                value = value.astype("Int64") if spec.kind == "integer" else value
            bad = present & ~ok
            expected = _EXPECTED[spec.kind]
        bad = bad.fillna(False).astype(bool)
        if spec.kind == "date" and spec.required:
            _most_dates_unparsed(text, bad, rows, spec, source, date_format)
        if spec.kind == "date" and date_format:
            expected = describe(date_format) + " (the date_format setting)"
        if bad.any():
            shown = (
                pd.Series("(value withheld: protected)", index=raw.index)[bad]
                if spec.protected
                else "(a value shaped " + value_shape(text[bad]).map(repr) + ")"
            )
            errors.append(
                pd.DataFrame(
                    {"row": rows[bad], "column": spec.name, "expected": expected, "shown": shown}
                )
            )
            value = value.mask(bad)
        out[spec.name] = value
    frame = pd.DataFrame(out, index=raw.index)
    extras = [c for c in raw.columns if schema.spec(c) is None]
    for c in extras:  # passed through untouched; rules ignore them
        frame[c] = raw[c]
    frame[ROW_COLUMN] = rows
    frame = frame.reset_index(drop=True)
    parse_errors = (
        pd.concat(errors, ignore_index=True)
        if errors
        else pd.DataFrame(
            {"row": pd.Series(dtype="int64"), "column": [], "expected": [], "shown": []}
        )
    )
    return LoadedTable(
        name=schema.name,
        source=source,
        frame=frame,
        parse_errors=parse_errors.sort_values(["row", "column"], kind="stable").reset_index(
            drop=True
        ),
        rows_read=n,
        columns_found=list(raw.columns),
    )


def value_shape(text: pd.Series) -> pd.Series:
    """What a value looks like, never what it is: digits as 9, letters as A, the rest kept,
    20 characters at most ('08/31/2026' is '99/99/9999'). Messages and parse findings show
    this, since a column may hold another column's protected data (headers swapped)."""
    short = text.astype("string").str.slice(0, 20)
    return short.str.replace(r"[0-9]", "9", regex=True).str.replace(r"[A-Za-z]", "A", regex=True)


def _most_dates_unparsed(text, bad, rows, spec, source, date_format) -> None:
    present = int(text.notna().sum())
    if not present or int(bad.sum()) * 2 <= present:
        return
    first = bad.idxmax()
    guess = guess_format(text[bad].head(200))
    if present < 5 and guess is None:  # a handful of odd values: findings, not a wrong format
        return
    shown = "" if spec.protected else f" (shaped {value_shape(text[[first]]).iloc[0]!r})"
    fmt = describe(date_format) if date_format else "a date YYYY-MM-DD"
    raise InputError(
        f"{Path(source).name}: column {spec.name}: {int(bad.sum()):,} of {present:,} values are "
        f"not {fmt}, starting at row {int(rows[first])}{shown}. "
        + (f"They look like {guess}: " if guess else "Set the file's date format: ")
        + f"date_format = {guess or 'YYYYMMDD'!r} under [input] in the config file, or read "
        "the file with a profile (--profile / --mapping).",
        path=source,
        column=spec.name,
        row=int(rows[first]),
    )


def read_checked(path: str | Path, schema: TableSchema) -> pd.DataFrame:
    """The raw columns of one input file (names normalised), after the checks every input
    gets: readable, required columns present, at least one row.

    Raises:
        InputError: unreadable, wrong type, not UTF-8, missing required columns or no rows.
    """
    p = Path(path)
    raw = normalise_columns(read_raw(p), p)
    missing = [c for c in schema.required if c not in raw.columns]
    if missing:
        raise MissingColumnsError(p, missing, list(raw.columns))
    if len(raw) == 0:
        raise EmptyInputError(
            f"{p.name} has a header but no data rows. Export the {schema.name} for the period "
            "again; a review of an empty population cannot be signed off.",
            path=p,
        )
    return raw


def load_table(
    path: str | Path, schema: TableSchema, *, date_format: str | None = None
) -> LoadedTable:
    """Read and parse one input file against ``schema``.

    Raises:
        InputError: unreadable, wrong type, not UTF-8, or missing required columns.
    """
    return parse_frame(
        read_checked(path, schema), schema, source=str(Path(path)), date_format=date_format
    )
