"""The overpayments suite: the refund checks bound to the suite engine
(``expectations/overpayments.json``)."""

from __future__ import annotations

from ..gx.suites import SuiteSpec
from ..rules import REFUNDS_RULES
from .checks import INDEX_COLUMNS, refunds_checks

REFUNDS_SUITE = SuiteSpec(
    name="overpayments",
    checks=refunds_checks,
    rules=REFUNDS_RULES,
    index_columns=INDEX_COLUMNS,
    main_batch="overpayments",
    amount_column="overpayment_amount",
)
