"""Run folders: staged (atomic) runs and the manifest that seals them.

A run writes into ``<out>.partial-<id>``; only a finished run is moved to ``<out>``. A failed or
interrupted run leaves the partial folder with ``RUN_FAILED.json`` (or nothing at all when it
was killed) and no manifest, so ``audit verify`` can never call it intact.

``manifest.json`` records every input (SHA-256, size, rows) and every output (SHA-256, size),
the parameters and seeds, tool version and git commit, Python and library versions, code-set
versions and their file hashes, start and end time (UTC) and the operating-system user.
``manifest.sha256`` holds the manifest's own hash.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import getpass
import hashlib
import importlib.metadata
import json
import os
import platform
import shutil
import subprocess
import traceback
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .._version import __version__
from ..errors import ConfigError, safe_error_text
from .chain import CHAIN, signing_key_from_env, start_chain

MANIFEST = "manifest.json"
MANIFEST_HASH = "manifest.sha256"
SIGNOFFS = "signoffs.json"
REVISIONS = "revisions.json"
FAILED = "RUN_FAILED.json"
#: files that may join a sealed run folder afterwards, each with its own integrity rule
AFTERWARDS = frozenset({MANIFEST, MANIFEST_HASH, SIGNOFFS, REVISIONS, CHAIN})
PACKAGES = (
    "pandas",
    "numpy",
    "pyarrow",
    "great-expectations",
    "papermill",
    "nbconvert",
    "nbformat",
    "ipykernel",
    "openpyxl",
    "matplotlib",
    "click",
)


def sha256_file(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:  # inputs are only ever opened read-only
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def utc_now() -> str:
    return (
        dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    )


def git_commit() -> str:
    """The commit of the audit_lib checkout, with ``+dirty`` for uncommitted changes."""
    root = Path(__file__).resolve().parents[2]
    if not (root / ".git").exists():
        return "unknown (not a git checkout)"
    try:
        rev = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout.strip()
        dirty = subprocess.run(
            [
                "git",
                "-C",
                str(root),
                "status",
                "--porcelain",
                "--",
                "audit_lib",
                "notebooks",
                "expectations",
            ],
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown (git not available)"
    return rev + ("+dirty" if dirty else "")


#: what a built wheel of audit-suite holds under audit_lib/: the code and its package data
CODE_SUFFIXES = (".py", ".toml", ".json", ".ipynb", ".md", ".csv", ".gz", ".txt")


@functools.cache
def code_sha256() -> str:
    """SHA-256 of the code that runs: every module and package-data file of ``audit_lib``
    (notebooks, suites, code sets, profiles, the rulebook), each as its path and content hash,
    in path order. A wheel and the checkout it was built from give the same value, so a run
    made from an installed package names its code as exactly as a git commit does."""
    root = Path(__file__).resolve().parents[1]
    files = {
        rel: path
        for folder, _, names in os.walk(root, followlinks=True)
        for path in (Path(folder, n) for n in names)
        if _is_code(rel := path.relative_to(root).as_posix())
    }
    return _code_digest((rel, path.read_bytes) for rel, path in files.items())


def wheel_code_sha256(wheel: str | Path) -> str:
    """:func:`code_sha256` of the ``audit_lib`` a built wheel would install."""
    import zipfile

    with zipfile.ZipFile(wheel) as z:
        return _code_digest(
            (rel, functools.partial(z.read, name))
            for name in z.namelist()
            if name.startswith("audit_lib/") and _is_code(rel := name.removeprefix("audit_lib/"))
        )


def _is_code(rel: str) -> bool:
    """A file the fingerprint counts, by its path under audit_lib/: code or package data, not
    a compiled module or a hidden folder's file (an editor's or Jupyter's checkpoints)."""
    folders = rel.split("/")[:-1]
    return rel.endswith(CODE_SUFFIXES) and not any(
        f == "__pycache__" or f.startswith(".") for f in folders
    )


def _code_digest(items) -> str:
    digest = hashlib.sha256()
    for rel, read in sorted(items, key=lambda item: item[0]):
        digest.update(rel.encode("utf-8") + b"\0" + hashlib.sha256(read()).digest())
    return digest.hexdigest()


def tool() -> dict[str, str]:
    """The tool's identity as a manifest records it."""
    return {
        "name": "audit-suite",
        "version": __version__,
        "git_commit": git_commit(),
        "code_sha256": code_sha256(),
    }


def environment() -> dict[str, Any]:
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = None
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "packages": versions,
    }


def user_name() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def _codeset_files() -> dict[str, str]:
    import importlib.resources

    data = importlib.resources.files("audit_lib.codesets").joinpath("data")
    return {
        p.name: sha256_bytes(p.read_bytes())
        for p in sorted(data.iterdir(), key=lambda p: p.name)
        if p.name.endswith((".csv", ".csv.gz")) and "_demo" not in p.name  # demo edits: by config
    }


def list_files(folder: Path) -> list[str]:
    """Relative POSIX paths of every file below ``folder``, sorted."""
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def write_manifest(
    run_dir: Path,
    *,
    review: str,
    summary: dict[str, Any],
    inputs: list[dict[str, Any]],
    parameters: dict[str, Any],
    started: str,
    finished: str,
) -> str:
    """Hash every file of a finished run, write the manifest and its hash; return that hash."""
    outputs = [
        {"path": rel, "sha256": sha256_file(run_dir / rel), "bytes": (run_dir / rel).stat().st_size}
        for rel in list_files(run_dir)
        if rel not in AFTERWARDS
    ]
    doc = {
        "manifest_version": 1,
        "review": review,
        "run_id": uuid.uuid4().hex,
        "tool": tool(),
        "started_at": started,
        "finished_at": finished,
        "user": user_name(),
        "environment": environment(),
        "parameters": parameters,
        "seeds": {"demo_seed": summary.get("parameters", {}).get("demo_seed")},
        "codesets": {**summary.get("codesets", {}), "files_sha256": _codeset_files()},
        "period": summary.get("period"),
        "inputs": inputs,
        "outputs": outputs,
        "control_totals": summary.get("control_totals"),
        # the CMS-838 filing copy, when asked for: made outside the run, recorded, not shipped
        **(
            {"filing_copies": summary["credit_balance_report"]["filing_copies"]}
            if (summary.get("credit_balance_report") or {}).get("filing_copies")
            else {}
        ),
        # a re-run of the same review gives byte-identical outputs; only these differ
        "varies_between_runs": {
            MANIFEST: ["run_id", "started_at", "finished_at"],
            MANIFEST_HASH: "the manifest's SHA-256",
            "chain.json": "link 0 holds the manifest's SHA-256 (and, with AUDIT_TSA_URL, "
            "its RFC 3161 timestamp)",
        },
    }
    text = json.dumps(doc, indent=2, sort_keys=True) + "\n"
    (run_dir / MANIFEST).write_text(text, "utf-8")
    digest = sha256_bytes(text.encode("utf-8"))
    (run_dir / MANIFEST_HASH).write_text(f"{digest}  {MANIFEST}\n", "utf-8")
    start_chain(run_dir, digest, signing_key_from_env())
    return digest


def describe_input(path: Path | None, *, name: str, rows: int, source: str) -> dict[str, Any]:
    if path is None:
        return {"name": name, "generated": source, "rows": rows}
    return {
        "name": name,
        "file": path.name,
        "path": str(path.resolve()),
        "sha256": sha256_file(path),
        "bytes": path.stat().st_size,
        "rows": rows,
    }


def check_out_dir(out: Path, review: str, inputs: list[Path]) -> None:
    """``out`` must be absent, an empty folder, or a sealed run of the same review (which a new
    run replaces): never a folder holding anything the suite did not write, and never a folder
    holding one of the inputs.

    Raises:
        ConfigError: naming the folder and what is in the way.
    """
    out = out.resolve()
    for path in inputs:
        p = Path(path).resolve()
        if p == out or out in p.parents:
            raise ConfigError(
                f"--out {out} holds the input {p.name}: a run replaces its output folder. "
                "Write the run to another folder."
            )
    if not out.exists():
        return
    if not out.is_dir():
        raise ConfigError(f"--out {out} is a file, not a folder. Give a new folder.")
    entries = [e.name for e in out.iterdir()]
    if not entries:
        return
    manifest = out / MANIFEST
    sealed = manifest.is_file() and (out / MANIFEST_HASH).is_file()
    if sealed:
        with contextlib.suppress(OSError, ValueError):
            if json.loads(manifest.read_text("utf-8")).get("review") == review:
                return
        raise ConfigError(
            f"--out {out} holds a sealed run of another review; write this {review} review to "
            "its own folder."
        )
    shown = ", ".join(sorted(entries)[:5]) + (" ..." if len(entries) > 5 else "")
    raise ConfigError(
        f"--out {out} is not empty and is not a previous {review} run ({shown}): the suite "
        "never deletes what it did not write. Give a new or empty folder."
    )


@contextlib.contextmanager
def _locked(out: Path) -> Iterator[None]:
    """One run at a time into ``out``: a lock file beside it, taken over only from a process
    that no longer runs (a killed run)."""
    lock = out.with_name(f".{out.name}.lock")
    for _ in range(2):
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        except FileExistsError:
            with contextlib.suppress(OSError, ValueError):
                pid = int(lock.read_text().strip() or 0)
                if pid and _alive(pid):
                    raise ConfigError(
                        f"another run (process {pid}) is writing to {out}; wait for it, or "
                        "write to another folder."
                    ) from None
            lock.unlink(missing_ok=True)  # left by a run that was killed
            continue
        with os.fdopen(fd, "w") as fh:
            fh.write(str(os.getpid()))
        break
    else:
        raise ConfigError(f"cannot take the lock {lock} for {out}; remove it and run again.")
    try:
        yield
    finally:
        lock.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextlib.contextmanager
def staged_run(out: Path) -> Iterator[Path]:
    """Yield a fresh partial folder; move it to ``out`` only when the block finishes (one run
    at a time per ``out``; a sealed run there is kept until the new one is in place)."""
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    with _locked(out):
        yield from _staged(out)


def _staged(out: Path) -> Iterator[Path]:
    stage = out.with_name(f"{out.name}.partial-{uuid.uuid4().hex[:8]}")
    stage.mkdir()
    try:
        yield stage
    except BaseException as exc:
        (stage / FAILED).write_text(
            json.dumps(
                {
                    "status": "failed",
                    "at": utc_now(),
                    "error": safe_error_text(exc),
                    "raised": [
                        f"{Path(f.filename).name} line {f.lineno}, in {f.name}"
                        for f in traceback.extract_tb(exc.__traceback__)[-3:]
                    ],
                },
                indent=2,
            )
            + "\n",
            "utf-8",
        )
        exc.add_note(
            f"the unfinished run is kept at {stage} ({FAILED} says why); it is not evidence: "
            "delete it when you no longer need it."
        )
        raise
    if out.exists():
        old = out.with_name(f"{out.name}.replaced-{uuid.uuid4().hex[:8]}")
        os.replace(out, old)
        os.replace(stage, out)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(stage, out)


def read_json(path: Path) -> Any:
    return json.loads(path.read_text("utf-8"))
