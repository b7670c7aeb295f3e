"""GX Data Docs and the Checkpoint written into every run (audit_lib.gx.data_docs, issue 15).

A GX user browses the run's validation results as GX renders them, offline and with values
redacted; the checkpoint, read back into GX and run, gives the engine's results.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from audit_lib.config import load_config
from audit_lib.gx.data_docs import load_checkpoint, write_data_docs


@pytest.fixture(scope="module")
def validated():
    """The demo refunds review, and the batch frames its engine validated."""
    from audit_lib.gx import engine
    from audit_lib.refunds.pipeline import compute_refunds_review

    seen: dict = {}
    original = engine.validate

    def recording(spec, batches, params, **kw):
        seen.update(batches)
        return original(spec, batches, params, **kw)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(engine, "validate", recording)
        review = compute_refunds_review(None, config=load_config(period="2026Q3"))
    return review, seen


@pytest.fixture(scope="module")
def refunds(validated):
    return validated[0]


def _write(review, folder: Path) -> dict[str, Path]:
    return write_data_docs(
        folder, "overpayments", review.validation, run_name=review.period, as_of=review.as_of
    )


def test_pages_are_offline_deterministic_and_linked(refunds, tmp_path):
    first, second = _write(refunds, tmp_path / "a"), _write(refunds, tmp_path / "b")
    assert sorted(first) == sorted(second)
    for name, path in first.items():
        assert path.read_bytes() == second[name].read_bytes(), name
    page = "data_docs/validations/overpayments/2026Q3/20260930T000000.000000Z/overpayments.html"
    assert page in first
    for name, path in first.items():
        if path.suffix != ".html":
            continue
        text = path.read_text("utf-8")
        assert not re.search(r"(?:src|href)=\"(?:https?:)?//", text), name  # nothing fetched
        assert "<script" not in text.lower(), name
        for link in re.findall(r"(?:src|href)=\"([^\"#]+)\"", text):  # every local link resolves
            assert (path.parent / link).resolve().is_file(), (name, link)
    shown = first[page].read_text("utf-8")
    # GX's own rendering of a failing expectation: its count over the batch's rows
    failing = [r for r in refunds.validation["overpayments"]["results"] if not r["success"]]
    assert failing
    assert f"{failing[0]['result']['unexpected_count']} unexpected values found" in shown
    assert "Run Time" in shown and "2026-09-30T00:00:00Z" in shown
    assert "newsletter" not in shown
    index = first["data_docs/index.html"].read_text("utf-8")
    stats = refunds.validation["overpayments"]["statistics"]
    assert f"<td>{stats['unsuccessful_expectations']}</td>" in index


def test_pages_hold_no_value_of_the_input(refunds, tmp_path):
    """Redacted as the validation results: no patient id, token, name or amount of a row."""
    pages = " ".join(
        p.read_text("utf-8") for p in _write(refunds, tmp_path).values() if p.suffix == ".html"
    )
    frame = refunds.loaded.frame
    values = set(frame["patient_id"].dropna().astype(str))
    values |= set(refunds.frame["patient_id"].dropna().astype(str))
    if "patient_name" in frame:
        values |= set(frame["patient_name"].dropna().astype(str))
    assert values
    leaked = sorted(v for v in values if len(v) >= 6 and v in pages)
    assert not leaked, leaked[:5]


def test_checkpoint_runs_in_gx_with_the_engines_results(validated, tmp_path):
    """The checkpoint and its suite, read back into GX and run over the batch the engine
    validated, give the engine's counts expectation by expectation."""
    refunds, batches = validated
    _write(refunds, tmp_path)
    checkpoint = load_checkpoint(tmp_path / "data_docs")
    assert [d.name for d in checkpoint.validation_definitions] == ["overpayments.overpayments"]
    result = checkpoint.run(batch_parameters={"dataframe": batches["overpayments"]})
    (run,) = result.run_results.values()
    got = {r.expectation_config.meta["check"]: r.result["unexpected_count"] for r in run.results}
    want = {
        r["expectation_config"]["meta"]["check"]: r["result"]["unexpected_count"]
        for r in refunds.validation["overpayments"]["results"]
    }
    assert got == want
    assert any(want.values())
