"""``audit scan-phi``: look for raw protected values of the inputs in a folder or a zip.

Protected values are read from the inputs' protected columns (patient and member ids, dates of
birth and death). A date that also appears in an unprotected date column of the input (a
service or payment date) is not counted, since it is legitimately shown. Zip members, and
workbooks inside them, are opened and scanned as text. Hits are reported by file and kind,
with the masked token, never with the value itself.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..phi import Masker
from ..tables import _normalise_columns, _read_raw

ID_COLUMNS = ("patient_id", "member_id")
PROTECTED_DATES = ("patient_dob", "patient_death_date", "dob", "deceased_date")
PUBLIC_DATES = (
    "service_date",
    "service_date_to",
    "submission_date",
    "paid_date",
    "start_date",
    "end_date",
    "hire_date",
    "termination_date",
)
# names and addresses of patients and workforce members (access review); matched as whole words
NAME_COLUMNS = ("last_name", "first_name", "address_line", "patient_name", "address")
# an access log's event days are shown in outputs: a date of death on such a day is not counted
EVENT_TIMES = ("event_time",)


@dataclass(frozen=True)
class Hit:
    file: str
    kind: str
    token: str


def protected_values(inputs: list[Path]) -> dict[str, str]:
    """value -> kind, from the protected columns of every input file. Dates that also appear
    in a public date column of any input (or are days with access events) are not counted."""
    values: dict[str, str] = {}
    dates: dict[str, str] = {}
    public: set[str] = set()
    for path in inputs:
        raw = _normalise_columns(_read_raw(Path(path)), Path(path)).astype("string")
        for c in PUBLIC_DATES:
            if c in raw:
                public |= set(raw[c].dropna().str.strip())
        for c in EVENT_TIMES:
            if c in raw:
                days = pd.to_datetime(raw[c].dropna().str.slice(0, 10), errors="coerce")
                days = days.dropna().drop_duplicates()
                for shift in (-1, 0, 1):  # local dates differ from UTC ones by up to a day
                    public |= set((days + pd.Timedelta(days=shift)).dt.strftime("%Y-%m-%d"))
        for c in (*ID_COLUMNS, *NAME_COLUMNS):
            if c in raw:
                values.update(dict.fromkeys(raw[c].dropna().str.strip(), c))
        for c in PROTECTED_DATES:
            if c in raw:
                dates.update(dict.fromkeys(raw[c].dropna().str.strip(), c))
    values.update({d: k for d, k in dates.items() if d not in public})
    return {v: k for v, k in values.items() if len(v) >= 4}


def _texts(path: Path) -> Iterator[tuple[str, str]]:
    if path.is_dir():
        for p in sorted(path.rglob("*")):
            if p.is_file():
                yield from _member(str(p), p.read_bytes())
    else:
        yield from _member(str(path), path.read_bytes())


def _member(name: str, data: bytes) -> Iterator[tuple[str, str]]:
    if data[:2] == b"PK" and zipfile.is_zipfile(io.BytesIO(data)):
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            for inner in z.namelist():
                if not inner.endswith("/"):
                    yield from _member(f"{name}!{inner}", z.read(inner))
    else:
        yield name, data.decode("utf-8", "replace")


def scan(target: str | Path, inputs: list[Path]) -> list[Hit]:
    values = protected_values(inputs)
    masker = Masker()
    hits = []
    pattern = None
    if values:
        import re

        alternatives = "|".join(re.escape(v) for v in sorted(values, key=len, reverse=True))
        pattern = re.compile(f"(?<![A-Za-z0-9])(?:{alternatives})(?![A-Za-z0-9])")
    for name, text in _texts(Path(target)):
        if pattern is None:
            break
        for found in sorted(set(pattern.findall(text))):
            hits.append(Hit(name, values[found], masker.token(found, values[found])))
    return hits
