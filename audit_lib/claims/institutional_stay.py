"""Institutional rules about the stay and its lines (rulebook §1.12.1 to 1.12.3): HCPCS required by
the revenue code on outpatient bills (CLM-UB-04), the admission, discharge and statement dates
(CLM-UB-05), and the attending and operating physicians (CLM-UB-08).

Called by :func:`audit_lib.claims.institutional.institutional_flags` with the normalised type
of bill; each returns the failing parts as ``(condition, text)`` pairs.
"""

from __future__ import annotations

import pandas as pd

__all__ = ["attending_parts", "dates_parts", "hcpcs_required_parts"]

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
