"""Fixed costs: `corridor --help` (< 0.5 s) and opening an existing warehouse (<= 50 ms).

Run: .venv/bin/python benchmarks/bench_startup.py   → benchmarks/results/startup.json

The warehouse open is timed around ``Warehouse(path)`` (for writing: the connection, memory
settings and the schema-version check), on a warehouse that already holds the sample
corridor: in a fresh process (DuckDB and the settings already imported and read, as every
command has them before it opens the warehouse) and warm.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from children import user_env

HERE = Path(__file__).resolve().parent
TARGET_S = 0.5
OPEN_TARGET_MS = 50.0
RUNS = 7

OPEN_CHILD = """
import sys, time
import duckdb
from corridor.settings import get_settings
from corridor.store.warehouse import Warehouse
get_settings()
start = time.perf_counter()
wh = Warehouse(sys.argv[1])
took = time.perf_counter() - start
wh.close()
start = time.perf_counter()
duckdb.connect(sys.argv[1]).close()  # the floor: DuckDB alone opening the same file
print(took, time.perf_counter() - start)
"""


def time_help() -> float:
    """Wall time of one `corridor --help` in a fresh interpreter."""
    exe = Path(sys.executable).with_name("corridor")
    start = time.perf_counter()
    subprocess.run([str(exe), "--help"], check=True, capture_output=True, env=user_env())
    return time.perf_counter() - start


def time_open(tmp: Path) -> dict:
    """Open an existing warehouse for writing: in fresh processes and warm, median of RUNS."""
    from corridor.services.loading import build_sample
    from corridor.store.warehouse import Warehouse

    path = tmp / "open.duckdb"
    with Warehouse(path) as wh:
        build_sample(wh, tmp / "sample")
    fresh, bare = [], []
    for _ in range(RUNS):
        out = subprocess.run([sys.executable, "-c", OPEN_CHILD, str(path)], check=True,
                             capture_output=True, text=True, env=user_env())  # fmt: skip
        took, floor = map(float, out.stdout.split()[-2:])
        fresh.append(took)
        bare.append(floor)
    warm = []
    for _ in range(RUNS * 3):
        start = time.perf_counter()
        Warehouse(path).close()
        warm.append(time.perf_counter() - start)
    fresh_ms = statistics.median(fresh) * 1000
    return {
        "what": "Warehouse(path) for writing on an existing warehouse (sample corridor loaded)",
        "fresh_process_runs_ms": [round(r * 1000, 1) for r in fresh],
        "fresh_process_median_ms": round(fresh_ms, 1),
        "warm_median_ms": round(statistics.median(warm) * 1000, 2),
        "duckdb_connect_alone_median_ms": round(statistics.median(bare) * 1000, 1),
        "target_ms": OPEN_TARGET_MS,
        "met": fresh_ms <= OPEN_TARGET_MS,
    }


def main() -> None:
    """Measure, write results/startup.json and print a one-line summary."""
    import tempfile

    time_help()  # warm the file cache
    runs = [time_help() for _ in range(RUNS)]
    median = statistics.median(runs)
    with tempfile.TemporaryDirectory() as tmp:
        os.environ.setdefault("CORRIDOR_CACHE_DIR", str(Path(tmp) / "cache"))
        opening = time_open(Path(tmp))
    result = {
        "benchmark": "startup",
        "command": "corridor --help",
        "runs_s": [round(r, 3) for r in runs],
        "median_s": round(median, 3),
        "target_s": TARGET_S,
        "met": median < TARGET_S,
        "warehouse_open": opening,
        "load_average_1_5_15": [round(x, 2) for x in os.getloadavg()],
    }
    out = HERE / "results" / "startup.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    status = "met" if result["met"] else "MISSED"
    print(f"corridor --help: median {median:.3f} s over {RUNS} runs (< {TARGET_S} s: {status})")
    o = opening
    print(f"open existing warehouse: {o['fresh_process_median_ms']:.1f} ms in a fresh process, "
          f"{o['warm_median_ms']:.2f} ms warm; duckdb.connect alone "
          f"{o['duckdb_connect_alone_median_ms']:.1f} ms (<= {OPEN_TARGET_MS:.0f} ms: "
          f"{'met' if o['met'] else 'MISSED'})")  # fmt: skip


if __name__ == "__main__":
    main()
