"""First-pass clean-claim rate speed (issue 14): N claims acknowledged by 277CAs.

    python benchmarks/bench_acks.py --claims 1000000

Writes one 277CA (005010X214) with a claim loop per claim (90% accepted A2, 5% rejected A7,
3% received A1 only, 2% rejected A6), then times reading it (``read_acknowledgements``) and
the KPI (``clean_claim_rate``) against a claims table holding the same patient control numbers.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from audit_lib.claims.first_pass import clean_claim_rate
from audit_lib.x12.acks import read_acknowledgements
from tests.unit.test_first_pass import _277ca, _stc


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--claims", type=int, default=1_000_000)
    n = ap.parse_args().claims
    rng = np.random.default_rng(1)
    cats = rng.choice(["A2:20", "A7:562:85", "A1:19", "A6:35"], n, p=[0.9, 0.05, 0.03, 0.02])
    ids = [f"C{i:08d}" for i in range(n)]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "acks.277"
        path.write_text(
            _277ca([(c, [_stc(k, "20260710")], []) for c, k in zip(ids, cats, strict=True)])
        )
        size = path.stat().st_size
        t = time.perf_counter()
        statuses, sets, _ = read_acknowledgements(path)
        read = time.perf_counter() - t
    t = time.perf_counter()
    kpi, rejected = clean_claim_rate(pd.DataFrame({"claim_id": ids}), statuses, sets)
    rate = time.perf_counter() - t
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{n:,} claims: 277CA of {size / 1e6:.0f} MB read in {read:.1f} s, first-pass rate "
        f"{kpi.value} in {rate:.1f} s ({len(rejected):,} rejected); peak {peak:,.0f} MB"
    )


if __name__ == "__main__":
    main()
