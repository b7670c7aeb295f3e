"""A deterministic, realistic overpayment log for the demo quarter, with planted defects.

Overpayments are drawn from paid lines of the demo claims (so claim links are real), one per
claim; most are refunded to the right payer well inside the 60-day clock, some are offset by
the payer, some are still open but recent. Defects are planted at known rows and returned as
the truth the review must find exactly (``rule_id, row, field``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..claims.demo import DemoClaims
from ..config import parse_period

REASONS = [
    "duplicate payment",
    "coding error",
    "COB - other insurer primary",
    "billing error - units",
    "MSP primary payer",
    "patient overpaid copay",
]


SURNAMES = ["Abbott", "Baker", "Castillo", "Dawson", "Ellison", "Fletcher", "Garza",
            "Holloway", "Ingram", "Jensen", "Kowalski", "Lindqvist", "Moreno", "Nakamura",
            "Okafor"]  # fmt: skip


def _cms838_fields(src: pd.DataFrame, reasons: np.ndarray, seed: int) -> dict[str, np.ndarray]:
    """The CMS-838 detail fields of the Medicare rows (synthetic names; the claims' MBIs),
    from their own random stream so the planted defects stay where they were."""
    rng = np.random.default_rng(seed + 838)
    k = len(src)
    medicare = src["payer_type"].to_numpy() == "medicare"
    part_a = rng.random(k) < 0.4
    initials = np.array(list("ABCDEFGHJKLMNPRSTW"))
    name = (rng.choice(SURNAMES, k).astype(object) + ", " + rng.choice(initials, k)).astype(str)
    icn = np.array([f"{n:013d}" for n in rng.integers(10**12, 10**13, k)])
    msp = pd.Series(reasons).str.contains("MSP|COB").to_numpy()

    def only(values):
        return np.where(medicare, values, "")

    return {
        "medicare_part": only(np.where(part_a, "A", "B")),
        "beneficiary_name": only(name),
        "mbi": only(src["member_id"].to_numpy()),
        "icn": only(icn),
        "bill_type": only(np.where(part_a, "0111", "0131")),
        "admission_date": only(src["service_date"].to_numpy()),
        "discharge_date": only(src["service_date"].to_numpy()),
        "cost_report_status": only(np.full(k, "O")),
        "msp_code": only(np.where(msp, "12", "")),
    }


@dataclass
class DemoOverpayments:
    overpayments: pd.DataFrame  # text columns, as an extract would hold them
    truth: pd.DataFrame  # rule_id, row, field


def _d(values) -> pd.Series:
    return pd.to_datetime(pd.Series(values)).dt.strftime("%Y-%m-%d")


def generate_demo_overpayments(claims: DemoClaims, *, seed: int, n: int = 300) -> DemoOverpayments:
    rng = np.random.default_rng(seed + 1)
    as_of = pd.Timestamp(parse_period(claims.period)[1])
    c = claims.claims
    paid = c[
        (c["claim_status"] == "paid")
        & (c["paid_amount"] != "")
        & ~c["paid_amount"].str.startswith("-")
        & (c["billed_amount"].str[0] != "$")
        & c["payer_id"].ne("")
        & c["patient_dob"].ne("")
        & c["service_date"].str.fullmatch(r"\d{4}-\d{2}-\d{2}")
    ]
    paid = paid[pd.to_numeric(paid["paid_amount"]) > 5].drop_duplicates("claim_id")
    src = paid.iloc[np.sort(rng.choice(len(paid), size=min(n, len(paid)), replace=False))]
    k = len(src)
    paid_amt = pd.to_numeric(src["paid_amount"]).to_numpy()
    amount = np.round(paid_amt * rng.choice([1.0, 0.5, 0.25, 0.8], k), 2)
    paid_date = pd.to_datetime(src["paid_date"]).to_numpy()
    identified = pd.Series(paid_date) + pd.to_timedelta(rng.integers(3, 15, k), unit="D")
    identified = identified.where(identified <= as_of, as_of - pd.Timedelta(days=1))
    status = rng.choice(["refunded", "open", "offset"], k, p=[0.62, 0.3, 0.08])
    recent = as_of - pd.to_timedelta(rng.integers(1, 50, k), unit="D")
    identified = identified.where(status != "open", pd.Series(recent))
    refund_date = identified + pd.to_timedelta(rng.integers(7, 55, k), unit="D")
    refund_date = refund_date.where(refund_date <= as_of, as_of)  # never after the as-of date
    is_open = status == "open"
    self_pay = src["payer_type"].to_numpy() == "self_pay"
    df = pd.DataFrame(
        {
            "overpayment_id": [f"OP{200000 + i}" for i in range(k)],
            "patient_id": src["patient_id"].to_numpy(),
            "payer_id": src["payer_id"].to_numpy(),
            "payer_type": src["payer_type"].to_numpy(),
            "overpayment_amount": [f"{a:.2f}" for a in amount],
            "identified_date": _d(identified),
            "claim_id": src["claim_id"].to_numpy(),
            "line_number": src["line_number"].to_numpy(),
            "received_date": src["paid_date"].to_numpy(),
            "service_date": src["service_date"].to_numpy(),
            "reason": (reasons := np.where(
                self_pay, "patient overpaid copay", rng.choice(REASONS[:5], k)
            )),
            "related_investigation": "",
            "investigation_start": "",
            "investigation_end": "",
            "cost_report_due_date": "",
            "refund_id": np.where(is_open, "", [f"RF{700000 + i}" for i in range(k)]),
            "refund_amount": np.where(is_open, "", [f"{a:.2f}" for a in amount]),
            "refund_date": np.where(is_open, "", _d(refund_date)),
            "refund_payee_type": np.where(is_open, "", np.where(self_pay, "patient", "payer")),
            "refund_payee_id": np.where(
                is_open, "", np.where(self_pay, src["patient_id"], src["payer_id"])
            ),
            "status": status,
            "provider_ptan": "PTAN0042",
            "escheat_date": "",
        }
    )
    df = df.assign(**_cms838_fields(src, reasons, seed))
    return _plant(df, rng, as_of)


def _plant(df: pd.DataFrame, rng: np.random.Generator, as_of: pd.Timestamp) -> DemoOverpayments:
    taken = np.zeros(len(df), dtype=bool)
    truth: list[tuple[str, int, str]] = []
    mcr = (df["payer_type"] == "medicare").to_numpy()
    refunded = (df["status"] == "refunded").to_numpy()
    open_ = (df["status"] == "open").to_numpy()

    def pick(count: int, mask: np.ndarray) -> np.ndarray:
        cand = np.flatnonzero(~taken & mask)
        assert len(cand) >= count, "the demo log is too small to plant every defect"
        chosen = np.sort(rng.choice(cand, size=min(count, len(cand)), replace=False))
        taken[chosen] = True
        return chosen

    def plant(rules: list[tuple[str, str]], idx: np.ndarray) -> None:
        truth.extend((r, int(i), f) for i in idx for r, f in rules)

    def days(col: str, idx: np.ndarray, delta: pd.Series | int) -> list[str]:
        return _d(pd.to_datetime(df.loc[idx, col]) + pd.to_timedelta(delta, unit="D")).tolist()

    idx = pick(3, refunded)
    df.loc[idx, "overpayment_amount"] = "$" + df.loc[idx, "overpayment_amount"]
    plant([("REF-PARSE-01", "overpayment_amount")], idx)
    idx = pick(3, refunded & (df["payer_type"] != "self_pay").to_numpy())
    df.loc[idx, ["payer_id", "refund_payee_id"]] = ["", ""]
    plant([("REF-REQ-01", "payer_id")], idx)
    idx = pick(4, refunded)  # identified in June, returned 3-8 days after the deadline
    df.loc[idx, "identified_date"] = _d(
        as_of - pd.to_timedelta(rng.integers(90, 110, len(idx)), unit="D")
    ).tolist()
    df.loc[idx, "received_date"] = days("identified_date", idx, -10)
    df.loc[idx, "refund_date"] = days("identified_date", idx, 60 + rng.integers(3, 9, len(idx)))
    plant([("REF-60D-01", "refund_date")], idx)
    idx = pick(4, open_ & mcr)
    df.loc[idx, "identified_date"] = _d(
        as_of - pd.to_timedelta(rng.integers(70, 120, len(idx)), unit="D")
    ).tolist()
    plant([("REF-60D-01", "identified_date"), ("REF-T-06", "identified_date")], idx)
    idx = pick(3, refunded)
    df.loc[idx, "investigation_start"] = df.loc[idx, "identified_date"]
    df.loc[idx, "investigation_end"] = days("identified_date", idx, 5)
    plant([("REF-60D-02", "investigation_start")], idx)
    idx = pick(3, refunded)
    df.loc[idx, "received_date"] = days("identified_date", idx, -(6 * 365 + 40))
    plant([("REF-60D-03", "identified_date")], idx)
    big = (pd.to_numeric(df["overpayment_amount"], errors="coerce") > 20).to_numpy()
    idx = pick(3, refunded & big)
    df.loc[idx, "refund_amount"] = (pd.to_numeric(df.loc[idx, "overpayment_amount"]) - 10).map(
        "{:.2f}".format
    )
    plant([("REF-60D-04", "refund_amount")], idx)
    idx = pick(3, open_)
    df.loc[idx, "reason"] = ""
    plant([("REF-60D-05", "reason")], idx)
    idx = pick(3, (df["status"] == "offset").to_numpy())
    df.loc[idx, "refund_amount"] = (pd.to_numeric(df.loc[idx, "overpayment_amount"]) + 15).map(
        "{:.2f}".format
    )
    plant([("REF-T-02", "refund_amount")], idx)
    idx = pick(3, refunded & mcr)
    df.loc[idx, "refund_payee_type"] = "patient"
    df.loc[idx, "refund_payee_id"] = df.loc[idx, "patient_id"]
    plant([("REF-T-03", "refund_payee_id")], idx)
    idx = pick(3, open_ & (df["payer_type"] == "commercial").to_numpy())
    df.loc[idx, "identified_date"] = _d(
        as_of - pd.to_timedelta(rng.integers(95, 140, len(idx)), unit="D")
    ).tolist()
    df.loc[idx, "cost_report_due_date"] = _d([as_of + pd.Timedelta(days=120)] * len(idx)).tolist()
    plant([("REF-T-06", "identified_date")], idx)
    idx = pick(3, refunded)
    df.loc[idx, "claim_id"] = [f"C9{900000 + i}" for i in range(len(idx))]
    plant([("REF-T-09", "claim_id")], idx)
    idx = pick(3, refunded & ~mcr)
    df.loc[idx, ["overpayment_amount", "refund_amount"]] = ["1200.00", "1200.00"]
    plant([("REF-T-11", "refund_amount")], idx)
    idx = pick(3, refunded & mcr)
    df.loc[idx, "escheat_date"] = days("refund_date", idx, 1)
    plant([("REF-UP-03", "escheat_date")], idx)
    idx = pick(3, open_ & mcr)
    df.loc[idx, "received_date"] = days("identified_date", idx, 0)
    df.loc[idx, "received_date"] = _d([as_of + pd.Timedelta(days=5)] * len(idx)).tolist()
    plant([("REF-CB-04", "received_date")], idx)

    appended = []
    settled = (
        pd.to_datetime(df["refund_date"], errors="coerce") <= as_of - pd.Timedelta(days=15)
    ).to_numpy()
    rows = df.loc[pick(3, refunded & settled)].copy()  # REF-T-04: refunded again 10 days later
    rows["overpayment_id"] = [f"OP9{i:05d}" for i in range(len(rows))]
    rows["refund_id"] = [f"RF9{i:05d}" for i in range(len(rows))]
    rows["refund_date"] = _d(pd.to_datetime(rows["refund_date"]) + pd.Timedelta(days=10)).tolist()
    rows = rows[pd.to_datetime(rows["refund_date"]) <= as_of]
    rows["_truth"] = [[("REF-T-04", "refund_id")]] * len(rows)
    appended.append(rows)
    rows = df.loc[pick(3, refunded)].copy()  # REF-KEY-01: the same id used for another item
    rows["claim_id"] = df.loc[rows.index, "claim_id"] + "X"
    rows["overpayment_amount"] = rows["refund_amount"] = "7.77"
    rows["_truth"] = [[("REF-KEY-01", "overpayment_id"), ("REF-T-09", "claim_id")]] * len(rows)
    appended.append(rows)
    rows = df.loc[pick(3, (df["status"] == "offset").to_numpy())].copy()  # REF-T-10
    rows["overpayment_id"] = [f"OP8{i:05d}" for i in range(len(rows))]
    rows["refund_id"] = [f"RF8{i:05d}" for i in range(len(rows))]
    rows["status"] = "refunded"
    rows["refund_payee_id"] = rows["refund_payee_id"] + "-CHK"
    rows["refund_payee_type"] = "payer"
    rows["_truth"] = [[("REF-T-10", "status"), ("REF-T-03", "refund_payee_id")]] * len(rows)
    appended.append(rows)

    idx = pick(3, open_ & mcr)  # a detail line without its ICN: the form is incomplete
    df.loc[idx, "icn"] = ""
    plant([("REF-CB-07", "icn")], idx)

    df["_truth"] = None
    extra = pd.concat(appended)
    out = pd.concat([df, extra], ignore_index=False)
    out["_src"] = out.index
    out["_appended"] = np.r_[np.zeros(len(df), bool), np.ones(len(extra), bool)]
    out = out.sort_values(["_src", "_appended"], kind="stable").reset_index(drop=True)
    pos = {int(s): i for i, s in enumerate(out["_src"]) if not out["_appended"].iat[i]}
    t = [(r, pos[i] + 2, f) for r, i, f in truth]
    for i, items in out["_truth"].items():
        if items:
            t += [(r, int(i) + 2, f) for r, f in items]
    truth_df = (
        pd.DataFrame(t, columns=["rule_id", "row", "field"])
        .sort_values(["rule_id", "row", "field"])
        .reset_index(drop=True)
    )
    return DemoOverpayments(out.drop(columns=["_truth", "_src", "_appended"]).fillna(""), truth_df)
