"""``audit scan-phi``: look for raw protected values of the inputs in a folder or a zip.

The inputs may be tables (CSV, Parquet, XLSX), X12 files (837, 835), FHIR resources (AuditEvents,
Patients; JSON, NDJSON, XML) or folders of them. Protected values are read from each:

* tables: patient and member ids, dates of birth and death, addresses, and names (a last name
  alone, or a full name "First Last" / "Last, First"; a first name alone is not identifying and
  appears in unrelated text, so it is not searched for);
* X12: the subscriber's and patient's member ids (NM1*IL/QC), names, addresses (N3), dates of
  birth (DMG) and death (PAT), medical record numbers (REF*EA), and the patient ids the reader
  derives from them;
* FHIR: patient ids of AuditEvents as the importer reads them, and Patient resources' ids,
  identifiers, names, birth dates and address lines.

A value that also appears unprotected in the inputs is not counted, since it is legitimately
shown: a date that is also a service, submission or payment date or a day with access events,
and an id that is also a claim id, an NPI or a payer id (test files reuse numbers such as
1234567890); nor are de-identification masks (9999999999, XXXX). Zip members, and workbooks
inside them, are opened and scanned as text. Hits are
reported by file and kind, with the masked token, never with the value itself.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..errors import InputError
from ..phi import Masker
from ..tables import normalise_columns, read_raw
from .zipsafe import damaged_entry, open_zip

__all__ = ["Hit", "protected_values", "scan"]

ID_COLUMNS = (
    "patient_id",
    "member_id",
    "mbi",
    "mrn",
    "medical_record_number",
    "ssn",
    "social_security_number",
    "phone",
    "phone_number",
    "email",
    "email_address",
)
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
# unprotected ids the outputs show: a protected value equal to one of them is not counted
SHOWN_COLUMNS = ("claim_id", "billing_npi", "rendering_npi", "payer_id", "overpayment_id")
# names and addresses of patients and workforce members; matched as whole words
NAME_COLUMNS = ("last_name", "address_line", "patient_name", "address", "beneficiary_name")
# an access log's event days are shown in outputs: a date of death on such a day is not counted
EVENT_TIMES = ("event_time",)


_NOT_DATA = (".md", ".html", ".pdf", ".toml")


@dataclass(frozen=True)
class Hit:
    file: str
    kind: str
    token: str


class _Found:
    def __init__(self) -> None:
        self.values: dict[str, str] = {}
        self.dates: dict[str, str] = {}
        self.public: set[str] = set()
        self.shown: set[str] = set()  # claim ids, NPIs, payer ids: unprotected, shown by design

    def add(self, values, kind: str) -> None:
        for v in values:
            v = str(v).strip() if v is not None else ""
            if v and v.lower() not in ("nan", "<na>", "none"):
                self.values.setdefault(v, kind)

    def add_name(self, first, last, kind: str) -> None:
        first = str(first or "").strip()
        last = str(last or "").strip()
        self.add([last], kind)
        if first and last:
            self.add([f"{first} {last}", f"{last}, {first}", f"{last} {first}"], kind)


def protected_values(
    inputs: list[Path],
    skipped: list[str] | None = None,
    all_dates: dict[str, str] | None = None,
) -> dict[str, str]:
    """value -> kind, from every input file (a folder stands for the files in it and its
    subfolders; read-me, licence and mapping files are skipped, and a file no review can read
    is listed in ``skipped``: nothing of it can be in an output). Dates that also
    appear in a public date of any input (or are days with access events) are not counted."""
    found = _Found()
    from ..x12.importer import sniff_x12

    files = [f for p in map(Path, inputs) for f in (sorted(p.rglob("*")) if p.is_dir() else [p])]
    for path in (f for f in files if f.is_file()):
        if path.suffix.lower() in _NOT_DATA or path.stem.upper() in ("LICENSE", "LICENCE"):
            continue  # a folder's read-me, licence or notes
        try:
            if sniff_x12(path):
                _x12_values(path, found)
            elif path.suffix.lower() in (".json", ".ndjson", ".xml"):
                _fhir_values(path, found)
            else:
                _table_values(path, found)
        except InputError as exc:
            if skipped is None:
                raise
            skipped.append(str(exc) if path.name in str(exc) else f"{path.name}: {exc}")
    values = {v: k for v, k in found.values.items() if v not in found.shown}
    values.update({d: k for d, k in found.dates.items() if d not in found.public})
    if all_dates is not None:  # public ones too: a date labelled as a birth is one
        all_dates.update(found.dates)
    return {v: k for v, k in values.items() if len(v) >= 4 and not _placeholder(v)}


def _placeholder(value: str) -> bool:
    """A de-identification mask (9999999999, XXXXXX, XXX99999X) or one repeated character: no
    one's identifier, and shared with unrelated values (a claim id of nines)."""
    chars = {c for c in value.upper() if c.isalnum()}
    return len(chars) <= 1 or chars <= {"X", "9"}


def _layout_columns() -> tuple[dict[str, str], set[str]]:
    """Source columns of the shipped profiles that hold protected values (id columns -> kind;
    date columns), so a CMS or vendor extract is scanned by its own column names."""
    from ..phi import PROTECTED_COLUMNS
    from ..profiles import list_profiles, load_profile

    ids: dict[str, str] = {}
    dates = {"bene_birth_dt", "bene_death_dt"}  # DE-SynPUF / RIF beneficiary summary files
    for name in list_profiles():
        profile = load_profile(name)
        for canonical, spec in profile.columns.items():
            if canonical in PROTECTED_COLUMNS and isinstance(spec, str):
                col = spec.lower().removeprefix("header.")
                if canonical in PROTECTED_DATES:
                    dates.add(col)
                else:
                    ids[col] = canonical
    return ids, dates


def _read_any(path: Path) -> pd.DataFrame:
    """A table by suffix, or delimited text (pipes: CMS RIF) whatever its suffix."""
    if path.suffix.lower() in (".csv", ".parquet", ".xlsx", ".xlsm"):
        return read_raw(path)
    with path.open("rb") as fh:
        head = fh.readline()
    delimiter = "|" if head.count(b"|") > head.count(b",") else ","
    return read_raw(path, delimiter, trailing_delimiter=_trailing(path, delimiter))


def _trailing(path: Path, delimiter: str) -> bool:
    lines = path.read_bytes().splitlines()[:2]
    return len(lines) == 2 and lines[1].count(delimiter.encode()) > lines[0].count(
        delimiter.encode()
    )


def _table_values(path: Path, found: _Found) -> None:
    raw = normalise_columns(_read_any(Path(path)), Path(path)).astype("string")
    layout_ids, layout_dates = _layout_columns()
    for c in raw.columns:
        if c in layout_ids:
            found.add(_distinct(raw[c]), layout_ids[c])
        elif c in layout_dates:
            found.dates.update(dict.fromkeys(_distinct(raw[c]), "dob"))
    for c in PUBLIC_DATES:
        if c in raw:
            found.public |= set(_distinct(raw[c]))
    for c in EVENT_TIMES:
        if c in raw:
            days = pd.to_datetime(raw[c].dropna().str.slice(0, 10), errors="coerce")
            days = days.dropna().drop_duplicates()
            for shift in (-1, 0, 1):  # local dates differ from UTC ones by up to a day
                found.public |= set((days + pd.Timedelta(days=shift)).dt.strftime("%Y-%m-%d"))
    for c in SHOWN_COLUMNS:
        if c in raw:
            found.shown |= set(_distinct(raw[c]))
    for c in (*ID_COLUMNS, *NAME_COLUMNS):
        if c in raw:
            found.add(_distinct(raw[c]), c)
    if "first_name" in raw and "last_name" in raw:
        pairs = raw[["first_name", "last_name"]].dropna().drop_duplicates()
        for first, last in pairs.itertuples(index=False):  # one per distinct person
            found.add_name(first, last, "name")
    for c in PROTECTED_DATES:
        if c in raw:
            found.dates.update(dict.fromkeys(_distinct(raw[c]), c))


def _distinct(column: pd.Series) -> list[str]:
    """The distinct non-empty values of a column, stripped, as Python strings (iterating an
    Arrow-backed column value by value is what made a 1M-line scan slow)."""
    values = column.dropna().unique()
    return list({str(v).strip() for v in values.tolist()})


def _iso(d8: str) -> list[str]:
    return [d8, f"{d8[:4]}-{d8[4:6]}-{d8[6:]}"] if len(d8) == 8 and d8.isdigit() else [d8]


def _x12_values(path: Path, found: _Found) -> None:
    from ..x12.claims837 import claims_from_837
    from ..x12.reader import read_x12

    ic = read_x12(path)
    entity = ""
    for _, _, segments in ic.transactions:
        for seg in segments:
            sid = seg.id
            if sid == "NM1":
                entity = seg.get(1)
                if entity in ("IL", "QC"):
                    found.add([seg.get(9)], "member_id")
                    found.add_name(seg.get(4), seg.get(3), "name")
                else:  # providers and payers: their ids are shown (NPIs, payer ids)
                    found.shown.add(seg.get(9).strip())
            elif sid in ("CLM", "CLP"):  # the patient control number is the claim id
                found.shown.add(seg.get(1).strip())
            elif sid == "N3" and entity in ("IL", "QC"):
                found.add([seg.get(1), seg.get(2)], "address")
            elif sid == "DMG" and entity in ("IL", "QC"):
                found.dates.update(dict.fromkeys(_iso(seg.get(2)), "patient_dob"))
            elif sid == "PAT" and seg.get(5) == "D8":
                found.dates.update(dict.fromkeys(_iso(seg.get(6)), "patient_death_date"))
            elif sid == "REF" and seg.get(1) == "EA":
                found.add([seg.get(2)], "medical_record_number")
            elif sid in ("DTP", "DTM"):
                value = seg.get(3) if sid == "DTP" else seg.get(2)
                for part in value.split("-"):
                    found.public |= set(_iso(part))
    if any(t == "837" for t, _, _ in ic.transactions):
        found.add(claims_from_837(ic)["patient_id"].unique(), "patient_id")


def _fhir_values(path: Path, found: _Found) -> None:
    from ..access.fhir import read_audit_events

    text = path.read_text("utf-8-sig", errors="replace")
    docs: list = []
    if path.suffix.lower() != ".xml":
        try:
            docs = [json.loads(x) for x in text.splitlines() if x.strip()] if (
                path.suffix.lower() == ".ndjson") else [json.loads(text)]
        except json.JSONDecodeError:
            docs = []
    for res in _resources(docs):
        if res.get("resourceType") == "AuditEvent" and res.get("id"):
            found.shown.add(str(res["id"]))  # event ids are listed in the summary by design
        if res.get("resourceType") == "Patient":
            found.add([res.get("id")], "patient_id")
            found.add([i.get("value") for i in res.get("identifier", [])], "patient_id")
            for name in res.get("name", []):
                for given in name.get("given", []) or [""]:
                    found.add_name(given, name.get("family"), "name")
            found.dates.update(dict.fromkeys([str(res.get("birthDate", ""))], "dob"))
            for addr in res.get("address", []):
                found.add(addr.get("line", []), "address")
    try:
        frame, _ = read_audit_events([path])
        found.add(frame["patient_id"].dropna().unique(), "patient_id")
        days = pd.to_datetime(frame["event_time"].str.slice(0, 10), errors="coerce").dropna()
        found.public |= set(days.dt.strftime("%Y-%m-%d"))
    except InputError:
        pass  # not AuditEvents, or none about a patient: no patient ids to look for


def _resources(docs: list) -> Iterator[dict]:
    for doc in docs:
        if not isinstance(doc, dict):
            continue
        if doc.get("resourceType") == "Bundle":
            for e in doc.get("entry", []) or []:
                if isinstance(e, dict) and isinstance(e.get("resource"), dict):
                    yield e["resource"]
        else:
            yield doc
            yield from (c for c in doc.get("contained", []) or [] if isinstance(c, dict))


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
    kind: re.compile(
        rf"(?i:\b(?:{words})(?:\s+date)?(?:\s+(?:on|was|is))?)\s*[:=]?\s*" + _DATE
    )
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
