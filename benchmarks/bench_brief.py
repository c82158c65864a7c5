"""Benchmark: ``corridor demo`` from an empty data dir, and ``corridor brief`` from a warehouse.

Usage: ``python benchmarks/bench_brief.py [--repeat 3]``. Each run is a fresh subprocess (the
user's wall time, interpreter start included). Writes ``benchmarks/results/brief.json``/``.md``.
Targets (issue 6): demo from empty < 20 s; brief from an existing warehouse < 5 s.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
CLI = [sys.executable, "-c", "from corridor.cli.app import app\nfrom corridor.cli.brief import "
       "register\nregister(app)\napp(prog_name='corridor')"]  # fmt: skip
TARGETS = {"demo_from_empty_s": 20.0, "brief_existing_warehouse_s": 5.0}


def timed(args: list[str], env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    subprocess.run([*CLI, *args], env=env, check=True, capture_output=True)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    n = ap.parse_args().repeat
    demo, brief = [], []
    for _ in range(n):
        with tempfile.TemporaryDirectory() as tmp:
            env = os.environ | {"CORRIDOR_DATA_DIR": f"{tmp}/data",
                                "CORRIDOR_CACHE_DIR": f"{tmp}/cache"}  # fmt: skip
            env.pop("CORRIDOR_WAREHOUSE", None)
            demo.append(timed(["demo"], env))
            brief.append(timed(["--warehouse", f"{tmp}/data/sample.duckdb", "brief",
                                "--importer", "JPN", "--exporter", "IND", "--hs", "76",
                                "--years", "2015-2024", "--out", f"{tmp}/b"], env))  # fmt: skip
    got = {"demo_from_empty_s": min(demo), "brief_existing_warehouse_s": min(brief)}
    result = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "load_avg_at_end": os.getloadavg()},
        "runs": {"demo_from_empty_s": demo, "brief_existing_warehouse_s": brief},
        "best": got,
        "targets": TARGETS,
        "met": {k: got[k] < TARGETS[k] for k in TARGETS},
    }  # fmt: skip
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    (out / "brief.json").write_text(json.dumps(result, indent=2) + "\n")
    lines = [
        "# corridor brief benchmark",
        "",
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}, best of {n} "
        "(fresh subprocess each, wall time incl. interpreter start).",
        "",
        "| step | best (s) | all runs (s) | target (s) | met |",
        "|---|---|---|---|---|",
    ]
    for k in TARGETS:
        runs = ", ".join(f"{x:.1f}" for x in result["runs"][k])
        lines.append(f"| {k} | {got[k]:.1f} | {runs} | {TARGETS[k]:.0f} | "
                     f"{'yes' if result['met'][k] else 'NO'} |")  # fmt: skip
    (out / "brief.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
