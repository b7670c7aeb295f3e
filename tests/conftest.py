"""Shared fixtures. Every test runs with a fixed PHI key and reports go to a temp folder."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import settings

settings.register_profile("ci", max_examples=60, deadline=None)
settings.register_profile("dev", max_examples=300, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

PHI_KEY = "audit-suite-test-key-0123456789abcdef"  # 32+ bytes, as load_key requires
# module- and session-scoped fixtures start before the autouse fixture below: same key for all
os.environ["AUDIT_PHI_KEY"] = PHI_KEY


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch, tmp_path_factory):
    for name in list(os.environ):
        if name.startswith("AUDIT_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AUDIT_PHI_KEY", PHI_KEY)
    monkeypatch.setenv("AUDIT_REPORTS_DIR", str(tmp_path_factory.mktemp("reports")))


BASE_LINE = {
    "claim_id": "C1000",
    "line_number": "1",
    "patient_id": "M7000001",
    "member_id": "1EG4TE5MK73",
    "patient_dob": "1950-03-04",
    "patient_sex": "F",
    "patient_death_date": "",
    "payer_id": "MCR-JH",
    "payer_type": "medicare",
    "claim_type": "professional",
    "frequency_code": "1",
    "billing_npi": "1234567893",
    "rendering_npi": "1558598797",
    "service_date": "2026-07-10",
    "service_date_to": "",
    "place_of_service": "11",
    "procedure_code": "99213",
    "modifier_1": "",
    "modifier_2": "",
    "modifier_3": "",
    "modifier_4": "",
    "units": "1",
    "diagnosis_1": "E11.9",
    "diagnosis_2": "I10",
    "billed_amount": "100.00",
    "allowed_amount": "80.00",
    "paid_amount": "64.00",
    "patient_responsibility": "16.00",
    "claim_status": "paid",
    "adjustment_codes": "CO-45|PR-2",
    "paid_date": "2026-08-01",
    "submission_date": "2026-07-15",
}


def make_claims(*changes: dict) -> pd.DataFrame:
    """One claim line per dict of changes applied to a clean base line; claim ids differ and
    patients differ unless a change sets them."""
    rows = []
    for i, ch in enumerate(changes):
        row = dict(BASE_LINE, claim_id=f"C{1000 + i}", patient_id=f"M70000{10 + i:02d}")
        row.update(ch)
        rows.append(row)
    return pd.DataFrame(rows)


@pytest.fixture
def write_claims(tmp_path):
    def _write(frame: pd.DataFrame, name: str = "claims.csv") -> Path:
        path = tmp_path / name
        if name.endswith(".xlsx"):
            frame.to_excel(path, index=False)
        elif name.endswith(".parquet"):
            frame.to_parquet(path, index=False)
        else:
            frame.to_csv(path, index=False, lineterminator="\n")
        return path

    return _write


@pytest.fixture(scope="session")
def demo_review(tmp_path_factory):
    """The demo quarter reviewed once per session, with outputs written."""
    os.environ["AUDIT_PHI_KEY"] = PHI_KEY
    from audit_lib import load_config, run_claims_review

    out = tmp_path_factory.mktemp("demo_review")
    return run_claims_review(None, config=load_config(period="2026Q3"), out_dir=out)


def seal_test_run(run: Path) -> str:
    """Seal a folder of hand-made outputs as a run (manifest and its hash); return the hash."""
    from audit_lib.evidence.manifest import write_manifest

    return write_manifest(
        run,
        review="claims",
        summary={"parameters": {}},
        inputs=[],
        parameters={"config": {}},
        started="2026-12-01T00:00:00Z",
        finished="2026-12-01T00:00:01Z",
    )
