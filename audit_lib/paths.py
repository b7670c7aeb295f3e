"""Where reports go by default."""

from __future__ import annotations

import os
from pathlib import Path

from .config import AuditConfig


def reports_dir() -> Path:
    """``AUDIT_REPORTS_DIR`` or the repository's ``reports/`` folder."""
    env = os.environ.get("AUDIT_REPORTS_DIR")
    return Path(env) if env else Path(__file__).resolve().parents[1] / "reports"


def default_out_dir(config: AuditConfig, review: str) -> Path:
    """``reports/<period>/<review>/``, e.g. ``reports/2026Q3/claims``."""
    return reports_dir() / (config.period or "unspecified-period") / review
