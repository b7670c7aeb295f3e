"""Workbooks are saved byte for byte the same from the same content (manifest hashes stay
stable across re-runs)."""

from __future__ import annotations

import datetime as dt
import hashlib
import time
import zipfile

from openpyxl import Workbook, load_workbook

from audit_lib.xlsx import save_workbook


def _book() -> Workbook:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Findings")
    ws.append(["rule_id", "detail"])
    ws.append(["CLM-MOD-25", "text"])
    return wb


def test_same_content_same_bytes_whenever_it_is_saved(tmp_path):
    a = save_workbook(_book(), tmp_path / "a.xlsx", stamp=dt.date(2026, 9, 30))
    time.sleep(2.1)  # zip times have a two-second resolution; openpyxl stamps the second
    b = save_workbook(_book(), tmp_path / "b.xlsx", stamp=dt.date(2026, 9, 30))
    assert hashlib.sha256(a.read_bytes()).digest() == hashlib.sha256(b.read_bytes()).digest()
    with zipfile.ZipFile(a) as z:
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    props = load_workbook(a).properties
    assert props.created == props.modified == dt.datetime(2026, 9, 30)
    assert load_workbook(a)["Findings"]["A2"].value == "CLM-MOD-25"  # still a workbook
