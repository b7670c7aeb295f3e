"""Property tests for the code checks."""

from __future__ import annotations

import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from audit_lib.claims import logic


def _luhn_ok(number: str) -> bool:
    """Textbook Luhn over the full number, independent of the library's arithmetic."""
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            d = d - 9 if d > 9 else d
        total += d
    return total % 10 == 0


npi_bodies = st.integers(min_value=100_000_000, max_value=299_999_999).map(str)


@given(npi_bodies, st.integers(0, 9))
def test_npi_check_digit_matches_luhn_with_prefix(body, digit):
    npi = body + str(digit)
    got = bool(logic.npi_check_digit_ok(pd.Series([npi])).iloc[0])
    assert got == _luhn_ok("80840" + npi)


@given(npi_bodies)
def test_exactly_one_check_digit_is_valid(body):
    values = pd.Series([body + str(d) for d in range(10)])
    assert int(logic.npi_check_digit_ok(values).sum()) == 1


@given(st.text(max_size=12))
def test_non_npi_shaped_values_are_left_to_the_format_rule(text):
    shaped = pd.Series([text]).str.fullmatch(r"[12]\d{9}").iloc[0]
    if not shaped:
        assert bool(logic.npi_check_digit_ok(pd.Series([text])).iloc[0])


dx_codes = st.from_regex(r"[A-Z][0-9][0-9A-Z][0-9A-Z]{0,4}", fullmatch=True)


@given(dx_codes, st.booleans())
def test_dx_syntax_ignores_the_dot(code, dotted):
    shown = code[:3] + "." + code[3:] if dotted and len(code) > 3 else code
    assert logic.normalize_dx(pd.Series([shown])).iloc[0] == code
    assert pd.Series([code]).str.fullmatch(logic.DX_SYNTAX[1:-1]).iloc[0]


@given(st.from_regex(r"(\d{5}|\d{4}[FTUM]|[A-V]\d{4})", fullmatch=True))
def test_valid_procedure_shapes_pass(code):
    assert pd.Series([code]).str.fullmatch(logic.PX_SYNTAX[1:-1]).iloc[0]


@given(st.from_regex(r"[W-Z]\d{4}|\d{1,4}|\d{6,8}|[A-Z]{2}\d{3}", fullmatch=True))
def test_invalid_procedure_shapes_fail(code):
    assert not pd.Series([code]).str.fullmatch(logic.PX_SYNTAX[1:-1]).iloc[0]


@given(st.lists(st.sampled_from(["M1", "M2", "M3", None]), min_size=1, max_size=30))
def test_masking_is_stable_and_hides_values(values):
    from audit_lib import Masker

    m = Masker(b"k")
    s = pd.Series(values, dtype="string")
    tokens = m.mask_series(s)
    assert tokens.isna().tolist() == s.isna().tolist()
    for v, t in zip(s, tokens, strict=True):
        if v is not pd.NA:
            assert t == m.token(v) and v not in t
