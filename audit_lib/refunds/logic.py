"""Overpayment and refund logic as vectorized pandas: the derived columns the refunds suite
checks. No loops over rows, no I/O."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from ..config import AuditConfig
from .clock import ClockPolicy, compute_clock

PROGRAM_PAYERS = ("medicare", "medicaid", "commercial", "other")  # not the patient's money


def _col(f: pd.DataFrame, name: str, dtype: str = "object") -> pd.Series:
    if name in f:
        return f[name]
    if dtype == "datetime64[ns]":
        return pd.Series(pd.NaT, index=f.index, dtype=dtype)
    return pd.Series(pd.NA, index=f.index, dtype=dtype)


def _cents(values: pd.Series) -> pd.Series:
    return (values * 100).round()


def build_overpayments(
    frame: pd.DataFrame,
    config: AuditConfig,
    *,
    as_of: dt.date,
    claim_keys: pd.Series | None = None,
) -> pd.DataFrame:
    """The overpayments batch: parsed columns plus derived columns for every rule.

    ``claim_keys`` (``claim_id`` values of the claims data, when given) lets REF-T-09 find
    refunds linked to a claim that does not exist.
    """
    f = frame.copy()
    as_of_ts = pd.Timestamp(as_of)
    f["record_key"] = f["overpayment_id"].astype("string").fillna("?")
    f["_key_repeat"] = f.duplicated(["overpayment_id"], keep="first") & f["overpayment_id"].notna()
    f["_key_first_row"] = f.groupby("overpayment_id", dropna=False, sort=False)["_row"].transform(
        "first"
    )

    policy = ClockPolicy(
        resume=config.clock_resume,
        investigation_start_within_days=config.investigation_start_within_days,
        pre2025_investigation_days=config.pre2025_investigation_days,
    )
    clock = compute_clock(f, as_of=as_of, policy=policy)
    f["_deadline"] = clock["deadline"]
    f["_basis"] = clock["basis"]
    f["_days_late"] = clock["days_late"]
    f["_days_overdue"] = -clock["days_to_deadline"]
    f["_returned_late"] = (clock["days_late"] > 0).fillna(False).astype(bool)
    f["_open_overdue"] = (clock["days_to_deadline"] < 0).fillna(False).astype(bool)
    f["_suspension_problem"] = clock["suspension_problem"]

    received = _col(f, "received_date", "datetime64[ns]")
    f["_lookback_limit"] = received + pd.DateOffset(years=6)

    status = _col(f, "status", "string").astype("string")
    overpaid = _cents(f["overpayment_amount"])
    refund_amount = _col(f, "refund_amount", "float64").astype("float64")
    refunded_c = _cents(refund_amount)
    tol = round(config.amount_tolerance * 100)
    f["_refund_mismatch"] = (
        (status.eq("refunded") & refunded_c.notna() & ((refunded_c - overpaid).abs() > tol))
        .fillna(False)
        .astype(bool)
    )
    f["_refund_cents"] = refunded_c
    f["_overpaid_cents_tol"] = overpaid + tol

    # REF-T-03: payer money goes back to that payer, patient money to that patient
    payee_type = _col(f, "refund_payee_type", "string").astype("string")
    payee_id = _col(f, "refund_payee_id", "string").astype("string")
    patient_money = f["payer_type"].eq("self_pay").fillna(False).astype(bool)
    owed_to = f["patient_id"].where(patient_money, f["payer_id"]).astype("string")
    owed_type = pd.Series(np.where(patient_money, "patient", "payer"), index=f.index)
    has_payee = payee_type.notna() | payee_id.notna()
    other_type = payee_type.notna() & payee_type.ne(owed_type).fillna(False)
    other_id = (payee_id.notna() & owed_to.notna() & payee_id.ne(owed_to)).fillna(False)
    wrong = (other_type | other_id).astype(bool)
    f["_wrong_payee"] = has_payee & wrong
    f["_owed_to_type"] = owed_type

    # REF-T-04: the same claim, payee and amount refunded twice (any refund id within the
    # window; the same refund id at any distance); the earliest refund is the original
    refund_date = _col(f, "refund_date", "datetime64[ns]")
    refund_id = _col(f, "refund_id", "string").astype("string")
    claim_id = _col(f, "claim_id", "string").astype("string")
    refunded = refund_date.notna() & refunded_c.notna()
    keys = pd.DataFrame(
        {
            "claim": claim_id,
            "payee": payee_id,
            "amount": refunded_c,
            "date": refund_date,
            "rid": refund_id,
            "key": f["record_key"],
        }
    )[refunded]
    keys = keys.sort_values(["date", "key"], kind="stable")
    group = ["claim", "payee", "amount"]
    gap = keys.groupby(group, dropna=False, sort=False)["date"].diff().dt.days
    same_id = keys.duplicated([*group, "rid"], keep="first") & keys["rid"].notna()
    dup = (gap <= config.refund_duplicate_window_days).fillna(False) | same_id
    first = keys.groupby(group, dropna=False, sort=False)["key"].transform("first")
    f["_duplicate_refund"] = False
    f.loc[dup.index, "_duplicate_refund"] = dup.to_numpy()
    f["_duplicate_of"] = pd.Series(pd.NA, index=f.index, dtype="string")
    f.loc[dup.index, "_duplicate_of"] = first.where(dup).astype("string").to_numpy()

    # REF-T-06: open credit balances older than policy
    limit = (
        f["payer_type"]
        .map(config.credit_balance_policy_days)
        .fillna(config.credit_balance_policy_days.get("default", 90))
    )
    age = (as_of_ts - f["identified_date"]).dt.days
    is_open = status.eq("open").fillna(True).astype(bool) & refund_date.isna()
    f["_age_days"] = age
    f["_policy_days"] = limit
    f["_stale_credit"] = (is_open & (age > limit)).fillna(False).astype(bool)

    # REF-T-09: a refund needs a claim link and a reason; the claim must exist when claims given
    reason = _col(f, "reason", "string").astype("string")
    problems = pd.Series(pd.NA, index=f.index, dtype="string")
    if claim_keys is not None:
        unknown = claim_id.notna() & ~claim_id.isin(pd.Index(claim_keys.dropna().unique()))
        problems = problems.mask(
            refunded & unknown.fillna(False), "its claim is not in the claims data"
        )
    problems = problems.mask(refunded & reason.isna(), "it has no reason")
    problems = problems.mask(refunded & claim_id.isna(), "it has no claim link")
    f["_link_problem"] = problems

    # REF-T-10: the same overpayment (claim, line, amount) offset by the payer and refunded
    line = _col(f, "line_number", "Int64")
    grp = pd.DataFrame(
        {
            "claim": claim_id,
            "line": line,
            "amount": overpaid,
            "offset": status.eq("offset").fillna(False).astype(bool),
        }
    )
    has_offset = grp.groupby(["claim", "line", "amount"], dropna=False)["offset"].transform("any")
    f["_offset_and_refund"] = (
        has_offset & status.eq("refunded").fillna(False).astype(bool) & claim_id.notna()
    ).astype(bool)

    # REF-T-11: round amounts (a multiple of $100, $1,000 or more) or within 2% below the
    # approval threshold
    threshold_c = round(config.approval_threshold * 100)
    round_amount = (refunded_c >= 100_000) & (refunded_c % 10_000 == 0)
    below = (refunded_c < threshold_c) & (refunded_c >= threshold_c * 0.98)
    f["_suspicious_amount"] = (round_amount | below).fillna(False).astype(bool)
    f["_suspicious_why"] = pd.Series(
        np.where(below.fillna(False), "just below the approval threshold", "a round amount"),
        index=f.index,
    )

    # unclaimed property: patient money dormant past the state period and not escheated
    escheat = _col(f, "escheat_date", "datetime64[ns]")
    activity = received.fillna(f["identified_date"])
    dormant_since = as_of_ts - pd.DateOffset(years=config.dormancy_years)
    f["_dormant_unescheated"] = (
        (patient_money & is_open & escheat.isna() & (activity < dormant_since))
        .fillna(False)
        .astype(bool)
    )
    f["_program_escheated"] = (
        (escheat.notna() & f["payer_type"].isin(PROGRAM_PAYERS)).fillna(False).astype(bool)
    )
    return f
