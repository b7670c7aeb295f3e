"""A deterministic, realistic synthetic quarter of claims with planted defects.

Everything is drawn from one seeded NumPy generator, so the same seed and period give the same
file on any machine. Codes are real (ICD-10-CM April 2026 billable codes, CPT numbers, HCPCS
Level II codes, CMS place-of-service codes); NPIs pass the check digit; patients, ids and
dates are invented. Defects are planted at known rows at rates of roughly 0.2-1% per rule and
returned as the truth the review must find exactly (``rule_id, row, field``).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from ..config import parse_period
from .demo_plants import DemoClaims, plant_defects

__all__ = ["DemoClaims", "generate_demo_claims"]

# real codes (CPT numbers only, no descriptors; HCPCS Level II; ICD-10-CM billable leaves)
PROCEDURES = {
    # code: (fee, max units, is E/M)
    "99213": (120.0, 1, True),
    "99214": (175.0, 1, True),
    "99203": (160.0, 1, True),
    "99204": (245.0, 1, True),
    "36415": (12.0, 1, False),
    "80053": (42.0, 1, False),
    "85025": (28.0, 1, False),
    "93000": (55.0, 1, False),
    "71046": (95.0, 1, False),
    "81002": (9.0, 1, False),
    "97110": (48.0, 4, False),
    "20610": (150.0, 1, False),
    "90686": (38.0, 1, False),
    "G0008": (35.0, 1, False),
    "G0439": (190.0, 1, True),
    "J1100": (4.0, 10, False),
    "J3301": (6.0, 8, False),
    "G2211": (16.0, 1, False),
}
DIAGNOSES = [
    "E11.9",
    "I10",
    "E78.5",
    "J06.9",
    "M54.50",
    "Z00.00",
    "R51.9",
    "K21.9",
    "F41.1",
    "N39.0",
    "J45.909",
    "E66.9",
    "G47.33",
    "M17.11",
    "Z23",
    "R07.9",
    "E11.65",
    "I25.10",
    "M25.561",
]
PAYERS = {
    "medicare": (["MCR-JH"], 0.45, 0.20),
    "medicaid": (["MCD-TX"], 0.40, 0.0),
    "commercial": (["BCBS-TX", "AETNA", "UHC", "CIGNA"], 0.62, 0.15),
    "self_pay": (["SELF"], 1.0, 1.0),
}
DENIAL_CARCS = ["CO-50", "CO-97", "CO-16", "CO-197", "CO-11", "CO-109", "PR-204", "CO-151"]
_MBI_LETTERS = np.array(list("ACDEFGHJKMNPQRTUVWXY"))


def _npis(rng: np.random.Generator, n: int) -> list[str]:
    body = rng.integers(10**8, 2 * 10**8, size=n)  # 9 digits starting with 1
    out = []
    for b in body:  # a handful of providers, not rows
        digits = [int(x) for x in str(b)]
        total = 24
        for i, d in enumerate(reversed(digits)):
            if i % 2 == 0:
                d2 = d * 2
                total += d2 // 10 + d2 % 10
            else:
                total += d
        out.append(f"{b}{(10 - total % 10) % 10}")
    return out


def _mbi(rng: np.random.Generator, n: int) -> np.ndarray:
    L = lambda: _MBI_LETTERS[rng.integers(0, len(_MBI_LETTERS), n)]  # noqa: E731
    D = lambda lo=0: rng.integers(lo, 10, n).astype(str)  # noqa: E731
    parts = [D(1), L(), L(), D(), L(), L(), D(), L(), L(), D(), D()]  # the MBI layout
    out = parts[0].astype(object)
    for part in parts[1:]:
        out = out + part.astype(object)
    return out.astype(str)


def _fmt_dates(values: pd.Series) -> pd.Series:
    return values.dt.strftime("%Y-%m-%d").astype(object).where(values.notna(), "")


def generate_demo_claims(
    *, period: str = "2026Q3", seed: int = 20260930, n_claims: int = 4000
) -> DemoClaims:
    """Build the demo quarter.

    >>> d = generate_demo_claims(n_claims=200)
    >>> d.claims["claim_id"].str.startswith("C").all(), len(d.truth) > 0
    (True, True)
    """
    rng = np.random.default_rng(seed)
    start, end = parse_period(period)
    days = (end - start).days + 1
    as_of = pd.Timestamp(end)

    # patients --------------------------------------------------------------------------
    n_pat = max(20, n_claims // 2)
    pat_ids = np.array(
        [f"M{x:07d}" for x in rng.choice(9_000_000, n_pat, replace=False) + 1_000_000]
    )
    dob = pd.Timestamp("1938-01-01") + pd.to_timedelta(rng.integers(0, 85 * 365, n_pat), unit="D")
    age = (pd.Timestamp(start) - dob).days // 365
    payer_type = np.where(
        age >= 65,
        "medicare",
        rng.choice(["medicaid", "commercial", "self_pay"], n_pat, p=[0.3, 0.62, 0.08]),
    )
    member = np.where(
        payer_type == "medicare",
        _mbi(rng, n_pat),
        np.array([f"W{x:09d}" for x in rng.integers(0, 10**9, n_pat)]),
    )
    member = np.where(payer_type == "self_pay", "", member)
    sex = rng.choice(["F", "M"], n_pat)
    payer_id = np.array([PAYERS[p][0][rng.integers(0, len(PAYERS[p][0]))] for p in payer_type])

    billing = _npis(rng, 3)
    rendering = _npis(rng, 14)

    # claims: distinct (patient, date of service) so clean data has no duplicates ----------
    claim_pat = rng.integers(0, n_pat, n_claims)
    order = np.argsort(claim_pat, kind="stable")
    k = np.empty(n_claims, dtype=np.int64)
    sorted_pat = claim_pat[order]
    first = np.r_[0, np.flatnonzero(np.diff(sorted_pat)) + 1]
    counts = np.diff(np.r_[first, n_claims])
    k[order] = np.arange(n_claims) - np.repeat(first, counts)
    offset = rng.integers(0, days, n_pat)
    day = (offset[claim_pat] + 11 * k) % days
    svc = pd.Timestamp(start) + pd.to_timedelta(day, unit="D")
    inst = rng.random(n_claims) < 0.1
    span = np.where(inst, rng.integers(0, 4, n_claims), 0)
    svc_to = svc + pd.to_timedelta(span, unit="D")
    svc_to = svc_to.where(svc_to <= as_of, svc)
    lag = rng.integers(1, 21, n_claims)
    submitted = svc_to + pd.to_timedelta(lag, unit="D")
    submitted = submitted.where(submitted <= as_of, as_of)
    submitted = submitted.where(submitted >= svc_to, svc_to)
    n_lines = rng.choice([1, 2, 3, 4], n_claims, p=[0.45, 0.3, 0.15, 0.1])
    claim_ids = np.array([f"C{26_000_000 + i * 7:08d}" for i in range(n_claims)])
    age_days = (as_of - submitted).days
    outcome = np.where(
        age_days < 14,
        "pending",
        rng.choice(["paid", "denied", "partial"], n_claims, p=[0.86, 0.09, 0.05]),
    )

    # lines ----------------------------------------------------------------------------
    ci = np.repeat(np.arange(n_claims), n_lines)
    line_no = np.arange(len(ci)) - np.repeat(np.cumsum(n_lines) - n_lines, n_lines) + 1
    codes = np.array(list(PROCEDURES))
    # distinct codes within a claim: a random permutation per claim, vectorized by argsort
    perm = np.argsort(rng.random((n_claims, len(codes))), axis=1)[:, :4]
    proc = codes[perm[ci, line_no - 1]]
    fee = np.array([PROCEDURES[c][0] for c in codes])[perm[ci, line_no - 1]]
    max_units = np.array([PROCEDURES[c][1] for c in codes])[perm[ci, line_no - 1]]
    units = 1 + (rng.random(len(ci)) * max_units).astype(int).clip(0, max_units - 1)
    billed = np.round(fee * units * rng.choice([1.0, 1.1, 1.25], len(ci)), 2)
    p = claim_pat[ci]
    pt = payer_type[p]
    allow_f = np.array([PAYERS[x][1] for x in pt])
    coins = np.array([PAYERS[x][2] for x in pt])
    allowed = np.round(billed * allow_f, 2)
    resp = np.round(allowed * coins, 2)
    paid = np.round(allowed - resp, 2)
    line_outcome = outcome[ci].copy()
    partial = line_outcome == "partial"
    line_outcome[partial] = np.where(line_no[partial] == 1, "denied", "paid")
    line_outcome[partial & (n_lines[ci] == 1)] = "paid"
    denied = line_outcome == "denied"
    pending = line_outcome == "pending"
    carc = np.array(DENIAL_CARCS)[rng.integers(0, len(DENIAL_CARCS), len(ci))]
    pr_group = np.where(pt == "medicare", "PR-2", np.where(pt == "commercial", "PR-3", ""))
    adj = np.where(
        denied,
        carc,
        np.where(
            pending,
            "",
            np.where(pr_group != "", np.char.add("CO-45|", pr_group.astype(str)), "CO-45"),
        ),
    )
    adj = np.where((pt == "self_pay") & ~denied & ~pending, "", adj)
    paid_lag = rng.integers(10, 35, n_claims)
    paid_date = submitted + pd.to_timedelta(paid_lag, unit="D")
    line_paid_date = pd.Series(paid_date[ci])
    late = line_paid_date > as_of
    line_outcome = np.where(late.to_numpy() & ~pending, "pending", line_outcome)
    pending = line_outcome == "pending"
    denied = line_outcome == "denied"
    adj = np.where(pending, "", adj)
    allowed_out = np.where(pending, np.nan, np.where(denied, 0.0, allowed))
    paid_out = np.where(pending, np.nan, np.where(denied, 0.0, paid))
    # a denial the payer assigns to the patient (PR-204: not covered by the plan) is owed
    resp_out = np.where(
        pending, np.nan, np.where(denied, np.where(np.char.startswith(adj, "PR-"), billed, 0), resp)
    )
    line_paid_date = line_paid_date.where(~pending & ~denied)
    line_paid_date = line_paid_date.where(~denied, pd.Series(paid_date[ci]))  # remit date

    n_dx = rng.choice([1, 2, 3, 4], n_claims, p=[0.35, 0.35, 0.2, 0.1])
    dx_perm = np.argsort(rng.random((n_claims, len(DIAGNOSES))), axis=1)[:, :4]
    dx = np.array(DIAGNOSES)[dx_perm]
    # children get the codes of their age: the MCE adult list holds Z00.00 and I25.10
    child = (age[claim_pat] < 16)[:, None]  # under 15 on any day of the quarter, 17 at most
    dx = np.where(
        child & (dx == "Z00.00"), "Z00.129", np.where(child & (dx == "I25.10"), "J02.9", dx)
    )
    dotless = rng.random(n_claims) < 0.3  # some systems strip the dot: the same code
    dx = np.where(dotless[:, None], np.char.replace(dx, ".", ""), dx)
    dx = np.where(np.arange(4)[None, :] < n_dx[:, None], dx, "")

    is_em = np.array([PROCEDURES[c][2] for c in codes])[perm[ci, line_no - 1]]
    # modifier 25 only on an E/M line of a claim that also has a procedure or other service
    other_service = pd.Series(~is_em).groupby(ci).transform("any").to_numpy()
    mod1 = np.where(is_em & other_service & (rng.random(len(ci)) < 0.5), "25", "")
    mod1 = np.where((proc == "20610") & (mod1 == ""), rng.choice(["RT", "LT"], len(ci)), mod1)
    pos = np.where(inst[ci], "", rng.choice(["11", "11", "11", "22", "02", "10", "21"], len(ci)))

    df = pd.DataFrame(
        {
            "claim_id": claim_ids[ci],
            "line_number": line_no.astype(str),
            "patient_id": pat_ids[p],
            "member_id": member[p],
            "patient_dob": _fmt_dates(pd.Series(dob[p])),
            "patient_sex": sex[p],
            "patient_death_date": "",
            "payer_id": payer_id[p],
            "payer_type": pt,
            "claim_type": np.where(inst[ci], "institutional", "professional"),
            "frequency_code": "1",
            "billing_npi": np.array(billing)[ci % 3],
            "rendering_npi": np.array(rendering)[claim_pat[ci] % 14],
            "service_date": _fmt_dates(pd.Series(svc[ci])),
            "service_date_to": _fmt_dates(pd.Series(svc_to[ci])).where(inst[ci], ""),
            "place_of_service": pos,
            "procedure_code": proc,
            "modifier_1": mod1,
            "modifier_2": "",
            "modifier_3": "",
            "modifier_4": "",
            "units": units.astype(str),
            **{f"diagnosis_{j + 1}": dx[ci, j] for j in range(4)},
            "billed_amount": [f"{x:.2f}" for x in billed],
            "allowed_amount": pd.Series(allowed_out)
            .map(lambda x: f"{x:.2f}", na_action="ignore")
            .fillna(""),
            "paid_amount": pd.Series(paid_out)
            .map(lambda x: f"{x:.2f}", na_action="ignore")
            .fillna(""),
            "patient_responsibility": pd.Series(resp_out)
            .map(lambda x: f"{x:.2f}", na_action="ignore")
            .fillna(""),
            "claim_status": line_outcome,
            "adjustment_codes": adj,
            "paid_date": _fmt_dates(line_paid_date),
            "submission_date": _fmt_dates(pd.Series(submitted[ci])),
        }
    )
    em_codes = [c for c, v in PROCEDURES.items() if v[2]]
    return plant_defects(df, rng, as_of, period, seed, em_codes=em_codes)


def demo_as_of(period: str) -> dt.date:
    return parse_period(period)[1]
