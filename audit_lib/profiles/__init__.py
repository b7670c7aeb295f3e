"""Input profiles: how a public or vendor layout maps to a canonical table, as data.

A profile is a TOML file (shipped ones in ``profiles/data/``, or the user's own, passed with
``--mapping``). It declares, for one dataset (``claims`` or ``access_log``):

``[profile]``
    ``name``, ``dataset``, ``title``, ``source`` (the layout's public reference), and how the
    file is read: ``delimiter`` (default ``,``; any suffix is then delimited text),
    ``trailing_delimiter`` (data lines end with one extra delimiter), ``null_values`` (text
    that means "no value", e.g. CCLF's ``~``), ``date_format`` (a :mod:`audit_lib.dates`
    preset or pattern for every date column), ``timestamp_format`` (access logs: a
    ``strptime`` pattern for ``event_time``).
``[columns]``
    canonical column = a source column, or ``{concat = [...], sep = ":"}``, ``{sum = [...]}``,
    ``{first = [...]}`` (the first non-empty), ``{value = "..."}`` (a constant),
    ``{column = "X", optional = true}`` (empty when the file has no such column). In slot
    layouts, ``{n}`` in a name is the slot number; ``header.COL`` is a column of the joined file.
``[[numbered]]``
    ``into = "diagnosis_{n}"``, ``from = "ICD9_DGNS_CD_{n}"``, ``count = 8``: numbered source
    columns into numbered canonical ones.
``[slots]``
    wide layouts (one row per claim, line values in numbered columns): ``count``, ``key`` (the
    canonical column whose value makes a slot a line) and ``[slots.columns]`` like
    ``[columns]``. ``line_number`` is the slot number unless mapped. A row with no line in any
    slot is kept as one line, so its claim is reported, never dropped.
``[values.<column>]`` / ``[patterns.<column>]``
    value maps applied after mapping: exact source values (case-insensitive), or regular
    expressions tried in order; a value neither maps is kept, so the review reports it
    (``*-PARSE-01``), never drops it.
``[join]``
    a second file with claim-level columns (a header file): ``key`` (the column both share) and
    ``match_column`` (a column only the header file has, which tells the two files apart).
    The last header row of a key is used.
``[unavailable]``
    required canonical columns the layout does not carry, each with the reason: they are read
    as empty and every rule that needs them is reported as not evaluated.

The mapping runs as one DuckDB query over the file read as text (Arrow), so it is vectorised
and the file is never modified. Each output row keeps ``_source_row``, the spreadsheet row of
the source file (header = row 1) that findings point to.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd
import tomllib

from ..errors import ConfigError, InputError

__all__ = ["Profile", "apply_profile", "list_profiles", "load_profile"]

_DATASETS = ("claims", "access_log")


@dataclass(frozen=True)
class Profile:
    name: str
    dataset: str
    title: str
    source: str
    path: str
    columns: dict[str, Any]
    numbered: tuple[dict[str, Any], ...] = ()
    slots: dict[str, Any] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    patterns: dict[str, dict[str, str]] = field(default_factory=dict)
    join: dict[str, str] = field(default_factory=dict)
    unavailable: dict[str, str] = field(default_factory=dict)
    delimiter: str = ","
    trailing_delimiter: bool = False
    null_values: tuple[str, ...] = ()
    date_format: str | None = None
    timestamp_format: str | None = None

    def describe(self) -> dict[str, Any]:
        """What the summary records about the profile used."""
        return {
            "name": self.name,
            "title": self.title,
            "source": self.source,
            "file": Path(self.path).name,
            "date_format": self.date_format,
            "unavailable": dict(self.unavailable),
        }


def _data_dir():
    return resources.files("audit_lib.profiles") / "data"


def list_profiles() -> dict[str, str]:
    """Shipped profile name -> title."""
    out = {}
    for entry in sorted(_data_dir().iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            doc = tomllib.loads(entry.read_text("utf-8"))
            out[doc["profile"]["name"]] = doc["profile"].get("title", "")
    return out


def load_profile(name_or_path: str | Path, dataset: str | None = None) -> Profile:
    """A shipped profile by name, or a mapping file by path; ``dataset`` must match it."""
    text_path = Path(str(name_or_path))
    if text_path.suffix.lower() == ".toml" or text_path.is_file():
        if not text_path.is_file():
            raise ConfigError(f"mapping file {text_path} does not exist. Check the --mapping path.")
        text, where = text_path.read_text("utf-8"), str(text_path)
    else:
        entry = _data_dir() / f"{name_or_path}.toml"
        if not entry.is_file():
            known = ", ".join(list_profiles())
            raise ConfigError(f"no profile named {name_or_path!r}. Shipped profiles: {known}.")
        text, where = entry.read_text("utf-8"), f"{name_or_path}.toml"
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"mapping file {where} is not valid TOML: {exc}.") from None
    head = doc.get("profile", {})
    if head.get("dataset") not in _DATASETS:
        raise ConfigError(f"{where}: [profile] dataset must be one of {', '.join(_DATASETS)}.")
    if dataset and head["dataset"] != dataset:
        raise ConfigError(
            f"profile {head.get('name', where)!r} maps {head['dataset']} files; this review "
            f"reads {dataset}."
        )
    known = {"profile", "columns", "numbered", "slots", "values", "patterns", "join",
             "unavailable"}  # fmt: skip
    if set(doc) - known:
        raise ConfigError(f"{where}: unknown section(s) {', '.join(sorted(set(doc) - known))}.")
    return Profile(
        name=head.get("name", Path(where).stem),
        dataset=head["dataset"],
        title=head.get("title", ""),
        source=head.get("source", ""),
        path=where,
        columns=doc.get("columns", {}),
        numbered=tuple(doc.get("numbered", ())),
        slots=doc.get("slots", {}),
        values={k: {str(a).upper(): str(b) for a, b in v.items()}
                for k, v in doc.get("values", {}).items()},
        patterns=doc.get("patterns", {}),
        join=doc.get("join", {}),
        unavailable=doc.get("unavailable", {}),
        delimiter=head.get("delimiter", ","),
        trailing_delimiter=bool(head.get("trailing_delimiter", False)),
        null_values=tuple(head.get("null_values", ())),
        date_format=head.get("date_format"),
        timestamp_format=head.get("timestamp_format"),
    )  # fmt: skip


# --- the query -------------------------------------------------------------------------------
def _q(text: str) -> str:
    return "'" + str(text).replace("'", "''") + "'"


class _Sql:
    """Expressions over the source view ``src`` (and ``hdr`` for the joined file)."""

    def __init__(self, profile: Profile, columns: set[str], header: set[str]) -> None:
        self.p, self.columns, self.header = profile, columns, header
        self.optional = False
        self.missing: list[str] = []

    def ref(self, name: str, n: int | None = None) -> str:
        table, col = ("hdr", name[7:]) if name.lower().startswith("header.") else ("src", name)
        col = col.replace("{n}", str(n)) if n is not None else col
        col = col.strip().lower()
        if col not in (self.header if table == "hdr" else self.columns):
            if not self.optional:
                self.missing.append(("header." if table == "hdr" else "") + col)
            return "CAST(NULL AS VARCHAR)"
        expr = f'nullif(trim({table}."{col}"), \'\')'
        for token in self.p.null_values:
            expr = f"nullif({expr}, {_q(token)})"
        return expr

    def expr(self, spec: Any, n: int | None = None) -> str:
        if isinstance(spec, str):
            return "_slot" if spec == "{n}" else self.ref(spec, n)
        if isinstance(spec, dict) and "value" in spec:
            return _q(spec["value"])
        if isinstance(spec, dict) and "column" in spec:  # {column = "X", optional = true}
            self.optional = bool(spec.get("optional"))
            try:
                return self.ref(spec["column"], n)
            finally:
                self.optional = False
        if isinstance(spec, dict) and "concat" in spec:
            parts = ", ".join(self.expr(x, n) for x in spec["concat"])
            return f"nullif(concat_ws({_q(spec.get('sep', ':'))}, {parts}), '')"
        if isinstance(spec, dict) and "sum" in spec:
            terms = " + ".join(f"coalesce(try_cast({self.expr(x, n)} AS DOUBLE), 0)"
                               for x in spec["sum"])  # fmt: skip
            anyset = " OR ".join(f"{self.expr(x, n)} IS NOT NULL" for x in spec["sum"])
            return f"CASE WHEN {anyset} THEN CAST(round({terms}, 2) AS VARCHAR) END"
        if isinstance(spec, dict) and "first" in spec:
            return "coalesce(" + ", ".join(self.expr(x, n) for x in spec["first"]) + ")"
        raise ConfigError(f"{self.p.path}: cannot read the column mapping {spec!r}.")

    def mapped(self, name: str, expr: str) -> str:
        """``expr`` through the column's value map, then its patterns (for values the map
        does not name); a value neither matches is kept as it is."""
        values, patterns = self.p.values.get(name), self.p.patterns.get(name)
        options = []
        if values:
            cases = " ".join(f"WHEN {_q(k)} THEN {_q(v)}" for k, v in values.items())
            options.append(f"CASE upper({expr}) {cases} END")
        if patterns:
            cases = " ".join(
                f"WHEN regexp_matches({expr}, {_q(k)}, 'i') THEN {_q(v)}"
                for k, v in patterns.items()
            )
            options.append(f"CASE {cases} END")
        if options:
            expr = f"coalesce({', '.join(options)}, {expr})"
        if name == "event_time" and self.p.timestamp_format:
            fmt = _q(self.p.timestamp_format)
            expr = f"coalesce(strftime(try_strptime({expr}, {fmt}), '%Y-%m-%dT%H:%M:%S'), {expr})"
        return expr


def _select(profile: Profile, columns: set[str], header: set[str]) -> tuple[str, list[str]]:
    sql = _Sql(profile, columns, header)
    out: dict[str, str] = {}
    for name, spec in profile.columns.items():
        out[name] = sql.expr(spec)
    for block in profile.numbered:
        for i in range(1, int(block["count"]) + 1):
            out[block["into"].replace("{n}", str(i))] = sql.ref(block["from"], i)
    slots = profile.slots
    where = ""
    if slots:
        count = int(slots["count"])
        for name, spec in slots.get("columns", {}).items():
            cases = " ".join(f"WHEN {i} THEN {sql.expr(spec, i)}" for i in range(1, count + 1))
            out[name] = f"CASE _slot {cases} END"
        out.setdefault("line_number", "CAST(_slot AS VARCHAR)")
        key = slots["columns"][slots["key"]]
        any_line = " OR ".join(f"{sql.expr(key, i)} IS NOT NULL" for i in range(1, count + 1))
        where = f"WHERE ({out[slots['key']]}) IS NOT NULL OR (_slot = 1 AND NOT ({any_line}))"
    for name in profile.unavailable:
        out.setdefault(name, "CAST(NULL AS VARCHAR)")
    select = ",\n  ".join(f'{sql.mapped(n, e)} AS "{n}"' for n, e in out.items())
    src = f"src CROSS JOIN range(1, {int(slots['count']) + 1}) s(_slot)" if slots else "src"
    if profile.join:
        key = profile.join["key"].lower()
        src += f' LEFT JOIN hdr ON trim(src."{key}") = trim(hdr."{key}")'
    order = "src._source_row" + (", _slot" if slots else "")
    query = f"SELECT\n  {select},\n  src._source_row AS _source_row\nFROM {src}\n{where}\n" \
            f"ORDER BY {order}"  # fmt: skip
    return query, sql.missing


def _read(path: Path, profile: Profile):
    """A source file as an Arrow table of text columns with lower-case names."""
    import pyarrow as pa

    from ..tables import as_text, normalise_columns, read_raw

    if path.suffix.lower() == ".parquet" and profile.delimiter == ",":
        raw = read_raw(path)
    else:
        delimiter = profile.delimiter if path.suffix.lower() != ".xlsx" else None
        raw = read_raw(path, delimiter, trailing_delimiter=profile.trailing_delimiter)
    raw = normalise_columns(raw, path).apply(as_text)
    raw["_source_row"] = range(2, len(raw) + 2)
    return pa.Table.from_pandas(raw, preserve_index=False), list(raw.columns)


def apply_profile(paths: list[Path], profile: Profile) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The canonical columns (text) of the source file(s) and what was read: source rows,
    output rows, rows without a line (kept as one line each)."""
    import duckdb

    paths = [Path(p) for p in paths]
    tables = [(p, *_read(p, profile)) for p in paths]
    header = None
    if profile.join:
        match = profile.join["match_column"].lower()
        heads = [t for t in tables if match in t[2]]
        if len(heads) != 1 or len(tables) != 2:
            raise InputError(
                f"profile {profile.name!r} reads two files: the lines and the claim headers "
                f"(the file with the column {match.upper()}); got {len(tables)} file(s), "
                f"{len(heads)} of them headers.",
                path=paths[0],
            )
        header = heads[0]
        tables = [t for t in tables if t is not header]
    if len(tables) != 1:
        raise InputError(f"profile {profile.name!r} reads one file at a time.", path=paths[0])
    path, table, columns = tables[0]
    query, missing = _select(profile, set(columns), set(header[2]) if header else set())
    if missing:
        found = [c.upper() for c in columns if c != "_source_row"]
        raise InputError(
            f"{path.name} is not laid out as the {profile.name} profile expects: no column "
            + ", ".join(m.upper() for m in dict.fromkeys(missing))
            + f" (found: {', '.join(found[:8])}{', ...' if len(found) > 8 else ''}). Check the "
            "file and the profile (audit profiles lists them), or map it with --mapping.",
            path=path,
        )
    con = duckdb.connect()
    con.register("src", table)
    if header is not None:
        key = profile.join["key"].lower()
        con.register("hdr_all", header[1])
        con.execute(
            f'CREATE VIEW hdr AS SELECT * FROM hdr_all QUALIFY row_number() OVER '
            f'(PARTITION BY trim("{key}") ORDER BY _source_row DESC) = 1'
        )
    try:
        frame = con.execute(query).df()
    except duckdb.Error as exc:
        raise ConfigError(f"profile {profile.name!r} could not be applied: {exc}") from None
    finally:
        con.close()
    frame = frame.astype({c: "string" for c in frame.columns if c != "_source_row"})
    empty_rows = 0
    if profile.slots:
        key = profile.slots["key"]
        empty_rows = int(frame[key].isna().sum())
    info = {
        **profile.describe(),
        "source_rows": table.num_rows,
        "rows": len(frame),
        "source_rows_without_a_line": empty_rows,
    }
    if header is not None:
        info["header_file"] = header[0].name
        info["header_rows"] = header[1].num_rows
    return frame, info

