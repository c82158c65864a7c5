"""Rolling-origin backtests, the error measures, and selection by out-of-sample error only.

At every origin ``o`` (index of the last training point) each eligible candidate is fitted on
``z[:o+1]`` and forecasts ``min(h, n-1-o)`` steps; the forecasts are scored against what
happened. Errors are MASE terms (absolute error over the in-sample one-step naive MAE of the
training window) and sMAPE terms. A model is chosen at a point in time ``t`` using only the
forecasts whose targets are at or before ``t`` — never an in-sample fit statistic.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from corridor.models.forecast.candidates import (
    ENSEMBLE,
    MODELS,
    NAIVE,
    eligible,
    fit_forecast,
    is_simple,
)

__all__ = ["Backtest", "Rule", "Selection", "mase_scale", "run_backtest", "select", "smape_term"]

Key = tuple[int, int]  # (origin index, horizon)


def mase_scale(train: np.ndarray) -> float:
    """In-sample one-step naive MAE of a training window (NaN when it is 0 or undefined)."""
    if len(train) < 2:
        return float("nan")
    s = float(np.mean(np.abs(np.diff(train))))
    return s if s > 0 else float("nan")


def smape_term(actual: float, forecast: float) -> float:
    """200·|a−f| / (|a|+|f|), in percent; 0 when both are 0."""
    denom = abs(actual) + abs(forecast)
    return 0.0 if denom == 0 else 200.0 * abs(actual - forecast) / denom


@dataclass
class Backtest:
    """Every candidate's forecasts at every origin, on both scales; each origin's MASE scale."""

    y: np.ndarray  # observed values (the unit's scale)
    z: np.ndarray  # the scale models are fitted on (y itself, or logit(y))
    horizon: int
    origins: tuple[int, ...]
    scale: dict[int, float]  # MASE scale of y[:o+1]
    yf: dict[str, dict[Key, float]] = field(default_factory=dict)
    zf: dict[str, dict[Key, float]] = field(default_factory=dict)
    failed: dict[str, int] = field(default_factory=dict)  # fits that raised or gave NaN

    def scaled_error(self, model: str, key: Key) -> float:
        """|actual − forecast| / MASE scale of the origin's training window."""
        o, k = key
        return abs(self.y[o + k] - self.yf[model][key]) / self.scale[o]

    def keys(self, model: str, t: int) -> set[Key]:
        """The model's scored forecasts whose targets are at or before index ``t``."""
        return {
            (o, k) for (o, k) in self.yf.get(model, {}) if o + k <= t and np.isfinite(self.scale[o])
        }


def run_backtest(
    y: np.ndarray,
    z: np.ndarray,
    *,
    models: Sequence[str],
    horizon: int,
    freq: str,
    min_train: int,
    max_origins: int,
    to_y: Callable[[np.ndarray], np.ndarray],
    same_scale: bool,
) -> Backtest:
    """Fit every eligible candidate at every origin (the latest ``max_origins`` of them).

    ``to_y`` maps model-scale forecasts back to the unit's scale (inverse transform + clip);
    with ``same_scale`` (no transform) the clipped forecast is also the model-scale one.
    """
    n = len(y)
    origins = tuple(range(min_train - 1, n - 1))[-max_origins:]
    bt = Backtest(
        y=y,
        z=z,
        horizon=horizon,
        origins=origins,
        scale={o: mase_scale(y[: o + 1]) for o in origins},
    )
    for m in models:
        bt.yf[m], bt.zf[m] = {}, {}
    members = [m for m in models if m != ENSEMBLE]
    for o in origins:
        steps = min(horizon, n - 1 - o)
        got: dict[str, np.ndarray] = {}
        for m in members:
            if not eligible(m, o + 1, freq):
                continue
            f = fit_forecast(m, z[: o + 1], steps, freq)
            if f is None:
                bt.failed[m] = bt.failed.get(m, 0) + 1
                continue
            got[m] = f
        if ENSEMBLE in models and eligible(ENSEMBLE, o + 1, freq) and len(got) >= 3:
            got[ENSEMBLE] = np.median(np.vstack(list(got.values())), axis=0)
        for m, f in got.items():
            yf = to_y(f)
            zf = yf if same_scale else f
            for k in range(1, steps + 1):
                bt.zf[m][(o, k)] = float(zf[k - 1])
                bt.yf[m][(o, k)] = float(yf[k - 1])
    return bt


Rule = Literal["one_se", "lowest"]


@dataclass(frozen=True)
class Selection:
    """The model chosen at one point in time, and the backtest errors it was chosen on."""

    model: str
    errors: dict[str, float]  # mean MASE of each compared model on the same points
    smape: dict[str, float]
    points: int  # held-out points each compared model was scored on
    origins: int  # distinct origins behind them
    left_out: tuple[str, ...]  # candidates with too few backtest points to compare
    default: str = NAIVE  # the model kept unless a challenger clearly beats it
    margin: dict[str, tuple[float, float]] = field(default_factory=dict)  # m → (Δ, SE) vs default

    @property
    def ranked(self) -> list[str]:
        """Compared models, best first (ties → simpler)."""
        return sorted(self.errors, key=lambda m: (round(self.errors[m], 12), MODELS.index(m)))


def select(
    bt: Backtest,
    t: int,
    models: Sequence[str],
    min_points: int,
    rule: Rule = "one_se",
    *,
    ensemble_ready: bool = False,
) -> Selection:
    """Choose a model on forecasts whose targets are ≤ ``t`` (out-of-sample errors only).

    All compared models are scored on the same (origin, horizon) points; candidates with
    fewer than ``min_points`` scored points are left out (complex models first, so that
    simple ones can still be compared on their longer record).

    ``lowest``: the lowest mean MASE wins. ``one_se`` (default): the default model (the
    Ensemble when compared, else Naive) is kept unless a challenger's mean MASE beats it by
    more than one standard error of their paired point-by-point difference; among the
    challengers that do, the lowest MASE wins. With few backtest points the lowest MASE is
    mostly noise, and this keeps the robust choice unless the evidence is clear.
    If the Ensemble can be formed at ``t`` (``ensemble_ready``) but has too few backtest
    points to be compared, it is kept as the default (nothing can challenge it yet).
    With nothing to compare: Naive.
    """
    keys = {m: bt.keys(m, t) for m in models}
    compared = [m for m in models if len(keys[m]) >= min_points]
    common = set.intersection(*(keys[m] for m in compared)) if compared else set()
    if len(common) < min_points:
        compared = [m for m in compared if is_simple(m)]
        common = set.intersection(*(keys[m] for m in compared)) if compared else set()
    left_out = tuple(m for m in models if m not in compared)
    untested_default = rule == "one_se" and ensemble_ready and ENSEMBLE not in compared
    if not compared or len(common) < min_points:
        first = ENSEMBLE if untested_default else NAIVE
        return Selection(first, {}, {}, 0, 0, tuple(models), default=first)
    pts = sorted(common)
    err = {m: np.array([bt.scaled_error(m, p) for p in pts]) for m in compared}
    errors = {m: float(e.mean()) for m, e in err.items()}
    smape = {
        m: float(np.mean([smape_term(bt.y[o + k], bt.yf[m][(o, k)]) for o, k in pts]))
        for m in compared
    }
    default = ENSEMBLE if ENSEMBLE in compared else NAIVE
    margin = {}
    for m in compared:
        if m != default:
            d = err[m] - err[default]
            margin[m] = (float(d.mean()), float(d.std(ddof=1) / np.sqrt(len(d))))
    n_origins = len({o for o, _ in pts})
    if untested_default:
        return Selection(ENSEMBLE, errors, smape, len(pts), n_origins, left_out, ENSEMBLE, {})
    if rule == "lowest":
        pool = compared
    else:
        pool = [default, *(m for m, (dm, se) in margin.items() if dm + se < 0)]
    best = min(pool, key=lambda m: (round(errors[m], 12), MODELS.index(m)))
    return Selection(best, errors, smape, len(pts), n_origins, left_out, default, margin)
