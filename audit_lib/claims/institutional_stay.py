"""Institutional rules about the stay and its lines (rulebook §1.12.1 to 1.12.3): HCPCS required by
the revenue code on outpatient bills (CLM-UB-04), the admission, discharge and statement dates
(CLM-UB-05), the attending and operating physicians (CLM-UB-08), condition, occurrence and
value codes (CLM-UB-09) and the ICD-10-PCS procedures (CLM-UB-10).

Called by :func:`audit_lib.claims.institutional.institutional_flags` with the normalised type
of bill; each returns the failing parts as ``(condition, text)`` pairs.
"""

from __future__ import annotations

import pandas as pd

__all__ = ["attending_parts", "codes_parts", "dates_parts", "hcpcs_required_parts", "pcs_parts"]

#: revenue codes that need a HCPCS code on an OPPS claim: the rulebook's default list
#: (CLM-UB-04; replace it with the quarter's I/OCE table), as 3-digit families and exact codes
HCPCS_FAMILIES = frozenset({
    "030", "031", "032", "033", "034", "035", "036", "040", "042", "043", "044", "045", "046",
    "048", "049", "051", "052", "061", "073", "074", "076", "092",
})  # fmt: skip
HCPCS_CODES = frozenset(["0636"])
OUTPATIENT_OPPS = frozenset(["12", "13", "14"])  # Medicare hospital outpatient bills
#: payment-window days before the admission whose services belong on the inpatient claim
#: (42 CFR 412.2(c)(5)): 3 for IPPS hospitals, the default without provider attributes
WINDOW_DAYS = 3
SURGICAL_PCS_SECTIONS = ("0", "1")  # ICD-10-PCS Medical and Surgical, Obstetrics


def _claim(f: pd.DataFrame) -> pd.Series:
    return f["claim_id"].astype("string").fillna("")


def hcpcs_required_parts(f: pd.DataFrame, tob: pd.Series, inst: pd.Series) -> list:
    """CLM-UB-04, line level: a revenue code of the list without a HCPCS code on a Medicare
    outpatient bill."""
    revenue = f["revenue_code"].astype("string").str.strip()
    needs = revenue.str[:3].isin(HCPCS_FAMILIES) | revenue.isin(HCPCS_CODES)
    outpatient = tob.str[1:3].isin(OUTPATIENT_OPPS)
    medicare = f["payer_type"].eq("medicare")
    missing = f["procedure_code"].isna()
    cond = inst & outpatient & medicare & needs & missing
    return [(cond, "the revenue code needs a HCPCS code on a Medicare outpatient bill (I/OCE)")]


def dates_parts(f: pd.DataFrame, inpatient: pd.Series, status: pd.Series) -> list:
    """CLM-UB-05, claim level, inpatient-type bills: admission and discharge present, the
    discharge on the statement's through date, no line before the payment window."""
    admission = f["admission_date"]
    discharge = f["discharge_date"]
    line_end = (
        f["service_date_to"].fillna(f["service_date"])
        if "service_date_to" in f
        else (f["service_date"])
    )
    claim = _claim(f)
    through = (
        f["statement_through"]
        if "statement_through" in f
        else pd.Series(pd.NaT, index=f.index, dtype="datetime64[ns]")
    )
    through = through.fillna(line_end.groupby(claim).transform("max"))
    earliest = f["service_date"].groupby(claim).transform("min")
    window = admission - pd.Timedelta(days=WINDOW_DAYS)
    return [
        (inpatient & admission.isna(), "no admission date"),
        (inpatient & status.ne("30").fillna(True) & discharge.isna(),
         "no discharge date (the patient is not still a patient, status 30)"),
        (inpatient & discharge.notna() & through.notna() & discharge.ne(through),
         "the discharge date is not the statement's through date"),
        (inpatient & admission.notna() & (earliest < window).fillna(False),
         f"a line is dated more than {WINDOW_DAYS} days before the admission (payment window)"),
    ]  # fmt: skip


def attending_parts(
    f: pd.DataFrame, tob_ok: pd.Series, pcs_columns: list[str], outpatient: pd.Series
) -> list:
    """CLM-UB-08, claim level: an attending NPI on every bill (but ambulance-only claims), an
    operating NPI when a surgical procedure is reported (ICD-10-PCS section 0 or 1, or on an
    outpatient bill a HCPCS 10004-69990)."""
    claim = _claim(f)
    revenue = f["revenue_code"].astype("string").str.strip()
    ambulance_only = revenue.str.startswith("054").fillna(False).groupby(claim).transform("all")
    surgical = pd.Series(False, index=f.index)
    for col in pcs_columns:  # ICD-10-PCS codes only (an ICD-9 "15.3" is not section 1)
        pcs = f[col].astype("string")
        valid = pcs.str.fullmatch(r"[0-9A-HJ-NP-Z]{7}").fillna(False)
        surgical |= valid & pcs.str[:1].isin(SURGICAL_PCS_SECTIONS)
    code = f["procedure_code"].astype("string")
    numeric = pd.to_numeric(code.where(code.str.fullmatch(r"\d{5}").fillna(False)), "coerce")
    surgery_line = numeric.between(10004, 69990).fillna(False) & outpatient
    surgical |= surgery_line.groupby(claim).transform("any")
    attending = f["attending_npi"].astype("string").str.strip().replace("", pd.NA)
    operating = (
        f["operating_npi"].astype("string").str.strip().replace("", pd.NA)
        if "operating_npi" in f
        else pd.Series(pd.NA, index=f.index, dtype="string")
    )
    return [
        (tob_ok & attending.isna() & ~ambulance_only, "no attending physician NPI"),
        (tob_ok & surgical & operating.isna(),
         "a surgical procedure is reported without an operating physician NPI"),
    ]  # fmt: skip


_CODE_LISTS = {  # column -> the form of one element (NUBC: two letters or digits; an
    # occurrence code with its date and a value code with its amount, as the 837I importer
    # keeps HI*BH and HI*BE). The NUBC lists themselves are licensed: not shipped.
    "condition_codes": r"[0-9A-Z]{2}",
    "occurrence_codes": r"[0-9A-Z]{2}(:[-0-9]*)?",
    "value_codes": r"[0-9A-Z]{2}(:[-0-9.]*)?",
}


def codes_parts(f: pd.DataFrame, first: pd.Series, pair: pd.Series, status: pd.Series) -> list:
    """CLM-UB-09, claim level: each code well formed; condition codes 44 and 51 on outpatient
    bills only (013x, 085x); 42 and 43 only with discharge status 06 or 86."""
    parts = []
    for col, form in _CODE_LISTS.items():
        if col not in f:
            continue
        text = f[col].astype("string").str.strip().str.upper().fillna("")
        bad = text.ne("") & ~text.str.fullmatch(rf"{form}(\|{form})*").fillna(False)
        parts.append((first & bad, f"{col.replace('_', ' ')} not all two letters or digits"))
    codes = "|" + f["condition_codes"].astype("string").str.strip().fillna("") + "|"
    has = {
        c: codes.str.contains(f"|{c}|", regex=False).fillna(False) for c in ("44", "51", "42", "43")
    }
    outpatient = pair.isin(["13", "85"]).fillna(False)
    home_health = status.isin(["06", "86"]).fillna(False)
    parts += [
        (first & (has["44"] | has["51"]) & ~outpatient,
         "condition code 44 or 51 on a bill other than hospital or CAH outpatient (013x, 085x)"),
        (first & (has["42"] | has["43"]) & ~home_health,
         "condition code 42 or 43 without discharge status 06 or 86 (home health)"),
    ]  # fmt: skip
    return parts


def pcs_parts(f: pd.DataFrame, first: pd.Series, inpatient_bill: pd.Series) -> list:
    """CLM-UB-10, claim level: each ICD-10-PCS code 7 characters (no I or O), in the table of
    the discharge date's version (the Medicare Code Editor), dated within the stay (the payment
    window before the admission to the discharge), positions filled in order, and only on
    inpatient-type bills (837I HI*BBR/BBQ). Claims through a date before 2015-10-01 carry
    ICD-9-CM procedures: only their dates and positions are checked."""
    from ..codesets import mce

    admission, discharge = f["admission_date"], f["discharge_date"]
    through = discharge.fillna(f.get("statement_through", pd.Series(pd.NaT, index=f.index)))
    last = f["service_date_to"].fillna(f["service_date"]) if "service_date_to" in f else None
    last = f["service_date"] if last is None else last
    through = through.fillna(last.groupby(_claim(f)).transform("max"))  # rulebook §1.12.0
    start = admission - pd.Timedelta(days=WINDOW_DAYS)
    columns = [c for c in f.columns if c.startswith("pcs_code_")]
    columns.sort(key=lambda c: int(c.rsplit("_", 1)[1]))
    parts, gap = [], pd.Series(False, index=f.index)
    for col in columns:
        k = col.rsplit("_", 1)[1]
        code = f[col].astype("string").str.strip().str.upper().replace("", pd.NA)
        date_col = f"pcs_date_{k}"
        when = pd.to_datetime(f[date_col]) if date_col in f else pd.Series(pd.NaT, index=f.index)
        form = code.str.fullmatch(r"[0-9A-HJ-NP-Z]{7}").fillna(False)
        has = code.notna()
        icd10 = (through >= pd.Timestamp("2015-10-01")).fillna(False)
        invalid = pd.Series(False, index=f.index)
        check = first & has & form & icd10
        if check.any() and mce.available():
            invalid[check] = mce.pcs_invalid(code[check], through[check]).fillna(False).to_numpy()
        parts += [
            (first & has & ~form & icd10, f"pcs_code_{k} is not 7 ICD-10-PCS characters"),
            (invalid, f"pcs_code_{k} is not in the ICD-10-PCS table of the discharge date"),
            (first & has & when.isna(), f"pcs_code_{k} has no pcs_date_{k}"),
            (first & ~has & when.notna(), f"pcs_date_{k} without pcs_code_{k}"),
            (first & has & ((when < start) | (when > through)).fillna(False),
             f"pcs_date_{k} outside the stay ({WINDOW_DAYS} days before admission to discharge)"),
            (first & has & gap, f"pcs_code_{k} follows an empty position"),
            (first & has & icd10 & ~inpatient_bill,  # ICD-9 procedures were allowed there
             f"pcs_code_{k} on a bill that is not inpatient"),
        ]  # fmt: skip
        gap = gap | ~has
    return parts
