"""Shared by the benchmarks: timing a CLI run with its true peak memory, and saving figures."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import time
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"

# Run from a small wrapper process: a child forked from a large benchmark process reports
# that process's memory as its own peak (ru_maxrss counts the pages shared at fork).
_WRAPPER = (
    "import resource, subprocess, sys, time, json; t = time.perf_counter(); "
    "d = subprocess.run(sys.argv[1:], capture_output=True, text=True); "
    "print(json.dumps({'rc': d.returncode, 'stderr': d.stderr, "
    "'seconds': time.perf_counter() - t, "
    "'peak_kb': resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}))"
)


def run_measured(cmd: list[str]) -> dict:
    """rc, stderr, seconds and peak_mb (largest process of the run) of ``cmd``."""
    done = subprocess.run([sys.executable, "-c", _WRAPPER, *cmd], capture_output=True, text=True)
    res = json.loads(done.stdout)
    return {**res, "peak_mb": round(res["peak_kb"] / 1024)}


def save_results(key: str, figures: dict) -> None:
    """Merge one benchmark's figures into benchmarks/data/results.json under ``key``."""
    path = DATA / "results.json"
    doc = json.loads(path.read_text()) if path.is_file() else {}
    doc[key] = figures
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, indent=2) + "\n")


def timed(label: str, fn, results: dict):
    """Run ``fn``, record its seconds in ``results[label]``, print them; return its value."""
    t = time.perf_counter()
    value = fn()
    results[label] = round(time.perf_counter() - t, 2)
    print(f"{label:>40}: {results[label]:8.2f} s", flush=True)
    return value


def source_tag(module) -> str:
    """A short hash of a generator module's source, for naming its cached output: a changed
    generator makes new files instead of reusing stale ones."""
    return hashlib.sha256(Path(module.__file__).read_bytes()).hexdigest()[:8]
