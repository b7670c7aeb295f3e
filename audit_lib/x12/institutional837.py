"""The hospital fields of an 837I claim (005010X223 / 004010X096) -> the institutional columns
of the claims table (DATA_CONTRACT.md): bill type (CLM05: ``0`` + facility type code +
frequency), statement dates (DTP*434), admission date (DTP*435), admission type, point of
origin and discharge status (CL1), present-on-admission indicators (HI0x-9 of the principal
and other diagnoses), ICD-10-PCS procedures with their dates (HI*BBR/BBQ; ICD-9-CM BR/BQ kept
as given), the billed DRG (HI*DR), condition (BG), occurrence (BH, ``code:date``) and value
codes (BE, ``code:amount``), and the attending and operating NPIs (NM1*71/72).
"""

from __future__ import annotations

from typing import Any

from .reader import x12_date as _date

__all__ = ["INSTITUTIONAL_COLUMNS", "hi_composite", "institutional_fields"]

_PRINCIPAL = {"ABK", "BK"}
_OTHER_DX = {"ABF", "BF"}
# 837I HI qualifiers: principal / other procedure (ICD-10-PCS BBR/BBQ; ICD-9-CM BR/BQ, kept as
# given, so the ICD-10-PCS rule flags them), DRG, condition, occurrence and value codes
_PRINCIPAL_PX = {"BBR", "BR"}
_OTHER_PX = {"BBQ", "BQ"}
_INPATIENT = {"11", "18", "21", "41"}  # facility type + classification of an inpatient bill
#: the institutional columns of the claims table an 837I fills (DATA_CONTRACT.md)
INSTITUTIONAL_COLUMNS = (
    "bill_type", "statement_from", "statement_through", "admission_date", "discharge_date",
    "admission_type", "admission_source", "patient_status", "drg_code",
    *(f"poa_{i}" for i in range(1, 13)),
    *(f"pcs_code_{i}" for i in range(1, 26)),
    *(f"pcs_date_{i}" for i in range(1, 26)),
    "condition_codes", "occurrence_codes", "value_codes", "attending_npi", "operating_npi",
)  # fmt: skip


def hi_composite(parts: list[str], claim: dict[str, Any]) -> None:
    """One HI composite: a diagnosis (with its present-on-admission indicator, HI0x-9), a
    procedure (with its date, HI0x-4), the DRG, or a condition, occurrence or value code."""
    if len(parts) < 2:
        return
    qualifier, code = parts[0], parts[1]
    poa = parts[8] if len(parts) > 8 else ""
    if qualifier in _PRINCIPAL:
        claim["diagnoses"].insert(0, code)
        claim["poa"].insert(0, poa)
    elif qualifier in _OTHER_DX:
        claim["diagnoses"].append(code)
        claim["poa"].append(poa)
    elif qualifier in _PRINCIPAL_PX or qualifier in _OTHER_PX:
        dated = _date(parts[3]) if len(parts) > 3 and parts[2] == "D8" else ""
        at = 0 if qualifier in _PRINCIPAL_PX else len(claim["procedures"])
        claim["procedures"].insert(at, (code, dated))
    elif qualifier in ("DR", "ABR"):
        claim["drg_code"] = code
    elif qualifier == "BG":
        claim["codes"]["BG"].append(code)
    elif qualifier == "BH":  # code:D8:date
        claim["codes"]["BH"].append(f"{code}:{_date(parts[3]) if len(parts) > 3 else ''}")
    elif qualifier == "BE":  # code:::amount
        claim["codes"]["BE"].append(f"{code}:{parts[4] if len(parts) > 4 else ''}")


def institutional_fields(claim: dict[str, Any]) -> dict[str, str]:
    """The claim-level hospital fields of an 837I claim, as the claims table names them.

    The bill type is ``0``, the facility type code and the claim frequency (CLM05-1, CLM05-3).
    The 837I carries no discharge date. On an inpatient bill (type 011x hospital, 018x swing
    bed, 021x SNF, 041x religious non-medical) that is not an interim bill (frequency 2 or 3)
    and whose discharge status is given and is not 30 (still a patient), the statement's
    through date is the discharge date (UB-04 FL6, NUBC); otherwise it is left empty.
    """
    admission_type, source, status = claim["cl1"]
    start, end = claim["statement"]
    facility, frequency = claim["facility"], claim["frequency_code"]
    bill_type = f"0{facility}{frequency}" if len(facility) == 2 and frequency else ""
    discharged = facility in _INPATIENT and frequency not in ("2", "3") and status not in ("", "30")
    poa, px = claim["poa"][:12], claim["procedures"][:25]
    out = {
        "bill_type": bill_type,
        "statement_from": start,
        "statement_through": end,
        "admission_date": claim["admission_date"],
        "discharge_date": end if discharged else "",
        "admission_type": admission_type,
        "admission_source": source,
        "patient_status": status,
        "drg_code": claim["drg_code"],
        "condition_codes": "|".join(claim["codes"]["BG"]),
        "occurrence_codes": "|".join(claim["codes"]["BH"]),
        "value_codes": "|".join(claim["codes"]["BE"]),
        "attending_npi": claim["attending_npi"],
        "operating_npi": claim["operating_npi"],
    }
    out.update({f"poa_{i + 1}": poa[i] if i < len(poa) else "" for i in range(12)})
    out.update({f"pcs_code_{i + 1}": px[i][0] if i < len(px) else "" for i in range(25)})
    out.update({f"pcs_date_{i + 1}": px[i][1] if i < len(px) else "" for i in range(25)})
    return out
