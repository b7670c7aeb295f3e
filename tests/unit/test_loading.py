"""Loading the claims table: formats, strictness, clear errors."""

from __future__ import annotations

import pandas as pd
import pytest

from audit_lib import InputError, MissingColumnsError, load_config
from audit_lib.claims.pipeline import load_claims
from audit_lib.errors import EmptyInputError
from tests.conftest import make_claims

CFG = load_config(period="2026Q3")


def test_missing_columns_lists_every_one(write_claims):
    path = write_claims(make_claims({}).drop(columns=["billing_npi", "units", "payer_type"]))
    with pytest.raises(MissingColumnsError) as exc:
        load_claims(path, config=CFG)
    msg = str(exc.value)
    assert "claims.csv" in msg
    assert all(c in msg for c in ("'billing_npi'", "'units'", "'payer_type'"))
    assert exc.value.exit_code == 2 and exc.value.missing == ["payer_type", "billing_npi", "units"]


def test_column_names_match_ignoring_case_and_spaces(write_claims):
    frame = make_claims({}).rename(columns={"claim_id": " Claim_ID ", "units": "UNITS"})
    loaded = load_claims(write_claims(frame), config=CFG)
    assert loaded.frame.loc[0, "claim_id"] == "C1000" and loaded.frame.loc[0, "units"] == 1.0


def test_extra_columns_pass_through(write_claims):
    loaded = load_claims(write_claims(make_claims({}).assign(vendor_note="x")), config=CFG)
    assert loaded.frame.loc[0, "vendor_note"] == "x"


def test_codes_keep_leading_zeros(write_claims):
    loaded = load_claims(write_claims(make_claims({"place_of_service": "02"})), config=CFG)
    assert loaded.frame.loc[0, "place_of_service"] == "02"


def test_unparseable_values_are_reported_not_coerced(write_claims):
    path = write_claims(
        make_claims(
            {"billed_amount": "1,000.00"},
            {"service_date": "2026-13-01"},
            {"units": "abc"},
            {"line_number": "1a"},
        )
    )
    loaded = load_claims(path, config=CFG)
    errs = loaded.parse_errors[["row", "column"]].values.tolist()
    assert errs == [[2, "billed_amount"], [3, "service_date"], [4, "units"], [5, "line_number"]]
    assert loaded.frame["billed_amount"].isna().tolist() == [True, False, False, False]
    assert loaded.rows_read == 4 and len(loaded.frame) == 4


def test_empty_file(tmp_path):
    path = tmp_path / "claims.csv"
    path.write_bytes(b"")
    with pytest.raises(EmptyInputError, match=r"claims\.csv is empty"):
        load_claims(path, config=CFG)


def test_header_only(write_claims):
    with pytest.raises(EmptyInputError, match="header but no data rows"):
        load_claims(write_claims(make_claims({}).iloc[:0]), config=CFG)


def test_non_utf8_bytes_name_the_line(write_claims):
    path = write_claims(make_claims({}, {"payer_id": "CAFE"}))
    data = path.read_bytes().replace(b"CAFE", b"CAF\xe9")
    path.write_bytes(data)
    with pytest.raises(InputError, match=r"not UTF-8 text: byte 0xe9 on line 3"):
        load_claims(path, config=CFG)


def test_utf8_bom_is_accepted(write_claims):
    path = write_claims(make_claims({}))
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert load_claims(path, config=CFG).frame.loc[0, "claim_id"] == "C1000"


def test_xlsx_and_parquet_load_like_csv(write_claims):
    frame = make_claims({}, {"place_of_service": "02"})
    csv = load_claims(write_claims(frame), config=CFG).frame
    for name in ("claims.xlsx", "claims.parquet"):
        other = load_claims(write_claims(frame, name), config=CFG)
        assert other.parse_errors.empty, other.parse_errors
        pd.testing.assert_frame_equal(other.frame, csv, check_dtype=False)


def test_typed_parquet_columns(tmp_path):
    frame = make_claims({})
    frame["service_date"] = pd.to_datetime(frame["service_date"])
    frame["billed_amount"] = frame["billed_amount"].astype(float)
    frame["units"] = frame["units"].astype(int)
    path = tmp_path / "typed.parquet"
    frame.to_parquet(path)
    loaded = load_claims(path, config=CFG)
    assert loaded.parse_errors.empty
    assert loaded.frame.loc[0, "service_date"] == pd.Timestamp("2026-07-10")


def test_unsupported_suffix(tmp_path):
    path = tmp_path / "claims.txt"
    path.write_text("x")
    with pytest.raises(InputError, match=r"unsupported file type \.txt"):
        load_claims(path, config=CFG)


def test_corrupt_xlsx(tmp_path):
    path = tmp_path / "claims.xlsx"
    path.write_bytes(b"not a zip")
    with pytest.raises(InputError, match="not a readable Excel workbook"):
        load_claims(path, config=CFG)


def test_duplicate_column_names(tmp_path):
    path = tmp_path / "claims.csv"
    frame = make_claims({})
    frame.to_csv(path, index=False)
    text = path.read_text().splitlines()
    text[0] = text[0].replace("member_id", "Claim_Id")
    path.write_text("\n".join(text) + "\n")
    with pytest.raises(InputError, match="claim_id more than once"):
        load_claims(path, config=CFG)


def test_a_file_with_only_the_required_columns_is_reviewed(tmp_path):
    """Optional columns may be absent: every check still runs (it once failed inside GX)."""
    from audit_lib import load_config, run_claims_review
    from audit_lib.claims.schema import CLAIMS_SCHEMA

    frame = make_claims({}, {"line_number": "2", "procedure_code": "99214"})
    path = tmp_path / "minimal.csv"
    frame[CLAIMS_SCHEMA.required].to_csv(path, index=False)
    review = run_claims_review(path, config=load_config(period="2026Q3"))
    assert review.summary["counts"]["claims"]["rows_checked"] == 2
    assert "CLM-REQ-01" not in set(review.findings["rule_id"])
