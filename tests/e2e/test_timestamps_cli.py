"""RFC 3161 timestamps end to end (issue 13): a run sealed with AUDIT_TSA_URL set, signed
off, packaged and verified with --tsa-ca; a service that does not answer is exit 2. The
service is tests/tsa.py on localhost."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from tests.e2e.test_cli import audit
from tests.tsa import TestTSA

pytestmark = pytest.mark.cli


def _hashes(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_rfc3161_timestamps_from_the_command_line_through_a_package(tmp_path, monkeypatch):
    """With AUDIT_TSA_URL set, the sealed run and its sign-off are stamped by the service;
    `verify --tsa-ca` checks every token through a package. A service that does not answer
    stops the run with exit 2 and one message: nothing is sealed at --out, the unfinished run
    is kept marked failed; a sign-off it cannot stamp changes no file of the run."""
    tsa = TestTSA("Org TSA")
    monkeypatch.setenv("AUDIT_TSA_URL", tsa.start())
    try:
        run = tmp_path / "claims"
        r = audit("claims", "--demo", "--period", "2026Q3", "--out", run)
        assert r.returncode == 0, r.stderr
        r = audit("signoff", run, "--role", "preparer", "--name", "Pat")
        assert r.returncode == 0, r.stderr
        assert tsa.requests == 3  # the manifest, the sign-off, the workpaper's revision
    finally:
        tsa.stop()
    zip_path = tmp_path / "q3.zip"
    assert audit("package", run, "--out", zip_path).returncode == 0
    ca = tsa.write_ca(tmp_path / "tsa-root.pem")
    r = audit("verify", zip_path, "--tsa-ca", ca)
    assert r.returncode == 0, r.stdout
    assert "stamped  3 of 3 links" in r.stdout and "signed by Org TSA" in r.stdout, r.stdout
    assert "not checked (give --tsa-ca" in audit("verify", zip_path).stdout
    other = TestTSA("Other TSA").write_ca(tmp_path / "other-root.pem")
    r = audit("verify", zip_path, "--tsa-ca", other)
    assert r.returncode == 1 and "FORGED   chain.json link 0 (manifest)" in r.stdout, r.stdout

    monkeypatch.setenv("AUDIT_TSA_URL", "http://127.0.0.1:9/tsr")  # nobody answers
    r = audit("claims", "--demo", "--period", "2026Q3", "--out", tmp_path / "down")
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert "time-stamping service http://127.0.0.1:9/tsr did not answer" in r.stderr
    assert "Traceback" not in r.stderr and not (tmp_path / "down").exists()
    (partial,) = tmp_path.glob("down.partial-*")  # kept, marked failed, named, as any failure
    assert (partial / "RUN_FAILED.json").is_file() and str(partial) in r.stderr
    # a sign-off the service cannot stamp changes nothing in the run
    before = _hashes(run)
    r = audit("signoff", run, "--role", "reviewer", "--name", "Rae")
    assert r.returncode == 2 and "did not answer" in r.stderr, r.stderr
    assert _hashes(run) == before
