"""``audit scan-phi``: look for raw protected values of the inputs in a folder or a zip.

The inputs may be tables (CSV, Parquet, XLSX), X12 files (837, 835), FHIR resources (AuditEvents,
Patients; JSON, NDJSON, XML) or folders of them; :mod:`audit_lib.evidence.protected` reads their
protected values (and which of them are also shown unprotected, so not counted). Zip members,
and workbooks inside them, are opened and scanned as text. Hits are reported by file and kind,
with the masked token, never with the value itself.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..phi import Masker
from .protected import protected_values
from .zipsafe import damaged_entry, open_zip

__all__ = ["Hit", "protected_values", "scan"]


@dataclass(frozen=True)
class Hit:
    file: str
    kind: str
    token: str


def _texts(path: Path) -> Iterator[tuple[str, str]]:
    if path.is_dir():
        for p in sorted(path.rglob("*")):
            if p.is_file():
                yield from _member(str(p), p.read_bytes())
    else:
        yield from _member(str(path), path.read_bytes())


def _member(name: str, data: bytes) -> Iterator[tuple[str, str]]:
    if data[:2] == b"PK" and zipfile.is_zipfile(io.BytesIO(data)):
        with open_zip(Path(name), data) as z:  # a zip bomb or a doubled entry is refused
            for inner in z.namelist():
                if not inner.endswith("/"):
                    with damaged_entry(f"{name}!{inner}"):
                        data = z.read(inner)
                    yield from _member(f"{name}!{inner}", data)
    else:
        yield name, data.decode("utf-8", "replace")


def scan(
    target: str | Path,
    inputs: list[Path],
    skipped: list[str] | None = None,
    coincidences: list[Hit] | None = None,
) -> list[Hit]:
    """Raw protected values of ``inputs`` in ``target``, and values that are protected by their
    form whatever the inputs (SSNs, e-mail addresses, phone numbers). Text is split into whole
    tokens once and looked up in a set, so a large run is one pass (names and addresses of
    several words are confirmed where their first word occurs).

    A date of birth or death is a hit where it is labelled as one (a column or key, or a word
    such as "born" or "death" just before it), whatever other dates say. A bare date equal to
    one is not proof: a computed deadline or the period's end can fall on a patient's date of
    death. Those are collected in ``coincidences`` for a person to look at, not counted."""
    all_dates: dict[str, str] = {}
    values = protected_values(inputs, skipped, all_dates)
    masker = Masker()
    single = {v: k for v, k in values.items() if not _SPLIT.search(v)}
    multi: dict[str, list[str]] = {}
    for v in sorted(values, key=len, reverse=True):
        if _SPLIT.search(v):
            multi.setdefault(_TOKEN.findall(v)[0] if _TOKEN.findall(v) else v, []).append(v)
    births = {d for d, k in all_dates.items() if k in ("patient_dob", "dob")}
    found: dict[tuple[str, str], str] = {}  # (file, value) -> kind, in the order found
    period_dates: set[str] = set()
    for name, text in _texts(Path(target)):
        period_dates |= _period_dates(name, text)
        tokens = set(_TOKEN.findall(text))
        for value in sorted(tokens & single.keys()):
            found.setdefault((name, value), single[value])
        for first in sorted(tokens & multi.keys()):
            for value in multi[first]:
                if re.search(f"(?<![A-Za-z0-9_-]){re.escape(value)}(?![A-Za-z0-9_-])", text):
                    found.setdefault((name, value), values[value])
        for value, kind in _forms(text, tokens):
            found.setdefault((name, value), kind)
        for value in sorted(_labelled_births(text) & births):  # even when also a service date
            found[(name, value)] = "labelled_dob"
        low = text.lower()
        for label, pattern in _NEAR_LABEL.items():
            if not any(w in low for w in _LABEL_WORDS[label]):
                continue
            for value in sorted(set(pattern.findall(text)) & all_dates.keys()):
                if (label == "birth") == (all_dates[value] in ("patient_dob", "dob")):
                    found[(name, value)] = "labelled_" + all_dates[value]
    hits = []
    for (name, value), kind in found.items():
        if kind in _DATE_KINDS and value in period_dates:
            continue  # the run's own period start, end or as-of date
        if kind in _DATE_KINDS:  # a bare date: not proof (see above)
            if coincidences is not None:
                coincidences.append(Hit(name, kind, masker.token(value, kind)))
            continue
        kind = "patient_dob" if kind == "labelled_dob" else kind.removeprefix("labelled_")
        hits.append(Hit(name, kind, masker.token(value, kind)))
    return hits


_DATE_KINDS = ("patient_dob", "dob", "patient_death_date", "deceased_date")
#: a date right after a word that says what it is ("born 1964-01-21", "date of death: ...")
_DATE = r"(\d{4}-\d{2}-\d{2}|\d{8})\b"
_NEAR_LABEL = {
    kind: re.compile(rf"(?i:\b(?:{words})(?:\s+date)?(?:\s+(?:on|was|is))?)\s*[:=]?\s*" + _DATE)
    for kind, words in (("birth", "born|birth|dob"), ("death", "died|death|deceased"))
}
_LABEL_WORDS = {"birth": ("born", "birth", "dob"), "death": ("died", "death", "deceased")}


# whole tokens: "-" and "_" join ("example" in "example-disclosure" is another word)
_TOKEN = re.compile(r"[A-Za-z0-9_-]+")
_SPLIT = re.compile(r"[^A-Za-z0-9_-]")
#: protected by their form, whatever the inputs (HIPAA 164.514(b)(2)(i): SSNs, phone numbers,
#: e-mail addresses); the outputs never hold one by design
_SSN = re.compile(r"(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}")
_PHONE = re.compile(r"\d{3}-\d{3}-\d{4}")
_PHONE_PAREN = re.compile(r"\(\d{3}\) ?\d{3}-\d{4}(?![\w-])")
_EMAIL = re.compile(
    r"(?<![\w.+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
)


def _forms(text: str, tokens: set[str]) -> list[tuple[str, str]]:
    """SSNs and phone numbers among the whole tokens (one is a token: digits and hyphens),
    "(555) 867-5309" and e-mail addresses where their first character occurs at all."""
    out = [(t, "ssn") for t in tokens if len(t) == 11 and _SSN.fullmatch(t)]
    out += [(t, "phone") for t in tokens if len(t) == 12 and _PHONE.fullmatch(t)]
    if "(" in text:
        out += [(v, "phone") for v in set(_PHONE_PAREN.findall(text))]
    if "@" in text:
        out += [(v, "email") for v in set(_EMAIL.findall(text))]
    return sorted(out)


#: a date of birth under its own label (a CSV column, a JSON key), whatever other dates say
_BIRTH_COLUMN = re.compile(r"^(?:patient_)?(?:dob|birth_?date|date_of_birth|bene_birth_dt)$", re.I)
_BIRTH_KEY = re.compile(
    r'"(?:patient_)?(?:dob|birth_?date|birthDate|date_of_birth)"\s*:\s*"(\d{4}-\d{2}-\d{2})"'
)


def _labelled_births(text: str) -> set[str]:
    found = set(_BIRTH_KEY.findall(text))
    head, _, rest = text.partition("\n")
    columns = [c.strip().strip('"') for c in head.split(",")]
    where = [i for i, c in enumerate(columns) if _BIRTH_COLUMN.match(c)]
    if where and rest:
        for line in rest.splitlines():
            cells = line.split(",")
            found |= {cells[i].strip().strip('"') for i in where if i < len(cells)}
    return found


def _period_dates(name: str, text: str) -> set[str]:
    """The period start and end and as-of date a run's summary or manifest records."""
    if not name.endswith(("summary.json", "manifest.json")):
        return set()
    try:
        period = json.loads(text).get("period") or {}
    except (ValueError, AttributeError):
        return set()
    return {str(period[k]) for k in ("start", "end", "as_of") if period.get(k)}
