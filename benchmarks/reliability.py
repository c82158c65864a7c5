"""The reliability run: the seeded CLI fuzz of tests/fuzz_cli.py, counts written to results.

Usage: ``python benchmarks/reliability.py [--cases 520] [--seed 7601]``. Builds the sample,
the real HS 7601 weight panel, an empty, a missing, a garbage and a directory "warehouse",
damaged copies of the real input files, then runs the cases and writes
``benchmarks/results/reliability.json`` and ``reliability.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "tests"))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, default=520)
    ap.add_argument("--seed", type=int, default=7601)
    args = ap.parse_args()
    shared = Path(os.environ.get("CORRIDOR_SHARED_DATA", ROOT.parent / "shared" / "data"))
    with tempfile.TemporaryDirectory(prefix="corridor-fuzz-") as tmp:
        base = Path(tmp)
        os.environ["CORRIDOR_DATA_DIR"] = str(base / "data")
        os.environ["CORRIDOR_CACHE_DIR"] = str(base / "cache")
        from fuzz_cli import run
        from test_fuzz import warehouses

        class Factory:
            def mktemp(self, name: str) -> Path:
                path = base / name
                path.mkdir()
                return path

        labels = warehouses.__wrapped__(Factory(), shared)
        start = time.perf_counter()
        report = run(args.seed, args.cases, shared, base / "work", labels)
        seconds = time.perf_counter() - start
    counts = report.counts()
    totals = {
        s: sum(c.get(s, 0) for c in counts.values()) for s in ("ok", "clean_error", "failure")
    }
    doc = {
        "seed": args.seed,
        "cases": args.cases,
        "seconds": round(seconds, 1),
        "totals": totals,
        "by_command": counts,
        "failures": [
            {"args": o.case.args[:10], "warehouse": o.case.warehouse, "exit": o.exit_code,
             "detail": o.detail[-400:]}
            for o in report.failures
        ],
    }  # fmt: skip
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    (out / "reliability.json").write_text(json.dumps(doc, indent=2) + "\n")
    lines = [
        f"# Reliability — {args.cases} seeded cases (seed {args.seed}), {seconds:.0f} s",
        "",
        "| command | ok | clean error | failure |",
        "|---|---:|---:|---:|",
        *(f"| {k} | {v.get('ok', 0)} | {v.get('clean_error', 0)} | {v.get('failure', 0)} |"
          for k, v in counts.items()),
        f"| **total** | **{totals['ok']}** | **{totals['clean_error']}** | "
        f"**{totals['failure']}** |",
    ]  # fmt: skip
    (out / "reliability.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
