"""The one review pipeline (issue 15): a run made from Python is sealed like one made by the
CLI, a sealed run is never written into, and the inputs' checks come from the registry."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd
import pytest

from audit_lib import load_config, run_claims_review, run_review
from audit_lib.errors import ConfigError, InputError
from audit_lib.evidence.verify import verify
from tests.conftest import make_claims


def _digests(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.mark.notebook
def test_a_run_from_python_is_sealed_and_verifies(tmp_path, write_claims):
    path = write_claims(make_claims({}, {"billing_npi": "1234567890"}, {}))
    out = tmp_path / "runs" / "claims"
    summary = run_review("claims", out, inputs={"claims": path}, period="2026Q3")
    assert summary["findings"]["by_rule"]["CLM-NPI-02"]["count"] == 1
    for name in ("manifest.json", "manifest.sha256", "claims_review.html", "workpaper.xlsx"):
        assert (out / name).is_file(), name
    checked = verify(out)
    assert checked.intact, checked.failures
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    assert [i["name"] for i in manifest["inputs"]] == ["claims"]
    assert manifest["inputs"][0]["file"] == path.name
    # the same findings as the compute step alone writes, byte for byte
    alone = tmp_path / "alone"
    run_claims_review(path, config=load_config(period="2026Q3"), out_dir=alone)
    assert (alone / "findings.csv").read_bytes() == (out / "findings.csv").read_bytes()


@pytest.mark.parametrize("name", ["claims", "refunds", "access"])
def test_each_review_writes_the_outputs_its_declaration_names(tmp_path, name):
    """Demo data; the outputs are keyed by their path in the run, as the manifest names them."""
    from fnmatch import fnmatch

    from audit_lib.runs.registry import REVIEWS

    spec = REVIEWS[name]
    review = spec.compute_function()(None, config=load_config(period="2026Q3"), out_dir=tmp_path)
    for pattern in spec.outputs:
        matched = [k for k in review.outputs if fnmatch(k, pattern)]
        assert matched, (name, pattern, sorted(review.outputs))
        assert all((tmp_path / k).is_file() for k in matched)
    for suite in spec.suites:
        assert f"validation/{suite}.json" in review.outputs


def test_a_sealed_run_is_never_written_into(tmp_path, write_claims):
    path = write_claims(make_claims({}))
    run = tmp_path / "run"
    run.mkdir()
    (run / "manifest.json").write_text('{"review": "claims"}', "utf-8")
    (run / "workpaper.xlsx").write_bytes(b"signed workpaper")
    before = _digests(run)
    with pytest.raises(ConfigError, match=r"holds a sealed run .*void its seal"):
        run_claims_review(path, config=load_config(period="2026Q3"), out_dir=run)
    assert _digests(run) == before


def test_the_notebook_default_folder_steps_aside_from_a_sealed_run(tmp_path, monkeypatch):
    from audit_lib.paths import default_out_dir

    monkeypatch.setenv("AUDIT_REPORTS_DIR", str(tmp_path))
    config = load_config(period="2026Q3")
    assert default_out_dir(config, "claims") == tmp_path / "2026Q3" / "claims"
    (tmp_path / "2026Q3" / "claims").mkdir(parents=True)
    (tmp_path / "2026Q3" / "claims" / "manifest.json").write_text("{}", "utf-8")
    assert default_out_dir(config, "claims") == tmp_path / "2026Q3" / "claims-notebook"


@pytest.mark.parametrize(
    ("review", "inputs", "kw", "message"),
    [
        ("claims", {}, {}, "no input: give --claims"),
        ("claims", {"remits": ["x.835"]}, {}, "--remits was given without --claims"),
        ("claims", {"control_totals": "t.csv"}, {}, "--control-totals was given without"),
        ("claims", {"claims": "c.csv"}, {"demo": True}, "--demo reviews the synthetic demo"),
        ("claims", {}, {"profile": "synpuf-carrier"}, "--profile/--mapping reads the --claims"),
        ("claims", {"claim": "c.csv"}, {}, "has no input 'claim'; it reads claims, remits"),
        ("claims", {"claims": [""]}, {}, "--claims is empty"),
        ("refunds", {"prior_838": "p.csv"}, {}, "--prior-838 was given without --overpayments"),
        ("refunds", {"overpayments": ["a.csv", "b.csv"]}, {}, "--overpayments takes one file"),
        ("access", {"access_log": "log.csv"}, {}, "--access-log needs --workforce and --patients"),
        ("access", {"workforce": "w.csv", "patients": "p.csv"}, {}, "were given without --access"),
        ("sampling", {}, {"demo": True}, "not run sealed"),
        ("claim", {}, {}, "unknown review 'claim'"),
    ],
)
def test_inputs_are_checked_from_the_registry_before_anything_runs(
    tmp_path, review, inputs, kw, message
):
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        run_review(review, tmp_path / "out", inputs=inputs, **kw)
    assert not (tmp_path / "out").exists()


def test_an_empty_folder_input_is_a_clear_error(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="the folder holds no file"):
        run_review("claims", tmp_path / "out", inputs={"claims": tmp_path / "empty"})


def test_notebook_parameters_and_manifest_names_come_from_the_registry(tmp_path):
    from audit_lib.runs.registry import REVIEWS
    from audit_lib.runs.sealed import _manifest_inputs, _notebook_parameters

    spec = REVIEWS["claims"]
    files = [tmp_path / f"c{i}.837" for i in range(3)]
    given = {"claims": files, "remits": [tmp_path / "r.835"]}
    params = _notebook_parameters(spec, given, {"period": "2026Q3", "filing_copy_dir": "x"})
    assert params["claims_path"] == [str(f.resolve()) for f in files]
    assert params["remits_path"] == [str((tmp_path / "r.835").resolve())]  # numbered: a list
    assert params["control_totals_path"] is None
    assert "filing_copy_dir" not in params  # not a claims notebook parameter
    assert set(params) | {"out_dir"} <= spec.notebook_parameters()
    names = [n for n, _ in _manifest_inputs(spec, given)]
    assert names == ["claims", "claims_2", "claims_3", "remits_1"]


def test_reperform_passes_each_recorded_input_to_its_compute_argument(tmp_path):
    from audit_lib.runs.registry import REVIEWS
    from audit_lib.runs.reperform import _arguments

    names = ("claims", "claims_10", "claims_2", "remits_1", "acknowledgements_1")
    files = {n: tmp_path / n for n in names}
    main, others = _arguments(REVIEWS["claims"], files)
    assert main == [tmp_path / "claims", tmp_path / "claims_2", tmp_path / "claims_10"]
    assert others == {
        "remits": tmp_path / "remits_1",
        "acknowledgements": tmp_path / "acknowledgements_1",
        "control_totals": None,
    }
    main, others = _arguments(REVIEWS["access"], {"access_log": tmp_path / "a"})
    assert main == tmp_path / "a" and others["encounters"] is None


def test_prior_838_may_be_a_folder_of_working_copies(tmp_path):
    """The CMS-838 working copies of last quarter's run are a folder; each workbook is a
    recorded input, and their claim ICNs are read together."""
    from audit_lib.refunds.cms838 import load_prior_icns

    a = tmp_path / "a.csv"
    b = tmp_path / "b.csv"
    pd.DataFrame({"claim_icn": ["1", "2"]}).to_csv(a, index=False)
    pd.DataFrame({"claim_icn": ["3"]}).to_csv(b, index=False)
    assert load_prior_icns([a, b]) == {"1", "2", "3"}


# --- errors only from the error tree (issue 15, item 7) -----------------------------------


def test_a_kernel_error_comes_back_by_its_place_in_the_error_tree():
    from audit_lib.errors import user_error_class

    assert user_error_class("X12Error") is InputError
    assert user_error_class("MissingColumnsError") is InputError
    assert user_error_class("EmptyInputError") is InputError
    assert user_error_class("ConfigError") is ConfigError
    assert user_error_class("SuiteOutOfDateError") is None  # exit 1: not the user's to fix
    assert user_error_class("ValueError") is None
    assert user_error_class("NotAnError") is None


def test_x12_errors_are_input_errors():
    from audit_lib.errors import X12Error as TreeX12Error
    from audit_lib.x12.reader import X12Error

    assert X12Error is TreeX12Error and issubclass(X12Error, InputError)


def test_sampling_parameters_a_user_gives_fail_as_config_errors():
    from audit_lib import analytics

    with pytest.raises(ConfigError, match="not in the AICPA table"):
        analytics.mus_sample_size(1_000_000, 50_000, risk=3)
    with pytest.raises(ConfigError, match="leaves no room"):
        analytics.mus_sample_size(1_000_000, 50_000, expected=40_000, risk=5)
    with pytest.raises(ConfigError, match="no column"):
        analytics.duplicates(pd.DataFrame({"a": [1]}), ["b"])


def test_more_than_five_mus_misstatements_are_evaluated():
    """The AICPA factor table stops at 5 misstatements; the Stringer bound does not (the
    factors come from the chi-square distribution): 7 overstatements evaluate."""
    from audit_lib import analytics

    sample = pd.DataFrame({"book": [1000.0] * 10, "audited": [500.0] * 7 + [1000.0] * 3})
    e = analytics.mus_evaluation(sample, interval=10_000.0, confidence=95)
    assert e["upper_misstatement_limit"] > e["projected_misstatement"] > 0
    # the Poisson upper limit for 7 events at 95%: chi2(0.95, 16) / 2 = 13.148, printed 13.15
    # in Poisson factor tables; 5 gives the AICPA table's 10.52
    assert analytics.mus_factor(7, 95) == 13.15 and analytics.mus_factor(5, 95) == 10.52


def test_reperform_says_whether_the_code_is_the_runs():
    """Issue 15: a re-performance names the code it runs against the run's recorded
    fingerprint (a different code may find differently for that reason alone)."""
    from audit_lib.evidence.manifest import tool
    from audit_lib.runs import reperform as rp

    now = tool()
    assert len(now["code_sha256"]) == 64 and now["version"]
    assert "the same code as the run's" in rp._same_code(dict(now))
    other = {**now, "code_sha256": "0" * 64, "version": "0.0.9"}
    line = rp._same_code(other)
    assert line.startswith("code: DIFFERENT") and "0.0.9" in line and "0000000000000000" in line
    older = {k: v for k, v in now.items() if k != "code_sha256"}
    assert "no code fingerprint recorded" in rp._same_code(older)
