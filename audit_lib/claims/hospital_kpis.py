"""Hospital KPIs beside the professional ones (issue 16 §5), on the inpatient acute claims
(``011x``, one row per claim: its lowest line), each with its definition:

* length of stay, rulebook §1.12.0: LOS = max(1, discharge - admission) days (a same-day stay
  counts one day, as the transfer policy counts it); the average over stays with both dates;
* short stays: fewer than two midnights (discharge - admission < 2; 42 CFR 412.3(d)(1));
* transfers by discharge status, rulebook §1.12.6 default sets: acute (02, 66, 82, 94) and
  post-acute (03, 05, 06, 50, 51, 61-63, 65, 83, 85, 86, 89-91, 93);
* the DRG regroup: claims regrouped, billed DRGs that differ (CLM-DRG-01) with their billed
  dollars, and the most frequent billed -> regrouped pairs.

The case-mix index (HFMA MAP Key FM-5) and ALOS against GMLOS need the relative weights and
GMLOS of IPPS Table 5, which are not shipped: they are reported as not computed, with why.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from .institutional import first_lines, type_of_bill

ACUTE_TRANSFER = ("02", "66", "82", "94")
POST_ACUTE_TRANSFER = ("03", "05", "06", "50", "51", "61", "62", "63", "65", "83", "85", "86",
                       "89", "90", "91", "93")  # fmt: skip
NOT_COMPUTED = (
    "case-mix index (HFMA MAP Key FM-5) and ALOS against GMLOS: IPPS Table 5 relative weights "
    "and GMLOS are not shipped"
)


def hospital_kpis(lines: pd.DataFrame, drg: dict[str, Any]) -> dict[str, Any] | None:
    """The hospital KPI block of ``summary.json``, or None without inpatient acute claims;
    ``drg`` is what the regroup recorded (:func:`audit_lib.claims.drg.drg_findings`)."""
    if "bill_type" not in lines or "claim_type" not in lines:
        return None
    inst = lines[lines["claim_type"].eq("institutional").fillna(False).astype(bool)]
    first = inst[first_lines(inst)]
    stays = first[type_of_bill(first).str[1:3].eq("11").fillna(False).astype(bool)]
    if stays.empty:
        return None
    admit = pd.to_datetime(stays.get("admission_date", pd.Series(pd.NaT, index=stays.index)))
    discharge = pd.to_datetime(stays.get("discharge_date", pd.Series(pd.NaT, index=stays.index)))
    midnights = (discharge - admit).dt.days
    dated = midnights.notna()
    los = midnights.clip(lower=1)
    status = stays.get("patient_status", pd.Series("", index=stays.index)).astype("string")
    status = status.str.strip().fillna("")
    return {
        "inpatient_stays": len(stays),
        "stays_with_dates": int(dated.sum()),
        "average_length_of_stay": round(float(los[dated].mean()), 2) if dated.any() else None,
        "length_of_stay_definition": "max(1, discharge_date - admission_date) days, rulebook "
        "§1.12.0; the average over the stays with both dates",
        "short_stays": int((midnights < 2).sum()),
        "short_stay_definition": "fewer than two midnights (42 CFR 412.3(d)(1))",
        "acute_transfers": int(status.isin(ACUTE_TRANSFER).sum()),
        "post_acute_transfers": int(status.isin(POST_ACUTE_TRANSFER).sum()),
        "drg_mismatches": drg.get("mismatches", 0),
        "drg_mismatch_billed_amount": drg.get("mismatch_billed_amount", 0.0),
        "top_drg_pairs": drg.get("mismatch_pairs", []),
        "not_computed": [NOT_COMPUTED],
    }


def hospital_table(block: dict[str, Any]) -> pd.DataFrame:
    """The block as measure / value / definition rows (report and workpaper)."""
    n = block["inpatient_stays"]
    share = f" ({block['short_stays'] / n:.1%})" if n else ""
    rows = [
        ("Inpatient acute stays (011x claims)", f"{n:,}", "one per claim"),
        ("Average length of stay (days)", block["average_length_of_stay"],
         block["length_of_stay_definition"]),
        ("Short stays", f"{block['short_stays']:,}{share}", block["short_stay_definition"]),
        ("Acute transfers", f"{block['acute_transfers']:,}", "discharge status 02, 66, 82, 94"),
        ("Post-acute transfers", f"{block['post_acute_transfers']:,}",
         "discharge status 03, 05, 06, 50, 51, 61-63, 65, 83, 85, 86, 89-91, 93"),
        ("Billed DRG differs from the regrouped (CLM-DRG-01)", f"{block['drg_mismatches']:,}",
         f"${block['drg_mismatch_billed_amount']:,.2f} billed on those claims"),
        *(("Top DRG pair", f"{p['billed']} -> {p['regrouped']}",
           f"{p['claims']:,} claim(s), ${p['billed_amount']:,.2f} billed")
          for p in block["top_drg_pairs"]),
        ("Not computed", "", "; ".join(block["not_computed"])),
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=["measure", "value", "definition"])
