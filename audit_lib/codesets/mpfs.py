"""The Medicare Physician Fee Schedule relative value file (PPRRVU): bilateral surgery
indicators, for CLM-MOD-50 and CLM-MOD-LTRT.

CMS publishes the file each year with quarterly updates (``PPRRVU<yy>_<JAN|APR|JUL|OCT>``, CSV,
text or XLSX, inside the "RVU<yy><A-D>" zip on cms.gov). Its CPT content is AMA-licensed, so
the user points to the downloaded file (``[codesets] mpfs = "PPRRVU26_JAN.csv"``); a small
hand-made demo file in the same layout is in ``codesets/data`` (not CMS values).

Layout: a preamble of notice lines, then a header spread over several rows whose last row
starts with ``HCPCS`` (the words of a column name stand one above the other: ``BILAT`` over
``SURG``); one row per code and modifier (blank, 26, TC, 53...). The indicator of a code is the
one on its row without a modifier. Indicator meanings (MPFS payment policy indicators):
0 = 150% adjustment does not apply, modifier 50 cannot be used; 1 = 150% adjustment applies;
2 = already bilateral (priced for both sides); 3 = each side paid at 100% (radiology and
other diagnostic procedures); 9 = concept does not apply.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd

from ..errors import InputError
from .edits import data_rows

__all__ = ["BILATERAL_MEANING", "DEMO_MPFS", "load_bilateral_indicators"]

DEMO_MPFS = Path(__file__).parent / "data" / "pprrvu_demo.csv"
BILATERAL_MEANING = {
    0: "the 150% bilateral adjustment does not apply: the code cannot be billed with 50",
    1: "the 150% bilateral adjustment applies",
    2: "the code is already bilateral (priced for both sides): bill it once, without 50",
    3: "each side is paid at 100% (diagnostic): many payers want an RT and an LT line",
    9: "the bilateral concept does not apply to the code",
}


def load_bilateral_indicators(path: str | Path) -> tuple[pd.DataFrame, dict]:
    """(code, bilateral indicator) from a PPRRVU file, and what was read (file, rows, hash)."""
    path = Path(path)
    rows = data_rows(path)
    top = next(
        (i for i, r in enumerate(rows[:300]) if r and r[0].strip().upper() in ("HCPCS", "CODE")),
        None,
    )
    if top is None:
        raise InputError(
            f"{path.name}: no header row starting with HCPCS in its first 300 rows. Give the "
            "CMS PPRRVU file as downloaded (CSV, text or XLSX).",
            path=path,
        )
    width = max(len(r) for r in rows[max(0, top - 4) : top + 1])
    # a column's name is its words from the header rows above, read top to bottom
    names = [
        " ".join(
            r[i].strip() for r in rows[max(0, top - 4) : top + 1] if len(r) > i and r[i].strip()
        ).upper()
        for i in range(width)
    ]
    bilat = next((i for i, n in enumerate(names) if "BILAT" in n), None)
    mod = next((i for i, n in enumerate(names) if n.split()[-1:] == ["MOD"]), None)
    if bilat is None:
        raise InputError(
            f"{path.name}: no BILAT SURG column in the header. This is not a PPRRVU file.",
            path=path,
        )
    body = [r for r in rows[top + 1 :] if len(r) > bilat and r[0].strip()]
    frame = pd.DataFrame(
        {
            "code": pd.Series([r[0].strip().upper() for r in body], dtype="string"),
            "mod": pd.Series(
                [r[mod].strip() if mod is not None and len(r) > mod else "" for r in body],
                dtype="string",
            ),
            "indicator": pd.to_numeric([r[bilat].strip() for r in body], errors="coerce"),
        }
    )
    frame = frame[frame["code"].str.fullmatch(r"[0-9A-Z]{5}") & frame["indicator"].notna()]
    if frame.empty:
        raise InputError(f"{path.name}: no codes with a bilateral indicator read.", path=path)
    # the row without a modifier speaks for the code; else its first row
    frame = frame.sort_values("mod", key=lambda m: m.ne(""), kind="stable")
    out = frame.drop_duplicates("code")[["code", "indicator"]].astype({"indicator": "int64"})
    info = {
        "kind": "mpfs",
        "file": path.name,
        "rows": len(out),
        "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
    }
    return out.reset_index(drop=True), info
