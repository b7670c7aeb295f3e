"""RFC 3161 trusted timestamps on the evidence chain, where the organisation runs a
time-stamping authority (TSA).

With ``AUDIT_TSA_URL`` set, every link of ``chain.json`` (the manifest at sealing, each sign-off
and revision) is sent to the TSA when it is made, and the link keeps the TSA's whole
TimeStampResp (base64 DER) as ``timestamp``. The imprint is the link's own digest:
``link_sha256`` is the SHA-256 of the link's canonical body, which is the message imprint
RFC 3161 §2.4.1 asks for. So the token says the TSA saw that link, with its ``prev`` and hence
the whole chain before it, at the token's time; a sign-off cannot be back-dated past it.

``verify`` checks each token's imprint against its link, that the times run in chain order,
and, given the TSA's root certificate (``--tsa-ca``), that each token is signed by a
time-stamping certificate chaining to it (rfc3161-client). Without the certificate it says the
timestamps were not checked. The only network call the suite makes is this one, to the
organisation's own service, and only when it is configured.
"""

from __future__ import annotations

import base64
import datetime as dt
import os
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from ..errors import ConfigError

#: the environment variable naming the organisation's time-stamping service
TSA_ENV = "AUDIT_TSA_URL"
SHA256_OID = "2.16.840.1.101.3.4.2.1"


def tsa_url() -> str | None:
    """The TSA's URL from AUDIT_TSA_URL, or None; a value that is not an http(s) URL is a
    configuration error (the run stops before it starts)."""
    url = os.environ.get(TSA_ENV, "").strip()
    if not url:
        return None
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ConfigError(
            f"{TSA_ENV}={url!r} is not an http(s) URL of an RFC 3161 time-stamping service; "
            f"set it to the service's address or unset it."
        )
    return url


def request_timestamp(body: bytes, url: str, *, timeout: float = 30.0) -> str:
    """Ask the TSA at ``url`` to timestamp ``body`` (SHA-256 imprint, a nonce, the TSA's
    certificate requested); the granted TimeStampResp, base64. Any failure is a ConfigError
    naming the service: the link is not made without the timestamp the organisation asked for."""
    import urllib.error
    import urllib.request

    from rfc3161_client import HashAlgorithm, TimestampRequestBuilder, decode_timestamp_response

    req = TimestampRequestBuilder().data(body).hash_algorithm(HashAlgorithm.SHA256).build()
    http = urllib.request.Request(
        url,
        data=req.as_bytes(),
        headers={
            "Content-Type": "application/timestamp-query",
            "Accept": "application/timestamp-reply",
        },
        method="POST",
    )
    fix = f"check the service or unset {TSA_ENV}"
    try:
        with urllib.request.urlopen(http, timeout=timeout) as reply:
            der = reply.read()
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise ConfigError(
            f"the time-stamping service {url} did not answer ({reason}); {fix}."
        ) from None
    try:
        resp = decode_timestamp_response(der)
    except ValueError:
        raise ConfigError(
            f"the time-stamping service {url} answered with something that is not an RFC 3161 "
            f"TimeStampResp; {fix}."
        ) from None
    if resp.status not in (0, 1):  # RFC 3161 §2.4.2: granted, grantedWithMods
        problem = f"it refused the request (PKIStatus {resp.status})"
    else:
        problem = _token_problem(resp, _sha256(body))
    if problem is None and resp.tst_info.nonce != req.nonce:
        problem = "its nonce is not the request's (a replayed answer?)"
    if problem:
        raise ConfigError(f"the time-stamping service {url}: {problem}; {fix}.")
    return base64.b64encode(resp.as_bytes()).decode()


def _sha256(data: bytes) -> bytes:
    import hashlib

    return hashlib.sha256(data).digest()


def _token_problem(resp: Any, imprint: bytes) -> str | None:
    mi = resp.tst_info.message_imprint
    if mi.hash_algorithm.dotted_string != SHA256_OID:
        return f"its imprint is not SHA-256 ({mi.hash_algorithm.dotted_string})"
    if mi.message != imprint:
        return "its imprint is over another digest"
    return None


def load_tsa_roots(path: str | Path) -> list[Any]:
    """The TSA's root certificate(s) from a PEM file (``verify --tsa-ca``)."""
    from cryptography import x509

    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read the TSA certificate file {p}: {exc.strerror}.") from None
    try:
        roots = x509.load_pem_x509_certificates(data)
    except ValueError:
        roots = []
    if not roots:
        raise ConfigError(f"{p} holds no PEM certificate; give the TSA's root CA certificate.")
    return roots


def check_timestamps(
    links: list[dict[str, Any]], roots: list[Any] | None
) -> tuple[list[str], list[str]]:
    """(problems, notes) for the timestamps of a chain. A token whose imprint is not its link's
    digest, or whose time is earlier than the link before it, is a problem; with ``roots``, so
    is a link without a token and a token whose signature does not chain to them."""
    if roots is None and not any(link.get("timestamp") for link in links):
        return [], []
    from rfc3161_client import VerificationError, VerifierBuilder, decode_timestamp_response

    problems: list[str] = []
    times: list[dt.datetime] = []
    names: set[str] = set()
    verifier = None
    if roots:
        builder = VerifierBuilder()
        for cert in roots:
            builder = builder.add_root_certificate(cert)
        verifier = builder.build()
    last: dt.datetime | None = None
    for i, link in enumerate(links):
        name = f"chain.json link {i} ({link.get('kind')})"
        token = link.get("timestamp")
        if not token:
            if roots is not None:
                problems.append(f"UNSTAMPED {name}: no RFC 3161 timestamp")
            continue
        try:
            resp = decode_timestamp_response(base64.b64decode(token))
            digest = bytes.fromhex(str(link.get("link_sha256")))
        except ValueError:
            problems.append(f"BROKEN   {name}: its timestamp is not an RFC 3161 response")
            continue
        bad = _token_problem(resp, digest)
        if bad:
            problems.append(f"CHANGED  {name}: its timestamp does not cover it ({bad})")
            continue
        when = resp.tst_info.gen_time
        if last is not None and when < last:
            problems.append(
                f"BACKDATED {name}: stamped {when:%Y-%m-%d %H:%M:%S}Z, before link {i - 1}"
            )
        last = max(when, last) if last else when
        times.append(when)
        if verifier is not None:
            try:
                verifier.verify(resp, digest)
            except VerificationError as exc:
                problems.append(f"FORGED   {name}: its timestamp does not verify ({exc})")
                continue
            names.add(_signer(resp))
    if times:
        span = f"{min(times):%Y-%m-%d %H:%M:%S}Z to {max(times):%Y-%m-%d %H:%M:%S}Z"
        n = f"{len(times)} of {len(links)} links"
        if verifier is None:
            notes = [
                f"stamped  {n} by an RFC 3161 service, {span}: not checked (give --tsa-ca "
                "with the service's root certificate)"
            ]
        else:
            who = ", ".join(sorted(names)) or "the service"
            notes = [f"stamped  {n}, {span}, each verified: signed by {who}"]
    else:
        notes = []
    return problems, notes


def _signer(resp: Any) -> str:
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    si = next(iter(resp.signed_data.signer_infos))
    for der in resp.signed_data.certificates:
        cert = x509.load_der_x509_certificate(der)
        if cert.issuer == si.issuer and cert.serial_number == si.serial_number:
            cn = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
            return str(cn[0].value) if cn else cert.subject.rfc4514_string()
    return "the service"
