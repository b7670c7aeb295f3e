"""The protected values of a review's inputs, read from each input file, that
``audit scan-phi`` (:mod:`audit_lib.evidence.scan`) looks for in the outputs.

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
1234567890); nor are de-identification masks (9999999999, XXXX).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from ..errors import InputError
from ..tables import normalise_columns, read_raw

__all__ = ["protected_values"]

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
            docs = (
                [json.loads(x) for x in text.splitlines() if x.strip()]
                if (path.suffix.lower() == ".ndjson")
                else [json.loads(text)]
            )
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
