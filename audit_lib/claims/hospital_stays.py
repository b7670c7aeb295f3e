"""Cross-claim hospital rules of rulebook §1.12.7-8: the payment window (CLM-WIN-01) and the
two-midnight benchmark (CLM-2MN-01), on the claims table and the ``[hospital]`` provider
attributes (:class:`audit_lib.config.HospitalSettings`).

* CLM-WIN-01, 42 CFR 412.2(c)(5): outpatient services a hospital (or an entity it wholly owns
  or operates) furnishes to a Medicare patient in the 3 days before an inpatient admission (1
  day for psychiatric, rehabilitation, long-term care, children's and cancer hospitals), on the
  day of admission and during the stay (not the discharge day) belong on the inpatient claim.
  Each outpatient (``013x``) line of the same patient and hospital in that span is a finding,
  unless it is ambulance (revenue 054X) or maintenance dialysis (082X-085X, 088X), or it is not
  diagnostic and its claim carries condition code 51 (unrelated to the admission). Diagnostic
  services are always bundled: the revenue codes of Pub. 100-04 ch. 3 §40.3 (``DIAGNOSTIC``).
  CAHs are exempt (``window_exempt_npis``).
* CLM-2MN-01, 42 CFR 412.3(d)(1): a Medicare inpatient stay (``011x``, frequency 1 or 7) of
  fewer than two midnights, counting the hospital's ED or observation care (revenue 045X, 0762)
  that runs day by day into the admission, is a review indicator (warning), unless the patient
  died (20), was transferred (02, 05, 66, 82, 85, 94) or left against advice (07). The OPPS
  inpatient-only list is not applied: it is not shipped (the summary says so).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..findings import findings_frame
from .institutional import claim_billed, first_lines, type_of_bill

#: Pub. 100-04 ch. 3 §40.3: revenue codes of diagnostic services (always in the window)
DIAGNOSTIC = ("0254", "0255", "030", "031", "032", "0341", "0343", "035", "0371", "0372", "040",
              "046", "0471", "0481", "0482", "0483", "0489", "053", "061", "062", "073", "074",
              "0918", "092")  # fmt: skip
WINDOW_EXCLUDED = ("054", "082", "083", "084", "085", "088")  # ambulance; maintenance dialysis
ED_OBSERVATION = ("045", "0762")
UNFORESEEN = ("20", "02", "05", "66", "82", "85", "94", "07")  # died, transferred, left (AMA)
NEEDS = {
    "CLM-WIN-01": ("bill_type", "admission_date", "discharge_date", "patient_id", "billing_npi",
                   "service_date", "revenue_code"),
    "CLM-2MN-01": ("bill_type", "admission_date", "discharge_date", "patient_status"),
}  # fmt: skip


def _text(f: pd.DataFrame, col: str) -> pd.Series:
    if col not in f:
        return pd.Series("", index=f.index, dtype="string")
    return f[col].astype("string").str.strip().fillna("")


def _facility(f: pd.DataFrame, facility_of: dict[str, str]) -> pd.Series:
    npi = _text(f, "billing_npi")
    mapped = npi.map(facility_of) if facility_of else pd.Series(pd.NA, index=f.index)
    ccn = _text(f, "facility_ccn").replace("", pd.NA)
    return mapped.fillna(ccn).fillna("NPI " + npi).astype("string")


def _starts(codes: pd.Series, prefixes: tuple[str, ...]) -> pd.Series:
    return codes.str.startswith(prefixes).fillna(False).astype(bool)


def hospital_findings(lines: pd.DataFrame, settings: Any) -> tuple[pd.DataFrame, dict[str, Any]]:
    """CLM-WIN-01 and CLM-2MN-01 findings and what each looked at (``summary.json``)."""
    stats: dict[str, Any] = {}
    inst = lines.get("claim_type", pd.Series("", index=lines.index)).eq("institutional")
    f = lines[inst.fillna(False).astype(bool)]
    parts = []
    evaluated = [rule for rule, needs in NEEDS.items() if all(c in lines for c in needs)]
    if not evaluated:
        return pd.DataFrame(), stats
    s = _stays(f, settings)  # both rules start from the Medicare inpatient stays
    if "CLM-2MN-01" in evaluated:
        found, stats["CLM-2MN-01"] = _two_midnights(s, f, lines, settings)
        parts.append(found)
    if "CLM-WIN-01" in evaluated:
        found, stats["CLM-WIN-01"] = _payment_window(s, f, settings)
        parts.append(found)
    parts = [p for p in parts if len(p)]
    return (pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()), stats


def _medicare(f: pd.DataFrame) -> pd.Series:
    return f["payer_type"].astype("string").str.lower().eq("medicare").fillna(False).astype(bool)


def _stays(f: pd.DataFrame, settings: Any) -> pd.DataFrame:
    """One row per Medicare inpatient acute claim (its lowest line): patient, hospital,
    admission and discharge."""
    first = f[first_lines(f)]
    tob = type_of_bill(first)
    s = first[tob.str[1:3].eq("11").fillna(False).astype(bool) & _medicare(first)]
    return s.assign(
        _tob=tob[s.index],
        _facility=_facility(s, settings.facility_of),
        _patient=_text(s, "patient_id"),
        _npi=_text(s, "billing_npi"),
    )


def _two_midnights(s: pd.DataFrame, f: pd.DataFrame, lines: pd.DataFrame, settings: Any):
    s = s[s["_tob"].str[3].isin(["1", "7"]).fillna(False).astype(bool)]
    payers = s["payer_type"].astype("string").str.lower().isin(settings.two_midnight_payer_types)
    s = s[payers.fillna(False).astype(bool) & ~s["_npi"].isin(settings.two_midnight_exempt_npis)]
    stats = {"stays": len(s), "inpatient_only_list": "not applied (not shipped, not configured)"}
    if s.empty:
        return pd.DataFrame(), stats
    admit, discharge = pd.to_datetime(s["admission_date"]), pd.to_datetime(s["discharge_date"])
    midnights = (discharge - admit).dt.days
    # the hospital's ED / observation care running day by day into the admission
    other = f[~f.index.isin(s.index)]
    ed = other[_starts(_text(other, "revenue_code"), ED_OBSERVATION)]
    care = pd.MultiIndex.from_arrays(
        [_text(ed, "patient_id"), _facility(ed, settings.facility_of),
         pd.to_datetime(ed["service_date"])]
    )  # fmt: skip
    before = pd.Series(0, index=s.index)
    running = pd.Series(True, index=s.index)
    for k in range(1, 4):  # up to three days back, each one vectorised
        day = pd.MultiIndex.from_arrays(
            [s["_patient"], s["_facility"], admit - pd.Timedelta(k, "D")]
        )
        running &= day.isin(care)
        before += running.astype(int)
    total = midnights + before
    status = _text(s, "patient_status")
    short = midnights.notna() & (total < 2) & ~status.isin(UNFORESEEN)
    stats["short_stays"] = int(short.sum())
    hit = s[short]
    if hit.empty:
        return pd.DataFrame(), stats
    n = total[hit.index].astype(int).astype(str)
    extra = np.where(
        before[hit.index] > 0, " (with " + before[hit.index].astype(str) + " of ED/observation)", ""
    )
    detail = (
        "inpatient stay of " + n + " midnight(s)" + extra + ", admitted "
        + admit[hit.index].dt.strftime("%Y-%m-%d") + ", discharged "
        + discharge[hit.index].dt.strftime("%Y-%m-%d") + ", status " + status[hit.index]
        + ": review the admission order and the expectation of a two-midnight stay "
        "(42 CFR 412.3(d)(1); a review indicator, not an error)"
    )  # fmt: skip
    return findings_frame(
        "CLM-2MN-01", "warning", "claims", record_key=hit["record_key"], row=hit["_row"],
        field="discharge_date", detail=detail, amount=claim_billed(lines, hit),
        trigger=hit["_tob"] + "|" + n,
    ), stats  # fmt: skip


def _payment_window(s: pd.DataFrame, f: pd.DataFrame, settings: Any):
    s = s[~s["_npi"].isin(settings.window_exempt_npis)]
    days = np.where(s["_npi"].isin(settings.one_day_window_npis), 1, settings.payment_window_days)
    admit, discharge = pd.to_datetime(s["admission_date"]), pd.to_datetime(s["discharge_date"])
    stays = pd.DataFrame(
        {
            "_patient": s["_patient"], "_facility": s["_facility"], "stay_claim": s["claim_id"],
            "start": admit - pd.to_timedelta(days, unit="D"), "admit": admit,
            "end": discharge - pd.Timedelta(days=1), "discharge": discharge, "days": days,
        }
    ).dropna(subset=["admit", "discharge"])  # fmt: skip
    out = f[type_of_bill(f).str[1:3].eq("13").fillna(False).astype(bool) & _medicare(f)]
    revenue = _text(out, "revenue_code")
    diagnostic = _starts(revenue, DIAGNOSTIC)
    codes = "|" + _text(out, "condition_codes") + "|"
    unrelated = codes.str.contains("|51|", regex=False).fillna(False) & ~diagnostic
    keep = ~_starts(revenue, WINDOW_EXCLUDED) & ~unrelated.astype(bool)
    o = out[keep].assign(
        _patient=_text(out, "patient_id"), _facility=_facility(out, settings.facility_of),
        _date=pd.to_datetime(out["service_date"]), _diagnostic=diagnostic,
    )  # fmt: skip
    stats = {
        "stays": len(stays),
        "outpatient_lines": len(out),
        "window_days": settings.payment_window_days,
    }
    if stays.empty or o.empty:
        return pd.DataFrame(), stats
    m = o.reset_index().merge(stays, on=["_patient", "_facility"])
    m = m[(m["_date"] >= m["start"]) & (m["_date"] <= m["end"])]
    m = m.drop_duplicates("index")  # a line in two overlapping windows is one finding
    stats["lines_in_window"] = len(m)
    if m.empty:
        return pd.DataFrame(), stats
    kind = np.where(m["_diagnostic"], "a diagnostic service (always bundled)",
                    "a non-diagnostic service without condition code 51")  # fmt: skip
    detail = (
        "outpatient line of " + m["_date"].dt.strftime("%Y-%m-%d") + ", " + kind + ", falls in the "
        + m["days"].astype(str) + "-day payment window of inpatient claim "
        + m["stay_claim"].astype("string") + " (admitted " + m["admit"].dt.strftime("%Y-%m-%d")
        + ", discharged " + m["discharge"].dt.strftime("%Y-%m-%d")
        + ") at the same hospital: bill it on the inpatient claim (42 CFR 412.2(c)(5))"
    )  # fmt: skip
    return findings_frame(
        "CLM-WIN-01", "error", "claims", record_key=m["record_key"], row=m["_row"],
        field="service_date", detail=detail.to_numpy(), amount=m["billed_amount"],
        trigger=m["stay_claim"].astype("string") + "|" + revenue.loc[m["index"]].to_numpy(),
    ), stats  # fmt: skip
