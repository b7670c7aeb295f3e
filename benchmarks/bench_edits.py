"""NCCI and MUE speed: 1,000,000 claim lines (the claims benchmark file) against a full-size
PTP table (3,000,000 synthetic pairs over 12,000 codes, plus the demo pairs, with effective
and deletion dates and indicators 0/1/9) and an MUE table of 12,000 codes.

The pairs are synthetic (CMS content is licensed and not shipped); their number and shape
match a quarterly practitioner PTP file. Usage: python benchmarks/bench_edits.py
"""

from __future__ import annotations

import json
import os
import time

import numpy as np
import pandas as pd
from _measure import save_results


def synthetic_tables(seed: int = 11):
    from audit_lib.codesets.edits import DEMO_MUE, DEMO_PTP, EditTables, load_edit_tables

    demo = load_edit_tables([DEMO_PTP], [DEMO_MUE])
    rng = np.random.default_rng(seed)
    codes = np.array([f"{c:05d}" for c in rng.choice(np.arange(10000, 99999), 12000, False)])
    n = 3_000_000
    col1, col2 = rng.choice(codes, n), rng.choice(codes, n)
    eff = pd.Timestamp("1996-01-01") + pd.to_timedelta(rng.integers(0, 10000, n), "D")
    deleted = rng.random(n) < 0.2
    dele = pd.Series(eff + pd.to_timedelta(rng.integers(30, 3000, n), "D")).where(deleted)
    ptp = pd.DataFrame(
        {
            "col1": col1,
            "col2": col2,
            "effective": eff,
            "deletion": dele,
            "indicator": rng.choice([0, 1, 1, 1, 9], n).astype("int64"),
            "claim_type": "professional",
            "table": "synthetic",
        }
    )
    ptp = pd.concat([ptp, demo.ptp], ignore_index=True)
    mue = pd.DataFrame(
        {
            "code": codes,
            "mue": rng.integers(1, 10, len(codes)),
            "mai": rng.choice([1, 2, 3], len(codes)),
            "claim_type": "professional",
            "table": "synthetic",
        }
    )
    mue = pd.concat([mue, demo.mue], ignore_index=True)
    return EditTables(ptp, mue, [])


def main() -> int:
    os.environ.setdefault("AUDIT_PHI_KEY", "benchmark-key-0123456789abcdef0123456")
    from bench_claims import make_file

    from audit_lib import load_config
    from audit_lib.claims.edits import edit_findings
    from audit_lib.claims.pipeline import load_claims, prepare_batches

    path = make_file(1_000_000)
    config = load_config(period="2026Q3")
    lines, *_ = prepare_batches(load_claims(path, config=config), config)
    tables = synthetic_tables()
    t = time.perf_counter()
    found = edit_findings(lines, tables)
    secs = time.perf_counter() - t
    from audit_lib.claims.modifier_rules import age_findings, bilateral_findings
    from audit_lib.codesets.mpfs import DEMO_MPFS, load_bilateral_indicators

    t = time.perf_counter()
    ages, age_stats = age_findings(lines)  # MCE lists: distinct codes probed, then joined
    age_secs = time.perf_counter() - t
    mpfs, _ = load_bilateral_indicators(DEMO_MPFS)
    t = time.perf_counter()
    bilateral, _ = bilateral_findings(lines, mpfs)
    bilateral_secs = time.perf_counter() - t
    r = {
        "lines": len(lines),
        "ptp_pairs": len(tables.ptp),
        "mue_codes": len(tables.mue),
        "seconds": round(secs, 2),
        "findings": found["rule_id"].value_counts().to_dict() if len(found) else {},
        "mce_age_seconds": round(age_secs, 2),
        "mce_diagnoses_checked": age_stats["diagnoses_checked"],
        "mce_findings": len(ages),
        "mpfs_bilateral_seconds": round(bilateral_secs, 2),
        "mpfs_bilateral_findings": len(bilateral),
    }
    print(json.dumps(r, indent=2))
    save_results("edits", r)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
