"""Custom Great Expectations (1.x) expectations for healthcare code checks.

Importing this module registers them with GX. Each delegates to the vectorized functions in
:mod:`audit_lib.claims.logic`, so the GX suite and the plain-pandas path agree by construction.
Only a pandas implementation exists today; a Spark one is a ``column_condition_partial`` away.
"""

from __future__ import annotations

from typing import ClassVar

from great_expectations.execution_engine import PandasExecutionEngine
from great_expectations.expectations.expectation import (
    ColumnMapExpectation,
    ColumnPairMapExpectation,
)
from great_expectations.expectations.metrics import (
    ColumnMapMetricProvider,
    column_condition_partial,
)
from great_expectations.expectations.metrics.map_metric_provider import (
    ColumnPairMapMetricProvider,
    column_pair_condition_partial,
)

from ..claims import logic


class ColumnValuesNpiCheckDigit(ColumnMapMetricProvider):
    condition_metric_name = "column_values.audit_npi_check_digit"

    @column_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column, **kwargs):
        return logic.npi_check_digit_ok(column)


class ExpectColumnValuesToHaveValidNpiCheckDigit(ColumnMapExpectation):
    """NPI check digit (Luhn over "80840" + NPI). Values that are not 10 digits pass here:
    their format is a separate expectation."""

    map_metric = "column_values.audit_npi_check_digit"
    success_keys = ("mostly",)
    library_metadata: ClassVar[dict] = {"tags": ["healthcare", "npi"], "contributors": []}


class ColumnPairValuesIcd10CmBillableOnDate(ColumnPairMapMetricProvider):
    condition_metric_name = "column_pair_values.audit_icd10cm_billable_on_date"
    condition_domain_keys = (
        "batch_id",
        "table",
        "column_A",
        "column_B",
        "row_condition",
        "condition_parser",
        "ignore_row_if",
    )
    condition_value_keys = ()

    @column_pair_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column_A, column_B, **kwargs):
        return logic.icd10cm_billable_ok(column_A, column_B)


class ExpectColumnPairValuesToBeBillableIcd10CmCodesOnDate(ColumnPairMapExpectation):
    """column_A: ICD-10-CM codes (dots ignored); column_B: the date each is judged on. A code
    passes when it is billable (a leaf) in the release in force on that date. Values that are
    not ICD-10-CM-shaped pass here (syntax is a separate expectation), and so do dates outside
    every shipped release (the review reports those once)."""

    ignore_row_if: str = "either_value_is_missing"
    map_metric = "column_pair_values.audit_icd10cm_billable_on_date"
    success_keys = ("column_A", "column_B", "ignore_row_if", "mostly")
    args_keys = ("column_A", "column_B")
    library_metadata: ClassVar[dict] = {"tags": ["healthcare", "icd-10-cm"], "contributors": []}


class ColumnValuesProcedureCodeSyntax(ColumnMapMetricProvider):
    condition_metric_name = "column_values.audit_procedure_code_syntax"

    @column_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column, **kwargs):
        return column.astype("string").str.fullmatch(logic.PX_SYNTAX[1:-1]).fillna(False)


class ExpectColumnValuesToBeCptOrHcpcsSyntax(ColumnMapExpectation):
    """CPT Category I (5 digits, or 4 digits + M), II (+F), III (+T), PLA (+U), or HCPCS
    Level II (A-V + 4 digits)."""

    map_metric = "column_values.audit_procedure_code_syntax"
    success_keys = ("mostly",)
    library_metadata: ClassVar[dict] = {"tags": ["healthcare", "cpt", "hcpcs"], "contributors": []}
