"""The evidence commands: package, keygen, sign, verify, reperform, signoff, scan-phi."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from ..errors import ConfigError
from .app import main, say
from .options import SIGNING_KEY


@main.command()
@click.argument("run_dir", type=click.Path(path_type=Path, file_okay=False))
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Zip to write (default: RUN_DIR.zip).",
)
@click.option(
    "--include-inputs",
    is_flag=True,
    help="Put the input files in the package (they hold protected data).",
)
@click.option(
    "--reveal",
    is_flag=True,
    help="Internal use: also write a token-to-patient map NEXT TO the package.",
)
@click.option(
    "--wheel",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="The audit-suite wheel that made the run: carried in the package (tool/) so it can "
    "be re-performed with its own code. Refused if it holds other code.",
)
def package(
    run_dir: Path, out: Path | None, include_inputs: bool, reveal: bool, wheel: Path | None
) -> None:
    """Build one evidence zip from a run folder: index.html, README, the run, a file listing."""
    from ..evidence.manifest import sha256_file
    from ..evidence.package import build_package

    target = build_package(
        run_dir, out=out, include_inputs=include_inputs, reveal=reveal, wheel=wheel
    )
    say(f"wrote {target} (SHA-256 {sha256_file(target)}): record this hash in your workpapers")


@main.command()
@click.argument("stem", type=click.Path(path_type=Path, dir_okay=False))
def keygen(stem: Path) -> None:
    """Make the organisation's Ed25519 signing key pair: STEM.key (private, 0600) and STEM.pub.

    Keep STEM.key away from the runs and packages; give STEM.pub (and its fingerprint) to
    whoever verifies them."""
    from ..evidence.chain import generate_keypair

    private, public, fp = generate_keypair(stem)
    say(f"wrote {private} (private: keep it safe) and {public} (public); fingerprint {fp}")


@main.command()
@click.argument("run_dir", type=click.Path(path_type=Path, file_okay=False, exists=True))
@SIGNING_KEY
def sign(run_dir: Path, signing_key: Path | None) -> None:
    """Sign the manifest of a run sealed without a key (the first link of its evidence chain)."""
    from ..runs.tools import sign_run

    if signing_key is None:
        raise ConfigError("give --signing-key KEY (or set AUDIT_SIGNING_KEY).")
    links = sign_run(run_dir, signing_key)
    say(f"signed the manifest of {run_dir} with {links[0]['key_fingerprint']}")


@main.command()
@click.argument("target", type=click.Path(path_type=Path))
@click.option(
    "--key",
    "public_key",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="The organisation's public key (STEM.pub): check every signature of the chain.",
)
@click.option(
    "--tsa-ca",
    "tsa_ca",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="The time-stamping service's root certificate (PEM): every link must carry an "
    "RFC 3161 timestamp that verifies with it.",
)
def verify(target: Path, public_key: Path | None, tsa_ca: Path | None) -> None:
    """Re-hash a run folder or evidence zip; exit 0 only when it is intact.

    Without --key a run can only be hash-consistent; with it, every link of the evidence chain
    (manifest, sign-offs, revisions) must carry a valid signature by that key. With --tsa-ca,
    every link must carry an RFC 3161 timestamp from the organisation's service (AUDIT_TSA_URL
    when the run was sealed), in chain order."""
    from ..evidence.chain import load_public_key
    from ..evidence.timestamp import load_tsa_roots
    from ..evidence.verify import verify as run_verify

    report = run_verify(
        target,
        public_key=load_public_key(public_key) if public_key else None,
        tsa_roots=load_tsa_roots(tsa_ca) if tsa_ca else None,
    )
    for line in report.lines:
        if not line.startswith("ok") or os.environ.get("AUDIT_VERBOSE"):
            click.echo(line)
    status = {
        "verified": "intact, and signed: every signature verified",
        "unchecked": "intact (hash-consistent; its signatures not checked: give --key)",
        "unsigned": "intact (hash-consistent but unsigned)",
    }
    click.echo(f"{target}: " + (status[report.signature] if report.intact else "NOT INTACT"))
    sys.exit(0 if report.intact else 1)


@main.command()
@click.argument("target", type=click.Path(path_type=Path))
@click.option(
    "--inputs",
    "inputs_dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="Folder holding the input files named in the manifest.",
)
def reperform(target: Path, inputs_dir: Path | None) -> None:
    """Run the recorded review again and compare the findings byte for byte."""
    from ..runs.reperform import reperform as run_reperform

    report = run_reperform(target, inputs_dir=inputs_dir)
    for line in report.lines:
        click.echo(line)
    click.echo("re-performed: " + ("identical findings" if report.identical else "NOT identical"))
    sys.exit(0 if report.identical else 1)


@main.command()
@click.argument("run_dir", type=click.Path(path_type=Path, file_okay=False))
@click.option("--role", required=True, type=click.Choice(["preparer", "reviewer"]))
@click.option("--name", required=True)
@click.option("--note", default="")
@SIGNING_KEY
def signoff(run_dir: Path, role: str, name: str, note: str, signing_key: Path | None) -> None:
    """Record who prepared or reviewed a run, bound to its manifest hash and, with a signing
    key, signed as a link of the run's evidence chain."""
    from ..evidence.chain import load_private_key
    from ..evidence.signoff import record_signoff

    key = load_private_key(signing_key) if signing_key else None
    entry = record_signoff(run_dir, role=role, name=name, note=note, signing_key=key)
    say(
        f"{role} sign-off by {entry['name']} recorded at {entry['signed_at']} "
        f"(bound to manifest {entry['manifest_sha256'][:16]}...)"
    )


@main.command("scan-phi")
@click.argument("target", type=click.Path(path_type=Path, exists=True))
@click.option(
    "--inputs",
    "inputs",
    multiple=True,
    required=True,
    type=click.Path(path_type=Path, exists=True),
    help="Input file or folder whose protected values to look for (repeatable): tables, "
    "X12 837/835 files, FHIR AuditEvent and Patient resources.",
)
def scan_phi(target: Path, inputs: tuple[Path, ...]) -> None:
    """Scan a folder or zip for raw protected values of the inputs; exit 1 if any is found."""
    from ..evidence.scan import scan

    skipped: list[str] = []
    coincidences: list = []
    hits = scan(target, list(inputs), skipped, coincidences)
    for h in coincidences:
        click.echo(
            f"DATE {h.kind} ({h.token}) in {h.file}: an unlabelled date equal to one of the "
            "inputs' (a computed deadline can fall on it); look at it, it is not counted"
        )
    for line in skipped:
        click.echo(f"not read (no review reads it either): {line}")
    for h in hits:
        click.echo(f"RAW {h.kind} ({h.token}) in {h.file}")
    click.echo(
        f"{target}: "
        + (f"{len(hits)} raw protected value(s) found" if hits else "no raw protected value found")
    )
    sys.exit(1 if hits else 0)
