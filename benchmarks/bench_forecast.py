"""Forecast accuracy on the real HS 7601 net-weight panel: does choosing by backtest pay off,
and do the conformal intervals cover what they claim?

Run: .venv/bin/python benchmarks/bench_forecast.py --label "what changed"
     → the evaluation (imports, flow M) with the engine's defaults, appended to the run
       history in benchmarks/results/forecast.json + forecast.md
     .venv/bin/python benchmarks/bench_forecast.py --design VARIANT[,VARIANT...]
     → design variants on the export panel (flow X) only; appended to the same history

Design rule: a change is tried on the export panel (flow X) first; the import panel (flow M)
is run once per adopted design decision, and every run of either is kept in the history.

Series: each importer's total imports of HS 7601 (unwrought aluminium) by net weight,
2000-2017, from importer-reported flows (flow M, summed over partners; partner World is not in
the file) — Japan's, and every importer with a complete 2000-2017 series among the 30 largest
(ranked by their 2000-2017 total).

Evaluation: 4 rolling origins (2011, 2012, 2013, 2014), horizons 1-3 (targets up to 2017).
At each origin the engine sees ONLY the series up to that origin: it backtests its candidates
on that truncated history, chooses the model on those earlier windows, calibrates its
conformal intervals on the errors of that earlier replay, and forecasts 3 years. The
held-out years are never seen by the choice or the calibration (nested, genuinely
out-of-sample). MASE is scaled by the in-sample one-step naive MAE of each origin's training
window; the fixed candidates (Naive, drift, AutoETS, AutoTheta, Ensemble) are scored on the
same windows, from the same engine calls.

Targets (issue 13): the chosen method's mean MASE ≤ 0.90 × Naive's on the same windows, and
its 80 % intervals cover 72-88 % of held-out points.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import time
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pyarrow.compute as pc
import pyarrow.csv as pcsv

from corridor.models.forecast import ForecastOptions, Series, forecast_series
from corridor.units import fmt_weight

HERE = Path(__file__).resolve().parent
PANEL = HERE.parent.parent / "shared" / "data" / "real" / "hs7601_netweight_kg_2000_2017.csv"
YEARS = list(range(2000, 2018))
TOP = 30
H = 3
WINDOWS = 4
TARGET_RATIO = 0.90
TARGET_COVERAGE = (0.72, 0.88)
ISSUE_FIGURES = {"Naive": 1.32, "AutoETS": 1.35, "AutoTheta": 1.31, "RandomWalkWithDrift": 1.24}
FIXED = ("Naive", "RandomWalkWithDrift", "AutoETS", "AutoTheta", "Ensemble")
MEMBERS = ("Naive", "RandomWalkWithDrift", "AutoETS", "AutoTheta")
# The merged engine's calibration, spelled out so that changing the defaults cannot change it.
MERGED = {
    "rule": "one_se",
    "horizons": "pooled",
    "half_life": None,
    "score_scale": "mean",
    "scale": "level",
}
VARIANTS: dict[str, dict] = {
    "merged": MERGED,
    "by_horizon": MERGED | {"horizons": "by_horizon"},
    "median_scale": MERGED | {"score_scale": "median"},
    "half_life_2": MERGED | {"half_life": 2.0},
    "half_life_4": MERGED | {"half_life": 4.0},
    "half_life_8": MERGED | {"half_life": 8.0},
    "by_horizon_median": MERGED | {"horizons": "by_horizon", "score_scale": "median"},
    "median_half_life_4": MERGED | {"score_scale": "median", "half_life": 4.0},
    "median_half_life_6": MERGED | {"score_scale": "median", "half_life": 6.0},
    "median_half_life_8": MERGED | {"score_scale": "median", "half_life": 8.0},
    "profile": MERGED | {"horizons": "profile"},
    "profile_median": MERGED | {"horizons": "profile", "score_scale": "median"},
    "profile_median_half_life_4": MERGED
    | {"horizons": "profile", "score_scale": "median", "half_life": 4.0},
    "log": MERGED | {"scale": "log"},
    "log_median": MERGED | {"scale": "log", "score_scale": "median"},
    "by_horizon_median_half_life_4": MERGED
    | {"horizons": "by_horizon", "score_scale": "median", "half_life": 4.0},
    "defaults": {},
}


def reporter_totals(path: Path, flow: str) -> dict[str, dict[int, float]]:
    """Sum of net_weight_kg by reporter and year over rows of ``flow`` (M: imports)."""
    raw = pcsv.read_csv(path)
    m = raw.filter(pc.equal(raw["flow"], flow))
    agg = m.group_by(["reporter_iso3", "year"]).aggregate([("net_weight_kg", "sum")])
    out: dict[str, dict[int, float]] = {}
    for r in agg.to_pylist():
        out.setdefault(r["reporter_iso3"], {})[r["year"]] = float(r["net_weight_kg_sum"])
    return out


def panel_series(path: Path, flow: str) -> tuple[list[str], list[str], dict[str, np.ndarray]]:
    """(the 30 largest reporters, those with complete series, their series)."""
    totals = reporter_totals(path, flow)
    ranked = sorted(totals, key=lambda k: -sum(totals[k].values()))[:TOP]
    complete = [k for k in ranked if all(y in totals[k] for y in YEARS)]
    return ranked, complete, {k: np.array([totals[k][y] for y in YEARS]) for k in complete}


def evaluate(key: str, y: np.ndarray, opts: ForecastOptions) -> list[dict]:
    """One record per (origin, horizon, method): forecast, error, interval hits."""
    n = len(y)
    recs = []
    origins = [n - 1 - H - j for j in reversed(range(WINDOWS))]
    for o in origins:
        train = y[: o + 1]
        scale = float(np.mean(np.abs(np.diff(train))))
        series = Series(key, tuple(YEARS[: o + 1]), tuple(train.tolist()), "kg")
        t0 = time.perf_counter()
        res = forecast_series(series, opts)
        seconds = time.perf_counter() - t0
        fc = res.forecast.to_pylist()
        cands = res.candidates.to_pylist()
        for k in range(1, H + 1):
            actual = float(y[o + k])
            row = fc[k - 1]
            methods = {"Selected": (row["point"], row)}
            for c in cands:
                if c["horizon"] == k:
                    native = {b: c[f"native_{b}"] for b in ("lo80", "hi80", "lo95", "hi95")}
                    methods[c["model"]] = (c["point"], native)
            for method, (point, bounds) in methods.items():
                rec = {
                    "key": key,
                    "origin": YEARS[o],
                    "horizon": k,
                    "method": method,
                    "actual": actual,
                    "forecast": point,
                    "scale": scale,
                    "scaled_error": abs(actual - point) / scale,
                    "smape": 200 * abs(actual - point) / (abs(actual) + abs(point)),
                }
                for lv in (80, 95):
                    lo, hi = bounds.get(f"lo{lv}"), bounds.get(f"hi{lv}")
                    rec[f"in{lv}"] = None if lo is None else bool(lo <= actual <= hi)
                if method == "Selected":
                    rec["chosen"] = res.model
                    rec["seconds"] = seconds
                recs.append(rec)
    return recs


def _mean_ensemble(recs: list[dict]) -> list[dict]:
    """The mean of the four members' forecasts, scored like them (a post-hoc combination)."""
    points: dict[tuple, dict] = {}
    for r in recs:
        if r["method"] in MEMBERS:
            points.setdefault((r["key"], r["origin"], r["horizon"]), {})[r["method"]] = r
    out = []
    for (key, origin, k), got in points.items():
        if len(got) < len(MEMBERS):
            continue
        first = got[MEMBERS[0]]
        f = float(np.mean([g["forecast"] for g in got.values()]))
        a = first["actual"]
        out.append(
            {
                "key": key,
                "origin": origin,
                "horizon": k,
                "method": "Ensemble (mean)",
                "actual": a,
                "forecast": f,
                "scale": first["scale"],
                "scaled_error": abs(a - f) / first["scale"],
                "smape": 200 * abs(a - f) / (abs(a) + abs(f)),
                "in80": None,
                "in95": None,
            }
        )
    return out  # fmt: skip


def mean_mase(recs: list[dict], method: str, keys: set[str] | None = None) -> float:
    """Mean over series x windows of each window's MASE (the mean over h of scaled errors)."""
    by_window: dict[tuple, list[float]] = {}
    for r in recs:
        if r["method"] == method and (keys is None or r["key"] in keys):
            by_window.setdefault((r["key"], r["origin"]), []).append(r["scaled_error"])
    return float(np.mean([np.mean(v) for v in by_window.values()]))


def coverage(recs: list[dict], method: str, level: int) -> tuple[float | None, int]:
    hits = [r[f"in{level}"] for r in recs if r["method"] == method and r[f"in{level}"] is not None]
    return (sum(hits) / len(hits) if hits else None), len(hits)


def run_panel(flow: str, options: dict) -> dict:
    """Evaluate the engine (``options`` over its defaults) on one panel; the figures."""
    ranked, complete, series = panel_series(PANEL, flow)
    opts = ForecastOptions(horizon=H, **options)
    t0 = time.perf_counter()
    recs: list[dict] = []
    for key in complete:
        recs.extend(evaluate(key, series[key], opts))
    elapsed = time.perf_counter() - t0
    recs.extend(_mean_ensemble(recs))
    methods = ["Selected", *FIXED, "Ensemble (mean)"]
    summary = {}
    for m in methods:
        cov = {lv: coverage(recs, m, lv) for lv in (80, 95)}
        summary[m] = {
            "mase": mean_mase(recs, m),
            "smape": float(np.mean([r["smape"] for r in recs if r["method"] == m])),
            "coverage80": cov[80][0],
            "coverage95": cov[95][0],
            "coverage_points": cov[80][1],
        }
    for m in methods:
        summary[m]["vs_naive"] = summary[m]["mase"] / summary["Naive"]["mase"]
        summary[m]["vs_drift"] = summary[m]["mase"] / summary["RandomWalkWithDrift"]["mase"]
    chosen: dict[str, int] = {}
    per_series = []
    for key in complete:
        sel = [r for r in recs if r["key"] == key and r["method"] == "Selected"]
        picks = [r["chosen"] for r in sel if r["horizon"] == 1]
        for p in picks:
            chosen[p] = chosen.get(p, 0) + 1
        per_series.append(
            {
                "key": key,
                "chosen": picks,
                "mase_selected": mean_mase(recs, "Selected", {key}),
                "mase_naive": mean_mase(recs, "Naive", {key}),
                "coverage80": coverage(sel, "Selected", 80)[0],
            }
        )
    seconds = [r["seconds"] for r in recs if r["method"] == "Selected" and r["horizon"] == 1]
    sel_recs = [r for r in recs if r["method"] == "Selected"]
    coverage80_by = {
        f"{dim} {v}": coverage([r for r in sel_recs if r[dim] == v], "Selected", 80)[0]
        for dim in ("origin", "horizon")
        for v in sorted({r[dim] for r in sel_recs})
    }
    engine_options = {
        k: v for k, v in asdict(opts).items() if k in ("rule", "horizons", "half_life",
                                                          "score_scale", "models", "scale")
    }  # fmt: skip
    return {
        "flow": flow,
        "options": engine_options,
        "largest": ranked,
        "series": complete,
        "excluded_incomplete": [k for k in ranked if k not in complete],
        "origins": sorted({r["origin"] for r in recs}),
        "held_out_points": summary["Selected"]["coverage_points"],
        "methods": summary,
        "chosen_counts": dict(sorted(chosen.items(), key=lambda x: -x[1])),
        "coverage80_by": coverage80_by,
        "per_series": per_series,
        "seconds_total": elapsed,
        "seconds_per_forecast_median": statistics.median(seconds),
    }


def _git_commit() -> str:
    """The commit the run was made on (``+dirty`` with uncommitted changes)."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
            cwd=HERE,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "src", "benchmarks/*.py"],
            capture_output=True,
            text=True,
            check=True,
            cwd=HERE,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + ("+dirty" if dirty.strip() else "")  # fmt: skip


def history_entry(run: dict, label: str, variant: str) -> dict:
    """One line of the run history: what was run, on which panel, and the figures."""
    m = run["methods"]
    fixed = {k: v for k, v in m.items() if k not in ("Selected", "Ensemble (mean)")}
    best = min(fixed, key=lambda k: fixed[k]["mase"])
    return {
        "run_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": _git_commit(),
        "panel": "imports (M)" if run["flow"] == "M" else "design: exports (X)",
        "variant": variant,
        "label": label,
        "options": run["options"],
        "series": len(run["series"]),
        "held_out_points": run["held_out_points"],
        "mase": m["Selected"]["mase"],
        "mase_vs_naive": m["Selected"]["vs_naive"],
        "best_fixed": f"{best} {fixed[best]['vs_naive']:.3f}",
        "mean_ensemble_vs_naive": m.get("Ensemble (mean)", {}).get("vs_naive"),
        "coverage80": m["Selected"]["coverage80"],
        "coverage95": m["Selected"]["coverage95"],
        "coverage80_by": run["coverage80_by"],
    }


def _seed_history(old: dict) -> list[dict]:
    """The merged engine's runs (before the run history was kept) as history entries."""
    out = []
    for run in [old["result"], *old.get("alternatives", [])]:
        e = {
            "run_at": "2026-12-02",
            "commit": "e678898",
            "panel": "imports (M)" if run["flow"] == "M" else "design: exports (X)",
            "variant": f"merged engine, rule {run['rule']}",
            "label": "the merged engine (pooled √h calibration, equal weights, mean scale)",
            "options": {"rule": run["rule"]} | {k: v for k, v in MERGED.items() if k != "rule"},
            "series": len(run["series"]),
            "held_out_points": run["held_out_points"],
            "mase": run["methods"]["Selected"]["mase"],
            "mase_vs_naive": run["methods"]["Selected"]["vs_naive"],
            "coverage80": run["methods"]["Selected"]["coverage80"],
            "coverage95": run["methods"]["Selected"]["coverage95"],
            "coverage80_by": run["coverage80_by"],
        }
        out.append(e)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE / "results" / "forecast.json")
    parser.add_argument("--design", help="comma-separated variants to run on the export panel "
                        f"only: {', '.join(VARIANTS)}")  # fmt: skip
    parser.add_argument("--label", default="", help="what this run tests (kept in the history)")
    args = parser.parse_args()

    old = json.loads(args.out.read_text()) if args.out.is_file() else {}
    history = old.get("history") or (_seed_history(old) if "result" in old else [])
    if args.design:
        for name in args.design.split(","):
            if name not in VARIANTS:
                raise SystemExit(f"unknown variant {name!r}: choose from {', '.join(VARIANTS)}")
            run = run_panel("X", VARIANTS[name])
            history.append(history_entry(run, args.label, name))
            print(_history_line(history[-1]))
        old["history"] = history
        args.out.write_text(json.dumps(old, indent=2) + "\n")
        args.out.with_suffix(".md").write_text(markdown(old))
        return

    main_run = run_panel("M", {})
    history.append(history_entry(main_run, args.label, "defaults"))
    ratio = main_run["methods"]["Selected"]["vs_naive"]
    cov80 = main_run["methods"]["Selected"]["coverage80"]
    jpn_y = panel_series(PANEL, "M")[2]["JPN"]
    jpn = forecast_series(Series("JPN", tuple(YEARS), tuple(jpn_y.tolist()), "kg"))
    result = {
        "benchmark": "forecast",
        "command": "python benchmarks/bench_forecast.py",
        "panel": str(PANEL.relative_to(HERE.parent.parent)),
        "series_rule": f"importer totals (flow M, summed over partners), the {TOP} largest by "
        f"2000-2017 total, complete 2000-2017",
        "horizons": list(range(1, H + 1)),
        "issue_figures_mase": ISSUE_FIGURES,
        "targets": {
            "mase_vs_naive": {"target": f"<= {TARGET_RATIO}", "measured": ratio,
                              "met": ratio <= TARGET_RATIO},
            "coverage80": {"target": f"{TARGET_COVERAGE[0]}-{TARGET_COVERAGE[1]}",
                           "measured": cov80,
                           "met": TARGET_COVERAGE[0] <= cov80 <= TARGET_COVERAGE[1]},
        },
        "result": main_run,
        "japan_outlook": {
            "model": jpn.model,
            "reason": jpn.reason,
            "parameters": jpn.parameters,
            "notes": list(jpn.notes),
            "forecast": jpn.forecast.to_pylist(),
            "coverage": jpn.coverage.to_pylist(),
        },
        "machine": f"Python {platform.python_version()}, {platform.machine()}, "
        f"{os.cpu_count()} CPUs",
        "history": history,
    }  # fmt: skip
    args.out.parent.mkdir(exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    args.out.with_suffix(".md").write_text(markdown(result))
    print(markdown(result))


def _history_line(e: dict) -> str:
    by = e.get("coverage80_by", {})
    hs = ", ".join(f"h{k[-1]} {v:.1%}" for k, v in by.items() if k.startswith("horizon"))
    os_ = ", ".join(f"{k[-4:]} {v:.1%}" for k, v in by.items() if k.startswith("origin"))
    opts = e["options"]
    how = (
        f"{opts.get('rule')}, {opts.get('horizons')}, half-life {opts.get('half_life') or '—'}, "
        f"{opts.get('score_scale')} scale, fitted on {opts.get('scale', 'level')}"
    )
    return (
        f"| {e['run_at']} | {e['commit']} | {e['panel']} | {e['variant']} ({how}) | "
        f"{e['mase_vs_naive']:.3f} | {e['coverage80']:.1%} | {e['coverage95']:.1%} | "
        f"{hs} | {os_} | {e['label']} |"
    )


def _f(v: float | None, fmt: str = ".2f") -> str:
    return "—" if v is None else format(v, fmt)


def markdown(r: dict) -> str:
    """The README table."""
    run = r["result"]
    s = run["methods"]
    lines = [
        "# Forecast benchmark — real HS 7601 net-weight panel (importer totals, 2000-2017)",
        "",
        f"{len(run['series'])} series (the {TOP} largest importers with a complete 2000-2017 "
        f"series; excluded as incomplete: {', '.join(run['excluded_incomplete']) or 'none'}), "
        f"origins {run['origins'][0]}-{run['origins'][-1]}, horizons 1-{H}: "
        f"{run['held_out_points']} held-out points. At each origin the engine sees only the "
        "years up to it: the model choice and the interval calibration are nested inside that "
        "history.",
        "",
        "| method | MASE | vs Naive | vs drift | sMAPE % | 80 % coverage | 95 % coverage | "
        "issue's MASE |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for m, v in s.items():
        label = "**corridor (chosen per series)**" if m == "Selected" else m
        kind = "conformal" if m == "Selected" else "native"
        cov80 = "—" if v["coverage80"] is None else f"{v['coverage80']:.1%} ({kind})"
        lines.append(
            f"| {label} | {_f(v['mase'])} | {_f(v['vs_naive'])} | {_f(v['vs_drift'])} | "
            f"{_f(v['smape'], '.1f')} | {cov80} | {_f(v['coverage95'], '.1%')} | "
            f"{_f(r['issue_figures_mase'].get(m))} |"
        )
    t = r["targets"]
    lines += [
        "",
        "| target | measured | status |",
        "|---|---|---|",
        f"| chosen MASE ≤ 0.90 × Naive's | {t['mase_vs_naive']['measured']:.3f} × | "
        f"{'met' if t['mase_vs_naive']['met'] else '**missed**'} |",
        f"| 80 % intervals cover 72-88 % | {t['coverage80']['measured']:.1%} | "
        f"{'met' if t['coverage80']['met'] else '**missed**'} |",
        "",
        "Models chosen (series × origins): "
        + ", ".join(f"{k} {v}" for k, v in run["chosen_counts"].items()),
        "",
        "80 % coverage by origin / horizon: "
        + ", ".join(f"{k} {v:.1%}" for k, v in run["coverage80_by"].items()),
        "",
        "Every run, oldest first (design variants on the export panel, flow X; the import "
        "panel, flow M, once per adopted design decision):",
        "",
        "| run at | commit | panel | variant (rule, calibration, half-life, scale) | "
        "chosen MASE vs Naive | 80 % coverage | 95 % coverage | 80 % by horizon | "
        "80 % by origin | what it tested |",
        "|---|---|---|---|---:|---:|---:|---|---|---|",
    ]
    lines += [_history_line(e) for e in r.get("history", [])]
    j = r["japan_outlook"]
    lines += ["", "Japan, 2018-2020 from 2000-2017: " + j["reason"] + ".", ""]
    lines += ["| year | point | 80 % | 95 % |", "|---|---:|---|---|"]
    for row in j["forecast"]:
        lines.append(
            f"| {row['period']} | {fmt_weight(row['point'])} | {fmt_weight(row['lo80'])} – "
            f"{fmt_weight(row['hi80'])} | {fmt_weight(row['lo95'])} – {fmt_weight(row['hi95'])} |"
        )
    lines += [
        "",
        f"Run time {run['seconds_total']:.1f} s for the main panel "
        f"({run['seconds_per_forecast_median'] * 1000:.0f} ms median per forecast, backtests "
        f"included); {r['machine']}.",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
