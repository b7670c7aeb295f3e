"""``audit verify``: re-hash a run folder or an evidence package and say exactly what changed.

Intact means: the run finished (a manifest, no RUN_FAILED.json); the manifest matches its own
hash; every output matches the manifest (the workpaper may differ only through the recorded
sign-off revisions); no file was added or removed; in a package, every file matches
PACKAGE_MANIFEST.json; the evidence chain (``chain.json``: the manifest, then every sign-off
and revision) is unbroken, and with the organisation's public key every link's signature
verifies. A sign-off is valid only while the manifest it was bound to is the current, intact
one; otherwise it is reported void. Without the public key a run can only be called
hash-consistent: the report says its signatures were not checked.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import InputError
from .chain import CHAIN, check_chain
from .manifest import (
    AFTERWARDS,
    FAILED,
    MANIFEST,
    MANIFEST_HASH,
    REVISIONS,
    SIGNOFFS,
    sha256_bytes,
    sha256_file,
)
from .timestamp import check_timestamps
from .zipsafe import damaged_entry, open_zip, sha256_member

PACKAGE_MANIFEST = "PACKAGE_MANIFEST.json"
RUN_PREFIX = "run/"


class Tree:
    """Files of a folder or a zip, by relative POSIX path."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._zip = open_zip(path) if path.is_file() else None

    def files(self) -> list[str]:
        if self._zip is not None:
            return sorted(n for n in self._zip.namelist() if not n.endswith("/"))
        return sorted(
            p.relative_to(self.path).as_posix() for p in self.path.rglob("*") if p.is_file()
        )

    def read(self, rel: str) -> bytes:
        with damaged_entry(f"{self.path.name}: {rel}"):
            if self._zip is not None:
                return self._zip.read(rel)
            return (self.path / rel).read_bytes()

    def sha256(self, rel: str) -> str:
        with damaged_entry(f"{self.path.name}: {rel}"):
            if self._zip is not None:
                return sha256_member(self._zip, rel)
            return sha256_file(self.path / rel)

    def json(self, rel: str) -> Any:
        data = self.read(rel)
        try:
            return json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise InputError(f"{self.path.name}: {rel} is not JSON") from None


@dataclass
class VerifyReport:
    target: str
    intact: bool = True
    lines: list[str] = field(default_factory=list)
    signoffs: list[dict[str, Any]] = field(default_factory=list)
    manifest_sha256: str | None = None
    #: verified, failed (checked with the public key), unchecked (signed, no key given), unsigned
    signature: str = "unsigned"
    #: the lines that make it not intact, in order (also in ``lines``)
    failures: list[str] = field(default_factory=list)

    def problem(self, line: str) -> None:
        self.intact = False
        self.lines.append(line)
        self.failures.append(line)


def run_prefix(tree: Tree) -> str:
    return RUN_PREFIX if PACKAGE_MANIFEST in tree.files() else ""


def verify(
    target: str | Path, *, public_key: Any | None = None, tsa_roots: list[Any] | None = None
) -> VerifyReport:
    """Re-hash a run folder or evidence zip. ``public_key`` checks the chain's signatures;
    ``tsa_roots`` (the TSA's root certificates) its RFC 3161 timestamps, which every link must
    then carry."""
    path = Path(target)
    report = VerifyReport(str(path))
    if not path.exists():
        report.problem(f"MISSING  {path} does not exist")
        return report
    try:
        tree = Tree(path)
    except InputError as exc:
        report.problem(f"REFUSED  {exc}")
        return report
    try:
        _verify_tree(tree, report, public_key, tsa_roots)
    except InputError as exc:  # a damaged entry: named, never a crash
        report.problem(f"BROKEN   {exc}")
    except (KeyError, TypeError, AttributeError, IndexError):
        report.problem(
            f"BROKEN   {path.name}: its manifest or listing is not one this suite writes"
        )
    return report


def _verify_tree(
    tree: Tree, report: VerifyReport, public_key: Any | None, tsa_roots: list[Any] | None
) -> None:
    files = tree.files()
    if PACKAGE_MANIFEST in files:
        _verify_package(tree, files, report)
    prefix = run_prefix(tree)
    run_files = [f[len(prefix) :] for f in files if f.startswith(prefix)]
    if FAILED in run_files:
        report.problem(f"FAILED   {prefix}{FAILED}: this run did not finish; it is not evidence")
    if MANIFEST not in run_files:
        report.problem(f"MISSING  {prefix}{MANIFEST}: not a finished run (no manifest)")
        return
    manifest_bytes = tree.read(prefix + MANIFEST)
    digest = sha256_bytes(manifest_bytes)
    report.manifest_sha256 = digest
    recorded = (
        tree.read(prefix + MANIFEST_HASH).decode().split()[0]
        if MANIFEST_HASH in run_files
        else None
    )
    if recorded != digest:
        report.problem(f"CHANGED  {prefix}{MANIFEST} (its hash is not the one in {MANIFEST_HASH})")
    manifest = json.loads(manifest_bytes.decode("utf-8"))
    revisions = tree.json(prefix + REVISIONS) if REVISIONS in run_files else []
    listed = {o["path"]: o["sha256"] for o in manifest["outputs"]}
    for rel in sorted(listed):
        if rel not in run_files:
            report.problem(f"REMOVED  {prefix}{rel}")
            continue
        expected = listed[rel]
        for rev in (r for r in revisions if r["file"] == rel):
            if rev["sha256_before"] != expected:
                report.problem(f"CHANGED  {prefix}{REVISIONS}: revision chain of {rel} is broken")
            expected = rev["sha256_after"]
        if tree.sha256(prefix + rel) != expected:
            report.problem(f"CHANGED  {prefix}{rel}")
        else:
            report.lines.append(f"ok       {prefix}{rel}")
    for rel in run_files:
        if rel not in listed and rel not in AFTERWARDS and rel != FAILED:
            report.problem(f"ADDED    {prefix}{rel}")
    signoffs = tree.json(prefix + SIGNOFFS) if SIGNOFFS in run_files else []
    links = tree.json(prefix + CHAIN) if CHAIN in run_files else []
    problems, report.signature = check_chain(
        links,
        manifest_sha256=digest,
        signoffs=signoffs,
        revisions=revisions,
        public_key=public_key,
    )
    for line in problems:
        report.problem(line)
    report.lines.append(_signature_line(report.signature, links))
    stamp_problems, stamp_notes = check_timestamps(links, tsa_roots)
    for line in stamp_problems:
        report.problem(line)
    report.lines += stamp_notes
    for s in signoffs:
        valid = report.intact and s.get("manifest_sha256") == digest
        report.signoffs.append({**s, "status": "valid" if valid else "void"})
        why = (
            "the evidence changed after this sign-off"
            if s.get("manifest_sha256") != digest
            else "the run or its evidence chain is not intact: see above"
        )
        line = f"sign-off {s['role']} {s['name']} at {s['signed_at']}: "
        if valid:
            report.lines.append(line + "valid")
        else:
            report.problem(line + f"VOID ({why})")


def _signature_line(status: str, links: list[dict[str, Any]]) -> str:
    keys = sorted({str(link["key_fingerprint"]) for link in links if link.get("key_fingerprint")})
    if status == "verified":
        return f"signed   every link of {CHAIN} verifies with {keys[0]}"
    if status == "failed":
        return f"signed   {CHAIN}: the signatures FAIL with the key given (see above)"
    if status == "unchecked":
        return (
            f"signed   by {', '.join(keys)}: signatures not checked (give --key PUBLIC to "
            "check them; without it this run is only hash-consistent)"
        )
    return (
        "UNSIGNED hash-consistent but unsigned: anyone able to re-hash it could have forged it; "
        "sign runs with an organisation key (`audit keygen`, `audit sign`)"
    )


def _verify_package(tree: Tree, files: list[str], report: VerifyReport) -> None:
    listing = tree.json(PACKAGE_MANIFEST)
    expected = {f["path"]: f["sha256"] for f in listing["files"]}
    for rel in sorted(expected):
        if rel not in files:
            report.problem(f"REMOVED  {rel}")
        elif tree.sha256(rel) != expected[rel]:
            report.problem(f"CHANGED  {rel}")
    for rel in files:
        if rel not in expected and rel != PACKAGE_MANIFEST:
            report.problem(f"ADDED    {rel}")
