"""Procedure code tables with effective dates, for CLM-PX-02 (code active on the date of
service): the CMS HCPCS Level II annual/quarterly file, and a CPT list the user licenses. The
same HCPCS file's modifier rows (RECID 7) replace the shipped modifier list for CLM-MOD-01.

The CMS HCPCS file (``HCPC<year>_<quarter>_ANWEB`` as XLSX, CSV or text) has one row per code
and continuation rows; the columns used are ``HCPC`` (the code), ``RECID`` (3 = procedure,
4 = its continuation; 7/8 = modifiers, skipped), ``ADD DT`` and ``TERM DT`` (CCYYMMDD, blank =
none). A CPT list is any table with a ``code`` column and optional ``add_date``/``term_date``
columns (CPT content is AMA-licensed and never ships with the package).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..errors import InputError
from .edits import cms_dates, data_rows, header_row

__all__ = ["load_code_dates", "load_hcpcs"]


def _find(header: list[str], *names: str) -> int | None:
    norm = [h.strip().lower().replace("_", " ") for h in header]
    for name in names:
        if name in norm:
            return norm.index(name)
    return None


def _rows_of(path: Path, rows: list[list[str]], kind: str) -> pd.DataFrame:
    """code, rec (RECID, "" without the column), add, term: the body rows as text."""
    h = header_row(rows, ("hcpc",) if kind == "hcpcs" else ("code",), path)
    header = rows[h]
    code_i = _find(header, "hcpc", "hcpcs", "code")
    if code_i is None:
        raise InputError(f"{path.name}: no code column in {header}.", path=path)
    add_i = _find(header, "add dt", "add date")
    term_i = _find(header, "term dt", "term date", "termination date")
    rec_i = _find(header, "recid")
    body = [r for r in rows[h + 1 :] if len(r) > code_i and r[code_i].strip()]

    def col(i):
        return [r[i].strip() if i is not None and len(r) > i else "" for r in body]

    return pd.DataFrame(
        {"code": col(code_i), "rec": col(rec_i), "add": col(add_i), "term": col(term_i)},
        dtype="string",
    )


def _dated(frame: pd.DataFrame) -> pd.DataFrame:
    return (
        pd.DataFrame(
            {
                "code": frame["code"].str.upper(),
                "add_date": cms_dates(frame["add"]),
                "term_date": cms_dates(frame["term"]),
            }
        )
        .drop_duplicates("code", keep="first")
        .reset_index(drop=True)
    )


def _codes(path: Path, frame: pd.DataFrame) -> pd.DataFrame:
    """Procedure rows (RECID 3, or any row of a list without RECID) with 5-character codes."""
    frame = frame[frame["rec"].isin(["3", ""]) & frame["code"].str.fullmatch(r"[0-9A-Z]{5}")]
    out = _dated(frame)
    if out.empty:
        raise InputError(f"{path.name}: no procedure codes read.", path=path)
    return out


def load_hcpcs(path: str | Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(procedure codes, Level II modifiers) of the CMS HCPCS file, read once: each as code,
    add_date, term_date (NaT = open). Modifiers are the RECID 7 rows (empty when the file has
    none)."""
    path = Path(path)
    frame = _rows_of(path, data_rows(path), "hcpcs")
    mods = frame[frame["rec"].eq("7") & frame["code"].str.fullmatch(r"[0-9A-Za-z]{2}")]
    return _codes(path, frame), _dated(mods)


def load_code_dates(path: str | Path, *, kind: str) -> pd.DataFrame:
    """code, add_date, term_date (NaT = open) from a HCPCS file (``kind="hcpcs"``) or a CPT
    list (``kind="cpt"``)."""
    path = Path(path)
    return _codes(path, _rows_of(path, data_rows(path), kind))
