"""Claims review benchmark: speed and memory on a large synthetic claims file.

Measures, on the same file:
  * load (CSV -> typed frame), derive (derived columns and long batches);
  * rule evaluation with Great Expectations (validate + findings) versus a plain vectorized
    pandas pass computing the same findings (audit_lib.engine_pandas), and their ratio;
  * `audit claims` end to end (Papermill, HTML, workpaper) with the peak memory of any process;
  * `audit scan-phi` of that run against its input (goal: under a minute).

Usage: python benchmarks/bench_claims.py [--lines 1000000] [--skip-e2e]
Results are printed and written to benchmarks/data/results.json; copy them into BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import sys
from pathlib import Path

from _measure import DATA, run_measured, save_results, source_tag, timed


def make_file(lines: int) -> Path:
    from audit_lib import generate_demo_claims
    from audit_lib.claims import demo

    path = DATA / f"claims_{lines}_{source_tag(demo)}.csv"
    if path.is_file():
        return path
    DATA.mkdir(parents=True, exist_ok=True)
    n_claims = max(100, round(lines / 1.92))
    demo = generate_demo_claims(period="2026Q3", seed=7, n_claims=n_claims)
    demo.claims.to_csv(path, index=False, lineterminator="\n")
    return path


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lines", type=int, default=1_000_000)
    ap.add_argument("--skip-e2e", action="store_true")
    args = ap.parse_args()
    os.environ.setdefault("AUDIT_PHI_KEY", "benchmark-key-0123456789abcdef0123456")

    from audit_lib import engine_pandas, load_config
    from audit_lib.claims.pipeline import (
        _parse_findings,
        combine_findings,
        load_claims,
        prepare_batches,
    )
    from audit_lib.gx import claims_suite

    r: dict = {"python": platform.python_version(), "machine": f"{os.cpu_count()} cores"}
    path = timed("generate synthetic file (once)", lambda: make_file(args.lines), r)
    r["file_mb"] = round(path.stat().st_size / 1e6, 1)
    config = load_config(period="2026Q3", as_of="2026-09-30")
    loaded = timed("load CSV -> typed frame", lambda: load_claims(path, config=config), r)
    r["lines"] = loaded.rows_read
    lines, batches, params, shown = timed(
        "derive columns and batches", lambda: prepare_batches(loaded, config), r
    )
    claims_suite.gx_module()  # import GX outside the timings (about 5 s, paid once per process)
    from audit_lib.codesets import icd10cm

    icd10cm.history()  # the ICD-10-CM history is loaded once, for whichever engine runs first

    def gx_eval():
        red = claims_suite.redact_results(claims_suite.validate(batches, params))
        return claims_suite.findings_from_results(red, batches, lines, shown)

    def pandas_eval():
        return claims_suite.findings_from_results(
            engine_pandas.evaluate(batches, params), batches, lines, shown
        )

    gx_f = timed("rules: Great Expectations", gx_eval, r)
    pd_f = timed("rules: plain pandas", pandas_eval, r)
    parse = _parse_findings(loaded, lines)
    gx_all, pd_all = combine_findings(parse, gx_f), combine_findings(parse, pd_f)
    assert gx_all.equals(pd_all), "the two engines disagree"
    r["findings"] = len(gx_all)
    r["ratio_gx_over_pandas"] = round(r["rules: Great Expectations"] / r["rules: plain pandas"], 2)
    r["ratio_including_derive"] = round(
        (r["rules: Great Expectations"] + r["derive columns and batches"])
        / (r["rules: plain pandas"] + r["derive columns and batches"]),
        2,
    )
    print(
        f"{'GX / plain pandas':>40}: {r['ratio_gx_over_pandas']:8.2f} x "
        f"({r['ratio_including_derive']:.2f} x with the shared derive step)"
    )
    r["peak_rss_mb_in_process"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)

    if not args.skip_e2e:
        out = DATA / "out"
        cmd = [
            sys.executable,
            "-m",
            "audit_lib.cli",
            "claims",
            "--claims",
            str(path),
            "--period",
            "2026Q3",
            "--out",
            str(out),
        ]
        res = run_measured(cmd)
        r["audit claims end to end"] = round(res["seconds"], 2)
        print(f"{'audit claims end to end':>40}: {r['audit claims end to end']:8.2f} s")
        if res["rc"] != 0:
            print(res["stderr"])
            return 1
        r["peak_rss_mb_any_child"] = res["peak_mb"]
        print(f"{'peak memory (kernel or CLI)':>40}: {r['peak_rss_mb_any_child']:8d} MB")
        # goal (issue 13): scan-phi over a 1M-line run and its input in under a minute
        scan = run_measured(
            [sys.executable, "-m", "audit_lib.cli", "scan-phi", str(out), "--inputs", str(path)]
        )
        r["scan-phi of the run"] = round(scan["seconds"], 2)
        r["scan-phi peak_mb"] = scan["peak_mb"]
        print(f"{'scan-phi of the run':>40}: {r['scan-phi of the run']:8.2f} s")
        if scan["rc"] != 0:
            print(scan["stderr"])
            return 1
    save_results("claims", r)
    return 0


if __name__ == "__main__":
    sys.exit(main())
