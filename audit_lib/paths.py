"""Where reports go by default, and the input files a path stands for."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from .config import AuditConfig

PACKAGE = Path(__file__).resolve().parent


def bundled_dir(name: str) -> Path:
    """``notebooks`` or ``expectations`` as shipped with the package (in a checkout, links to
    the repository's folders of those names)."""
    return PACKAGE / "bundled" / name


def source_checkout() -> Path | None:
    """The repository the package runs from, or None for an installed wheel."""
    root = PACKAGE.parent
    return root if (root / "pyproject.toml").is_file() and (root / "notebooks").is_dir() else None


def reports_dir() -> Path:
    """``AUDIT_REPORTS_DIR``, else the repository's ``reports/`` folder, else (an installed
    package) ``reports/`` in the current folder."""
    env = os.environ.get("AUDIT_REPORTS_DIR")
    if env:
        return Path(env)
    root = source_checkout()
    return (root if root else Path.cwd()) / "reports"


def default_out_dir(config: AuditConfig, review: str) -> Path:
    """``reports/<period>/<review>/``, e.g. ``reports/2026Q3/claims``; when that folder holds
    a sealed run (``make demo`` writes them), ``<review>-notebook`` beside it, so a notebook
    run in JupyterLab never writes into a sealed run."""
    base = reports_dir() / (config.period or "unspecified-period")
    sealed = (base / review / "manifest.json").is_file()
    return base / (f"{review}-notebook" if sealed else review)


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
