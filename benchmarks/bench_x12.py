"""X12 import speed: an 837P of about 66 MB (the imsweb `x12_many_claims.txt` transaction set,
820 service lines, repeated 200 times in one interchange with consistent envelopes), read
into claim lines; a matching 835 read with its balancing checks; and the demo generator's
quarter written as X12 at scale (837P/837I and the 835) with the 835s applied to the claim
lines at claim and line level.

Usage: python benchmarks/bench_x12.py [--copies 200]
Results are printed and merged into benchmarks/data/results.json (figures in BENCHMARKS.md).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from _measure import DATA, save_results

HERE = Path(__file__).resolve().parent
FIXTURES = HERE.parent / "tests" / "fixtures" / "x12"


def _interchange(source: Path, copies: int, out: Path) -> Path:
    if out.is_file():
        return out
    text = source.read_text()
    segments = [s.strip() for s in text.split("~") if s.strip()]
    st = next(i for i, s in enumerate(segments) if s.startswith("ST*"))
    se = next(i for i, s in enumerate(segments) if s.startswith("SE*"))
    body = segments[st + 1 : se]
    isa, gs = segments[0], segments[1]
    parts = [isa, gs]
    for k in range(copies):
        ctl = f"{k + 1:09d}"
        parts.append(f"ST*{segments[st].split('*')[1]}*{ctl}*{segments[st].split('*')[-1]}")
        parts += body
        parts.append(f"SE*{len(body) + 2}*{ctl}")
    gs_ctl = gs.split("*")[6]
    isa_ctl = isa.split("*")[13]
    parts += [f"GE*{copies}*{gs_ctl}", f"IEA*1*{isa_ctl}"]
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("~\n".join(parts) + "~\n")
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--copies", type=int, default=200)
    ap.add_argument("--claims", type=int, default=50_000, help="demo claims written as X12")
    args = ap.parse_args()
    from audit_lib.x12.importer import read_835, read_837

    r: dict = {}
    big837 = _interchange(
        FIXTURES / "imsweb-x12-parser" / "837_5010" / "x12_many_claims.txt",
        args.copies,
        DATA / f"x12_837_{args.copies}.txt",
    )
    big835 = _interchange(
        FIXTURES / "edi-835-parser" / "test_edi_835_files" / "emedny_sample.txt",
        args.copies * 300,
        DATA / f"x12_835_{args.copies * 300}.txt",
    )
    for label, path, fn in (("837", big837, read_837), ("835", big835, read_835)):
        mb = path.stat().st_size / 1e6
        t = time.perf_counter()
        result = fn(path)
        secs = time.perf_counter() - t
        lines = result[1]["lines"] if label == "837" else result[2]["lines"]
        r[label] = {
            "mb": round(mb, 1),
            "seconds": round(secs, 2),
            "mb_per_minute": round(mb / secs * 60, 1),
            "service_lines": lines,
        }
        print(f"{label}: {mb:6.1f} MB, {lines:,} service lines in {secs:5.2f} s = "
              f"{mb / secs * 60:7.1f} MB/min")  # fmt: skip
    r["apply"] = _apply(args.claims)
    save_results("x12", r)
    return 0


def _apply(n_claims: int) -> dict:
    """The demo quarter of ``n_claims`` claims as X12: read the 837s and the 835, and apply the
    835 to the claim lines (matching claims and lines, apportioning claim-level amounts)."""
    from _measure import source_tag

    from audit_lib.claims import demo as demo_module
    from audit_lib.x12 import writer
    from audit_lib.x12.importer import apply_remits, read_835, read_837

    tag = source_tag(writer) + source_tag(demo_module)
    folder = DATA / f"x12_demo_{n_claims}_{tag}"
    if not (folder / "demo.835").is_file():
        demo = demo_module.generate_demo_claims(n_claims=n_claims)
        writer.write_demo_x12(demo.claims, folder)
    t = time.perf_counter()
    claims, _ = read_837([folder / "demo.837", folder / "demo.837i"])
    read_s = time.perf_counter() - t
    remits, _, _ = read_835(folder / "demo.835")
    t = time.perf_counter()
    _, stats = apply_remits(claims, remits)
    apply_s = time.perf_counter() - t
    print(f"demo X12: {len(claims):,} claim lines read in {read_s:.2f} s; "
          f"{stats['lines_matched']:,} lines filled from 835s in {apply_s:.2f} s")  # fmt: skip
    return {"claim_lines": len(claims), "read_837_seconds": round(read_s, 2),
            "lines_filled": stats["lines_matched"], "apply_seconds": round(apply_s, 2)}


if __name__ == "__main__":
    raise SystemExit(main())
