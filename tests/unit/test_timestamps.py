"""RFC 3161 timestamps on the evidence chain (issue 13: "optionally an RFC 3161 timestamp where
the organisation has a time-stamping service configured").

The service is tests/tsa.py: tokens built with asn1crypto, an encoder independent of the
rfc3161-client parser and verifier the suite uses (OpenSSL's ``openssl ts -verify`` also
accepts them: checked by hand, see the issue note). RFC 3161 §2.4.1: the imprint is the hash
of the datum, here the link's canonical body, so it equals the link's ``link_sha256``."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from audit_lib.errors import ConfigError
from audit_lib.evidence import chain
from audit_lib.evidence.signoff import record_signoff
from audit_lib.evidence.timestamp import TSA_ENV, load_tsa_roots, tsa_url
from audit_lib.evidence.verify import verify
from tests.conftest import seal_test_run
from tests.tsa import TestTSA


@pytest.fixture(scope="module")
def service():
    tsa = TestTSA()
    url = tsa.start()
    yield tsa, url
    tsa.stop()


@pytest.fixture
def stamped_run(tmp_path, service, monkeypatch):
    tsa, url = service
    monkeypatch.setenv(TSA_ENV, url)
    run = tmp_path / "run"
    run.mkdir()
    (run / "findings.csv").write_text("rule_id,record\nCLM-REQ-01,C1:1\n")
    (run / "summary.json").write_text("{}\n")
    chain.start_chain(run, seal_test_run(run), None)
    record_signoff(run, role="preparer", name="Pat Preparer")
    return run, load_tsa_roots(tsa.write_ca(tmp_path / "tsa-ca.pem"))


def _links(run: Path) -> list[dict]:
    return json.loads((run / chain.CHAIN).read_text())


def _write(run: Path, links: list[dict]) -> None:
    (run / chain.CHAIN).write_text(json.dumps(links, indent=2))


def test_every_link_is_stamped_and_verifies_with_the_tsa_root(stamped_run):
    run, roots = stamped_run
    links = _links(run)
    assert [link["kind"] for link in links] == ["manifest", "signoff"]
    assert all(link["timestamp"] for link in links)
    report = verify(run, tsa_roots=roots)
    assert report.intact, report.failures
    assert any(
        line.startswith("stamped  2 of 2 links") and "each verified: signed by Test TSA" in line
        for line in report.lines
    ), report.lines
    plain = verify(run)  # without the root: intact, the timestamps said to be unchecked
    assert plain.intact and any("not checked (give --tsa-ca" in line for line in plain.lines)


def test_the_imprint_is_the_link_digest(stamped_run):
    from rfc3161_client import decode_timestamp_response

    run, _ = stamped_run
    for link in _links(run):
        resp = decode_timestamp_response(base64.b64decode(link["timestamp"]))
        assert resp.tst_info.message_imprint.message.hex() == link["link_sha256"]


def test_a_token_moved_to_another_link_is_named(stamped_run):
    run, roots = stamped_run
    links = _links(run)
    links[0]["timestamp"], links[1]["timestamp"] = links[1]["timestamp"], links[0]["timestamp"]
    _write(run, links)
    report = verify(run, tsa_roots=roots)
    assert not report.intact
    assert any(
        f.startswith("CHANGED  chain.json link 1 (signoff): its timestamp does not cover it")
        for f in report.failures
    ), report.failures


def test_a_token_from_another_service_fails_with_the_root(stamped_run, service):
    """The forger runs a TSA of their own and re-stamps the sign-off link: the imprint is
    right, the signature does not chain to the organisation's root."""
    run, roots = stamped_run
    rogue = TestTSA("Rogue TSA")
    rogue.now = service[0].now  # its clock right: only its signature gives it away
    url = rogue.start()
    try:
        from audit_lib.evidence.timestamp import request_timestamp

        links = _links(run)
        links[1]["timestamp"] = request_timestamp(chain._link_body(links[1]), url)
    finally:
        rogue.stop()
    _write(run, links)
    failures = verify(run, tsa_roots=roots).failures
    assert any(f.startswith("FORGED   chain.json link 1 (signoff)") for f in failures), failures
    assert verify(run).intact  # without the root, only the imprint can be checked


def test_a_link_stamped_before_the_one_it_follows_is_back_dated(stamped_run, service):
    tsa, _ = service
    run, roots = stamped_run
    tsa.now -= __import__("datetime").timedelta(days=30)  # a service whose clock was set back
    record_signoff(run, role="reviewer", name="Rae Reviewer")
    failures = verify(run, tsa_roots=roots).failures
    assert any(f.startswith("BACKDATED chain.json link 2 (signoff)") for f in failures), failures


def test_with_the_root_every_link_must_be_stamped(stamped_run, monkeypatch):
    run, roots = stamped_run
    monkeypatch.delenv(TSA_ENV)
    record_signoff(run, role="reviewer", name="Rae Reviewer")  # made with no service set
    failures = verify(run, tsa_roots=roots).failures
    assert [f for f in failures if not f.startswith("sign-off")] == [
        "UNSTAMPED chain.json link 2 (signoff): no RFC 3161 timestamp"
    ]
    assert verify(run).intact  # the organisation did not ask for timestamps: intact


def test_a_bad_or_silent_service_is_a_configuration_error(tmp_path, monkeypatch):
    monkeypatch.setenv(TSA_ENV, "ftp://tsa.example.org")
    with pytest.raises(ConfigError, match="not an http"):
        tsa_url()
    monkeypatch.setenv(TSA_ENV, "http://127.0.0.1:9/tsr")  # the discard port: nobody answers
    run = tmp_path / "run"
    run.mkdir()
    (run / "summary.json").write_text("{}\n")
    with pytest.raises(ConfigError, match=r"http://127.0.0.1:9/tsr did not answer"):
        chain.start_chain(run, seal_test_run(run), None)
    monkeypatch.delenv(TSA_ENV)
    assert tsa_url() is None


def test_a_file_without_a_certificate_is_refused(tmp_path):
    bad = tmp_path / "ca.pem"
    bad.write_text("not a certificate\n")
    with pytest.raises(ConfigError, match="holds no PEM certificate"):
        load_tsa_roots(bad)
