"""Start-up time of the CLI: `corridor --help` must stay under 0.5 s (heavy imports are lazy).

Run: .venv/bin/python benchmarks/bench_startup.py   → benchmarks/results/startup.json
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
TARGET_S = 0.5
RUNS = 7


def time_help() -> float:
    """Wall time of one `corridor --help` in a fresh interpreter."""
    exe = Path(sys.executable).with_name("corridor")
    start = time.perf_counter()
    subprocess.run([str(exe), "--help"], check=True, capture_output=True, env=os.environ.copy())
    return time.perf_counter() - start


def main() -> None:
    """Measure, write results/startup.json and print a one-line summary."""
    time_help()  # warm the file cache
    runs = [time_help() for _ in range(RUNS)]
    median = statistics.median(runs)
    result = {
        "benchmark": "startup",
        "command": "corridor --help",
        "runs_s": [round(r, 3) for r in runs],
        "median_s": round(median, 3),
        "target_s": TARGET_S,
        "met": median < TARGET_S,
    }
    out = HERE / "results" / "startup.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    status = "met" if result["met"] else "MISSED"
    print(f"corridor --help: median {median:.3f} s over {RUNS} runs (< {TARGET_S} s: {status})")


if __name__ == "__main__":
    main()
