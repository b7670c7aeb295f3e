"""The first-pass clean-claim rate end to end (issue 14 §1): `audit claims --acknowledgements`
with 277CA files for a claims table; the KPI, its table in the workpaper and summary.json, the
input in the manifest; an 837 given as an acknowledgement is exit 2 naming the file."""

from __future__ import annotations

import json

import openpyxl
import pandas as pd
import pytest

from tests.e2e.test_cli import audit
from tests.unit.test_first_pass import FX, _277ca, _stc

pytestmark = pytest.mark.cli


def test_claims_review_with_277ca_acknowledgements(tmp_path):
    csv = tmp_path / "claims.csv"
    assert audit("demo-data", "--claims", "120", "--out", csv).returncode == 0
    ids = pd.read_csv(csv, dtype=str)["claim_id"].drop_duplicates().tolist()
    accepted, rejected = ids[:8], ids[8:10]  # 8 of 10 acknowledged claims pass: 0.8
    ack = tmp_path / "acks" / "payer.277"
    ack.parent.mkdir()
    ack.write_text(
        _277ca(
            [(c, [_stc("A2:20", "20260710")], []) for c in accepted]
            + [(c, [_stc("A7:562:85", "20260710")], []) for c in rejected]
        )
    )
    out = tmp_path / "run"
    r = audit(
        "claims", "--claims", csv, "--acknowledgements", ack.parent,
        "--acknowledgements", FX / "837_5010" / "x12_999_rejected.txt",
        "--period", "2026Q3", "--out", out,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    summary = json.loads((out / "summary.json").read_text())
    k = summary["kpis"]["definitions"]["clean_claim_rate"]
    assert k["value"] == 0.8 and not k["proxy"] and "HFMA MAP Key CL-1" in k["standard"]
    assert k["inputs"]["claims_without_277ca"] == len(ids) - 10
    assert k["inputs"]["sets_rejected_by_999"] == 1
    assert summary["kpis"]["clean_claim_rate"] == 0.8
    assert [f["file"] for f in summary["acknowledgements"]["files"]] == [
        "payer.277", "x12_999_rejected.txt"
    ]  # fmt: skip
    sheet = openpyxl.load_workbook(out / "workpaper.xlsx")["First-pass rejections"]
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == rejected
    manifest = json.loads((out / "manifest.json").read_text())
    names = {i["name"] for i in manifest["inputs"]}
    assert {"acknowledgements_1", "acknowledgements_2"} <= names, names
    html = (out / "claims_review.html").read_text()
    assert "HFMA MAP Key CL-1, first-pass 277CA" in html

    r = audit(
        "claims", "--claims", csv, "--acknowledgements", FX / "837_5010" / "x12_valid.txt",
        "--period", "2026Q3", "--out", tmp_path / "bad",
    )  # fmt: skip
    assert r.returncode == 2 and "x12_valid.txt holds X12 837" in r.stderr, r.stderr
    assert "Traceback" not in r.stderr
