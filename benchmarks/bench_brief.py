"""Benchmark: ``corridor demo`` from an empty data dir, ``corridor brief`` from a warehouse.

Usage: ``python benchmarks/bench_brief.py [--repeat 5]``. Each run is a fresh subprocess (the
user's wall time, interpreter start included). Writes ``benchmarks/results/brief.json``/``.md``.

Measured in one run, on the synthetic sample warehouse the demo builds:

* ``demo_from_empty_s`` — sample + summary + brief PDF, empty data and cache dirs;
* ``brief_s`` — ``corridor brief`` from the existing warehouse (compiled plans and drawn
  charts cached by the demo's run of the same question: the normal second question);
* ``brief_cold_caches_s`` — the same with an empty cache dir (plans compiled, charts drawn);
* ``brief_no_pdf_s`` — ``--no-pdf`` (HTML, charts, data.json and CSVs);
* ``statements`` — SQL statements one brief runs (``Catalog.statements``), in-process;
* the old brief (before the session rewrite) took 5.5 s with 55 statements on this sample.

Targets (issue 11): brief ≤ 2.5 s and ≤ 15 statements; (issue 6) demo < 20 s.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from children import user_env

HERE = Path(__file__).resolve().parent
CLI = [str(Path(sys.executable).parent / "corridor")]  # the installed console script
TARGETS = {"brief_s": 2.5, "statements": 15, "demo_from_empty_s": 20.0}
BEFORE = {"brief_s": 5.5, "statements": 55, "demo_from_empty_s": 6.1}


CPU: dict[str, list[float]] = {}


def timed(args: list[str], env: dict[str, str], name: str) -> float:
    """Wall time of one run; its CPU time (all processes it started) goes to ``CPU``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run([*CLI, *args], env=env, check=True, capture_output=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    CPU.setdefault(name, []).append(cpu)
    return wall


def statements(warehouse: Path) -> int:
    """SQL statements of one brief, counted by the catalog (in this process)."""
    from corridor.query import CorridorQuery
    from corridor.services.brief import build_brief
    from corridor.services.session import Session
    from corridor.store.catalog import Catalog

    q = CorridorQuery(importer="JPN", exporter="IND", hs="76", years="2015-2024")
    with Catalog(warehouse) as cat:
        build_brief(Session(cat, q))
        return cat.statements


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    n = ap.parse_args().repeat
    runs: dict[str, list[float]] = {"demo_from_empty_s": [], "brief_s": [],
                                    "brief_cold_caches_s": [], "brief_no_pdf_s": []}  # fmt: skip
    load_start = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        env = user_env(CORRIDOR_DATA_DIR=f"{tmp}/data", CORRIDOR_CACHE_DIR=f"{tmp}/cache")
        env.pop("CORRIDOR_WAREHOUSE", None)
        runs["demo_from_empty_s"].append(timed(["demo"], env, "demo_from_empty_s"))
        wh = f"{tmp}/data/sample.duckdb"
        brief = ["--warehouse", wh, "brief", "--importer", "JPN", "--exporter", "IND",
                 "--hs", "76", "--years", "2015-2024", "--out"]  # fmt: skip
        for i in range(n):
            runs["brief_s"].append(timed([*brief, f"{tmp}/b{i}"], env, "brief_s"))
            runs["brief_no_pdf_s"].append(
                timed([*brief, f"{tmp}/h{i}", "--no-pdf"], env, "brief_no_pdf_s")
            )
            cold = env | {"CORRIDOR_CACHE_DIR": f"{tmp}/cold{i}"}
            if i < 2:
                runs["brief_cold_caches_s"].append(
                    timed([*brief, f"{tmp}/c{i}"], cold, "brief_cold_caches_s")
                )
        os.environ.update({"CORRIDOR_DATA_DIR": env["CORRIDOR_DATA_DIR"],
                           "CORRIDOR_CACHE_DIR": env["CORRIDOR_CACHE_DIR"]})  # fmt: skip
        count = statements(Path(wh))
    got = {k: statistics.median(v) for k, v in runs.items()}
    got["statements"] = count
    result = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "load_avg_at_start": load_start, "load_avg_at_end": os.getloadavg()},
        "runs": runs,
        "cpu_s": CPU,
        "median": got,
        "before": BEFORE,
        "targets": TARGETS,
        "met": {k: got[k] <= TARGETS[k] for k in TARGETS},
    }  # fmt: skip
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    (out / "brief.json").write_text(json.dumps(result, indent=2) + "\n")
    la = ", ".join(f"{x:.1f}" for x in load_start)
    lines = [
        "# corridor brief benchmark",
        "",
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}, median of {n} (demo: 1; "
        f"cold caches: 2); fresh subprocess each, wall time incl. interpreter start. Load "
        f"average at start: {la} (a shared machine: other jobs ran meanwhile).",
        "",
        "| measure | median | all runs | CPU s (all processes) | before (old) | target | met |",
        "|---|---|---|---|---|---|---|",
    ]
    for k in runs:
        all_runs = ", ".join(f"{x:.2f}" for x in runs[k])
        before = f"{BEFORE[k]:.1f} s" if k in BEFORE else "—"
        target = f"≤ {TARGETS[k]} s" if k in TARGETS else "—"
        met = ("yes" if result["met"][k] else "**NO**") if k in TARGETS else "—"
        cpu = ", ".join(f"{x:.2f}" for x in CPU[k])
        lines.append(f"| {k} | {got[k]:.2f} s | {all_runs} | {cpu} | {before} | {target} | {met} |")
    lines.append(f"| statements | {count} | — | — | {BEFORE['statements']} | ≤ 15 | "
                 f"{'yes' if result['met']['statements'] else '**NO**'} |")  # fmt: skip
    (out / "brief.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
