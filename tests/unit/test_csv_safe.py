"""CSV outputs never hand a spreadsheet a formula (OWASP CSV injection), and read back exactly."""

from __future__ import annotations

import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from audit_lib.outputs import csv_safe, csv_unescape

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def test_formula_cells_become_text_and_numbers_stay_numbers():
    f = pd.DataFrame({"key": ['=HYPERLINK("http://x","y")', "@SUM(A1)", "-12.50", "+1", "ok"],
                      "n": [1, 2, 3, 4, 5]})  # fmt: skip
    got = csv_safe(f)
    assert got["key"].tolist() == ["'=HYPERLINK(\"http://x\",\"y\")", "'@SUM(A1)", "-12.50",
                                   "+1", "ok"]  # fmt: skip
    assert got["n"].tolist() == [1, 2, 3, 4, 5] and f["key"].iloc[0].startswith("=")  # a copy


# text built from the characters that matter: triggers, apostrophes, digits, a dot, a letter
CELLS = st.text(alphabet=st.sampled_from([*TRIGGERS, "'", "1", ".", "a"]), max_size=6)


@given(st.lists(st.one_of(st.none(), CELLS, st.text(max_size=6))))
def test_no_cell_starts_a_formula_and_unescape_gives_back_every_value(values):
    f = pd.DataFrame({"v": pd.Series(values, dtype="string")})
    safe = csv_safe(f)
    text = safe["v"].dropna()
    numeric = text.str.fullmatch(r"[-+]?\d+(\.\d+)?")
    assert not (text.str.match(r"[=+\-@\t\r]") & ~numeric).any()
    pd.testing.assert_series_equal(csv_unescape(safe)["v"], f["v"])


def test_a_formula_claim_id_is_text_in_findings_csv_and_recurs_next_quarter(tmp_path):
    from audit_lib import load_config, run_claims_review
    from tests.conftest import make_claims

    claims = make_claims({"claim_id": '=HYPERLINK("http://evil","open")', "units": "0"})
    path = tmp_path / "claims.csv"
    claims.to_csv(path, index=False)
    config = load_config(period="2026Q3")
    run_claims_review(path, config=config, out_dir=tmp_path / "q3")
    text = (tmp_path / "q3" / "findings.csv").read_text()
    assert "'=HYPERLINK" in text and ",=HYPERLINK" not in text
    again = run_claims_review(path, config=config, out_dir=tmp_path / "q4",
                              prior_dir=tmp_path / "q3")  # fmt: skip
    assert again.comparison["counts"]["new"] == 0  # read back unescaped: the same findings
    assert again.comparison["counts"]["recurring"] == len(again.findings) > 0
