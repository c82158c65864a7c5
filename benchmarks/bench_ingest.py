"""Ingest benchmark: corridor vs idiomatic pandas and un-comtrade-sdk on generated data.

Run from the repository root (the peer installs with ``pip install -e ".[bench]"``)::

    .venv/bin/python benchmarks/bench_ingest.py [--rows N] [--records N] \
        [--out benchmarks/results/ingest.json]

Inputs are generated once into ``benchmarks/data/`` (reused when the parameters match).
Each case runs in a fresh subprocess, so the peak RSS (``ru_maxrss`` of that process,
imports included) belongs to that case alone. Results go to ``--out`` (JSON) and to a
Markdown table next to it (``ingest.md``); a summary is printed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
MIB = 1 << 20

# Targets from the issue.
BACI_SPEEDUP_TARGET = 3.0  # corridor rows/s ÷ pandas rows/s
BACI_PEAK_MIB_TARGET = 2048
COMTRADE_SECONDS_TARGET = 5.0
COMTRADE_PEAK_MIB_TARGET = 1024
# issue 11: many small envelopes, against the peer un-comtrade-sdk on the same files
SMALL_SET_SECONDS, SMALL_SET_RATIO = 2.2, 10.0  # 100k records in 400 envelopes
LARGE_SET_SECONDS, LARGE_SET_RATIO = 10.0, 25.0  # 1M records in 400 envelopes
ENVELOPES = 400
CASE_TIMEOUT = 900
# The corridor-scoped query the physical layout is for (10M BACI rows: Japan's chapter 76).
LAYOUT_QUERY = (
    "SELECT sum(value_usd) FROM {table} WHERE {partner} = 392 AND starts_with(hs_code, '76')"
)


# -- inputs -------------------------------------------------------------------------------
def _prepared(directory: Path, params: dict[str, Any]) -> bool:
    marker = directory / "params.json"
    return marker.exists() and json.loads(marker.read_text()) == params


def _mark(directory: Path, params: dict[str, Any]) -> None:
    (directory / "params.json").write_text(json.dumps(params, indent=1) + "\n")


def ensure_baci(rows: int, seed: int = 2022) -> tuple[Path, float | None]:
    """Return the BACI file for ``rows`` (generating it if needed) and generation seconds."""
    from generate import BACI_NAME, GENERATOR_VERSION, write_baci

    directory = DATA / f"baci-{rows}"
    params = {"rows": rows, "seed": seed, "generator": GENERATOR_VERSION}
    path = directory / BACI_NAME
    if _prepared(directory, params) and path.exists():
        return path, None
    start = time.perf_counter()
    write_baci(path, rows, seed=seed)
    _mark(directory, params)
    return path, time.perf_counter() - start


def ensure_comtrade(
    records: int, per_file: int, seed: int = 490
) -> tuple[list[Path], float | None]:
    """Return the envelope files (generating them if needed) and generation seconds."""
    from generate import GENERATOR_VERSION, write_comtrade_envelopes

    directory = DATA / f"comtrade-{records}-{per_file}"
    params = {"records": records, "per_file": per_file, "seed": seed,
              "generator": GENERATOR_VERSION}  # fmt: skip
    if _prepared(directory, params):
        return sorted(directory.glob("comtrade-*.json")), None
    for old in directory.glob("comtrade-*.json"):
        old.unlink()
    start = time.perf_counter()
    paths = write_comtrade_envelopes(directory, records, per_file, seed=seed)
    _mark(directory, params)
    return paths, time.perf_counter() - start


# -- cases (each runs in its own process) -------------------------------------------------
def _peak_mib() -> float:
    """Peak resident set size of this process so far (Linux: ru_maxrss is in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _rss_mib() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / MIB


def case_corridor_baci(paths: list[Path], workdir: Path) -> dict[str, Any]:
    """corridor: ``load_files(wh, [csv], 'baci')`` into a fresh warehouse, then close."""
    from corridor.services.loading import load_files
    from corridor.store.warehouse import Warehouse

    start = time.perf_counter()
    wh = Warehouse(workdir / "baci.duckdb")
    opened = time.perf_counter()
    results = load_files(wh, paths, "baci")
    loaded = time.perf_counter()
    rows = wh.scalar("SELECT count(*) FROM trade")
    wh.close()
    closed = time.perf_counter()
    layout = _layout(workdir / "baci.duckdb")
    return {
        "rows": rows,
        "rows_inserted": sum(r.rows_inserted for r in results),
        "seconds": (loaded - opened) + (closed - loaded),
        "steps": {
            "open_fresh_warehouse": opened - start,
            "load_files": loaded - opened,
            "close": closed - loaded,
        },
        "layout": layout,
    }


def _median_ms(con: Any, sql: str, runs: int = 9) -> tuple[float, Any]:
    import statistics

    con.execute(sql).fetchall()  # warm
    times, value = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        value = con.execute(sql).fetchall()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000, value


def _layout(path: Path) -> dict[str, Any]:
    """The corridor query on rows as ingested (sorted by ``SORT_KEYS['trade_baci']``) and on
    the same rows in file order (exporter, importer, product: the layout before)."""
    import duckdb

    from corridor.store.schema import SORT_KEYS

    con = duckdb.connect(str(path))
    con.execute(
        "CREATE TABLE fileorder AS SELECT * FROM trade_baci ORDER BY exporter, importer, hs_code"
    )
    con.execute("CHECKPOINT")
    sorted_ms, a = _median_ms(con, LAYOUT_QUERY.format(table="trade_baci", partner="importer"))
    before_ms, b = _median_ms(con, LAYOUT_QUERY.format(table="fileorder", partner="importer"))
    view_ms, c = _median_ms(con, LAYOUT_QUERY.format(table="trade", partner="partner"))
    con.close()
    assert a == b == c, (a, b, c)
    return {
        "query": LAYOUT_QUERY.format(table="trade", partner="partner"),
        "sorted_by": ", ".join(SORT_KEYS["trade_baci"]),
        "sorted_table_ms": sorted_ms,
        "file_order_table_ms": before_ms,
        "sorted_via_trade_view_ms": view_ms,
        "speedup": before_ms / sorted_ms,
    }


_BACI_DTYPES = {"t": "int16", "i": "int16", "j": "int16", "k": "str", "v": "float64",
                "q": "float64"}  # fmt: skip


def _pandas_baci(paths: list[Path], engine: str | None) -> dict[str, Any]:
    import pandas as pd

    kwargs = {"engine": engine} if engine else {}
    start = time.perf_counter()
    frames = [pd.read_csv(p, dtype=_BACI_DTYPES, na_values=["NA"], **kwargs) for p in paths]
    df = frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)
    read = time.perf_counter()
    df["k"] = df["k"].str.zfill(6)
    df["v"] = df["v"] * 1000  # thousand USD -> USD
    df["q"] = df["q"] * 1000  # tonnes -> kg
    done = time.perf_counter()
    return {
        "rows": len(df),
        "seconds": done - start,
        "steps": {"read_csv": read - start, "convert": done - read},
        "read_seconds": read - start,
        "frame_mib": df.memory_usage(deep=True).sum() / MIB,
    }


def case_pandas_baci(paths: list[Path], workdir: Path) -> dict[str, Any]:
    """pandas (default C parser): ``read_csv`` with dtypes, then zfill k, v*1000, q*1000."""
    return _pandas_baci(paths, None)


def case_pandas_baci_pyarrow(paths: list[Path], workdir: Path) -> dict[str, Any]:
    """pandas with ``engine='pyarrow'`` (multithreaded parser), same conversions."""
    return _pandas_baci(paths, "pyarrow")


def case_corridor_comtrade(paths: list[Path], workdir: Path) -> dict[str, Any]:
    """corridor: ``load_files(wh, envelopes, 'comtrade-json')`` (one batch) into a fresh
    warehouse, as ``corridor ingest comtrade-json *.json`` does."""
    from corridor.services.loading import load_files
    from corridor.store.warehouse import Warehouse

    start = time.perf_counter()
    wh = Warehouse(workdir / "comtrade.duckdb")
    opened = time.perf_counter()
    results = load_files(wh, paths, "comtrade-json")
    loaded = time.perf_counter()
    rows, r490, p899, p0 = wh.con.execute(
        """SELECT count(*), count(*) FILTER (WHERE reporter = 490),
                  count(*) FILTER (WHERE partner = 899), count(*) FILTER (WHERE partner = 0)
           FROM trade"""
    ).fetchone()
    wh.close()
    closed = time.perf_counter()
    return {
        "rows": rows,
        "seconds": (loaded - opened) + (closed - loaded),
        "files": len(results),
        "steps": {
            "open_fresh_warehouse": opened - start,
            "load_files": loaded - opened,
            "close": closed - loaded,
        },
        "rows_reporter_490": r490,
        "rows_partner_899": p899,
        "rows_partner_0": p0,
    }


def case_pandas_comtrade(paths: list[Path], workdir: Path) -> dict[str, Any]:
    """pandas: ``json.load`` each envelope, ``pd.DataFrame(data)``, ``pd.concat``."""
    import pandas as pd

    start = time.perf_counter()
    frames = []
    parse = 0.0
    for path in paths:
        t0 = time.perf_counter()
        with path.open("rb") as fh:
            envelope = json.load(fh)
        parse += time.perf_counter() - t0
        frames.append(pd.DataFrame(envelope["data"]))
        del envelope
    df = pd.concat(frames, ignore_index=True)
    done = time.perf_counter()
    return {
        "rows": len(df),
        "seconds": done - start,
        "steps": {"json_load": parse, "dataframe_and_concat": done - start - parse},
        "rows_reporter_490": int((df["reporterCode"] == 490).sum()),
        "rows_partner_899": int((df["partnerCode"] == 899).sum()),
        "frame_mib": df.memory_usage(deep=True).sum() / MIB,
    }


def case_peer_comtrade(paths: list[Path], workdir: Path) -> dict[str, Any]:
    """un-comtrade-sdk: json.loads + TradeParser + DuckDBWriter (see peer_comtrade_sdk.py)."""
    from peer_comtrade_sdk import peer_ingest

    return peer_ingest(paths, workdir / "peer.duckdb")


# case -> (function, input set): baci | ct10 (records in 10 envelopes) | ct400s (100k records
# in 400 envelopes) | ct400l (--records in 400 envelopes)
CASES = {
    "corridor-baci": (case_corridor_baci, "baci"),
    "pandas-baci": (case_pandas_baci, "baci"),
    "pandas-baci-pyarrow": (case_pandas_baci_pyarrow, "baci"),
    "corridor-comtrade-json": (case_corridor_comtrade, "ct10"),
    "pandas-comtrade-json": (case_pandas_comtrade, "ct10"),
    "corridor-comtrade-400-small": (case_corridor_comtrade, "ct400s"),
    "peer-comtrade-400-small": (case_peer_comtrade, "ct400s"),
    "corridor-comtrade-400-large": (case_corridor_comtrade, "ct400l"),
    "peer-comtrade-400-large": (case_peer_comtrade, "ct400l"),
}


def _child(name: str, paths: list[Path], workdir: Path) -> None:
    """Run one case in this (fresh) process and print its result as one JSON line."""
    sys.path.insert(0, str(HERE))
    if name.startswith("pandas"):
        import pandas  # noqa: F401 - imports are part of RSS, not of the timing
    elif name.startswith("peer"):
        import duckdb
        import un_comtrade.storage.duckdb  # noqa: F401
    else:
        import duckdb  # noqa: F401

        from corridor.sources.registry import file_kinds

        file_kinds()  # the source modules, as the CLI has them loaded
    rss_start = _rss_mib()
    result = CASES[name][0](paths, workdir)
    result.update(peak_rss_mib=_peak_mib(), rss_after_imports_mib=rss_start)
    print("RESULT " + json.dumps(result))


def run_case(name: str, paths: list[Path]) -> dict[str, Any]:
    """Run a case in a fresh subprocess; return its result (or the error)."""
    with tempfile.TemporaryDirectory(prefix="bench-", dir=DATA) as work:
        cmd = [sys.executable, str(Path(__file__).resolve()), "--child", name, "--work", work,
               *map(str, paths)]  # fmt: skip
        start = time.perf_counter()
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=CASE_TIMEOUT)
        except subprocess.TimeoutExpired:
            return {"case": name, "error": f"timeout after {CASE_TIMEOUT} s"}
        wall = time.perf_counter() - start
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
    if proc.returncode or not lines:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-5:]
        return {"case": name, "error": f"exit {proc.returncode}: " + " | ".join(tail)}
    result = json.loads(lines[-1][len("RESULT ") :])
    result["case"] = name
    result["process_wall_seconds"] = wall
    result["rows_per_second"] = result["rows"] / result["seconds"] if result["seconds"] else None
    return result


# -- report -------------------------------------------------------------------------------
def machine() -> dict[str, Any]:
    """Describe the machine and the library versions."""
    import duckdb
    import numpy
    import pandas
    import pyarrow

    import corridor

    meminfo = Path("/proc/meminfo").read_text().splitlines()
    mem_kib = next(int(ln.split()[1]) for ln in meminfo if ln.startswith("MemTotal"))
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    models = [ln.split(":", 1)[1].strip() for ln in cpuinfo if ln.startswith("model name")]
    cpu = models[0] if models else platform.processor()
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "nproc": len(os.sched_getaffinity(0)),
        "cpu": cpu,
        "ram_gib": round(mem_kib / (1 << 20), 1),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "pandas": pandas.__version__,
        "pyarrow": pyarrow.__version__,
        "numpy": numpy.__version__,
        "corridor": corridor.__version__,
    }


def _target(name: str, measured: float | None, op: str, limit: float, unit: str) -> dict:
    met = measured is not None and (measured >= limit if op == ">=" else measured < limit)
    return {"target": name, "measured": measured, "op": op, "limit": limit, "unit": unit,
            "status": "met" if met else "MISSED"}  # fmt: skip


def evaluate(cases: dict[str, dict[str, Any]], records: int) -> list[dict[str, Any]]:
    """Compare corridor with its baselines and check the issue's targets."""
    targets = []
    cb, pb = cases.get("corridor-baci", {}), cases.get("pandas-baci", {})
    if "rows_per_second" in cb and "rows_per_second" in pb:
        ratio = cb["rows_per_second"] / pb["rows_per_second"]
        ratio_read = pb["read_seconds"] / cb["seconds"]
        cb["ratio_vs_pandas_read_convert"] = ratio
        cb["ratio_vs_pandas_read_only"] = ratio_read
        targets.append(_target("BACI rows/s vs pandas read_csv+convert", ratio, ">=",
                               BACI_SPEEDUP_TARGET, "x"))  # fmt: skip
        targets.append(_target("BACI rows/s vs pandas read_csv only", ratio_read, ">=",
                               BACI_SPEEDUP_TARGET, "x"))  # fmt: skip
    if "pandas-baci-pyarrow" in cases and "rows_per_second" in cases["pandas-baci-pyarrow"]:
        pa_ = cases["pandas-baci-pyarrow"]
        cb["ratio_vs_pandas_pyarrow_engine"] = cb.get("seconds") and pa_["seconds"] / cb["seconds"]
    if "peak_rss_mib" in cb:
        targets.append(_target("BACI corridor peak RSS", cb["peak_rss_mib"], "<",
                               BACI_PEAK_MIB_TARGET, "MiB"))  # fmt: skip
    cc, pc = cases.get("corridor-comtrade-json", {}), cases.get("pandas-comtrade-json", {})
    if "seconds" in cc:
        targets.append(_target(f"Comtrade JSON {records:,} records, seconds", cc["seconds"],
                               "<", COMTRADE_SECONDS_TARGET, "s"))  # fmt: skip
        targets.append(_target("Comtrade JSON corridor peak RSS", cc["peak_rss_mib"], "<",
                               COMTRADE_PEAK_MIB_TARGET, "MiB"))  # fmt: skip
        kept = cc["rows"] == records and cc["rows_reporter_490"] > 0 and cc["rows_partner_899"] > 0
        targets.append({"target": "Comtrade JSON every record kept (incl. 490 S19, 899 _X)",
                        "measured": f"{cc['rows']:,} of {records:,} rows; "
                        f"{cc['rows_reporter_490']:,} from 490, {cc['rows_partner_899']:,} to 899",
                        "status": "met" if kept else "MISSED"})  # fmt: skip
        if "seconds" in pc:
            cc["ratio_vs_pandas"] = pc["seconds"] / cc["seconds"]
    for size, limit, ratio_target in (("small", SMALL_SET_SECONDS, SMALL_SET_RATIO),
                                      ("large", LARGE_SET_SECONDS, LARGE_SET_RATIO)):  # fmt: skip
        c = cases.get(f"corridor-comtrade-400-{size}", {})
        p = cases.get(f"peer-comtrade-400-{size}", {})
        if "seconds" not in c:
            continue
        label = f"{c['rows']:,} records in {ENVELOPES} envelopes"
        targets.append(_target(f"{label}, seconds", c["seconds"], "<", limit, "s"))
        targets.append(_target(f"{label}, peak RSS", c["peak_rss_mib"], "<",
                               COMTRADE_PEAK_MIB_TARGET, "MiB"))  # fmt: skip
        if "seconds" in p:
            c["ratio_vs_peer"] = p["seconds"] / c["seconds"]
            targets.append(_target(f"{label}, times faster than un-comtrade-sdk",
                                   c["ratio_vs_peer"], ">=", ratio_target, "x"))  # fmt: skip
        kept = c["rows_reporter_490"] > 0 and c["rows_partner_899"] > 0
        peer = (f"; peer kept {p['rows']:,} ({p['records_dropped']:,} dropped)"
                if "rows" in p else "")  # fmt: skip
        targets.append({"target": f"{label}: every record kept (490 S19, 899 _X)",
                        "measured": f"{c['rows']:,} rows, {c['rows_reporter_490']:,} from 490, "
                        f"{c['rows_partner_899']:,} to 899{peer}",
                        "status": "met" if kept else "MISSED"})  # fmt: skip
    return targets


def _fmt(x: Any, spec: str = ",.1f") -> str:
    return "–" if x is None else format(x, spec)


def markdown(report: dict[str, Any]) -> str:
    """Render the report as a short Markdown page."""
    m = report["machine"]
    lines = [
        "# Ingest benchmark",
        "",
        f"{m['date']} · {m['nproc']} CPUs ({m['cpu']}) · {m['ram_gib']} GiB RAM · "
        f"Python {m['python']} · DuckDB {m['duckdb']} · pandas {m['pandas']} · "
        f"pyarrow {m['pyarrow']} · corridor {m['corridor']} · load average (1 min) at the "
        f"start {(report['load_average_start'] or ['not recorded'])[0]}, at the end "
        f"{report['load_average_end'][0]} "
        "(other work on the shared machine slows both sides)",
        "",
        f"Inputs: BACI CSV {report['params']['rows']:,} rows "
        f"({report['inputs']['baci_mib']:,.0f} MiB); Comtrade v1 JSON "
        f"{report['params']['records']:,} records in {report['inputs']['comtrade_files']} "
        f"envelopes ({report['inputs']['comtrade_mib']:,.0f} MiB).",
        "",
        "| case | rows | seconds | rows/s | peak RSS MiB | corridor vs baseline |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, c in report["cases"].items():
        if "error" in c:
            lines.append(f"| {name} | error: {c['error']} | | | | |")
            continue
        ratio = (c.get("ratio_vs_pandas_read_convert") or c.get("ratio_vs_pandas")
                 or c.get("ratio_vs_peer"))  # fmt: skip
        extra = f" (read only {c['read_seconds']:.2f})" if "read_seconds" in c else ""
        lines.append(
            f"| {name} | {c['rows']:,} | {c['seconds']:.2f}{extra} | "
            f"{_fmt(c['rows_per_second'], ',.0f')} | {c['peak_rss_mib']:,.0f} | "
            f"{_fmt(ratio, '.2f') + 'x' if ratio else ''} |"
        )
    layout = report["cases"].get("corridor-baci", {}).get("layout")
    if layout:
        lines += [
            "",
            f"Layout: `{layout['query']}` on the 10M-row warehouse, median of 9: "
            f"{layout['sorted_table_ms']:.1f} ms on rows sorted by "
            f"({layout['sorted_by']}) "
            f"({layout['sorted_via_trade_view_ms']:.1f} ms through the `trade` view) against "
            f"{layout['file_order_table_ms']:.1f} ms on the same rows in file order "
            f"({layout['speedup']:.1f}x).",
        ]
    lines += ["", "| target | measured | limit | status |", "|---|---:|---:|---|"]
    for t in report["targets"]:
        measured = t["measured"] if isinstance(t["measured"], str) else _fmt(t["measured"], ",.2f")
        limit = f"{t['op']} {t['limit']:,} {t['unit']}" if "limit" in t else "all rows"
        lines.append(f"| {t['target']} | {measured} | {limit} | {t['status']} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Generate inputs if needed, run every case in its own process, write the results."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000, help="BACI rows")
    parser.add_argument("--records", type=int, default=1_000_000, help="Comtrade records")
    parser.add_argument("--per-file", type=int, default=100_000, help="records per envelope")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "ingest.json")
    parser.add_argument("--cases", default=",".join(CASES), help="comma-separated cases")
    parser.add_argument(
        "--repeat", type=int, default=1, help="runs per case; the fastest is reported"
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("paths", nargs="*", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _child(args.child, args.paths, args.work)
        return 0

    load_start = [round(x, 2) for x in os.getloadavg()]
    sys.path.insert(0, str(HERE))
    DATA.mkdir(parents=True, exist_ok=True)
    wanted = [c for c in args.cases.split(",") if c]
    print(f"inputs: BACI {args.rows:,} rows, Comtrade {args.records:,} records", flush=True)
    baci, baci_gen = ensure_baci(args.rows)
    envelopes, ct_gen = ensure_comtrade(args.records, args.per_file)
    small, small_gen = ensure_comtrade(100_000, -(-100_000 // ENVELOPES))
    large, large_gen = ensure_comtrade(args.records, -(-args.records // ENVELOPES))
    inputs = {"baci": [baci], "ct10": envelopes, "ct400s": small, "ct400l": large}
    for label, took in (
        ("BACI", baci_gen),
        ("Comtrade", ct_gen),
        ("Comtrade 400 small", small_gen),
        ("Comtrade 400 large", large_gen),
    ):
        print(f"  {label}: " + (f"generated in {took:.1f} s" if took else "reused"), flush=True)

    cases: dict[str, dict[str, Any]] = {}
    for name in wanted:
        paths = inputs[CASES[name][1]]
        print(f"running {name} ...", end=" ", flush=True)
        runs = [run_case(name, paths) for _ in range(max(1, args.repeat))]
        ok = [r for r in runs if "error" not in r]
        c = cases[name] = min(ok, key=lambda r: r["seconds"]) if ok else runs[-1]
        if len(ok) > 1:
            c["all_seconds"] = [r["seconds"] for r in ok]
            c["all_peak_rss_mib"] = [r["peak_rss_mib"] for r in ok]
        print(c.get("error") or f"{c['seconds']:.2f} s, {c['peak_rss_mib']:,.0f} MiB", flush=True)

    report = {
        "benchmark": "ingest",
        "command": "python benchmarks/bench_ingest.py " + " ".join(sys.argv[1:]),
        "machine": machine(),
        "params": {
            "rows": args.rows,
            "records": args.records,
            "per_file": args.per_file,
            "repeat": args.repeat,
        },
        "inputs": {
            "baci_path": str(baci.relative_to(HERE.parent)),
            "baci_mib": baci.stat().st_size / MIB,
            "comtrade_files": len(envelopes),
            "comtrade_mib": sum(p.stat().st_size for p in envelopes) / MIB,
            "comtrade_400_small_mib": sum(p.stat().st_size for p in small) / MIB,
            "comtrade_400_large_mib": sum(p.stat().st_size for p in large) / MIB,
            "generation_seconds": {"baci": baci_gen, "comtrade": ct_gen},
        },
        "baselines": {
            "pandas-baci": "pd.read_csv(path, dtype={t,i,j: int16, k: str, v,q: float64}, "
            "na_values=['NA']); k.str.zfill(6); v*1000; q*1000",
            "pandas-baci-pyarrow": "the same with engine='pyarrow' (informational)",
            "pandas-comtrade-json": "json.load(file) per envelope; pd.DataFrame(env['data']); "
            "pd.concat",
            "peer-comtrade-400-*": "un-comtrade-sdk 1.0.3: json.loads + TradeParser.parse_records "
            "per envelope, one DuckDBWriter.store of all records (peer_comtrade_sdk.py)",
        },
        "cases": cases,
    }
    report["targets"] = evaluate(cases, args.records)
    report["load_average_start"] = load_start
    report["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1) + "\n")
    md = markdown(report)
    args.out.with_suffix(".md").write_text(md)
    print()
    print(md)
    print(f"written: {args.out} and {args.out.with_suffix('.md')}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
