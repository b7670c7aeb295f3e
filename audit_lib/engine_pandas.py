"""A plain-pandas evaluator for the same checks the GX suite runs.

It exists as the benchmark's baseline ("a plain vectorized pandas pass computing the same
findings") and as a cross-check: the tests assert that it and Great Expectations find the same
rows. It returns results in the same shape as :func:`audit_lib.gx.claims_suite.redact_results`,
so findings are built by the same code. It shows the rule definitions are independent of the
engine: a Spark evaluator would implement the same handful of expectation types.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from .claims import logic

_CUSTOM = {
    "expect_column_values_to_have_valid_npi_check_digit": logic.npi_check_digit_ok,
    "expect_column_values_to_be_cpt_or_hcpcs_syntax": lambda s: (
        s.astype("string").str.fullmatch(logic.PX_SYNTAX[1:-1]).fillna(False)
    ),
}


def _param(value: Any, params: dict[str, Any]) -> Any:
    if isinstance(value, dict) and "$PARAMETER" in value:
        return params[value["$PARAMETER"]]
    return value


def failing_mask(
    frame: pd.DataFrame, type_: str, kwargs: dict[str, Any], params: dict[str, Any]
) -> pd.Series:
    """Rows that fail one expectation (missing values are skipped, as GX does)."""
    if type_.startswith("expect_column_pair_values_a_to_be_greater_than_b"):
        a, b = frame[kwargs["column_A"]], frame[kwargs["column_B"]]
        present = a.notna() & b.notna()
        bad = a < b if kwargs.get("or_equal") else a <= b
        return (present & bad).fillna(False).astype(bool)
    if type_ == "expect_column_pair_values_to_be_billable_icd10_cm_codes_on_date":
        a, b = frame[kwargs["column_A"]], frame[kwargs["column_B"]]
        present = (a.notna() & b.notna()).to_numpy()
        ok = logic.icd10cm_billable_ok(a, b).to_numpy()
        return pd.Series(present & ~ok, index=frame.index)
    s = frame[kwargs["column"]]
    present = s.notna()
    if type_ == "expect_column_values_to_not_be_null":
        return ~present
    if type_ == "expect_column_values_to_be_null":
        return present.astype(bool)
    if type_ == "expect_column_values_to_match_regex":
        ok = s.astype("string").str.contains(kwargs["regex"], regex=True)
    elif type_ == "expect_column_values_to_not_match_regex":
        ok = ~s.astype("string").str.contains(kwargs["regex"], regex=True)
    elif type_ == "expect_column_values_to_be_in_set":
        ok = s.isin(_param(kwargs["value_set"], params))
    elif type_ == "expect_column_values_to_be_between":
        ok = pd.Series(True, index=s.index)
        lo, hi = _param(kwargs.get("min_value"), params), _param(kwargs.get("max_value"), params)
        if lo is not None:
            ok &= s > lo if kwargs.get("strict_min") else s >= lo
        if hi is not None:
            ok &= s < hi if kwargs.get("strict_max") else s <= hi
    elif type_ in _CUSTOM:
        ok = _CUSTOM[type_](s)
    else:
        raise NotImplementedError(f"the pandas engine has no implementation of {type_}")
    return (present & ~ok.fillna(False).astype(bool)).astype(bool)


def evaluate(
    batches: dict[str, pd.DataFrame], params: dict[str, Any], spec: Any = None
) -> dict[str, Any]:
    """Evaluate every check of a suite (default: claims); results shaped like the redacted GX
    results."""
    if spec is None:
        from .gx.claims_suite import CLAIMS_SUITE as spec
    index_columns = spec.index_columns

    out: dict[str, Any] = {name: {"success": True, "results": []} for name in batches}
    for chk in spec.checks():
        frame = batches[chk.batch]
        mask = failing_mask(frame, chk.type, chk.kwargs, params)
        idx = frame.loc[mask.to_numpy(), index_columns[chk.batch]].to_numpy().tolist()
        out[chk.batch]["results"].append(
            {
                "success": not idx,
                "expectation_config": {"type": chk.type, "kwargs": chk.kwargs, "meta": chk.meta()},
                "result": {
                    "element_count": len(frame),
                    "unexpected_count": len(idx),
                    "unexpected_index_list": idx,
                },
                "exception_raised": False,
            }
        )
        out[chk.batch]["success"] &= not idx
    return out
