"""Where reports go by default, and the input files a path stands for."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from .config import AuditConfig


def reports_dir() -> Path:
    """``AUDIT_REPORTS_DIR`` or the repository's ``reports/`` folder."""
    env = os.environ.get("AUDIT_REPORTS_DIR")
    return Path(env) if env else Path(__file__).resolve().parents[1] / "reports"


def default_out_dir(config: AuditConfig, review: str) -> Path:
    """``reports/<period>/<review>/``, e.g. ``reports/2026Q3/claims``."""
    return reports_dir() / (config.period or "unspecified-period") / review


def expand_files(source: Any) -> list[Path]:
    """The files of a source: one path or a sequence of them, a folder standing for the files
    in it (sorted, hidden files left out)."""
    items = source if isinstance(source, list | tuple) else [source]
    files: list[Path] = []
    for item in items:
        p = Path(item)
        if p.is_dir():
            files += sorted(f for f in p.iterdir() if f.is_file() and not f.name.startswith("."))
        else:
            files.append(p)
    return files
