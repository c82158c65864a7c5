"""Benchmark: corridor analytics (Ibis on DuckDB) against idiomatic pandas on BACI-shaped data.

Usage: ``python benchmarks/bench_analytics.py [--rows 10000000]``. Reuses the CSV of
``benchmarks/generate.py`` (``write_baci``) under ``benchmarks/data/baci-<rows>/``, creating it
if missing. Writes ``benchmarks/results/analytics.json`` and ``analytics.md``.

Both sides start from data in memory: DuckDB holds a canonical ``trade`` table, pandas a
DataFrame with compact dtypes (int16 codes, int32 HS6, float64 amounts). Each indicator is
timed end to end (expression build + execution + result as Arrow / DataFrame), best of N.
Peak memory is the process RSS above the level just before the step (sampled every 5 ms).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import psutil

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
IMPORTER, EXPORTER, CHAPTER = 392, 699, "84"  # Japan, India, machinery


class Peak:
    """Peak RSS increase of this process while the block runs."""

    def __enter__(self) -> Peak:
        self.proc = psutil.Process()
        self.base = self.proc.memory_info().rss
        self.peak = self.base
        self._stop = False
        self._t = threading.Thread(target=self._watch, daemon=True)
        self._t.start()
        return self

    def _watch(self) -> None:
        while not self._stop:
            self.peak = max(self.peak, self.proc.memory_info().rss)
            time.sleep(0.005)

    def __exit__(self, *exc: object) -> None:
        self._stop = True
        self._t.join()
        self.mb = (self.peak - self.base) / 2**20


def best(fn, n: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(n):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def csv_path(rows: int) -> Path:
    path = HERE / "data" / f"baci-{rows}" / "BACI_HS17_Y2022_V202401.csv"
    if not path.exists():
        from generate import write_baci

        write_baci(path.parent, rows)
    return path


# -- DuckDB through corridor ----------------------------------------------------------------
def duck_load(path: Path):
    import duckdb
    import ibis

    con = duckdb.connect()
    con.execute("SET threads = 2")
    con.execute(f"""
        CREATE TABLE trade AS SELECT
          t::SMALLINT AS year, t::VARCHAR AS period, 'A' AS freq, i::SMALLINT AS reporter,
          j::SMALLINT AS partner, NULL::SMALLINT AS partner2, 'X' AS flow, 'H5' AS hs_rev,
          lpad(k::VARCHAR, 6, '0') AS hs_code, 6::TINYINT AS hs_level,
          NULL::VARCHAR AS customs_code, NULL::INTEGER AS mot_code, v * 1000 AS value_usd,
          'FOB' AS value_basis, q * 1000 AS net_weight_kg, NULL::DOUBLE AS qty,
          NULL::VARCHAR AS qty_unit, false AS is_estimated_weight, 'baci' AS source,
          'bench' AS dataset, NULL::TIMESTAMP AS retrieved_at, 'bench' AS raw_ref,
          NULL::BIGINT AS raw_row, true AS synthetic
        FROM read_csv('{path}', nullstr = 'NA',
          columns = {{'t': 'SMALLINT', 'i': 'SMALLINT', 'j': 'SMALLINT', 'k': 'INTEGER',
                     'v': 'DOUBLE', 'q': 'DOUBLE'}})""")
    return ibis.duckdb.from_connection(con)


def corridor_steps(backend) -> dict:
    from corridor.analytics.concentration import concentration
    from corridor.analytics.mirror import mirror_flows
    from corridor.analytics.mix import exporter_product_shares, product_mix
    from corridor.analytics.prices import unit_values
    from corridor.analytics.scope import bilateral
    from corridor.analytics.suppliers import position, rank_change, supplier_table

    t = backend.table("trade")

    def flows():
        return bilateral(t, hs=(CHAPTER,), side="exporter", level=6, importer=IMPORTER)

    def partners():
        return rank_change(supplier_table(flows())).to_pyarrow()

    def summary():
        s = supplier_table(flows())
        return position(s, EXPORTER).to_pyarrow()

    def mirror():
        return mirror_flows(t, importer=IMPORTER, exporter=EXPORTER, hs=(CHAPTER,), level=6
                            ).to_pyarrow()  # fmt: skip

    def mix():
        f = flows()
        return (product_mix(f, 4).to_pyarrow(), exporter_product_shares(f, EXPORTER).to_pyarrow())

    def hhi_all():
        f = bilateral(t, side="exporter", level=6)
        f = f.mutate(hs_code=f.hs_code.substr(0, 4))
        s = supplier_table(f, by=("importer", "hs_code", "year"))
        return concentration(s, by=("importer", "hs_code", "year")).to_pyarrow()

    def uv_all():
        f = bilateral(t, side="exporter", level=6)
        return unit_values(f, by=("year", "importer", "supplier", "hs_code")).to_pyarrow()

    return {"partners": partners, "summary": summary, "mirror": mirror, "mix": mix,
            "hhi_all": hhi_all, "unit_values_all": uv_all}  # fmt: skip


# -- pandas baseline ------------------------------------------------------------------------
def pandas_load(path: Path) -> pd.DataFrame:
    df = pd.read_csv(
        path,
        dtype={
            "t": "int16",
            "i": "int16",
            "j": "int16",
            "k": "int32",
            "v": "float64",
            "q": "float64",
        },
        na_values=["NA"],
        engine="pyarrow",
    )
    df["v"] *= 1000
    df["q"] *= 1000
    df["hs4"] = (df["k"] // 100).astype("int16")
    df["hs2"] = (df["k"] // 10_000).astype("int8")
    return df


def _ranked(g: pd.DataFrame, keys: list[str], col: str) -> pd.DataFrame:
    g["total"] = g.groupby(keys, observed=True)[col].transform("sum")
    g["share"] = g[col] / g["total"].replace(0, np.nan)
    g["rank"] = g.groupby(keys, observed=True)[col].rank(method="min", ascending=False)
    return g


def pandas_steps(df: pd.DataFrame) -> dict:
    chapter = int(CHAPTER)

    def scoped():
        return df[(df["j"] == IMPORTER) & (df["hs2"] == chapter)]

    def suppliers():
        g = scoped().groupby(["t", "i"], observed=True, as_index=False)[["v", "q"]].sum()
        return _ranked(g, ["t"], "v")

    def partners():
        g = suppliers()
        prev = g[["t", "i", "rank", "share"]].assign(t=g["t"] + 1)
        return g.merge(prev, on=["t", "i"], how="left", suffixes=("", "_prev"))

    def summary():
        g = suppliers()
        mine = g[g["i"] == EXPORTER][["t", "v", "rank", "share"]]
        m = g.merge(mine, on="t", suffixes=("", "_me"))
        above = m[m["v"] > m["v_me"]].groupby("t")["v"].min().rename("next_above")
        below = m[m["v"] < m["v_me"]].groupby("t")["v"].max().rename("next_below")
        n = g.groupby("t")["i"].size().rename("n")
        return mine.set_index("t").join([above, below, n])

    def mirror():
        x = df[(df["j"] == IMPORTER) & (df["i"] == EXPORTER) & (df["hs2"] == chapter)]
        xs = x.groupby(["t", "k"], observed=True)[["v", "q"]].sum()
        ms = xs.iloc[0:0]  # BACI has no importer-reported side
        out = ms.join(xs, how="outer", lsuffix="_m", rsuffix="_x")
        out["ratio"] = out["v_m"] / out["v_x"].replace(0, np.nan)
        return out

    def mix():
        s = scoped()
        a = s.groupby(["t", "hs4"], observed=True, as_index=False)[["v", "q"]].sum()
        a = _ranked(a, ["t"], "v")
        b = s.groupby(["t", "k", "i"], observed=True, as_index=False)["v"].sum()
        line = b.groupby(["t", "k"], observed=True)["v"].sum().rename("market")
        mine = b[b["i"] == EXPORTER].set_index(["t", "k"])["v"].rename("amount")
        e = line.to_frame().join(mine)
        e["share"] = e["amount"].fillna(0) / e["market"]
        return a, e

    def hhi_all():
        g = df.groupby(["t", "j", "hs4", "i"], observed=True, as_index=False)["v"].sum()
        g["share"] = g["v"] / g.groupby(["t", "j", "hs4"], observed=True)["v"].transform("sum")
        g["s2"] = g["share"] ** 2
        g = g.sort_values(["t", "j", "hs4", "v"], ascending=[True, True, True, False])
        g["pos"] = g.groupby(["t", "j", "hs4"], observed=True).cumcount() + 1
        g["top1"] = g["share"].where(g["pos"] <= 1, 0)
        g["top3"] = g["share"].where(g["pos"] <= 3, 0)
        out = g.groupby(["t", "j", "hs4"], observed=True).agg(
            hhi=("s2", "sum"), top1=("top1", "sum"), top3=("top3", "sum"), n=("i", "size")
        )
        out["hhi"] *= 10_000
        return out

    def uv_all():
        ok = df["v"].notna() & df["q"].notna() & (df["q"] > 0)
        g = df.assign(vp=df["v"].where(ok), qp=df["q"].where(ok))
        out = g.groupby(["t", "j", "i", "k"], observed=True, sort=False)[
            ["v", "q", "vp", "qp"]
        ].sum(min_count=1)
        out["uv"] = out["vp"] / out["qp"]
        return out

    return {"partners": partners, "summary": summary, "mirror": mirror, "mix": mix,
            "hhi_all": hhi_all, "unit_values_all": uv_all}  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    path = csv_path(args.rows)

    t0 = time.perf_counter()
    backend = duck_load(path)
    duck_load_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    df = pandas_load(path)
    pandas_load_s = time.perf_counter() - t0

    scoped = ["partners", "summary", "mirror", "mix"]
    whole = ["hhi_all", "unit_values_all"]
    ours, theirs = corridor_steps(backend), pandas_steps(df)
    results = []
    for name in scoped + whole:
        n = args.repeat if name in scoped else 3
        ours[name]()  # warm-up (imports, first compile)
        theirs[name]()
        with Peak() as pk_c:
            c_s, _ = best(ours[name], n)
        with Peak() as pk_p:
            p_s, _ = best(theirs[name], n)
        kind = "corridor-scoped" if name in scoped else "whole-table"
        target = 10.0 if kind == "corridor-scoped" else 2.0
        speedup = p_s / c_s
        row = {
            "indicator": name,
            "kind": kind,
            "corridor_duckdb_s": round(c_s, 4),
            "pandas_in_memory_s": round(p_s, 4),
            "pandas_with_load_s": round(p_s + pandas_load_s, 3),
            "speedup": round(speedup, 1),
            "speedup_incl_pandas_load": round((p_s + pandas_load_s) / c_s, 1),
            "target_speedup": target,
            "meets_speedup": speedup >= target,
            "corridor_peak_mb": round(pk_c.mb, 1),
            "pandas_peak_mb": round(pk_p.mb, 1),
        }
        if kind == "corridor-scoped":
            row["meets_50ms"] = c_s < 0.05
        else:
            row["lower_peak_memory"] = pk_c.mb < pk_p.mb
        results.append(row)
        print(json.dumps(row), flush=True)

    meta = {
        "rows": args.rows,
        "source_csv": str(path.relative_to(HERE.parent)),
        "scope": {"importer": IMPORTER, "exporter": EXPORTER, "hs_chapter": CHAPTER},
        "duckdb_load_s": round(duck_load_s, 2),
        "pandas_load_s": round(pandas_load_s, 2),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "versions": {
            "duckdb": __import__("duckdb").__version__,
            "ibis": __import__("ibis").__version__,
            "pandas": pd.__version__,
        },
    }
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    (out / "analytics.json").write_text(json.dumps({**meta, "results": results}, indent=2) + "\n")
    lines = [
        f"# Analytics benchmark — {args.rows:,} BACI-shaped rows, {os.cpu_count()} cores",
        "",
        f"Load: DuckDB {duck_load_s:.1f} s, pandas (pyarrow CSV engine) {pandas_load_s:.1f} s. "
        f"Scope: importer {IMPORTER}, exporter {EXPORTER}, HS chapter {CHAPTER}.",
        "",
        "| indicator | kind | corridor (DuckDB) | pandas | pandas + load | speedup | target "
        "| met | peak MB corridor / pandas |",
        "|---|---|---:|---:|---:|---:|---:|---|---:|",
    ]
    for r in results:
        met = r["meets_speedup"] and r.get("meets_50ms", True) and r.get("lower_peak_memory", True)
        lines.append(
            f"| {r['indicator']} | {r['kind']} | {r['corridor_duckdb_s'] * 1000:.1f} ms "
            f"| {r['pandas_in_memory_s'] * 1000:.1f} ms | {r['pandas_with_load_s']:.2f} s "
            f"| {r['speedup']}x | {r['target_speedup']:.0f}x | {'yes' if met else 'NO'} "
            f"| {r['corridor_peak_mb']} / {r['pandas_peak_mb']} |"
        )
    (out / "analytics.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
