"""Notebook contracts: parameters match what the CLI passes; Papermill runs it on a file."""

from __future__ import annotations

import json

import pandas as pd
import papermill as pm
import pytest

from audit_lib.errors import ConfigError, InputError
from audit_lib.notebooks import notebooks_dir, run_notebook
from audit_lib.runs.registry import REVIEWS
from tests.conftest import make_claims

pytestmark = pytest.mark.notebook

# the parameters each notebook declares (run_notebook refuses any other name): the review
# registry's contract, which the CLI and run_review pass
PARAMETERS = {r.notebook: r.notebook_parameters() for r in REVIEWS.values()}


def test_the_contract_names_what_the_cli_passes():
    """Spot checks of the registry's contract against what the reviews are known to take."""
    assert {"claims_path", "remits_path", "control_totals_path", "profile"} <= PARAMETERS[
        "claims_review"
    ]
    assert {"overpayments_path", "prior_838_path", "filing_copy_dir"} <= PARAMETERS[
        "refunds_review"
    ]
    assert {"access_log_path", "workforce_path", "encounters_path"} <= PARAMETERS["access_review"]
    assert "prior_dir" not in PARAMETERS["access_review"]
    assert {"population_path", "results_path", "design", "seed"} <= PARAMETERS["sampling"]


@pytest.mark.parametrize("notebook", list(PARAMETERS))
def test_notebook_parameters(notebook):
    params = pm.inspect_notebook(str(notebooks_dir() / f"{notebook}.ipynb"))
    assert set(params) == PARAMETERS[notebook]


def test_committed_notebooks_have_no_outputs():
    for path in notebooks_dir().glob("*.ipynb"):
        nb = json.loads(path.read_text())
        for cell in nb["cells"]:
            assert not cell.get("outputs") and not cell.get("execution_count"), path.name


def test_unknown_parameter_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="no parameter"):
        run_notebook("claims_review", {"claim_path": "x"}, tmp_path)


def test_papermill_run_and_input_error_passthrough(tmp_path, write_claims):
    path = write_claims(make_claims({}, {"units": "0"}))
    nb = run_notebook(
        "claims_review",
        {"claims_path": str(path), "period": "2026Q3", "out_dir": str(tmp_path / "out")},
        tmp_path / "out",
    )
    assert nb.is_file()
    assert (tmp_path / "out" / "findings.csv").read_text().count("CLM-PX-03") == 1
    bad = write_claims(make_claims({}).drop(columns=["units"]), "bad.csv")
    with pytest.raises(InputError, match="missing required column"):
        run_notebook(
            "claims_review",
            {"claims_path": str(bad), "out_dir": str(tmp_path / "o2")},
            tmp_path / "o2",
        )


def test_sampling_notebook_on_a_file_with_results(tmp_path, write_claims):
    from audit_lib.claims.demo import generate_demo_claims
    from audit_lib.sampling import load_frame, select_sample

    demo = generate_demo_claims(n_claims=400)
    path = write_claims(demo.claims)
    frame = load_frame(path, unit="claim")
    chosen, _ = select_sample(frame, size=30, seed=9)
    results = chosen.assign(examined_amount=chosen["amount"], audited_amount=chosen["amount"] / 2)
    results.to_csv(tmp_path / "results.csv", index=False)
    out = tmp_path / "smp"
    nb = run_notebook(
        "sampling",
        {
            "population_path": str(path),
            "unit": "claim",
            "design": "srs",
            "size": 30,
            "seed": 9,
            "strata": "",
            "spares": 0,
            "results_path": str(tmp_path / "results.csv"),
            "out_dir": str(out),
        },
        tmp_path / "nb",
    )
    sample = pd.read_csv(out / "sample.csv")
    assert sample["record_key"].tolist() == chosen["record_key"].tolist()  # same as the library
    text = nb.read_text()
    half = results["examined_amount"].sum() / 2 / 30 * len(frame)
    assert f"{half:,.2f}" in text  # N x mean difference, shown in the report


def test_sampling_notebook_appraises_the_demo_mus_sample_with_the_stringer_bound(tmp_path):
    """The demo's own monetary-unit sample (more than five planted misstatements) is appraised
    by the MUS evaluation, not by the unrestricted estimator."""
    nb = run_notebook(
        "sampling",
        {"design": "mus", "size": 60, "out_dir": str(tmp_path / "smp")},
        tmp_path / "nb",
    )
    cells = json.loads(nb.read_text())["cells"]
    shown = json.dumps([c.get("outputs", []) for c in cells])  # what the report shows
    assert "Monetary-unit evaluation" in shown and "over upper_misstatement_limit" in shown
    assert "under upper_misstatement_limit" in shown and "Point estimate" not in shown
