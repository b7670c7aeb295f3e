"""The package runs a review when installed from its wheel, away from the repository (issue
15): the notebooks and suites ship as package data, and the run it makes is sealed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.cli
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> dict[str, Path]:
    """The wheel built from this checkout and unpacked into a folder of its own (its
    dependencies are the test environment's); the checkout itself is not on the path."""
    tmp = tmp_path_factory.mktemp("wheel")
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    build = [*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", tmp / "dist", ROOT]
    subprocess.run(list(map(str, build)), check=True, timeout=600, cwd=tmp)
    (wheel,) = (tmp / "dist").glob("audit_suite-*.whl")
    site = tmp / "site"
    install = [*pip, "install", "--no-deps", "--target", site, wheel]
    subprocess.run(list(map(str, install)), check=True, timeout=600, cwd=tmp)
    return {"wheel": wheel, "site": site, "work": tmp}


def _run(installed, *args: str) -> subprocess.CompletedProcess:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("AUDIT_NOTEBOOKS_DIR", "AUDIT_REPORTS_DIR", "PYTHONPATH")
    }
    env["PYTHONPATH"] = str(installed["site"])
    return subprocess.run(
        [sys.executable, *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=installed["work"],
        timeout=900,
    )


def test_the_wheel_carries_the_notebooks_and_suites(installed):
    names = set(zipfile.ZipFile(installed["wheel"]).namelist())
    for nb in ("claims_review", "refunds_review", "access_review", "sampling"):
        assert f"audit_lib/bundled/notebooks/{nb}.ipynb" in names
    for suite in ("claims", "overpayments", "access_log"):
        assert f"audit_lib/bundled/expectations/{suite}.json" in names
    assert {"audit_lib/bundled/docs/RULES.md", "audit_lib/rules/rulebook.toml"} <= names
    # the files themselves, not links to a checkout
    shipped = zipfile.ZipFile(installed["wheel"]).read("audit_lib/bundled/expectations/claims.json")
    assert shipped == (ROOT / "expectations" / "claims.json").read_bytes()


def test_the_installed_package_is_the_one_imported(installed):
    r = _run(installed, "-c", "import audit_lib; print(audit_lib.__file__)")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip().startswith(str(installed["site"]))


def test_suites_check_passes_from_the_wheel(installed):
    r = _run(installed, "-m", "audit_lib.cli", "suites", "check")
    assert r.returncode == 0, r.stderr


def test_a_review_from_the_wheel_is_sealed_and_verifies(installed):
    out = installed["work"] / "runs" / "claims"
    r = _run(installed, "-m", "audit_lib.cli", "claims", "--demo", "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert (out / "claims_review.html").is_file() and (out / "workpaper.xlsx").is_file()
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    assert manifest["review"] == "claims"
    r = _run(installed, "-m", "audit_lib.cli", "verify", str(out))
    assert r.returncode == 0 and "intact" in r.stdout, r.stdout + r.stderr
    # and it found what the checkout finds on the demo quarter
    summary = json.loads((out / "summary.json").read_text("utf-8"))
    assert summary["findings"]["total"] == 818
