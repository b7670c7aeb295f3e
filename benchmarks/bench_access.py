"""Access-review benchmark: a quarter of a mid-size hospital's audit trail.

10,000,000 events, 50,000 patients, 5,000 users, 500,000 encounter rows, read from Parquet
(the demo generator scaled up, with its planted snooping). Measures, in one process:
load (Parquet -> DuckDB, strict parsing), integrity flags, the Great Expectations suite,
detection rules, cases; then `audit access` end to end (Papermill kernel, HTML, workpaper,
manifest) with the peak memory of any process.

Usage: python benchmarks/bench_access.py [--events 10000000] [--skip-e2e]
Results are printed and merged into benchmarks/data/results.json; copy them into
BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sys
from pathlib import Path

from _measure import DATA, run_measured, save_results, source_tag, timed


def make_files(events: int) -> dict[str, str]:
    from audit_lib.access import demo as generator
    from audit_lib.access.demo import generate_demo_access, write_demo_access

    folder = DATA / f"access_{events}_{source_tag(generator)}"
    names = ("access_log", "workforce", "patients", "encounters")
    if all((folder / f"{n}.parquet").is_file() for n in names):
        return {n: str(folder / f"{n}.parquet") for n in names}
    scale = events / 10_000_000
    demo = generate_demo_access(
        period="2026Q3",
        seed=7,
        n_users=max(240, round(5000 * scale)),
        n_patients=max(6000, round(50_000 * scale)),
        n_encounters=max(12_000, round(500_000 * scale)),
        n_events=events,
    )
    return write_demo_access(demo, folder, fmt="parquet")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=10_000_000)
    ap.add_argument("--skip-e2e", action="store_true")
    args = ap.parse_args()
    os.environ.setdefault("AUDIT_PHI_KEY", "benchmark-key-0123456789abcdef0123456")

    from audit_lib import load_config
    from audit_lib.access import integrity
    from audit_lib.access.cases import build_cases
    from audit_lib.access.detect import detect
    from audit_lib.access.load import connect, load_access_log, reference_tables
    from audit_lib.access.pipeline import _load_reference
    from audit_lib.config import parse_period
    from audit_lib.gx.engine import gx_module
    from audit_lib.phi import Masker

    r: dict = {"python": platform.python_version(), "machine": f"{os.cpu_count()} cores"}
    files = timed("generate synthetic Parquet (once)", lambda: make_files(args.events), r)
    r["parquet_mb"] = round(sum(Path(p).stat().st_size for p in files.values()) / 1e6, 1)
    config = load_config(period="2026Q3")
    start, end = parse_period("2026Q3")
    gx_module()  # GX import outside the timings (paid once per process)
    import tempfile

    spill = tempfile.TemporaryDirectory(prefix="bench-access-")
    con = connect(
        config.access.site_timezone,
        memory_limit=config.access.engine_memory_limit,
        temp_dir=spill.name,
    )
    log = timed("load access log (Parquet -> DuckDB)", lambda: load_access_log(
        files["access_log"], con), r)  # fmt: skip
    r["events"] = log.rows_read
    ref = timed(
        "load workforce, patients, encounters",
        lambda: _load_reference({k: files[k] for k in ("workforce", "patients", "encounters")},
                                None),
        r,
    )  # fmt: skip
    reference_tables(ref, con)
    r["encounters"] = ref["encounters"].rows_read
    counts = timed("integrity flags (DuckDB)", lambda: integrity.flag_events(
        con, start, end, end), r)  # fmt: skip
    masker = Masker()
    timed("GX suite (integrity + reference)", lambda: integrity.validate(con, ref, masker), r)
    alerts = timed("detection rules (DuckDB)", lambda: detect(con, config.access, start, end), r)
    r["alerts"] = len(alerts)

    def cases():
        bulk = con.execute(
            "SELECT c.user_id, c.work_date AS ev_date, c._row, c.event_id, c.patient_id, "
            "c.ts_local FROM events_wd c JOIN bulk b ON b.user_id = c.user_id "
            "AND b.ev_date = c.work_date"
        ).df()
        return build_cases(alerts, bulk, breach_threshold=500, masker=masker)

    _, case_table, _ = timed("cases", cases, r)
    r["cases"] = len(case_table)
    r["rows_in_detection"] = counts["rows_in_detection"]
    r["peak_rss_in_process_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    con.close()
    spill.cleanup()
    if not args.skip_e2e:
        out = DATA / "access_out"
        cmd = [sys.executable, "-m", "audit_lib.cli", "access", "--period", "2026Q3",
               "--access-log", files["access_log"], "--workforce", files["workforce"],
               "--patients", files["patients"], "--encounters", files["encounters"],
               "--out", str(out)]  # fmt: skip
        if out.exists():
            import shutil

            shutil.rmtree(out)
        res = run_measured(cmd)
        r["audit access end to end"] = round(res["seconds"], 1)
        print(res["stderr"].strip())
        if res["rc"] != 0:
            return 1
        r["peak_rss_largest_child_mb"] = res["peak_mb"]
        print(f"{'audit access end to end':>40}: {r['audit access end to end']:8.1f} s")
        print(f"{'peak memory (largest process)':>40}: {r['peak_rss_largest_child_mb']:8d} MB")
    save_results("access", r)
    print(json.dumps(r, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
