"""CMS edit tables the user downloads: NCCI procedure-to-procedure (PTP) edits and Medically
Unlikely Edits (MUE), read in CMS's published layouts.

CPT content is AMA-licensed, so no CMS table ships with the package; the user points to the
quarter's files (``[codesets] ptp = [...]`` and ``mue = [...]`` in the config file). A small
hand-made demo table in the same layouts is in ``codesets/data/`` (codes of the demo quarter,
not CMS edits).

Layouts (RULEBOOK 1.5, 1.6): a PTP file has the columns Column 1, Column 2, an ``*`` flag,
Effective Date, Deletion Date (``*`` or blank = none), Modifier (0/1/9) and PTP Edit Rationale,
under a preamble of notice lines; an MUE file has HCPCS/CPT Code, ``<Table> MUE Values``, MUE
Adjudication Indicator (``1 Line Edit``, ``2 Date of Service Edit: Policy``, ``3 Date of Service
Edit: Clinical``) and MUE Rationale. Files may be text (tab or comma separated), CSV or XLSX;
the header row is found by its column names. Dates are CCYYMMDD (or ISO).

Which claims a table applies to: a PTP file whose name mentions the hospital (``hosp``,
``oph``) applies to institutional claims, otherwise to professional ones; an MUE table applies
by its value column (Practitioner -> professional, Outpatient Hospital -> institutional, DME
Supplier -> professional lines when no practitioner table is given).
"""

from __future__ import annotations

import csv
import hashlib
import io
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import InputError

__all__ = ["EditTables", "load_edit_tables", "load_mue", "load_ptp"]

DATA = Path(__file__).parent / "data"
DEMO_PTP = DATA / "ncci_ptp_demo.txt"
DEMO_MUE = DATA / "mue_practitioner_demo.txt"


class EditTables:
    """The loaded PTP and MUE tables, with what was read (file, rows, SHA-256)."""

    def __init__(self, ptp: pd.DataFrame, mue: pd.DataFrame, files: list[dict[str, Any]]):
        self.ptp = ptp
        self.mue = mue
        self.files = files

    @property
    def empty(self) -> bool:
        return self.ptp.empty and self.mue.empty


def data_rows(path: Path) -> list[list[str]]:
    if not path.is_file():
        raise InputError(
            f"{path} does not exist. Check the [codesets] paths in the config file.", path=path
        )
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        try:
            frame = pd.read_excel(path, header=None, dtype=str, engine="openpyxl")
        except Exception as exc:
            raise InputError(f"{path.name} is not a readable workbook: {exc}.", path=path) from None
        return frame.fillna("").astype(str).to_numpy().tolist()
    text = path.read_bytes().decode("utf-8-sig", errors="replace")
    sample = text[:20000]
    delimiter = "\t" if sample.count("\t") > sample.count(",") else ","
    return list(csv.reader(io.StringIO(text), delimiter=delimiter))


def header_row(rows: list[list[str]], needles: tuple[str, ...], path: Path) -> int:
    for i, row in enumerate(rows[:200]):
        cells = " | ".join(c.strip().lower() for c in row)
        if all(n in cells for n in needles):
            return i
    raise InputError(
        f"{path.name}: no header row with {', '.join(repr(n) for n in needles)} in its first 200 "
        "rows. Give the CMS file as downloaded (text, CSV or XLSX).",
        path=path,
    )


def _col(header: list[str], *needles: str) -> int | None:
    for i, h in enumerate(header):
        low = h.strip().lower()
        if all(n in low for n in needles):
            return i
    return None


def cms_dates(values: pd.Series) -> pd.Series:
    v = values.astype(str).str.strip().str.replace("-", "", regex=False).str.slice(0, 8)
    v = v.where(v.str.fullmatch(r"\d{8}"), None)
    return pd.to_datetime(v, format="%Y%m%d", errors="coerce")


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load_ptp(path: str | Path) -> pd.DataFrame:
    """One PTP file: col1, col2, effective, deletion (NaT = none), indicator, claim_type."""
    path = Path(path)
    rows = data_rows(path)
    h = header_row(rows, ("column 1", "column 2"), path)
    header = rows[h]
    cols = {
        "col1": _col(header, "column 1"),
        "col2": _col(header, "column 2"),
        "effective": _col(header, "effective"),
        "deletion": _col(header, "deletion"),
        "indicator": _col(header, "modifier"),
    }
    missing = [k for k, v in cols.items() if v is None]
    if missing:
        raise InputError(
            f"{path.name}: the PTP header lacks {', '.join(missing)} (found: {header}).", path=path
        )
    body = [r for r in rows[h + 1 :] if len(r) > max(cols.values()) and r[cols["col1"]].strip()]
    frame = pd.DataFrame({k: [r[i].strip() for r in body] for k, i in cols.items()}, dtype="string")
    frame = frame[frame["col1"].str.fullmatch(r"[0-9A-Z]{5}", na=False)]
    if frame.empty:
        raise InputError(f"{path.name}: no code pairs read under its header.", path=path)
    kind = (
        "institutional" if any(t in path.name.lower() for t in ("hosp", "oph")) else "professional"
    )
    return pd.DataFrame(
        {
            "col1": frame["col1"].str.upper(),
            "col2": frame["col2"].str.upper(),
            "effective": cms_dates(frame["effective"]),
            "deletion": cms_dates(frame["deletion"]),
            "indicator": pd.to_numeric(frame["indicator"], errors="coerce").astype("Int64"),
            "claim_type": kind,
            "table": path.name,
        }
    ).reset_index(drop=True)


def load_mue(path: str | Path) -> pd.DataFrame:
    """One MUE table: code, mue (units), mai (1/2/3), claim_type."""
    path = Path(path)
    rows = data_rows(path)
    h = header_row(rows, ("mue values", "adjudication"), path)
    header = rows[h]
    code_i = _col(header, "code")
    value_i = _col(header, "mue values")
    mai_i = _col(header, "adjudication")
    label = header[value_i].lower()
    kind = "institutional" if "hospital" in label else "dme" if "dme" in label else "professional"
    body = [r for r in rows[h + 1 :] if len(r) > max(code_i, value_i, mai_i) and r[code_i].strip()]
    frame = pd.DataFrame(
        {
            "code": pd.Series([r[code_i].strip().upper() for r in body], dtype="string"),
            "mue": pd.to_numeric([r[value_i].strip() for r in body], errors="coerce"),
            "mai": pd.to_numeric([r[mai_i].strip()[:1] for r in body], errors="coerce"),
        }
    )
    frame = frame[frame["code"].str.fullmatch(r"[0-9A-Z]{5}", na=False) & frame["mue"].notna()]
    if frame.empty:
        raise InputError(f"{path.name}: no MUE values read under its header.", path=path)
    return frame.assign(claim_type=kind, table=path.name).reset_index(drop=True)


def load_edit_tables(ptp_files: list | tuple = (), mue_files: list | tuple = ()) -> EditTables:
    """All configured tables (empty frames when none)."""
    ptp = [load_ptp(p) for p in ptp_files]
    mue = [load_mue(p) for p in mue_files]
    files = [
        {"kind": kind, "file": Path(p).name, "rows": len(t), "sha256": _sha(Path(p))}
        for kind, paths, tables in (("ptp", ptp_files, ptp), ("mue", mue_files, mue))
        for p, t in zip(paths, tables, strict=True)
    ]
    ptp_f = (
        pd.concat(ptp, ignore_index=True)
        if ptp
        else pd.DataFrame(
            columns=["col1", "col2", "effective", "deletion", "indicator", "claim_type", "table"]
        )
    )
    mue_f = pd.concat(mue, ignore_index=True) if mue else pd.DataFrame(
        columns=["code", "mue", "mai", "claim_type", "table"])  # fmt: skip
    if not mue_f.empty and "professional" not in set(mue_f["claim_type"]):
        mue_f.loc[mue_f["claim_type"] == "dme", "claim_type"] = "professional"
    return EditTables(ptp_f, mue_f, files)
