"""The signed evidence chain (issue 13 item 4): the manifest, sign-offs and revisions are one
chain of links, each covering the one before, signed with the organisation's Ed25519 key.
Each attack the issue lists must fail ``verify`` with the public key, naming what changed."""

from __future__ import annotations

import hashlib
import json
import os
import stat
from pathlib import Path

import pytest

from audit_lib.errors import ConfigError
from audit_lib.evidence import chain
from audit_lib.evidence.manifest import REVISIONS, SIGNOFFS
from audit_lib.evidence.signoff import record_signoff
from audit_lib.evidence.verify import verify
from tests.conftest import seal_test_run


def _seal(run: Path, key=None) -> str:
    digest = seal_test_run(run)
    chain.start_chain(run, digest, key)
    return digest


@pytest.fixture
def keys(tmp_path):
    private, public, fp = chain.generate_keypair(tmp_path / "org")
    return chain.load_private_key(private), chain.load_public_key(public), fp


@pytest.fixture
def signed_run(tmp_path, keys):
    run = tmp_path / "run"
    run.mkdir()
    (run / "findings.csv").write_text("rule_id,record\nCLM-REQ-01,C1:1\n")
    (run / "summary.json").write_text("{}\n")
    _seal(run, keys[0])
    record_signoff(run, role="preparer", name="Pat Preparer", signing_key=keys[0])
    record_signoff(run, role="reviewer", name="Rae Reviewer", signing_key=keys[0])
    return run


def test_keygen_writes_a_private_key_only_its_owner_reads_and_never_overwrites(tmp_path):
    private, public, fp = chain.generate_keypair(tmp_path / "org")
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert fp.startswith("SHA256:") and len(fp) == 7 + 64
    assert chain.fingerprint(chain.load_public_key(public)) == fp
    with pytest.raises(ConfigError, match="never overwritten"):
        chain.generate_keypair(tmp_path / "org")
    os.chmod(private, 0o644)
    with pytest.raises(ConfigError, match="chmod 600"):
        chain.load_private_key(private)
    with pytest.raises(ConfigError, match="not an Ed25519 PEM public key"):
        chain.load_public_key(private)


def test_a_signed_chain_verifies_with_the_public_key_and_is_unchecked_without(signed_run, keys):
    report = verify(signed_run, public_key=keys[1])
    assert report.intact, report.lines
    assert report.signature == "verified"
    assert [s["status"] for s in report.signoffs] == ["valid", "valid"]
    links = chain.read_chain(signed_run)
    assert [link["kind"] for link in links] == ["manifest", "signoff", "signoff"]
    assert all(link["key_fingerprint"] == keys[2] for link in links)
    plain = verify(signed_run)
    assert plain.intact and plain.signature == "unchecked"
    assert any("not checked" in line for line in plain.lines)


def _problems(run: Path, public_key) -> list[str]:
    report = verify(run, public_key=public_key)
    assert not report.intact
    return [line for line in report.lines if not line.startswith(("ok", "sign-off"))]


def _edit(run: Path, name: str, change) -> None:
    doc = json.loads((run / name).read_text())
    change(doc)
    (run / name).write_text(json.dumps(doc, indent=2) + "\n")


def test_a_forged_sign_off_appended_is_named(signed_run, keys):
    _edit(
        signed_run,
        SIGNOFFS,
        lambda d: d.append({**d[-1], "name": "Mallory", "signed_at": "2026-12-02T00:00:00Z"}),
    )
    problems = _problems(signed_run, keys[1])
    assert any("sign-off 3" in p and "not in the chain" in p for p in problems)


def test_a_deleted_sign_off_is_named(signed_run, keys):
    _edit(signed_run, SIGNOFFS, lambda d: d.pop())
    assert any(p.startswith("REMOVED") and "sign-off" in p for p in _problems(signed_run, keys[1]))


def test_a_back_dated_sign_off_is_named(signed_run, keys):
    _edit(signed_run, SIGNOFFS, lambda d: d[1].update(signed_at="2020-01-01T00:00:00Z"))
    problems = _problems(signed_run, keys[1])
    assert any("sign-off 2" in p and "back-dated" in p for p in problems)


def test_a_revision_added_without_the_key_fails_with_the_key(signed_run, keys):
    findings = signed_run / "findings.csv"
    before = hashlib.sha256(findings.read_bytes()).hexdigest()
    findings.write_text("rule_id,record\n")  # the finding deleted, the change "recorded"
    entry = {
        "file": "findings.csv",
        "at": "2026-12-02T00:00:00Z",
        "by": "x",
        "why": "tidy",
        "sha256_before": before,
        "sha256_after": hashlib.sha256(findings.read_bytes()).hexdigest(),
    }
    (signed_run / REVISIONS).write_text(json.dumps([entry]))
    chain.write_chain(
        signed_run, chain.extended(chain.read_chain(signed_run), "revision", entry, None)
    )
    assert verify(signed_run).intact  # hash-consistent without the key
    problems = _problems(signed_run, keys[1])
    assert any(p.startswith("UNSIGNED") and "revision" in p for p in problems)


def test_a_fully_re_hashed_forgery_fails_with_the_key(signed_run, keys, tmp_path):
    (signed_run / "findings.csv").write_text("rule_id,record\n")  # the finding deleted
    for name in (SIGNOFFS, REVISIONS, chain.CHAIN):
        (signed_run / name).unlink(missing_ok=True)
    _seal(signed_run, None)  # re-hashed from scratch, with no key
    assert verify(signed_run).intact  # hash-consistent...
    assert verify(signed_run).signature == "unsigned"  # ...and says it is unsigned
    assert any(p.startswith("UNSIGNED") for p in _problems(signed_run, keys[1]))
    own = chain.load_private_key(chain.generate_keypair(tmp_path / "mallory")[0])
    (signed_run / chain.CHAIN).unlink()
    _seal(signed_run, own)  # re-hashed and signed with the forger's own key
    assert any("another key" in p for p in _problems(signed_run, keys[1]))


def test_an_edited_signature_or_link_is_named(signed_run, keys):
    _edit(signed_run, chain.CHAIN, lambda d: d[1].update(signature=d[2]["signature"]))
    assert any(p.startswith("FORGED") and "link 1" in p for p in _problems(signed_run, keys[1]))


def test_sign_attests_a_run_sealed_without_a_key(tmp_path, keys):
    run = tmp_path / "run"
    run.mkdir()
    (run / "findings.csv").write_text("rule_id\n")
    digest = _seal(run, None)
    assert verify(run, public_key=keys[1]).signature == "failed"
    chain.sign_manifest_link(run, digest, keys[0])
    assert verify(run, public_key=keys[1]).signature == "verified"
