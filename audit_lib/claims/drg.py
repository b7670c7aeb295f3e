"""DRG validation by regrouping (rulebook §1.12.5): the billed MS-DRG of each Medicare inpatient
acute claim against the CMS MS-DRG grouper of its discharge date, through ``msdrg`` (mz-drg, a
port of the CMS grouper and Medicare Code Editor).

* CLM-DRG-02: the billed DRG is 3 digits, not 998/999, on a 011x bill only, and the claim
  groups (the grouper's return code is OK and the final DRG is not 999).
* CLM-DRG-01: the billed DRG equals the final (HAC-adjusted) DRG. The finding names the
  grouper version and the secondary diagnoses that set the severity (CC/MCC with a DRG
  impact); the amount is the claim's billed total.
* CLM-DRG-05: the final DRG rests on a single severe-malnutrition MCC (E40-E43): regrouped
  without it, the DRG changes (OIG A-03-17-00010 selected claims this way).

Scope (rulebook §1.12.5): ``claim_type = institutional``, type of bill 011x, frequency 1, 4 or
7, Medicare (the payer's DRG system is not configured: other payers are not regrouped), a date
of birth, a discharge date inside the grouper versions msdrg ships. Claims outside it are
counted by reason in ``summary.json``. The grouper call is one per claim (a native call; the
claim inputs are prepared column-wise). Relative weights (IPPS Table 5) are not shipped, so no
payment difference is computed.
"""

from __future__ import annotations

import atexit
import functools
import importlib.metadata
from typing import Any

import numpy as np
import pandas as pd

from ..findings import findings_frame
from .institutional import claim_billed, first_lines, type_of_bill
from .logic import age_in_years
from .schema import DIAGNOSIS_COLUMNS, PCS_CODE_COLUMNS, POA_COLUMNS

__all__ = ["MALNUTRITION", "drg_findings", "grouper_version"]

MALNUTRITION = ("E40", "E41", "E42", "E43")  # severe protein-calorie malnutrition (OIG)
_SEX = {"M": 0, "F": 1}


@functools.cache
def _grouper():
    try:
        import msdrg
    except ImportError:  # pragma: no cover - msdrg ships wheels for Python 3.11+ only
        return None
    grouper = msdrg.MsdrgGrouper()
    atexit.register(grouper.close)  # closed before the interpreter tears msdrg down
    return grouper


def grouper_version(discharge: pd.Series, available: list[int]) -> pd.Series:
    """The MS-DRG version of each discharge date: v(FY - 1983).0 from October 1, .1 from
    April 1 (CMS issues an April version since FY2024); NA outside the versions given."""
    d = pd.to_datetime(discharge)
    fiscal = d.dt.year + (d.dt.month >= 10)
    april = ((d.dt.month >= 4) & (d.dt.month < 10)).astype("Int64")
    version = ((fiscal - 1983) * 10 + april).astype("Int64")
    return version.where(version.isin(available))


def _empty() -> pd.DataFrame:
    return pd.DataFrame()  # as the other group rules: no columns, so concat keeps the dtypes


def drg_findings(
    lines: pd.DataFrame, poa_exempt_npis: tuple[str, ...] = ()
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """CLM-DRG-01, -02, -05 and CLM-POA-04 findings (one per claim, on its lowest line) and
    what was regrouped. Claims of ``poa_exempt_npis`` hospitals are grouped as POA-exempt
    (the HAC provision does not apply to them)."""
    stats: dict[str, Any] = {"claims_with_drg": 0, "regrouped": 0, "not_regrouped": {}}
    if "drg_code" not in lines or "bill_type" not in lines:
        stats["note"] = "no drg_code or bill_type column: not evaluated"
        return _empty(), stats
    inst = lines["claim_type"].eq("institutional").fillna(False).astype(bool)
    f = lines[inst]
    f = f[first_lines(f)]
    drg = f["drg_code"].astype("string").str.strip().replace("", pd.NA)
    f = f[drg.notna()]
    drg = drg[f.index]
    stats["claims_with_drg"] = len(f)
    if f.empty:
        return _empty(), stats
    amount = claim_billed(lines, f)
    tob = type_of_bill(f)
    form = drg.str.fullmatch(r"\d{3}").fillna(False)
    parts = [
        _finding(f, ~form, "CLM-DRG-02", "the billed DRG is not 3 digits", amount),
        _finding(f, form & drg.isin(["998", "999"]), "CLM-DRG-02",
                 "the billed DRG is an ungroupable DRG (998/999)", amount),
        _finding(f, tob.str[1:3].ne("11").fillna(True), "CLM-DRG-02",
                 "a DRG is billed on a type of bill other than 011x (inpatient acute)", amount),
    ]  # fmt: skip
    grouper = _grouper()
    if grouper is None:
        stats["note"] = "msdrg not installed: the DRGs were not regrouped"
        return _concat(parts), stats
    discharge = f["discharge_date"] if "discharge_date" in f else pd.Series(pd.NaT, index=f.index)
    version = grouper_version(discharge, grouper.available_versions())
    age = _age(f)
    status = pd.to_numeric(f.get("patient_status"), errors="coerce")
    reasons = {
        "not a 011x bill": tob.str[1:3].ne("11").fillna(True),
        "frequency not 1, 4 or 7": ~tob.str[3].isin(["1", "4", "7"]).fillna(False),
        "payer not Medicare (no DRG system configured)": f["payer_type"].ne("medicare"),
        "billed DRG malformed or 998/999 (CLM-DRG-02)": ~form | drg.isin(["998", "999"]),
        "no discharge date in the grouper versions shipped": version.isna(),
        "no date of birth or admission date": age.isna(),
        "no numeric discharge status": status.isna(),
        "no principal diagnosis": f["diagnosis_1"].isna(),
    }
    skip = pd.Series(False, index=f.index)
    for reason, cond in reasons.items():
        new = cond.fillna(True).astype(bool) & ~skip
        if new.any():
            stats["not_regrouped"][reason] = int(new.sum())
        skip |= new
    g = f[~skip]
    stats["regrouped"] = len(g)
    stats["grouper"] = f"msdrg {importlib.metadata.version('msdrg')} (CMS MS-DRG grouper port)"
    stats["versions"] = sorted({int(v) for v in version[~skip]})
    if g.empty:
        return _concat(parts), stats
    npi = g["billing_npi"] if "billing_npi" in g else pd.Series("", index=g.index)
    exempt = npi.astype("string").str.strip().isin(poa_exempt_npis).fillna(False)
    claims = _claims(g, version[g.index], age[g.index], status[g.index], exempt.to_numpy())
    # one native call per claim; only what the findings read is kept of each result
    kept = [_kept(grouper.group(c)) for c in claims]
    final, code, described, driven, initial, hacs = (
        pd.Series(col, index=g.index) for col in zip(*kept, strict=True)
    )
    ungroupable = code.ne("OK") | final.eq(999)
    parts.append(_finding(g, ungroupable, "CLM-DRG-02", "the claim does not group: return code "
                          + code + ", final DRG " + final.astype(str), amount))  # fmt: skip
    billed = pd.to_numeric(drg[g.index])
    mismatch = ~ungroupable & billed.ne(final)
    v = version[g.index].astype(int)
    text = (
        "billed MS-DRG " + drg[g.index] + ", but the claim groups to " + final.astype(str)
        + " (" + described + ") in MS-DRG v" + (v // 10).astype(str) + "." + (v % 10).astype(str)
        + driven
    )  # fmt: skip
    parts.append(_finding(g, mismatch, "CLM-DRG-01", text, amount))
    stats["mismatches"] = int(mismatch.sum())
    stats["mismatch_billed_amount"] = round(float(amount[g.index][mismatch].sum()), 2)
    stats["mismatch_pairs"] = _pairs(drg[g.index][mismatch], final[mismatch], amount[g.index])
    parts.append(_malnutrition(grouper, g, claims, final, amount))
    parts.append(_hac_findings(g, ~ungroupable & hacs.ne(""), hacs, initial, final, amount))
    stats["hac_claims"] = int((~ungroupable & hacs.ne("")).sum())
    return _concat(parts), stats


def _pairs(billed: pd.Series, final: pd.Series, amount: pd.Series) -> list[dict[str, Any]]:
    """The ten most frequent billed -> regrouped DRG pairs of CLM-DRG-01, with their claims'
    billed dollars (the hospital KPIs' DRG summary)."""
    return (
        pd.DataFrame(
            {
                "billed": billed.astype(str),
                "regrouped": final.astype(str),
                "amount": amount.loc[billed.index],
            }
        )
        .groupby(["billed", "regrouped"])
        .agg(claims=("amount", "size"), billed_amount=("amount", "sum"))
        .reset_index()
        .sort_values(["claims", "billed_amount", "billed"], ascending=[False, False, True])
        .head(10)
        .to_dict("records")
    )


def _hac_findings(g, cond, hacs, initial, final, amount) -> pd.DataFrame:
    """CLM-POA-04: a secondary diagnosis meets a hospital-acquired condition's criteria (a
    HAC-list code not present on admission, with the procedure the HAC needs), as the grouper
    reports; the finding is on the POA column of the first such diagnosis."""
    text = (
        "secondary diagnosis " + hacs + " meets the hospital-acquired condition criteria "
        "(POA N or U): its CC/MCC does not count; initial DRG " + initial.astype(str)
        + ", HAC-adjusted final DRG " + final.astype(str) + ". Review the POA indicators and "
        "the documentation (CMS HAC payment provision)"
    )  # fmt: skip
    first = hacs.str.extract(r"^(\S+)", expand=False)
    columns = [c for c in DIAGNOSIS_COLUMNS[1:] if c in g]
    field = np.select(
        [g[c].astype("string").str.replace(".", "", regex=False).str.strip().str.upper()
         .eq(first).fillna(False).to_numpy() for c in columns],
        [c.replace("diagnosis_", "poa_") for c in columns], default="poa_2",
    ) if columns else "poa_2"  # fmt: skip
    found = _finding(g, cond, "CLM-POA-04", text, amount, severity="warning")
    if len(found):
        found["field"] = pd.Series(field, index=g.index)[cond.fillna(False)].to_numpy()
        found["trigger"] = hacs[cond.fillna(False)].to_numpy()
    return found


def _age(f: pd.DataFrame) -> pd.Series:
    """Whole years at the admission date (the grouper's and the MCE's convention)."""
    if "patient_dob" not in f or "admission_date" not in f:
        return pd.Series(pd.NA, index=f.index, dtype="Int64")
    return age_in_years(f["admission_date"], f["patient_dob"])


def _poa(value: Any) -> str | None:
    """msdrg's POA: Y/N/U/W as given, blank as ' ', anything else left out (CLM-POA-01)."""
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return " "
    v = str(value).strip().upper()
    return v if v in ("Y", "N", "U", "W") else (" " if v == "" else None)


def _claims(g: pd.DataFrame, version, age, status, exempt) -> list[dict]:
    import msdrg

    dx = [g[c].astype("string").to_numpy(dtype=object) if c in g else np.full(len(g), None)
          for c in DIAGNOSIS_COLUMNS]  # fmt: skip
    poa = [g[c].to_numpy(dtype=object) if c in g else np.full(len(g), None) for c in POA_COLUMNS]
    pcs = [g[c].astype("string").to_numpy(dtype=object) for c in PCS_CODE_COLUMNS if c in g]
    sex = g["patient_sex"].astype("string").str.upper().map(_SEX).fillna(2).astype(int)
    out = []
    for i, (v, a, s, st, ex) in enumerate(zip(version, age, sex, status, exempt, strict=True)):
        sdx = [(str(dx[k][i]), _poa(poa[k][i])) for k in range(1, 12) if isinstance(dx[k][i], str)]
        claim = msdrg.create_claim(
            version=int(v), age=int(a), sex=int(s), discharge_status=int(st),
            pdx=str(dx[0][i]), pdx_poa=_poa(poa[0][i]),
            sdx=[(c, p) for c, p in sdx if p is not None],
            procedures=[str(p[i]) for p in pcs if isinstance(p[i], str)],
        )  # fmt: skip
        claim["hospital_status"] = "EXEMPT" if ex else "NOT_EXEMPT"
        out.append(claim)
    return out


def _kept(result: dict) -> tuple[int, str, str, str, int, str]:
    return (result["final_drg"], result["return_code"], result["final_drg_description"],
            _drivers(result), result["initial_drg"], _hacs(result))  # fmt: skip


def _hacs(result: dict) -> str:
    """The secondary diagnoses that meet a HAC's criteria, with the HAC (CLM-POA-04)."""
    met = {
        f"{s['code']} ({h['hac_list']} {h['description']})": None
        for s in result.get("sdx_output", [])
        for h in s.get("hacs", [])
        if h.get("hac_status") == "HAC_CRITERIA_MET"
    }
    return "; ".join(met)


def _drivers(result: dict) -> str:
    """The secondary diagnoses that set the final DRG's severity, as the grouper reports."""
    shown = [
        f"{s['code']} ({s['severity']})"
        for s in result.get("sdx_output", [])
        if s.get("severity") in ("CC", "MCC") and s.get("drg_impact") not in (None, "NONE")
    ]
    return "; severity from " + ", ".join(shown) if shown else "; no CC/MCC sets its severity"


def _malnutrition(
    grouper, g: pd.DataFrame, claims: list[dict], final: pd.Series, amount: pd.Series
) -> pd.DataFrame:
    """CLM-DRG-05: regrouped without each severe-malnutrition code, the final DRG changes."""
    hits, texts = [], []
    for i, claim in enumerate(claims):
        for sdx in claim.get("sdx", []):
            if not str(sdx.get("code", "")).startswith(MALNUTRITION):
                continue
            without = {**claim, "sdx": [s for s in claim["sdx"] if s is not sdx]}
            other = grouper.group(without)["final_drg"]
            if other != final.iloc[i]:
                hits.append(g.index[i])
                texts.append(
                    f"DRG {final.iloc[i]} -> {other} without {sdx['code']}: the sole MCC; OIG "
                    "found most such claims unsupported (A-03-17-00010)"
                )
                break
    if not hits:
        return _empty()
    sub = g.loc[hits]
    text = pd.Series(texts, index=sub.index)
    return _finding(sub, pd.Series(True, index=sub.index), "CLM-DRG-05", text, amount,
                    severity="warning")  # fmt: skip


def _finding(f, cond, rule, detail, amount, severity="error") -> pd.DataFrame:
    cond = pd.Series(cond, index=f.index).fillna(False).astype(bool)
    hit = f[cond]
    if hit.empty:
        return _empty()
    detail = detail[cond] if isinstance(detail, pd.Series) else detail
    return findings_frame(
        rule, severity, "claims", record_key=hit["record_key"], row=hit["_row"],
        field="drg_code", detail=detail, amount=amount.loc[hit.index],
        trigger=hit["drg_code"].astype("string"),
    )  # fmt: skip


def _concat(parts: list[pd.DataFrame]) -> pd.DataFrame:
    parts = [p for p in parts if len(p)]
    return pd.concat(parts, ignore_index=True) if parts else _empty()
