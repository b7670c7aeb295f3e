"""The defects planted in the demo claims quarter, each with the rule that must find it and
the field it is on (the truth the review is tested against)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..config import parse_period

OUTCOME_COLUMNS = [
    "claim_status",
    "allowed_amount",
    "paid_amount",
    "patient_responsibility",
    "adjustment_codes",
]
PENDING_OUTCOME = ["pending", "", "", "", ""]


def denied_outcome(carc: str) -> list[str]:
    return ["denied", "0.00", "0.00", "0.00", carc]


@dataclass
class DemoClaims:
    claims: pd.DataFrame  # every column as text, as a billing-system extract would hold it
    truth: pd.DataFrame  # rule_id, row, field: what the review must find, exactly
    period: str
    seed: int


def plant_defects(
    df: pd.DataFrame,
    rng: np.random.Generator,
    as_of: pd.Timestamp,
    period: str,
    seed: int,
    *,
    em_codes: list[str],
) -> DemoClaims:
    """Plant defects at chosen rows; each planted row gets exactly one defect. ``em_codes``:
    the E/M procedure codes of the demo's code list (the modifier-25 defects go on them)."""
    n = len(df)
    taken = np.zeros(n, dtype=bool)
    truth: list[tuple[str, int, str]] = []  # (rule, frame index, field); rows fixed at the end
    appended: list[pd.DataFrame] = []

    def pick(rate: float, mask: np.ndarray | None = None) -> np.ndarray:
        ok = ~taken if mask is None else (~taken & mask)
        cand = np.flatnonzero(ok)
        k = max(2, round(rate * n))
        chosen = np.sort(rng.choice(cand, size=min(k, len(cand)), replace=False))
        taken[chosen] = True
        return chosen

    def d(col: str, idx: np.ndarray) -> pd.Series:
        return pd.to_datetime(df.loc[idx, col])

    def put_dates(col: str, idx: np.ndarray, values: pd.Series) -> None:
        df.loc[idx, col] = values.dt.strftime("%Y-%m-%d").to_numpy()

    prof = (df["claim_type"] == "professional").to_numpy()
    paid = (df["claim_status"] == "paid").to_numpy()
    mcr = (df["payer_type"] == "medicare").to_numpy()
    comm = (df["payer_type"] == "commercial").to_numpy()
    one_dx = (df["diagnosis_2"] == "").to_numpy()
    # a claim-level value (billing NPI, diagnoses, the patient's dates, submission date) is
    # changed on one-line claims only: a claim has one header, in an 837 as in a good extract
    single = (df.groupby("claim_id")["line_number"].transform("size") == 1).to_numpy()

    def plant(rule: str, field: str, idx: np.ndarray) -> None:
        truth.extend((rule, int(i), field) for i in idx)

    idx = pick(0.003, single)
    df.loc[idx, "billing_npi"] = ""
    plant("CLM-REQ-01", "billing_npi", idx)
    idx = pick(0.003)
    df.loc[idx, "billed_amount"] = "$" + df.loc[idx, "billed_amount"]
    plant("CLM-PARSE-01", "billed_amount", idx)
    idx = pick(0.002, prof)
    df.loc[idx, "service_date"] = (
        pd.to_datetime(df.loc[idx, "service_date"]).dt.strftime("%m/%d/%Y").to_numpy()
    )
    plant("CLM-PARSE-01", "service_date", idx)
    idx = pick(0.004)
    df.loc[idx, "rendering_npi"] = df.loc[idx, "rendering_npi"].str.slice(0, 9)
    plant("CLM-NPI-01", "rendering_npi", idx)
    idx = pick(0.004)
    bad = df.loc[idx, "rendering_npi"].str.slice(0, 9) + (
        (df.loc[idx, "rendering_npi"].str.slice(9).astype(int) + 1) % 10
    ).astype(str)
    df.loc[idx, "rendering_npi"] = bad
    plant("CLM-NPI-02", "rendering_npi", idx)
    idx = pick(0.004, one_dx & single)
    df.loc[idx, "diagnosis_2"] = rng.choice(["1234", "E1", "ZZ.9"], len(idx))
    plant("CLM-DX-01", "diagnosis_2", idx)
    idx = pick(0.006, single)
    df.loc[idx, "diagnosis_1"] = rng.choice(["E11", "M54.5", "I25", "Z00.0"], len(idx))
    plant("CLM-DX-02", "diagnosis_1", idx)
    idx = pick(0.003, one_dx & prof & single)
    df.loc[idx, "diagnosis_2"] = df.loc[idx, "diagnosis_1"]
    df.loc[idx, "diagnosis_1"] = rng.choice(["W19.XXXA", "V43.52XA", "X58.XXXA"], len(idx))
    plant("CLM-DX-03", "diagnosis_1", idx)
    idx = pick(0.004, one_dx & single)
    df.loc[idx, "diagnosis_2"] = df.loc[idx, "diagnosis_1"].str.replace(".", "", regex=False)
    plant("CLM-DX-04", "diagnosis_1", idx)
    idx = pick(0.004)
    df.loc[idx, "procedure_code"] = rng.choice(["9921", "992134", "W1234", "ABCDE"], len(idx))
    plant("CLM-PX-01", "procedure_code", idx)
    idx = pick(0.004)
    df.loc[idx, "units"] = "0"
    plant("CLM-PX-03", "units", idx)
    idx = pick(0.004, (df["modifier_1"] == "").to_numpy())
    df.loc[idx, "modifier_1"] = rng.choice(["ZZ", "5", "Q"], len(idx))
    plant("CLM-MOD-01", "modifier_1", idx)
    no_mod = (df["modifier_1"] == "").to_numpy()
    em_line = df["procedure_code"].isin(em_codes).to_numpy()
    idx = pick(0.002, no_mod & ~em_line & prof)
    df.loc[idx, "modifier_1"] = "25"  # 25 on a procedure that is not an E/M service
    plant("CLM-MOD-25", "modifier_1", idx)
    idx = pick(0.002, no_mod & ~em_line & prof)
    df.loc[idx, ["modifier_1", "modifier_2"]] = ["59", "XS"]
    plant("CLM-MOD-59X", "modifier_1", idx)
    idx = pick(0.002, no_mod & prof & (df["units"] == "1").to_numpy())
    df.loc[idx, ["modifier_1", "units"]] = ["50", "2"]
    plant("CLM-MOD-50", "units", idx)
    idx = pick(0.002, no_mod & prof)
    df.loc[idx, ["modifier_1", "modifier_2"]] = ["LT", "RT"]
    plant("CLM-MOD-LTRT", "modifier_1", idx)
    svc_d = pd.to_datetime(df["service_date"], format="%Y-%m-%d", errors="coerce")
    dob_d = pd.to_datetime(df["patient_dob"], format="%Y-%m-%d", errors="coerce")
    age = ((svc_d - dob_d).dt.days / 365.25).fillna(0)
    idx = pick(0.002, prof & single & (df["diagnosis_2"] == "").to_numpy() & (age > 66).to_numpy())
    df.loc[idx, "diagnosis_2"] = "O80"  # a delivery diagnosis at 66+: MCE maternity age 9-64
    plant("CLM-DX-05", "diagnosis_2", idx)
    idx = pick(0.004, prof)
    df.loc[idx, "place_of_service"] = rng.choice(["30", "00", "1"], len(idx))
    plant("CLM-POS-01", "place_of_service", idx)
    idx = pick(0.002, prof & single)
    future = as_of + pd.to_timedelta(rng.integers(3, 20, len(idx)), unit="D")
    put_dates("service_date", idx, pd.Series(future, index=idx))
    put_dates("submission_date", idx, pd.Series(future + pd.Timedelta(days=1), index=idx))
    df.loc[idx, [*OUTCOME_COLUMNS, "paid_date"]] = [*PENDING_OUTCOME, ""]
    plant("CLM-DT-01", "service_date", idx)
    inst_rows = ~prof
    idx = pick(0.003, inst_rows)
    put_dates("service_date_to", idx, d("service_date", idx) - pd.Timedelta(days=3))
    plant("CLM-DT-02", "service_date_to", idx)
    idx = pick(0.003, prof & single)
    put_dates("submission_date", idx, d("service_date", idx) - pd.Timedelta(days=2))
    plant("CLM-DT-03", "submission_date", idx)
    idx = pick(0.003, single)
    put_dates(
        "patient_dob",
        idx,
        d("service_date", idx).where(d("service_date", idx).notna(), as_of) + pd.Timedelta(days=40),
    )
    plant("CLM-DT-05", "patient_dob", idx)
    idx = pick(0.003, single)
    put_dates("patient_death_date", idx, d("service_date", idx) - pd.Timedelta(days=5))
    plant("CLM-DT-06", "service_date", idx)
    idx = pick(0.003, paid & (df["payer_type"] != "self_pay").to_numpy())
    df.loc[idx, "paid_amount"] = "-25.00"
    plant("CLM-AMT-01", "paid_amount", idx)
    idx = pick(0.004, paid & (df["payer_type"] != "self_pay").to_numpy())
    df.loc[idx, "paid_amount"] = (df.loc[idx, "allowed_amount"].astype(float) + 10).map(
        "{:.2f}".format
    )
    plant("CLM-AMT-02", "paid_amount", idx)
    idx = pick(0.004, paid & (df["payer_type"] != "self_pay").to_numpy())
    df.loc[idx, "allowed_amount"] = (df.loc[idx, "billed_amount"].astype(float) + 5).map(
        "{:.2f}".format
    )
    plant("CLM-AMT-02", "allowed_amount", idx)
    for rule, mask, back in (("CLM-TF-01", mcr & prof, 380), ("CLM-TF-02", comm & prof, 200)):
        idx = pick(0.003, mask)
        old = d("submission_date", idx) - pd.Timedelta(days=back)
        put_dates("service_date", idx, old)
        df.loc[idx, OUTCOME_COLUMNS] = denied_outcome("CO-29")
        remitted = (d("submission_date", idx) + pd.Timedelta(days=14)).clip(upper=as_of)
        put_dates("paid_date", idx, remitted)
        plant(rule, "submission_date", idx)

    # appended rows: repeated key, exact and suspect duplicates, and look-alikes that are fine
    plain_mods = df["modifier_1"].isin(["", "25"]).to_numpy()
    # copied from claims with no planted defect, so a copy carries nothing but its own
    untouched = ~pd.Series(taken).groupby(df["claim_id"].to_numpy()).transform("any").to_numpy()
    clean = np.flatnonzero(
        untouched & prof & plain_mods & (df["claim_status"] == "paid").to_numpy()
    )
    src = rng.choice(clean, size=min(len(clean), max(12, n // 100)), replace=False)
    groups = np.array_split(src, 5)
    next_claim = 99_000_000
    later = lambda rows, days: shifted_dates(rows["submission_date"], days)  # noqa: E731

    rows = df.loc[groups[0]].copy()  # KEY-01: same claim_id:line_number, other service
    rows["procedure_code"] = "99000"  # a code no demo claim carries, so it is no duplicate
    rows["modifier_1"] = ""
    rows["billed_amount"] = "15.00"
    rows[[*OUTCOME_COLUMNS, "paid_date"]] = [*PENDING_OUTCOME, ""]
    rows["_truth"] = [("CLM-KEY-01", "line_number")] * len(rows)
    appended.append(rows)
    for g, rule, change in (
        (1, "CLM-DUP-01", {}),
        (2, "CLM-DUP-02", {"units": "2"}),
        (3, None, {"modifier_1": "76"}),
        (4, None, {"frequency_code": "7"}),
    ):
        rows = df.loc[groups[g]].copy()
        rows["claim_id"] = [f"C{next_claim + i:08d}" for i in range(len(rows))]
        next_claim += len(rows)
        rows["line_number"] = "1"
        rows["submission_date"] = later(rows, 7)
        remitted = (pd.to_datetime(rows["submission_date"]) + pd.Timedelta(days=14)).clip(
            upper=as_of
        )
        rows["paid_date"] = remitted.dt.strftime("%Y-%m-%d") if rule else ""  # the denial's 835
        for col, val in change.items():
            rows[col] = val
        rows[OUTCOME_COLUMNS] = denied_outcome("OA-18") if rule else PENDING_OUTCOME
        if rule == "CLM-DUP-02":
            rows["billed_amount"] = (rows["billed_amount"].astype(float) * 2).map("{:.2f}".format)
        # a duplicate also repeats the code on that day without a repeat modifier (MOD-7677)
        rows["_truth"] = (
            [[(rule, "procedure_code"), ("CLM-MOD-7677", "procedure_code")]] * len(rows)
            if rule
            else [None] * len(rows)
        )
        appended.append(rows)

    df["_truth"] = None
    base = df
    extra = pd.concat(appended)
    # appended rows go after their source so the file reads naturally (stable, seeded order)
    out = pd.concat([base, extra], ignore_index=False)
    out["_src"] = out.index
    out["_appended"] = np.r_[np.zeros(len(base), bool), np.ones(len(extra), bool)]
    out = out.sort_values(["_src", "_appended"], kind="stable").reset_index(drop=True)
    rows_of = {int(s): i for i, s in enumerate(out["_src"]) if not out["_appended"].iat[i]}
    t = [(r, rows_of[i] + 2, f) for r, i, f in truth]
    extra_truth = out.loc[out["_truth"].notna(), "_truth"]
    for i, v in extra_truth.items():
        t += [(r, int(i) + 2, f) for r, f in (v if isinstance(v, list) else [v])]
    # cut-off: lines whose (parseable) service date falls outside the period (the late filings
    # and future-dated lines planted above) are EVD-POP-02 findings too
    start, end = parse_period(period)
    svc = pd.to_datetime(out["service_date"], format="%Y-%m-%d", errors="coerce")
    outside = svc.notna() & ~svc.between(pd.Timestamp(start), pd.Timestamp(end))
    t += [("EVD-POP-02", int(i) + 2, "service_date") for i in np.flatnonzero(outside.to_numpy())]
    truth_df = (
        pd.DataFrame(t, columns=["rule_id", "row", "field"])
        .sort_values(["rule_id", "row", "field"])
        .reset_index(drop=True)
    )
    claims = out.drop(columns=["_truth", "_src", "_appended"]).fillna("")
    return DemoClaims(claims=claims, truth=truth_df, period=period, seed=seed)


def shifted_dates(dates: pd.Series, days: int) -> pd.Series:
    return (pd.to_datetime(dates) + pd.Timedelta(days=days)).dt.strftime("%Y-%m-%d")
