"""How far could any simple method get? Fixed methods on both real panels, same windows.

Run: .venv/bin/python benchmarks/forecast_methods.py
     → benchmarks/results/forecast-methods.json + .md

The issue asks that corridor's per-series choice reach a mean MASE of at most 0.90 × Naive's
on the HS 7601 import panel (bench_forecast.py measures it). This script asks a different
question, after the fact: which *fixed* method — one rule applied to every series, chosen
knowing the held-out years — would have done best on each panel? If none reaches 0.90, the
target is out of reach of these method families on this panel, whatever the selection rule.

Same series, origins (2011-2014), horizons (1-3) and MASE scaling as bench_forecast.py.
Methods: Naive; drift over the whole history, the last k years, the median step; damped drift
(φ = 0.5, 0.7, 0.9); AutoETS and AutoTheta (statsforecast); equal-weight means and medians of
those; and drift damped by a factor learned across all series of the panel at each origin
(cross-learning: pooled least squares of the next h steps' change on the recent step, on the
level scaled by each series' naive error or on logs, with or without a common trend).
"""

from __future__ import annotations

import json
import platform
import time
import warnings
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from bench_forecast import PANEL, WINDOWS, H, panel_series

HERE = Path(__file__).resolve().parent
OUT = HERE / "results" / "forecast-methods"
TARGET = 0.90


def _fitted(train: np.ndarray) -> dict[str, np.ndarray]:
    from statsforecast.models import AutoETS, AutoTheta

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return {
            "AutoETS": np.asarray(AutoETS().forecast(y=train, h=H)["mean"], dtype=float),
            "AutoTheta": np.asarray(AutoTheta().forecast(y=train, h=H)["mean"], dtype=float),
        }


def _simple(train: np.ndarray, fitted: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    last, h, steps = train[-1], np.arange(1, H + 1), np.diff(train)
    slope = (train[-1] - train[0]) / (len(train) - 1)
    out = {"Naive": np.full(H, last), "drift": last + h * slope, **fitted}
    for k in (3, 5, 8):
        out[f"drift, last {k} steps"] = last + h * steps[-k:].mean()
    out["drift, median step"] = last + h * np.median(steps)
    for phi in (0.5, 0.7, 0.9):
        out[f"damped drift φ={phi}"] = last + slope * np.cumsum(phi**h)
    four = [out[m] for m in ("Naive", "drift", "AutoETS", "AutoTheta")]
    out["mean of Naive, drift, ETS, Theta"] = np.mean(four, axis=0)
    out["median of Naive, drift, ETS, Theta"] = np.median(four, axis=0)
    out["mean of Naive, drift"] = (out["Naive"] + out["drift"]) / 2
    out["mean of drift, Theta"] = (out["drift"] + out["AutoTheta"]) / 2
    out["mean of drift, ETS, Theta"] = np.mean(
        [out[m] for m in ("drift", "AutoETS", "AutoTheta")], 0
    )
    return out


def _scaled(z: np.ndarray, log: bool) -> np.ndarray:
    return np.log(z) if log else z / np.mean(np.abs(np.diff(z)))


def _pooled(windows: list[tuple], k: int, log: bool, trend: bool) -> list[np.ndarray]:
    """Drift damped by a factor fitted across the panel's series at each origin."""
    out = []
    for _, origin, train, _ in windows:
        pairs: dict[int, tuple[list, list]] = {h: ([], []) for h in range(1, H + 1)}
        for _, o2, other, _ in windows:
            if o2 != origin:
                continue
            z = _scaled(other, log)
            for t in range(k, len(z) - 1):
                x = np.mean(np.diff(z[t - k : t + 1]))
                for h in range(1, min(H, len(z) - 1 - t) + 1):
                    pairs[h][0].append(x)
                    pairs[h][1].append(z[t + h] - z[t])
        z = _scaled(train, log)
        x0 = np.mean(np.diff(z[-k - 1 :]))
        path = []
        for h in range(1, H + 1):
            x, y = np.array(pairs[h][0]), np.array(pairs[h][1])
            if trend:
                c = np.linalg.lstsq(np.c_[np.ones_like(x), x], y, rcond=None)[0]
                step = c[0] + c[1] * x0
            else:
                step = (x @ y) / (x @ x) * x0
            path.append(z[-1] + step)
        path = np.array(path)
        out.append(np.exp(path) if log else path * np.mean(np.abs(np.diff(train))))
    return out


def run(flow: str) -> dict:
    _, complete, series = panel_series(PANEL, flow)
    windows = []
    for key in complete:
        y = series[key]
        for o in [len(y) - 1 - H - j for j in reversed(range(WINDOWS))]:
            windows.append((key, o, y[: o + 1], y[o + 1 : o + 1 + H]))
    errors: dict[str, list[float]] = {}

    def score(name: str, train: np.ndarray, truth: np.ndarray, fc: np.ndarray) -> None:
        scale = np.mean(np.abs(np.diff(train)))
        errors.setdefault(name, []).append(float(np.mean(np.abs(truth - fc)) / scale))

    for _, _, train, truth in windows:
        for name, fc in _simple(train, _fitted(train)).items():
            score(name, train, truth, fc)
    for k in (1, 3, 5):
        for log in (False, True):
            for trend in (False, True):
                name = (f"cross-learned damping, last {k} step(s), "
                        f"{'log' if log else 'level'}{' + trend' if trend else ''}")  # fmt: skip
                for (_, _, train, truth), fc in zip(
                    windows, _pooled(windows, k, log, trend), strict=True
                ):
                    score(name, train, truth, fc)
    naive = float(np.mean(errors["Naive"]))
    rows = sorted(
        ({"method": m, "mase": float(np.mean(v)), "vs_naive": float(np.mean(v)) / naive}
         for m, v in errors.items()),
        key=lambda r: r["mase"],
    )  # fmt: skip
    return {"flow": flow, "series": len(complete), "windows": len(windows), "methods": rows}


def main() -> None:
    started = time.perf_counter()
    panels = {flow: run(flow) for flow in ("M", "X")}
    doc = {
        "benchmark": "forecast_methods",
        "command": "python benchmarks/forecast_methods.py",
        "run_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "target_vs_naive": TARGET,
        "panels": panels,
        "seconds": time.perf_counter() - started,
        "machine": {"python": platform.python_version(), "cpus": __import__("os").cpu_count()},
    }
    OUT.with_suffix(".json").write_text(json.dumps(doc, indent=2))
    lines = [
        "# The best fixed method, after the fact — real HS 7601 net-weight panels",
        "",
        f"{doc['run_at']} · `{doc['command']}` · {doc['seconds']:.0f} s. Same series, origins "
        "2011-2014 and horizons 1-3 as bench_forecast.py; each method applied to every series; "
        "the ranking uses the held-out years, so the best row is a ceiling for a fixed rule, "
        "not a forecast anyone could have chosen beforehand.",
        "",
    ]
    for flow, label in (("M", "imports (flow M, the issue's panel)"), ("X", "exports (flow X)")):
        p = panels[flow]
        best = p["methods"][0]
        verdict = "reaches" if best["vs_naive"] <= TARGET else "does not reach"
        lines += [
            f"## {label}: {p['series']} series, {p['windows']} windows",
            "",
            f"Best: {best['method']}, {best['vs_naive']:.3f} × Naive — {verdict} the issue's "
            f"{TARGET:.2f}.",
            "",
            "| method | MASE | vs Naive |",
            "|---|---:|---:|",
            *(f"| {r['method']} | {r['mase']:.3f} | {r['vs_naive']:.3f} |" for r in p["methods"]),
            "",
        ]
    OUT.with_suffix(".md").write_text("\n".join(lines))
    print("\n".join(lines[:4]))
    for flow in panels:
        b = panels[flow]["methods"][0]
        print(f"{flow}: best {b['method']} {b['vs_naive']:.3f} × Naive")


if __name__ == "__main__":
    main()
