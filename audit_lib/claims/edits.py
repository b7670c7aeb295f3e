"""The CMS table-driven edits on claim lines: NCCI procedure-to-procedure (CLM-NCCI-01, and
the unneeded-bypass part of CLM-MOD-59X) and Medically Unlikely Edits (CLM-MUE-01/02/03),
RULEBOOK 1.4-1.6.

Both are joins (pairs of lines of one patient, provider and date of service against millions
of PTP pairs; unit totals against the MUE table), so they run in DuckDB. The provider is the
rendering NPI, else the billing NPI; lines from different claims of the same patient, provider
and date are paired too (NCCI applies across claims). An edit is active on the date of service
when ``effective <= DOS`` and (no deletion date or ``DOS < deletion``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..codesets.edits import EditTables
from ..findings import findings_frame

__all__ = ["NCCI_MODIFIERS", "edit_findings", "px02_findings"]

# NCCI-associated modifiers: the only ones that may bypass a PTP edit with indicator 1
NCCI_MODIFIERS = (
    *("E1", "E2", "E3", "E4", "FA", "F1", "F2", "F3", "F4", "F5", "F6", "F7", "F8", "F9"),
    *("TA", "T1", "T2", "T3", "T4", "T5", "T6", "T7", "T8", "T9"),
    *("LT", "RT", "LC", "LD", "RC", "LM", "RI"),
    *("24", "25", "57", "58", "78", "79", "27", "59", "91", "XE", "XS", "XP", "XU"),
)
_MODS = ("modifier_1", "modifier_2", "modifier_3", "modifier_4")
ANATOMIC = NCCI_MODIFIERS[:31]  # E1-E4, FA, F1-F9, TA, T1-T9, LT, RT, LC, LD, RC, LM, RI


def _anatomic(mods: pd.DataFrame) -> pd.Series:
    """A line's anatomic modifiers, sorted and joined ("" when none), without a row loop."""
    sides = np.sort(mods.where(mods.isin(ANATOMIC), "").to_numpy(dtype="U2"), axis=1)
    joined = pd.Series(sides[:, 0], index=mods.index)
    for i in range(1, sides.shape[1]):
        joined = joined.str.cat(pd.Series(sides[:, i], index=mods.index), sep=" ")
    return joined.str.strip().str.replace(r"\s+", " ", regex=True)


def _lines_for_sql(lines: pd.DataFrame) -> pd.DataFrame:
    mods = lines.reindex(columns=list(_MODS)).astype("string").fillna("")
    has_ncci = mods.isin(NCCI_MODIFIERS).any(axis=1)
    provider = lines["rendering_npi"].astype("string")
    provider = provider.where(provider.notna() & (provider != ""), lines["billing_npi"])
    return pd.DataFrame(
        {
            "_row": lines["_row"].astype("int64"),
            "record_key": lines["record_key"].astype("string"),
            "patient_id": lines["patient_id"].astype("string"),
            "provider": provider.astype("string"),
            "dos": pd.to_datetime(lines["service_date"]),
            "code": lines["procedure_code"].astype("string"),
            "units": pd.to_numeric(lines["units"], errors="coerce"),
            "billed": pd.to_numeric(lines["billed_amount"], errors="coerce"),
            "claim_type": lines.get("claim_type", pd.Series("professional", index=lines.index))
            .astype("string")
            .fillna("professional"),
            "mods": mods[_MODS[0]]
            .str.cat([mods[c] for c in _MODS[1:]], sep=" ")
            .str.strip()
            .str.replace(r"\s+", " ", regex=True),
            "has_ncci": has_ncci,
            "has_59x": mods.isin(["59", "XE", "XS", "XP", "XU"]).any(axis=1),
            "only_59": mods.eq("59").any(axis=1) & ~mods.isin(["XE", "XS", "XP", "XU"]).any(axis=1),
            "anatomic": _anatomic(mods),
            "claim_id": lines["claim_id"].astype("string"),
        }
    ).dropna(subset=["patient_id", "provider", "dos", "code"])


def _frame(found: pd.DataFrame, rule, severity, field: str, detail, trigger) -> pd.DataFrame:
    """Claims findings from a query result with ``row``, ``record_key`` and ``amount``."""
    return findings_frame(
        rule, severity, "claims", record_key=found["record_key"], row=found["row"],
        field=field, detail=detail, amount=found["amount"], trigger=trigger,
    )  # fmt: skip


# x's code and o's code form an active PTP pair with modifier indicator 1, either way round:
# ``ptp1`` holds each indicator-1 pair in both orders, so the join is on equal keys (an OR of
# the two orders cannot be hashed: it made this a nested loop, 24 s on 1M lines)
_PTP1 = """
    CREATE TABLE ptp1 AS
    SELECT col1 AS code, col2 AS other, claim_type, effective, deletion FROM ptp
    WHERE indicator = 1
    UNION ALL
    SELECT col2, col1, claim_type, effective, deletion FROM ptp WHERE indicator = 1"""
_ACTIVE_PAIR_1 = """
    p.code = x.code AND p.other = o.code AND p.claim_type = x.claim_type
    AND p.effective <= x.dos AND (p.deletion IS NULL OR x.dos < p.deletion)"""


def edit_findings(lines: pd.DataFrame, tables: EditTables) -> pd.DataFrame:
    """CLM-NCCI-01 and CLM-MUE-01/02/03 findings (with ``trigger``), empty without tables."""
    if tables.empty or lines.empty:
        return pd.DataFrame()
    import duckdb

    con = duckdb.connect()
    try:
        con.register("l_in", _lines_for_sql(lines))
        con.execute("CREATE TABLE l AS SELECT * FROM l_in")
        parts = []
        if not tables.ptp.empty:
            con.register("ptp", tables.ptp)
            con.execute(_PTP1)
            parts.append(_ncci(con))
            parts.append(_unneeded_bypass(con))
            parts.append(_specific_x(con))
        if not tables.mue.empty:
            con.register("mue", tables.mue)
            parts.append(_mue(con))
    finally:
        con.close()
    parts = [p for p in parts if len(p)]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def _ncci(con) -> pd.DataFrame:
    found = con.execute(
        """
        SELECT b._row AS row, b.record_key, b.code AS col2, a.code AS col1, a.record_key AS a_key,
               p.indicator, b.billed AS amount, b.mods AS mods_b, a.mods AS mods_a,
               strftime(b.dos, '%Y-%m-%d') AS dos, p.table
        FROM l a
        JOIN l b ON a.patient_id = b.patient_id AND a.provider = b.provider AND a.dos = b.dos
                 AND a._row <> b._row
        JOIN ptp p ON p.col1 = a.code AND p.col2 = b.code AND p.claim_type = b.claim_type
                  AND p.effective <= b.dos AND (p.deletion IS NULL OR b.dos < p.deletion)
        WHERE p.indicator = 0 OR (p.indicator = 1 AND NOT a.has_ncci AND NOT b.has_ncci)
        QUALIFY row_number() OVER (PARTITION BY b._row ORDER BY a.code, a._row) = 1
        ORDER BY b._row
        """
    ).df()
    if found.empty:
        return found
    why = found["indicator"].map(
        {
            0: "modifier indicator 0: no modifier bypasses it",
            1: "modifier indicator 1: no NCCI-associated modifier on either line",
        }
    )
    detail = (
        "column 2 code " + found["col2"] + " billed with column 1 code " + found["col1"]
        + " (" + found["a_key"] + ") for the same patient, provider and date " + found["dos"]
        + "; NCCI PTP edit active on that date, " + why + " (" + found["table"] + ")"
    )  # fmt: skip
    trigger = "NCCI|" + found["col1"] + "|" + found["col2"] + "|" + found["dos"]
    return _frame(found, "CLM-NCCI-01", "error", "procedure_code", detail, trigger)


def _unneeded_bypass(con) -> pd.DataFrame:
    """CLM-MOD-59X (warning): 59 or an X modifier on a line that is in no active PTP pair
    with indicator 1 with another line of the same patient, provider and date: there is no
    edit to bypass (RULEBOOK 1.4)."""
    found = con.execute(
        f"""
        SELECT x._row AS row, x.record_key, x.code, x.mods, x.billed AS amount,
               strftime(x.dos, '%Y-%m-%d') AS dos
        FROM l x
        WHERE x.has_59x AND NOT EXISTS (
            SELECT 1 FROM l o JOIN ptp1 p ON {_ACTIVE_PAIR_1}
            WHERE o.patient_id = x.patient_id AND o.provider = x.provider AND o.dos = x.dos
              AND o._row <> x._row
        )
        ORDER BY x._row
        """
    ).df()
    if found.empty:
        return found
    detail = (
        "bypass modifier (" + found["mods"] + ") on " + found["code"]
        + " but no active NCCI pair with indicator 1 joins it to another line of the same "
        "patient, provider and date " + found["dos"] + ": there is no edit to bypass"
    )  # fmt: skip
    trigger = "MOD59X-PTP|" + found["code"] + "|" + found["dos"]
    return _frame(found, "CLM-MOD-59X", "warning", "modifier_1", detail, trigger)


def _specific_x(con) -> pd.DataFrame:
    """CLM-MOD-59X (warning): 59 bypasses an active indicator-1 pair where the claim lines
    themselves show which X modifier applies (CMS prefers XE/XS/XP/XU to 59): the two lines
    carry different anatomic modifiers (XS, separate structure), or the paired line is on
    another claim of the same patient, provider and date (XE, separate encounter)."""
    found = con.execute(
        f"""
        SELECT x._row AS row, x.record_key, x.code, o.code AS other, x.billed AS amount,
               strftime(x.dos, '%Y-%m-%d') AS dos,
               CASE WHEN x.anatomic <> '' AND o.anatomic <> '' AND x.anatomic <> o.anatomic
                    THEN 'XS' ELSE 'XE' END AS x_mod
        FROM l x
        JOIN l o ON o.patient_id = x.patient_id AND o.provider = x.provider AND o.dos = x.dos
                AND o._row <> x._row
        JOIN ptp1 p ON {_ACTIVE_PAIR_1}
        WHERE x.only_59
          AND ((x.anatomic <> '' AND o.anatomic <> '' AND x.anatomic <> o.anatomic)
               OR x.claim_id IS DISTINCT FROM o.claim_id)
        QUALIFY row_number() OVER (PARTITION BY x._row ORDER BY x_mod DESC, o._row) = 1
        ORDER BY x._row
        """
    ).df()
    if found.empty:
        return found
    why = found["x_mod"].map(
        {
            "XS": "the two lines name different anatomic sites: XS (separate structure)",
            "XE": "the paired line is on another claim: XE (separate encounter) if so",
        }
    )
    detail = (
        "59 on " + found["code"] + " bypasses the NCCI pair with " + found["other"]
        + " where a more specific X modifier applies; " + why
    )  # fmt: skip
    trigger = "MOD59X-SPECIFIC|" + found["code"] + "|" + found["dos"]
    return _frame(found, "CLM-MOD-59X", "warning", "modifier_1", detail, trigger)


def _mue(con) -> pd.DataFrame:
    line = con.execute(
        """
        SELECT l._row AS row, l.record_key, l.code, l.units, m.mue, l.billed AS amount, m.table
        FROM l JOIN mue m ON m.code = l.code AND m.claim_type = l.claim_type
        WHERE m.mai = 1 AND l.units > m.mue
        ORDER BY l._row
        """
    ).df()
    day = con.execute(
        """
        SELECT min(l._row) AS row, arg_min(l.record_key, l._row) AS record_key, l.code,
               sum(l.units) AS units, count(*) AS n_lines, any_value(m.mue) AS mue,
               any_value(m.mai) AS mai, sum(l.billed) AS amount, any_value(m.table) AS table,
               strftime(l.dos, '%Y-%m-%d') AS dos
        FROM l JOIN mue m ON m.code = l.code AND m.claim_type = l.claim_type
        WHERE m.mai IN (2, 3)
        GROUP BY l.patient_id, l.provider, l.code, l.dos
        HAVING sum(l.units) > any_value(m.mue)
        ORDER BY 1
        """
    ).df()
    parts = []
    if len(line):
        units = line["units"].map("{:g}".format)
        detail = (
            line["code"] + ": " + units + " units on one line, above the MUE of "
            + line["mue"].map("{:g}".format)
            + " (adjudication indicator 1, line edit: the whole line is denied; "
            + line["table"] + ")"
        )  # fmt: skip
        trigger = "MUE1|" + line["code"] + "|" + units
        parts.append(_frame(line, "CLM-MUE-01", "error", "units", detail, trigger))
    if len(day):
        rule = day["mai"].map({2: "CLM-MUE-02", 3: "CLM-MUE-03"})
        kind = day["mai"].map(
            {2: "date-of-service edit, policy: not overridable",
             3: "date-of-service edit, clinical: payable only with documentation"}
        )  # fmt: skip
        detail = (
            day["code"] + ": " + day["units"].map("{:g}".format) + " units on " + day["dos"]
            + " for one patient and provider (" + day["n_lines"].astype(str)
            + " line(s)), above the MUE of " + day["mue"].map("{:g}".format) + " (" + kind
            + "; " + day["table"] + ")"
        )  # fmt: skip
        severity = day["mai"].map({2: "error", 3: "warning"})
        trigger = "MUE|" + day["code"] + "|" + day["dos"]
        parts.append(_frame(day, rule, severity, "units", detail, trigger))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def px02_findings(
    lines: pd.DataFrame, *, hcpcs: pd.DataFrame | None, cpt: pd.DataFrame | None
) -> pd.DataFrame:
    """CLM-PX-02: HCPCS Level II codes (and CPT codes, when a licensed list is given) that are
    not in the table, not yet added, or terminated on the date of service."""
    code = lines["procedure_code"].astype("string")
    dos = pd.to_datetime(lines["service_date"])
    parts = []
    for table, pattern, name in (
        (hcpcs, r"[A-V]\d{4}", "the HCPCS file"),
        (cpt, r"\d{4}[0-9FTU]", "the CPT list"),
    ):
        if table is None:
            continue
        mine = code.str.fullmatch(pattern, na=False) & dos.notna()
        t = table.set_index("code")
        add = code.map(t["add_date"])
        term = code.map(t["term_date"])
        missing = mine & ~code.isin(t.index)
        early = mine & ~missing & (dos < add).fillna(False)
        late = mine & ~missing & (dos > term).fillna(False)
        day = dos.dt.strftime("%Y-%m-%d")
        detail = (
            pd.Series("", index=lines.index, dtype="string")
            .mask(missing, code + " is not in " + name)
            .mask(early, code + " was added " + add.dt.strftime("%Y-%m-%d") + ", after " + day)
            .mask(
                late, code + " was terminated " + term.dt.strftime("%Y-%m-%d") + ", before " + day
            )
        )
        bad = missing | early | late
        if bad.any():
            sub = lines[bad]
            parts.append(
                pd.DataFrame(
                    {
                        "rule_id": "CLM-PX-02",
                        "severity": "error",
                        "dataset": "claims",
                        "record_key": sub["record_key"].astype("string"),
                        "row": sub["_row"].astype("int64"),
                        "field": "procedure_code",
                        "detail": detail[bad] + " (not active on the date of service)",
                        "amount": pd.to_numeric(sub["billed_amount"], errors="coerce"),
                        "trigger": "CLM-PX-02|" + code[bad] + "|" + day[bad],
                    }
                )
            )
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
