"""Quarter over quarter: findings classified new, recurring or resolved by fingerprint."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputError
from ..outputs import csv_safe, csv_unescape


def load_prior_findings(prior_dir: str | Path) -> pd.DataFrame:
    p = Path(prior_dir) / "findings.csv"
    if not p.is_file():
        raise InputError(
            f"{prior_dir} is not a previous run folder: it has no findings.csv. Point --prior at "
            "the folder of the previous period's review (for example reports/2026Q2/claims).",
            path=p,
        )
    prior = csv_unescape(pd.read_csv(p, dtype=str, keep_default_na=False))
    if "fingerprint" not in prior.columns:
        raise InputError(
            f"{p} has no fingerprint column (made by an older version); re-run that period first.",
            path=p,
        )
    return prior


def compare(findings: pd.DataFrame, prior: pd.DataFrame, prior_dir: str | Path) -> dict[str, Any]:
    """Counts and lists of new, recurring and resolved findings."""
    now = set(findings["fingerprint"])
    before = set(prior["fingerprint"])
    status = pd.Series(
        np.where(findings["fingerprint"].isin(before), "recurring", "new"), index=findings.index
    )
    resolved = prior[~prior["fingerprint"].isin(now)]
    cols = ["rule_id", "record_key", "field", "detail", "fingerprint"]
    return {
        "prior": str(prior_dir),
        "counts": {
            "new": int((status == "new").sum()),
            "recurring": int((status == "recurring").sum()),
            "resolved": len(resolved),
        },
        "status": status,
        "resolved": resolved[cols].reset_index(drop=True),
    }


def write_comparison(findings: pd.DataFrame, comparison: dict[str, Any], path: Path) -> Path:
    """comparison.csv: every current finding new/recurring, then last period's resolved ones."""
    status = findings[["rule_id", "record_key", "field", "fingerprint"]].assign(
        status=comparison["status"]
    )
    resolved = comparison["resolved"].assign(status="resolved")
    csv_safe(pd.concat([status, resolved[status.columns]], ignore_index=True)).to_csv(
        path, index=False, lineterminator="\n"
    )
    return path
