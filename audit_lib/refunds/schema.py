"""The canonical overpayments table (DATA_CONTRACT.md, "overpayments")."""

from __future__ import annotations

from ..claims.schema import PAYER_TYPES
from ..tables import ColumnSpec as C
from ..tables import TableSchema

STATUSES = ("open", "refunded", "offset", "written_off")

OVERPAYMENTS_SCHEMA = TableSchema(
    name="overpayments",
    rule_prefix="REF",
    columns=(
        C("overpayment_id", "text", required=True),
        C("patient_id", "text", required=True, protected=True),
        C("payer_id", "text", required=True),
        C("payer_type", "choice", required=True, choices=PAYER_TYPES),
        C("overpayment_amount", "amount", required=True),
        C("identified_date", "date", required=True),
        C("claim_id", "text"),
        C("line_number", "integer"),
        C("received_date", "date"),
        C("service_date", "date"),
        C("reason", "text"),
        C("related_investigation", "boolean"),
        C("investigation_start", "date"),
        C("investigation_end", "date"),
        C("cost_report_due_date", "date"),
        C("refund_id", "text"),
        C("refund_amount", "amount"),
        C("refund_date", "date"),
        C("refund_payee_type", "choice", choices=("payer", "patient")),
        C("refund_payee_id", "text"),
        C("status", "choice", choices=STATUSES),
        C("provider_ptan", "text"),
        # the CMS-838 detail line (DATA_CONTRACT.md): name and MBI only for the filing copy
        C("medicare_part", "choice", choices=("a", "b")),
        C("beneficiary_name", "text", protected=True),
        C("mbi", "text", protected=True),
        C("icn", "text"),
        C("bill_type", "text"),
        C("admission_date", "date"),
        C("discharge_date", "date"),
        C("cost_report_status", "choice", choices=("o", "c")),
        C("msp_code", "text"),
        # extension to DATA_CONTRACT.md: the date a patient credit balance was reported to the
        # state as unclaimed property (REF-UP-01, REF-UP-03)
        C("escheat_date", "date"),
    ),
)
