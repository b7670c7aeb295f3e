"""Custom Great Expectations (1.x) expectations for healthcare code checks.

Importing this module registers them with GX. Each delegates to the vectorized functions in
:mod:`audit_lib.claims.logic`, so the GX suite and the plain-pandas path agree by construction.
Only a pandas implementation exists today; a Spark one is a ``column_condition_partial`` away.
"""

from __future__ import annotations

from typing import ClassVar

from great_expectations.execution_engine import PandasExecutionEngine
from great_expectations.expectations.expectation import ColumnMapExpectation
from great_expectations.expectations.metrics import (
    ColumnMapMetricProvider,
    column_condition_partial,
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


class ColumnValuesIcd10CmBillable(ColumnMapMetricProvider):
    condition_metric_name = "column_values.audit_icd10cm_billable"

    @column_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column, **kwargs):
        return logic.icd10cm_billable_ok(column)


class ExpectColumnValuesToBeBillableIcd10CmCodes(ColumnMapExpectation):
    """Billable (leaf) ICD-10-CM codes of the shipped release; dots are ignored. Values that are
    not ICD-10-CM-shaped pass here: syntax is a separate expectation."""

    map_metric = "column_values.audit_icd10cm_billable"
    success_keys = ("mostly",)
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
