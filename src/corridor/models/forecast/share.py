"""Supplier-share outlook: the market total and the exporter's share, forecast apart, combined.

The market total is forecast on its own scale; the exporter's share (exporter ÷ market) on the
logit scale, so its forecast and intervals stay inside [0, 1]. The exporter's implied volume
is market × share. Its intervals are calibrated the same way as a single series' — on the
errors of the combined procedure replayed at every past origin (both choices made on earlier
errors only), normalised by the exporter volume's in-sample one-step naive MAE — and their
coverage is measured out of sample.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pyarrow as pa

from corridor.errors import InvalidQuery
from corridor.models.forecast import tables
from corridor.models.forecast.backtest import Key, mase_scale, smape_term
from corridor.models.forecast.conformal import MIN_SCORES, Calibrator, Replay, coverage
from corridor.models.forecast.engine import (
    LEVELS,
    ForecastOptions,
    SeriesForecast,
    errors_text,
    forecast_series,
)
from corridor.models.forecast.series import Series

__all__ = ["ShareOutlook", "share_outlook"]


@dataclass(frozen=True)
class ShareOutlook:
    """Market and share forecasts, and the exporter's implied volume with intervals.

    ``volume`` has the :data:`tables.VOLUME` columns; ``volume_accuracy`` compares the implied
    volume's backtest MASE with Naive and drift forecasts of the exporter's own series;
    ``volume_coverage`` is the measured coverage of its intervals.
    """

    market: SeriesForecast
    share: SeriesForecast
    volume: pa.Table
    volume_accuracy: pa.Table
    volume_coverage: pa.Table
    notes: tuple[str, ...]
    synthetic: bool

    def as_dict(self) -> dict[str, Any]:
        """Plain data (JSON-ready)."""
        return {
            "market": self.market.as_dict(),
            "share": self.share.as_dict(),
            "volume": self.volume.to_pylist(),
            "volume_accuracy": self.volume_accuracy.to_pylist(),
            "volume_coverage": self.volume_coverage.to_pylist(),
            "notes": list(self.notes),
            "synthetic": self.synthetic,
        }


def _share_series(market: Series, exporter: Series) -> tuple[Series, list[str]]:
    """Exporter ÷ market per period; missing where either is missing or the market is ≤ 0."""
    if exporter.unit is not market.unit or exporter.freq != market.freq:
        raise InvalidQuery(
            f"exporter series {exporter.key!r} is {exporter.unit.value}/{exporter.freq} but the "
            f"market {market.key!r} is {market.unit.value}/{market.freq}: give both in the same "
            "unit and frequency"
        )
    mk = dict(zip(market.periods, market.values, strict=True))
    notes: list[str] = []
    shares: dict[str, float | None] = {}
    for p, v in zip(exporter.periods, exporter.values, strict=True):
        m = mk.get(p)
        if v is None or m is None:
            shares[p] = None
            continue
        if m <= 0:
            shares[p] = None
            notes.append(f"market total is {m:g} in {p}: the share is missing there")
            continue
        if v < 0 or v > m * (1 + 1e-9):
            raise InvalidQuery(
                f"period {p}: exporter {exporter.key!r} has {v:g} but the market {market.key!r} "
                f"totals {m:g}: the exporter's amount must lie between 0 and the market total"
            )
        shares[p] = min(v / m, 1.0)
    for p in market.periods:
        shares.setdefault(p, None)
    periods = tuple(sorted(shares))
    share = Series(
        exporter.key,
        periods,
        tuple(shares[p] for p in periods),
        "fraction",
        market.freq,
        market.synthetic or exporter.synthetic,
    )
    return share, notes


def share_outlook(
    market: Series, exporter: Series, options: ForecastOptions | None = None
) -> ShareOutlook:
    """Forecast the market and the exporter's share apart, then the implied volume.

    Args:
        market: the importer's total imports (all partners) by period.
        exporter: the importer's imports from the exporter, same unit, by period
            (0 where nothing was reported, None where it is unknown).
        options: as for :func:`forecast_series`; the share is always on the logit scale.

    Raises:
        InvalidQuery: mixed units, an exporter amount above the market total, or series that
            end in different periods.
    """
    opts = options or ForecastOptions()
    share_input, notes = _share_series(market, exporter)
    mf = forecast_series(market, replace(opts, scale="level"))
    sf = forecast_series(share_input, replace(opts, scale="logit"))
    if mf.fitted_periods[-1] != sf.fitted_periods[-1]:
        raise InvalidQuery(
            f"the market series ends in {mf.fitted_periods[-1]} but the exporter's share in "
            f"{sf.fitted_periods[-1]}: give both series up to the same period"
        )
    key = exporter.key
    h = opts.horizon
    m_rows, s_rows = mf.forecast.to_pylist(), sf.forecast.to_pylist()
    ev = np.array(
        [dict(zip(exporter.periods, exporter.values, strict=True))[p] for p in sf.fitted_periods],
        dtype=float,
    )
    cal = opts.calibrator
    rp, pts = _volume_replay(mf, sf, ev, cal)
    vscale = cal.scale_of(ev)
    t = len(ev) - 1
    point = np.array([m["point"] * s["point"] for m, s in zip(m_rows, s_rows, strict=True)])
    rows: list[dict[str, Any]] = [
        {
            "key": key,
            "period": m_rows[k]["period"],
            "horizon": k + 1,
            "market": m_rows[k]["point"],
            "share": s_rows[k]["point"],
            "point": float(point[k]),
        }
        for k in range(h)
    ]
    cov_rows = []
    used = 0
    for level in LEVELS:
        per_h = [cal.quantile(rp.scores, t, k, level) for k in range(1, h + 1)]
        used = min(n for _, _, n in per_h)
        measured, evaluated, _ = coverage(rp, level, cal)
        if all(math.isfinite(q) for q, _, _ in per_h) and math.isfinite(vscale):
            for k, row in enumerate(rows, 1):
                half = per_h[k - 1][0] * vscale
                row[f"lo{level}"] = max(0.0, row["point"] - half)
                row[f"hi{level}"] = row["point"] + half
        cov_rows.append(
            {
                "key": key,
                "nominal": level / 100,
                "measured": measured,
                "points": evaluated,
                "calibration_points": used,
                "finite_sample": all(valid for _, valid, _ in per_h),
            }
        )
    if used < MIN_SCORES:
        notes.append(f"{errors_text(used)} of the implied volume: no interval shown")
    unit = market.unit
    return ShareOutlook(
        market=mf,
        share=sf,
        volume=tables.to_table(tables.VOLUME, rows, unit),
        volume_accuracy=tables.to_table(tables.ACCURACY, _volume_accuracy(key, ev, rp, pts), unit),
        volume_coverage=tables.to_table(tables.COVERAGE, cov_rows, unit),
        notes=tuple(notes),
        synthetic=market.synthetic or exporter.synthetic,
    )


def _volume_replay(
    mf: SeriesForecast, sf: SeriesForecast, ev: np.ndarray, cal: Calibrator
) -> tuple[Replay, list[Key]]:
    """The combined procedure at every origin both forecasts were replayed at."""
    assert mf.replay is not None and sf.replay is not None
    share_idx = {p: i for i, p in enumerate(sf.fitted_periods)}
    yf: dict[Key, float] = {}
    scores: dict[Key, float] = {}
    for (o, k), m_point in mf.replay.yf.items():
        so = share_idx.get(mf.fitted_periods[o])
        if so is None or (so, k) not in sf.replay.yf:
            continue
        yf[(so, k)] = m_point * sf.replay.yf[(so, k)]
    scales = {o: cal.scale_of(ev[: o + 1]) for o in {o for o, _ in yf}}
    for (o, k), f in yf.items():
        s = scales[o]
        if math.isfinite(s) and math.isfinite(ev[o + k]):
            scores[(o, k)] = abs(ev[o + k] - f) / s
    return Replay({}, yf, dict(yf), scores, scales), sorted(yf)


def _volume_accuracy(key: str, ev: np.ndarray, rp: Replay, pts: list[Key]) -> list[dict[str, Any]]:
    """Implied volume vs Naive and drift forecasts of the exporter's own series."""
    pts = [p for p in pts if math.isfinite(mase_scale(ev[: p[0] + 1]))]

    def naive(o: int, k: int) -> float:
        return float(ev[o])

    def drift(o: int, k: int) -> float:
        return float(ev[o] + k * (ev[o] - ev[0]) / o) if o > 0 else float(ev[o])

    methods = {
        "Implied (market × share)": lambda o, k: rp.yf[(o, k)],
        "Naive": naive,
        "RandomWalkWithDrift": drift,
    }
    errs = {
        name: [abs(ev[o + k] - f(o, k)) / mase_scale(ev[: o + 1]) for o, k in pts]
        for name, f in methods.items()
    }
    rows = []
    for name, f in methods.items():
        mase = float(np.mean(errs[name])) if pts else None
        base_n = float(np.mean(errs["Naive"])) if pts else None
        base_d = float(np.mean(errs["RandomWalkWithDrift"])) if pts else None
        rows.append(
            {
                "key": key,
                "model": name,
                "mase": mase,
                "smape": float(np.mean([smape_term(ev[o + k], f(o, k)) for o, k in pts]))
                if pts
                else None,
                "mase_vs_naive": mase / base_n if mase is not None and base_n else None,
                "mase_vs_drift": mase / base_d if mase is not None and base_d else None,
                "points": len(pts),
                "origins": len({o for o, _ in pts}),
                "compared": False,
                "chosen": name.startswith("Implied"),
            }
        )
    return rows
