"""The overpayment and refund checks as data (see :mod:`audit_lib.checks`).

One batch, ``overpayments``: one row per overpayment with the derived columns of
:mod:`audit_lib.refunds.logic`. Protected values (patient ids) are never in a detail.
"""

from __future__ import annotations

from ..checks import Check, flag, pair
from ..errors import AuditError
from ..rules import REFUNDS_RULES
from .schema import OVERPAYMENTS_SCHEMA

INDEX_COLUMNS = {"overpayments": ["_row"]}
B = "overpayments"


def refunds_checks() -> list[Check]:
    """Every overpayment check, in suite order."""
    c = [
        Check(
            f"required:{col}",
            "REF-REQ-01",
            "expect_column_values_to_not_be_null",
            {"column": col},
            f"required value {col} is empty",
            col,
            batch=B,
        )
        for col in OVERPAYMENTS_SCHEMA.required
    ]
    c += [
        Check(
            "key_unique",
            "REF-KEY-01",
            "expect_column_values_to_be_in_set",
            flag("_key_repeat"),
            "overpayment_id {record_key} repeats the id first seen on row {_key_first_row}",
            "overpayment_id",
            batch=B,
            trigger="{record_key}",
        ),
        Check(
            "returned_late",
            "REF-60D-01",
            "expect_column_values_to_be_in_set",
            flag("_returned_late"),
            "returned {refund_date}, {_days_late|int} days after the deadline {_deadline} "
            "({_basis})",
            "refund_date",
            batch=B,
            trigger="{_deadline}|{refund_date}",
        ),
        Check(
            "open_overdue",
            "REF-60D-01",
            "expect_column_values_to_be_in_set",
            flag("_open_overdue"),
            "still not returned {_days_overdue|int} days after the deadline {_deadline} "
            "({_basis}) as of {$as_of}",
            "identified_date",
            batch=B,
            trigger="{_deadline}",
        ),
        Check(
            "suspension_legitimate",
            "REF-60D-02",
            "expect_column_values_to_be_null",
            {"column": "_suspension_problem"},
            "the 60-day clock was treated as suspended, but {_suspension_problem}",
            "investigation_start",
            batch=B,
            trigger="{_suspension_problem}",
        ),
        Check(
            "lookback",
            "REF-60D-03",
            "expect_column_pair_values_a_to_be_greater_than_b",
            pair("_lookback_limit", "identified_date"),
            "identified {identified_date}, more than 6 years after the payment was received "
            "{received_date}",
            "identified_date",
            batch=B,
            trigger="{received_date}|{identified_date}",
        ),
        Check(
            "refund_matches",
            "REF-60D-04",
            "expect_column_values_to_be_in_set",
            flag("_refund_mismatch"),
            "status refunded, but refund_amount {refund_amount} differs from "
            "overpayment_amount {overpayment_amount}",
            "refund_amount",
            batch=B,
            excess=("refund_amount", "overpayment_amount"),
            trigger="{refund_amount}|{overpayment_amount}",
        ),
        Check(
            "reason_recorded",
            "REF-60D-05",
            "expect_column_values_to_not_be_null",
            {"column": "reason"},
            "no reason is recorded for the overpayment",
            "reason",
            batch=B,
            trigger="",
        ),
        Check(
            "refund_not_larger",
            "REF-T-02",
            "expect_column_pair_values_a_to_be_greater_than_b",
            pair("_overpaid_cents_tol", "_refund_cents"),
            "refund_amount {refund_amount} is larger than overpayment_amount {overpayment_amount}",
            "refund_amount",
            batch=B,
            excess=("refund_amount", "overpayment_amount"),
            trigger="{refund_amount}|{overpayment_amount}",
        ),
        Check(
            "right_payee",
            "REF-T-03",
            "expect_column_values_to_be_in_set",
            flag("_wrong_payee"),
            "refunded to a {refund_payee_type} other than the one that overpaid (owed to the "
            "{_owed_to_type}: {payer_type} money)",
            "refund_payee_id",
            batch=B,
            trigger="{refund_payee_type}|{_owed_to_type}",
        ),
        Check(
            "no_duplicate_refund",
            "REF-T-04",
            "expect_column_values_to_be_in_set",
            flag("_duplicate_refund"),
            "refund {refund_id} of {refund_amount} on {refund_date} repeats the refund of "
            "{_duplicate_of} (same claim, payee and amount)",
            "refund_id",
            batch=B,
            trigger="{_duplicate_of}|{refund_id}",
        ),
        Check(
            "credit_balance_age",
            "REF-T-06",
            "expect_column_values_to_be_in_set",
            flag("_stale_credit"),
            "credit balance open {_age_days|int} days, beyond the {_policy_days|int}-day "
            "policy for {payer_type}",
            "identified_date",
            batch=B,
            trigger="{identified_date}",
        ),
        Check(
            "refund_support",
            "REF-T-09",
            "expect_column_values_to_be_null",
            {"column": "_link_problem"},
            "refund {refund_id} is unsupported: {_link_problem}",
            "claim_id",
            batch=B,
            trigger="{_link_problem}",
        ),
        Check(
            "offset_not_refunded",
            "REF-T-10",
            "expect_column_values_to_be_in_set",
            flag("_offset_and_refund"),
            "refunded, but the same overpayment (claim {claim_id}) was also offset by the payer",
            "status",
            batch=B,
            trigger="{claim_id}",
        ),
        Check(
            "refund_amount_pattern",
            "REF-T-11",
            "expect_column_values_to_be_in_set",
            flag("_suspicious_amount"),
            "refund_amount {refund_amount} is {_suspicious_why}",
            "refund_amount",
            batch=B,
            trigger="{refund_amount}",
        ),
        Check(
            "dormant_patient_credit",
            "REF-UP-01",
            "expect_column_values_to_be_in_set",
            flag("_dormant_unescheated"),
            "patient credit balance dormant more than {$dormancy_years} years and not reported "
            "as unclaimed property",
            "escheat_date",
            batch=B,
            trigger="{identified_date}",
        ),
        Check(
            "no_program_escheat",
            "REF-UP-03",
            "expect_column_values_to_be_in_set",
            flag("_program_escheated"),
            "{payer_type} money was escheated; it must be refunded to the payer",
            "escheat_date",
            batch=B,
            trigger="{payer_type}",
        ),
    ]
    unknown = {x.rule_id for x in c} - set(REFUNDS_RULES)
    if unknown:
        raise AuditError(f"checks name undeclared rules {sorted(unknown)}: a defect in audit_lib.")
    return c
