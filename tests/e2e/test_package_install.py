"""The package runs a review when installed from its wheel, away from the repository (issue
15): the notebooks and suites ship as package data, and the run it makes is sealed."""

from __future__ import annotations

import json
import os
import shutil
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
    # built from a copy of what the wheel is made of: setuptools reuses a build/ folder left
    # in a checkout, and its stale modules (a file since moved or deleted) would ship too
    src = tmp / "src"
    for name in ("audit_lib", "notebooks", "expectations", "docs"):
        shutil.copytree(ROOT / name, src / name, symlinks=True,
                        ignore=shutil.ignore_patterns("__pycache__", ".*"))  # fmt: skip
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        if (ROOT / name).is_file():
            shutil.copy2(ROOT / name, src / name)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    build = [*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", tmp / "dist", src]
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


def test_the_wheel_holds_exactly_the_code_of_the_checkout(installed):
    """The manifest's code fingerprint names the code whichever way it is installed: the
    wheel's audit_lib and the checkout's give the same one (and reperform compares them)."""
    from audit_lib.evidence.manifest import code_sha256, wheel_code_sha256

    assert wheel_code_sha256(installed["wheel"]) == code_sha256()
    show = "from audit_lib.evidence.manifest import code_sha256; print(code_sha256())"
    r = _run(installed, "-c", show)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == code_sha256()


def test_the_wheel_travels_in_the_evidence_package_and_reperforms(installed):
    """Issue 15: the package names the exact version and carries the wheel that installs it;
    a wheel holding other code is refused; reperform says the code is the run's."""
    out = installed["work"] / "runs" / "claims"
    if not (out / "manifest.json").is_file():
        r = _run(installed, "-m", "audit_lib.cli", "claims", "--demo", "--out", str(out))
        assert r.returncode == 0, r.stderr
    zip_path = installed["work"] / "claims.zip"
    args = ["-m", "audit_lib.cli", "package", str(out), "--out", str(zip_path)]
    r = _run(installed, *args, "--wheel", str(installed["wheel"]))
    assert r.returncode == 0, r.stderr
    with zipfile.ZipFile(zip_path) as z:
        readme = z.read("README.txt").decode("utf-8")
        assert z.read(f"tool/{installed['wheel'].name}") == installed["wheel"].read_bytes()
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    assert manifest["tool"]["code_sha256"] in readme
    assert f"pip install tool/{installed['wheel'].name}" in readme
    r = _run(installed, "-m", "audit_lib.cli", "verify", str(zip_path))
    assert r.returncode == 0, r.stdout + r.stderr
    r = _run(installed, "-m", "audit_lib.cli", "reperform", str(zip_path))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "the same code as the run's" in r.stdout and "identical findings" in r.stdout

    other = installed["work"] / "other.whl"
    with zipfile.ZipFile(installed["wheel"]) as z, zipfile.ZipFile(other, "w") as w:
        for name in z.namelist():
            data = z.read(name)
            w.writestr(name, data + b"# changed\n" if name == "audit_lib/findings.py" else data)
    r = _run(installed, *args[:-1], str(installed["work"] / "x.zip"), "--wheel", str(other))
    assert r.returncode == 2 and "does not hold the code that made this run" in r.stderr
