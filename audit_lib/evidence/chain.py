"""The evidence chain: the manifest, then every sign-off and revision, each link covering the
one before it, signed with the organisation's Ed25519 key.

``chain.json`` is a list of links. Link 0 is the manifest (``sha256`` = the manifest's digest);
each later link is a sign-off or a revision (``sha256`` = the digest of that entry in canonical
JSON), with ``prev`` the digest of the link before. A link's own digest (``link_sha256``) covers
its sequence number, kind, entry digest and ``prev``; the signature is Ed25519 over that digest.
A signed link records the public key and its fingerprint; the private key is read from a file
the organisation keeps, never written into a run or a package.

So a re-hashed forgery, a forged, deleted or back-dated sign-off and a revision added without
the key all break the chain or its signatures: ``verify --key PUBLIC`` says which link.
Without the public key, ``verify`` can only say the package is hash-consistent; it says so,
and that the signatures were not checked. Where the organisation runs an RFC 3161
time-stamping service, each link also carries its timestamp (:mod:`.timestamp`).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from ..phi import readable_by_others

CHAIN = "chain.json"
#: the environment variable naming the private key a review signs its manifest with
SIGNING_KEY_ENV = "AUDIT_SIGNING_KEY"


def canonical(obj: Any) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def entry_digest(entry: dict[str, Any]) -> str:
    return hashlib.sha256(canonical(entry)).hexdigest()


def _link_body(link: dict[str, Any]) -> bytes:
    return canonical({k: link.get(k) for k in ("seq", "kind", "sha256", "prev")})


def _link_digest(link: dict[str, Any]) -> str:
    return hashlib.sha256(_link_body(link)).hexdigest()


# ---- keys ---------------------------------------------------------------------------------


def fingerprint(public_key: Any) -> str:
    from cryptography.hazmat.primitives import serialization

    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "SHA256:" + hashlib.sha256(raw).hexdigest()


def generate_keypair(stem: str | Path) -> tuple[Path, Path, str]:
    """Write ``<stem>.key`` (private, PEM, mode 0600, never overwritten) and ``<stem>.pub``."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    private_path, public_path = Path(f"{stem}.key"), Path(f"{stem}.pub")
    for p in (private_path, public_path):
        if p.exists():
            raise ConfigError(f"{p} exists; a signing key is never overwritten. Choose a new name.")
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    try:
        fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(pem)
        public_path.write_bytes(
            key.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        )
    except OSError as exc:
        raise ConfigError(f"cannot write the key pair at {private_path}: {exc.strerror}.") from None
    return private_path, public_path, fingerprint(key.public_key())


def _read_key_file(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read the {what} {path}: {exc.strerror}.") from None


def load_private_key(path: str | Path) -> Any:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    p = Path(path)
    data = _read_key_file(p, "signing key")
    if readable_by_others(p):
        raise ConfigError(
            f"the signing key {p} can be read by other users; `chmod 600 {p}` and try again."
        )
    return _pem(
        p,
        lambda: serialization.load_pem_private_key(data, password=None),
        Ed25519PrivateKey,
        "an unencrypted Ed25519 PEM private key; make one with `audit keygen`",
    )


def load_public_key(path: str | Path) -> Any:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    p = Path(path)
    data = _read_key_file(p, "public key")
    return _pem(
        p,
        lambda: serialization.load_pem_public_key(data),
        Ed25519PublicKey,
        "an Ed25519 PEM public key; give the .pub file `audit keygen` wrote",
    )


def _pem(path: Path, load: Any, cls: type, what: str) -> Any:
    try:
        key = load()
    except (ValueError, TypeError):
        key = None
    if not isinstance(key, cls):
        raise ConfigError(f"{path} is not {what}.")
    return key


def signing_key_from_env() -> Any | None:
    path = os.environ.get(SIGNING_KEY_ENV, "").strip()
    return load_private_key(path) if path else None


# ---- the chain ----------------------------------------------------------------------------


def read_chain(run: Path) -> list[dict[str, Any]]:
    path = run / CHAIN
    return json.loads(path.read_text("utf-8")) if path.is_file() else []


def write_chain(run: Path, links: list[dict[str, Any]]) -> None:
    (run / CHAIN).write_text(json.dumps(links, indent=2) + "\n", "utf-8")


def _sign(link: dict[str, Any], key: Any | None) -> dict[str, Any]:
    """The link's digest, its RFC 3161 timestamp where AUDIT_TSA_URL names a service
    (:mod:`.timestamp`), and its Ed25519 signature with ``key``."""
    from .timestamp import request_timestamp, tsa_url

    link["link_sha256"] = _link_digest(link)
    url = tsa_url()
    if url:
        link["timestamp"] = request_timestamp(_link_body(link), url)
    if key is None:
        link.update(signature=None, public_key=None, key_fingerprint=None)
        return link
    from cryptography.hazmat.primitives import serialization

    pub = key.public_key()
    raw = pub.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    link["signature"] = base64.b64encode(key.sign(link["link_sha256"].encode())).decode()
    link["public_key"] = base64.b64encode(raw).decode()
    link["key_fingerprint"] = fingerprint(pub)
    return link


def start_chain(run: Path, manifest_sha256: str, key: Any | None) -> None:
    """Link 0: the manifest the run was sealed with."""
    link = {"seq": 0, "kind": "manifest", "sha256": manifest_sha256, "prev": None}
    write_chain(run, [_sign(link, key)])


def sign_manifest_link(run: Path, manifest_sha256: str, key: Any) -> list[dict[str, Any]]:
    """Sign link 0 of a run sealed without a key (the organisation attests the manifest)."""
    links = read_chain(run)
    if not links:
        start_chain(run, manifest_sha256, key)
        return read_chain(run)
    head = links[0]
    if head.get("kind") != "manifest" or head.get("sha256") != manifest_sha256:
        raise ConfigError(f"{run / CHAIN} does not start with this run's manifest.")
    if head.get("signature") is None:
        links[0] = _sign({k: head[k] for k in ("seq", "kind", "sha256", "prev")}, key)
        if len(links) > 1 and links[1]["prev"] != links[0]["link_sha256"]:
            raise ConfigError(f"{run / CHAIN} is broken after its first link; it is not signed.")
        write_chain(run, links)
    return links


def extended(links: list[dict[str, Any]], kind: str, entry: dict[str, Any], key: Any | None):
    """``links`` with a link for ``entry`` appended, signed and stamped; nothing is written, so
    a caller can make every link (and every request to a time-stamping service) before it
    writes any file."""
    link = {
        "seq": len(links),
        "kind": kind,
        "sha256": entry_digest(entry),
        "prev": links[-1]["link_sha256"],
    }
    return [*links, _sign(link, key)]


def check_chain(
    links: list[dict[str, Any]],
    *,
    manifest_sha256: str,
    signoffs: list[dict[str, Any]],
    revisions: list[dict[str, Any]],
    public_key: Any | None,
) -> tuple[list[str], str]:
    """Problems found (each a line naming the link) and the signature status:
    ``verified`` (every link signed by ``public_key``), ``unchecked`` (no key given) or
    ``unsigned`` (no key given and no link signed)."""
    problems: list[str] = []
    if not links:
        if signoffs or revisions:
            problems.append(
                f"MISSING  {CHAIN}: the sign-offs and revisions are not covered by a chain"
            )
        return problems, "unsigned"
    prev = None
    for i, link in enumerate(links):
        name = f"{CHAIN} link {i} ({link.get('kind')})"
        if link.get("seq") != i or link.get("prev") != prev:
            problems.append(f"CHANGED  {name}: it does not follow link {i - 1}")
        if link.get("link_sha256") != _link_digest(link):
            problems.append(f"CHANGED  {name}: its digest does not match its content")
        prev = link.get("link_sha256")
    head = links[0]
    if head.get("kind") != "manifest" or head.get("sha256") != manifest_sha256:
        problems.append(f"CHANGED  {CHAIN} link 0: it is not this manifest (re-hashed?)")
    for kind, entries, label in (
        ("signoff", signoffs, "sign-off"),
        ("revision", revisions, "revision"),
    ):
        chained = [link["sha256"] for link in links if link.get("kind") == kind]
        for n, entry in enumerate(entries):
            what = _describe(kind, entry)
            if n >= len(chained):
                problems.append(f"ADDED    {label} {n + 1} ({what}): not in the chain (forged)")
            elif entry_digest(entry) != chained[n]:
                problems.append(
                    f"CHANGED  {label} {n + 1} ({what}): not the one the chain recorded "
                    "(edited, back-dated or forged)"
                )
        if len(chained) > len(entries):
            problems.append(
                f"REMOVED  {len(chained) - len(entries)} {label}(s): the chain records "
                f"{len(chained)}, the run holds {len(entries)}"
            )
    if public_key is None:
        signed = any(link.get("signature") for link in links)
        return problems, "unchecked" if signed else "unsigned"
    problems += _check_signatures(links, public_key)
    return problems, "verified" if not problems else "failed"


def _check_signatures(links: list[dict[str, Any]], public_key: Any) -> list[str]:
    from cryptography.exceptions import InvalidSignature

    problems = []
    want = fingerprint(public_key)
    for i, link in enumerate(links):
        name = f"{CHAIN} link {i} ({link.get('kind')})"
        if not link.get("signature"):
            problems.append(f"UNSIGNED {name}: no signature")
            continue
        if link.get("key_fingerprint") != want:
            other = link.get("key_fingerprint")
            problems.append(f"FORGED   {name}: signed by another key ({other})")
            continue
        try:
            public_key.verify(
                base64.b64decode(link["signature"]), str(link.get("link_sha256")).encode()
            )
        except (InvalidSignature, ValueError):
            problems.append(f"FORGED   {name}: the signature does not verify with {want}")
    return problems


def _describe(kind: str, entry: dict[str, Any]) -> str:
    if kind == "signoff":
        return f"{entry.get('role')} {entry.get('name')} at {entry.get('signed_at')}"
    return f"{entry.get('file')} at {entry.get('at')}"
