"""Institutional (UB-04 / 837I) claim rules of rulebook §1.12 that need no licensed list:
type of bill (CLM-UB-01), frequency and discharge status (CLM-UB-02), revenue code form
(CLM-UB-03), discharge status for the bill type (CLM-UB-06), admission type and point of origin
(CLM-UB-07), one header per claim (CLM-UB-12) and the POA indicator values (CLM-POA-01).

They apply to ``claim_type = institutional`` lines only. Claim-level rules evaluate the claim
once and flag its lowest line (rulebook §1.12.0); CLM-UB-03 and CLM-UB-12 flag lines. Each rule
is a boolean column (``True`` fails) with a reason column saying which part failed, checked by
the suite as ``flag`` expectations, so the embedded engine and GX read the same columns. A rule
whose columns the input lacks is not evaluated (:mod:`audit_lib.claims.inputs`). When CLM-UB-01
fails, the rules that depend on the bill type are not evaluated for that claim.

The code lists are the rulebook's defaults (Medicare set, NUBC as published by CMS and the
MACs): the NUBC manual is licensed and not shipped, so CLM-UB-03 checks the revenue code's
form (4 digits, not 0001), not its presence in the NUBC table.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..checks import Check, flag
from . import institutional_stay as stay

__all__ = [
    "HEADER_FIELDS",
    "NEEDS",
    "RULE_FLAGS",
    "claim_billed",
    "first_lines",
    "institutional_batch",
    "institutional_checks",
    "institutional_flags",
    "type_of_bill",
]

#: facility + classification pairs of the NUBC type of bill (rulebook CLM-UB-01, Medicare set)
TOB_PAIRS = frozenset({
    "11", "12", "13", "14", "18", "21", "22", "23", "28", "32", "33", "34", "41", "43", "65", "66",
    "71", "72", "73", "74", "75", "76", "77", "79", "81", "82", "83", "84", "85", "86", "89",
})  # fmt: skip
FREQUENCIES = frozenset("012345789ABCDE")  # one character each; 6 is reserved
INPATIENT_TYPES = frozenset({"11", "12", "18", "21", "22", "41"})  # carry admission, discharge
HOSPICE = frozenset({"81", "82"})
#: UB-04 FL17 patient discharge status (NUBC; Noridian JF, ResDAC)
STATUSES = frozenset(
    [f"{i:02d}" for i in (*range(1, 8), 9, 20, 21, 30, 40, 41, 42, 43, 50, 51)]
    + [f"{i:02d}" for i in (*range(61, 67), 69, 70, *range(81, 96))]
)
#: the Medicare Code Editor's valid statuses on 011x (rulebook CLM-UB-06, FY2026 MCE)
MCE_INPATIENT = STATUSES - {"09", "40", "41", "42"}
STATUS_REQUIRED = frozenset({"11", "12", "13", "14", "18", "21", "22", "23", "71", "73"})
ADMISSION_TYPES = frozenset("123459")  # UB-04 FL14, one character each
ORIGINS = frozenset("1245689DEFG")  # FL15 point of origin, one character each; 3, 7 retired
POA_VALUES = frozenset("YNUW")
#: the claim header fields that must be the same on every line (CLM-UB-12)
HEADER_FIELDS = (
    "bill_type", "admission_date", "discharge_date", "admission_type", "admission_source",
    "patient_status", "drg_code", *(f"diagnosis_{i}" for i in range(1, 13)),
    *(f"poa_{i}" for i in range(1, 13)), *(f"pcs_code_{i}" for i in range(1, 26)),
    *(f"pcs_date_{i}" for i in range(1, 26)), "condition_codes", "occurrence_codes",
    "value_codes", "attending_npi", "operating_npi", "billing_npi", "patient_id", "payer_id",
)  # fmt: skip
#: rule -> its fail flag and the columns it needs (without them: not evaluated, no flag)
RULES = {
    "CLM-UB-01": ("_ub01", ("bill_type",)),
    "CLM-UB-02": ("_ub02", ("bill_type", "patient_status")),
    "CLM-UB-03": ("_ub03", ("revenue_code",)),
    "CLM-UB-04": ("_ub04", ("bill_type", "revenue_code", "procedure_code")),
    "CLM-UB-05": ("_ub05", ("bill_type", "admission_date", "discharge_date")),
    "CLM-UB-06": ("_ub06", ("bill_type", "patient_status")),
    "CLM-UB-07": ("_ub07", ("admission_type", "admission_source")),
    "CLM-UB-08": ("_ub08", ("bill_type", "attending_npi")),
    "CLM-UB-09": ("_ub09", ("bill_type", "condition_codes")),
    "CLM-UB-10": ("_ub10", ("bill_type", "pcs_code_1", "admission_date", "discharge_date")),
    "CLM-UB-12": ("_ub12", ("bill_type",)),
    "CLM-POA-01": ("_poa01", ("poa_1",)),
}
NEEDS = {rule: columns for rule, (_, columns) in RULES.items()}
RULE_FLAGS = tuple(flag for flag, _ in RULES.values())
NPI_COLUMNS = ("attending_npi", "operating_npi")


def _text(f: pd.DataFrame, col: str) -> pd.Series:
    if col not in f:
        return pd.Series(pd.NA, index=f.index, dtype="string")
    return f[col].astype("string").str.strip().str.upper().replace("", pd.NA)


def _reasons(parts: list[tuple[pd.Series, str]], index: pd.Index) -> pd.Series:
    """The failing parts' texts joined by '; ' (categorical: few distinct values)."""
    out = np.full(len(index), "", dtype=object)
    for cond, text in parts:
        hit = cond.fillna(False).to_numpy(dtype=bool)
        out[hit] = np.where(out[hit] == "", text, out[hit] + "; " + text)
    return pd.Series(pd.Categorical(out), index=index)


def type_of_bill(f: pd.DataFrame) -> pd.Series:
    """``bill_type`` as 4 characters, upper case (a 3-character value gets its leading 0)."""
    raw = _text(f, "bill_type")
    return raw.where(raw.str.len() != 3, "0" + raw)


def claim_billed(lines: pd.DataFrame, claims: pd.DataFrame) -> pd.Series:
    """The billed total of each row's claim (on ``claims``' index): the amount a claim-level
    finding puts at stake. Only the lines of those claims are summed."""
    ids = claims["claim_id"].astype("string")
    mine = lines[lines["claim_id"].astype("string").isin(ids)]
    total = mine.groupby(mine["claim_id"].astype("string"))["billed_amount"].sum()
    return ids.map(total).astype("float64")


def first_lines(f: pd.DataFrame) -> pd.Series:
    """True on each claim's lowest line (the row a claim-level finding is reported on)."""
    order = f.sort_values(["claim_id", "line_number", "_row"], kind="stable")
    first = ~order["claim_id"].duplicated()
    return first.reindex(f.index)


def institutional_flags(f: pd.DataFrame) -> pd.DataFrame:
    """One fail flag and one reason column per rule, on the claim-line batch's index; computed
    on the institutional lines only (a professional line fails none of these rules)."""
    idx = f.index
    inst = f.get("claim_type", pd.Series(pd.NA, index=idx)).eq("institutional")
    inst = inst.fillna(False).to_numpy(dtype=bool)
    pos = np.flatnonzero(inst)
    sub = _flags(f.iloc[pos]) if len(pos) else None
    out = pd.DataFrame({c: np.zeros(len(f), dtype=bool) for c in RULE_FLAGS}, index=idx)
    for c in RULE_FLAGS:
        reason = sub[f"{c}_reason"] if sub is not None else pd.Series(pd.Categorical([]))
        categories = ["", *(x for x in reason.cat.categories if x != "")]
        codes = np.zeros(len(f), dtype="int16")
        codes[pos] = pd.Categorical(reason, categories=categories).codes
        out[f"{c}_reason"] = pd.Series(pd.Categorical.from_codes(codes, categories), index=idx)
        if sub is not None:
            out.iloc[pos, out.columns.get_loc(c)] = sub[c].to_numpy()
    tob = pd.Series(pd.NA, index=idx, dtype="string")
    if sub is not None:
        tob.iloc[pos] = sub["_tob"].to_numpy()
    out["_tob"] = tob
    return out


def _flags(f: pd.DataFrame) -> pd.DataFrame:
    """The rules on institutional lines ``f``."""
    idx = f.index
    inst = pd.Series(True, index=idx)
    out = pd.DataFrame(index=idx)
    first = first_lines(f)
    tob = type_of_bill(f)
    pair, freq = tob.str[1:3], tob.str[3]
    status, frequency_code = _text(f, "patient_status"), _text(f, "frequency_code")
    ub01 = [
        (tob.isna(), "no type of bill"),
        (tob.notna() & ~tob.str.fullmatch(r"0[1-8][1-9][0-9A-Z]").fillna(False),
         "not 4 characters: 0, facility, classification, frequency"),
        (tob.notna() & ~pair.isin(TOB_PAIRS), "facility and classification not in the NUBC list"),
        (tob.notna() & ~freq.isin(FREQUENCIES), "frequency is not a NUBC frequency code"),
    ]  # fmt: skip
    out["_ub01_reason"] = _reasons([(c & first, t) for c, t in ub01], idx)
    tob_ok = first & tob.notna() & out["_ub01_reason"].astype(str).eq("")
    medicare = f["payer_type"].eq("medicare").fillna(False).astype(bool)
    discharge = f["discharge_date"].notna() if "discharge_date" in f else pd.Series(False, idx)
    ub02 = [
        (freq.isin(["2", "3"]) & status.notna() & status.ne("30"),
         "interim bill (frequency 2 or 3) with a discharge status other than 30"),
        (freq.isin(["1", "4"]) & status.eq("30"),
         "frequency 1 or 4 (discharged) with status 30 (still a patient)"),
        (status.eq("30") & discharge, "status 30 (still a patient) with a discharge date"),
        (freq.eq("5") & medicare & pair.isin(["11", "13"]),
         "late charges only (frequency 5) on a Medicare 011x/013x claim: bill a replacement (7)"),
        (frequency_code.notna() & freq.isin(["1", "7", "8"]) & frequency_code.ne(freq),
         "frequency_code differs from the type of bill's frequency"),
    ]  # fmt: skip
    out["_ub02_reason"] = _reasons([(c & tob_ok, t) for c, t in ub02], idx)
    revenue = _text(f, "revenue_code")
    ub03 = [
        (revenue.isna(), "no revenue code"),
        (revenue.notna() & ~revenue.str.fullmatch(r"\d{4}").fillna(False),
         "not exactly 4 digits (the leading zero is kept)"),
        (revenue.eq("0001"), "0001 (total charges) is not a service line"),
    ]  # fmt: skip
    out["_ub03_reason"] = _reasons([(c & inst, t) for c, t in ub03], idx)
    ub06 = [
        (status.isna() & pair.isin(STATUS_REQUIRED), "no discharge status (required on this bill)"),
        (status.notna() & ~status.isin(STATUSES), "not in the NUBC discharge status list"),
        (status.isin(["40", "41", "42"]) & ~pair.isin(HOSPICE),
         "expired statuses 40-42 are for hospice bills (081x, 082x) only"),
        (status.eq("09") & pair.isin(INPATIENT_TYPES), "09 (admitted as an inpatient) is for "
         "outpatient bills only"),
        (pair.eq("11") & status.isin(STATUSES) & ~status.isin(MCE_INPATIENT),
         "not valid on an inpatient 011x claim (Medicare Code Editor)"),
    ]  # fmt: skip
    out["_ub06_reason"] = _reasons([(c & tob_ok, t) for c, t in ub06], idx)
    none = pd.Series(pd.Categorical.from_codes(np.zeros(len(f), dtype="int8"), [""]), index=idx)
    inpatient = tob_ok & pair.isin(INPATIENT_TYPES)
    outpatient = pair.isin(["12", "13", "14", "85"])
    pcs = [c for c in f.columns if c.startswith("pcs_code_")]
    later = {  # the rules whose reasons read their columns: computed only when they are there
        "CLM-UB-07": lambda: _admission_reasons(f, first, inpatient),
        "CLM-POA-01": lambda: _poa_reasons(f, first),
        "CLM-UB-04": lambda: _reasons(stay.hcpcs_required_parts(f, tob, inst), idx),
        "CLM-UB-05": lambda: _reasons(stay.dates_parts(f, inpatient, status), idx),
        "CLM-UB-08": lambda: _reasons(stay.attending_parts(f, tob_ok, pcs, outpatient), idx),
        "CLM-UB-12": lambda: _header_reasons(f, inst),
        "CLM-UB-09": lambda: _reasons(stay.codes_parts(f, first, pair, status), idx),
        "CLM-UB-10": lambda: _reasons(stay.pcs_parts(f, first, pair.isin(INPATIENT_TYPES)), idx),
    }
    for rule, reasons in later.items():
        evaluated = all(col in f for col in NEEDS[rule])
        out[f"{RULES[rule][0]}_reason"] = reasons() if evaluated else none
    for c, columns in RULES.values():
        evaluated = all(col in f for col in columns)
        reason = out[f"{c}_reason"]
        out[c] = (reason != "").to_numpy(dtype=bool) & evaluated
    out["_tob"] = tob
    return out


def _admission_reasons(f: pd.DataFrame, first: pd.Series, inpatient: pd.Series) -> pd.Series:
    kind, origin = _text(f, "admission_type"), _text(f, "admission_source")
    parts = [
        (inpatient & kind.isna(), "no admission type (required on an inpatient bill)"),
        (inpatient & origin.isna(), "no point of origin (required on an inpatient bill)"),
        (kind.notna() & ~kind.isin(ADMISSION_TYPES), "admission type not in the UB-04 FL14 list"),
        (origin.notna() & ~origin.isin(ORIGINS), "point of origin not in the FL15 list"),
        (kind.eq("4") & origin.notna() & ~origin.isin(["5", "6"]),
         "a newborn admission (type 4) needs point of origin 5 or 6"),
    ]  # fmt: skip
    if "patient_dob" in f and "admission_date" in f:
        days = (f["admission_date"] - f["patient_dob"]).dt.days
        parts.append((kind.eq("4") & (days >= 366), "a newborn admission of a patient over age 0"))
    return _reasons([(c & first, t) for c, t in parts], f.index)


def _poa_reasons(f: pd.DataFrame, first: pd.Series) -> pd.Series:
    parts = []
    for k in range(1, 13):
        poa, dx = _text(f, f"poa_{k}"), _text(f, f"diagnosis_{k}")
        parts.append((poa.notna() & ~poa.isin(POA_VALUES), f"poa_{k} is not Y, N, U or W"))
        parts.append((poa.notna() & dx.isna(), f"poa_{k} without diagnosis_{k}"))
    return _reasons([(c & first, t) for c, t in parts], f.index)


def _header_reasons(f: pd.DataFrame, inst: pd.Series) -> pd.Series:
    """Each line whose header differs from its claim's lowest line, by field name (never the
    values: patient_id is among them)."""
    order = f.sort_values(["claim_id", "line_number", "_row"], kind="stable")
    parts = []
    for col in HEADER_FIELDS:
        if col not in f:
            continue
        value = order[col].astype("string").fillna("")
        lowest = value.groupby(order["claim_id"], sort=False).transform("first")
        parts.append((value.ne(lowest).reindex(f.index) & inst, col))
    return _reasons(parts, f.index)


def institutional_batch(lines: pd.DataFrame) -> pd.DataFrame:
    """The suite's ``institutional_lines`` batch: the institutional lines, with the columns its
    checks and their findings read (flags, reasons, the values the details quote)."""
    shown = ("bill_type", "patient_status", "revenue_code", "admission_type", "admission_source",
             "admission_date", "discharge_date")  # fmt: skip
    columns = ["_row", "record_key", "claim_type", "billed_amount", "_tob", *shown]
    columns += [c for flag in RULE_FLAGS for c in (flag, f"{flag}_reason")]
    inst = lines["claim_type"].eq("institutional").fillna(False).to_numpy(dtype=bool)
    batch = lines.loc[inst, [c for c in columns if c in lines]]
    for col in NPI_COLUMNS:  # checked as NPIs (CLM-NPI-01/02): empty when the input has none
        batch[col] = (
            lines.loc[inst, col].astype("string").str.strip().replace("", pd.NA)
            if col in lines
            else pd.Series(pd.NA, index=batch.index, dtype="string")
        )
    return batch


def institutional_checks() -> list[Check]:
    """The suite's checks of these rules, one flag expectation each."""
    spec = (
        ("CLM-UB-01", "_ub01", "bill_type", "type of bill {bill_type} is invalid: {_ub01_reason}",
         "{bill_type}"),
        ("CLM-UB-02", "_ub02", "patient_status", "type of bill {_tob}, discharge status "
         "{patient_status}: {_ub02_reason}", "{_tob}|{patient_status}"),
        ("CLM-UB-03", "_ub03", "revenue_code", "revenue code {revenue_code}: {_ub03_reason}",
         "{revenue_code}"),
        ("CLM-UB-04", "_ub04", "procedure_code", "revenue code {revenue_code} on type of bill "
         "{_tob}: {_ub04_reason}", "{revenue_code}"),
        ("CLM-UB-05", "_ub05", "discharge_date", "admission {admission_date}, discharge "
         "{discharge_date}: {_ub05_reason}", "{_ub05_reason}"),
        ("CLM-UB-08", "_ub08", "attending_npi", "type of bill {_tob}: {_ub08_reason}",
         "{_ub08_reason}"),
        ("CLM-UB-06", "_ub06", "patient_status", "discharge status {patient_status} on type of "
         "bill {_tob}: {_ub06_reason}", "{_tob}|{patient_status}"),
        ("CLM-UB-07", "_ub07", "admission_type", "admission type {admission_type}, point of "
         "origin {admission_source}: {_ub07_reason}", "{admission_type}|{admission_source}"),
        ("CLM-UB-09", "_ub09", "condition_codes", "type of bill {_tob}: {_ub09_reason}",
         "{_ub09_reason}"),
        ("CLM-UB-10", "_ub10", "pcs_code_1", "type of bill {_tob}: {_ub10_reason}",
         "{_ub10_reason}"),
        ("CLM-UB-12", "_ub12", "claim_id", "the claim header differs from the claim's lowest "
         "line on: {_ub12_reason}", "{_ub12_reason}"),
        ("CLM-POA-01", "_poa01", "poa_1", "present-on-admission indicators: {_poa01_reason}",
         "{_poa01_reason}"),
    )  # fmt: skip
    return [
        Check(f"institutional:{column[1:]}", rule, "expect_column_values_to_be_in_set",
              flag(column), detail, field, batch="institutional_lines", trigger=trigger)
        for rule, column, field, detail, trigger in spec
    ]  # fmt: skip
