"""Split-conformal intervals calibrated on the backtest errors of the whole procedure.

The procedure is "choose the model with the lowest backtest error so far, then forecast with
it". Replaying it at every past origin (choosing only on forecasts whose targets precede that
origin) gives out-of-sample errors of exactly what is shipped, so the calibration is not
flattered by the selection (choosing the best model and then calibrating on that model's own
backtest errors would be). Each error becomes a score
``|z_actual − z_forecast| / (zscale_origin · √h)``: normalised by the training window's
one-step naive MAE (so level shifts and growth do not dominate) and by √h (errors grow with
the horizon), which lets all horizons share one calibration set. The interval at level
``1 − α`` is ``forecast ± q · zscale · √h``, with ``q`` the ⌈(n+1)(1−α)⌉-th smallest of the
``n`` scores; with fewer scores than that rank needs, the largest score is used and the
interval is flagged as not finite-sample valid.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from corridor.models.forecast.backtest import Backtest, Key, Rule, select
from corridor.models.forecast.candidates import ENSEMBLE, NAIVE

__all__ = ["MIN_SCORES", "Replay", "calibration", "coverage", "needed", "quantile", "replay"]

MIN_SCORES = 4  # fewer calibration errors than this: no interval at all


def needed(level: int) -> int:
    """Fewest scores for a finite-sample conformal bound at ``level`` percent (80 → 4, 95 → 19)."""
    n = 1
    while -(-(n + 1) * level // 100) > n:
        n += 1
    return n


def quantile(scores: Sequence[float], level: int) -> tuple[float, bool]:
    """Conformal quantile of ``scores`` at ``level`` percent: (q, finite-sample valid).

    ``q`` is the ⌈(n+1)·level/100⌉-th smallest score (integer arithmetic: no rounding
    surprises); the largest score when there are too few for that rank; NaN with fewer than
    :data:`MIN_SCORES` scores.
    """
    n = len(scores)
    if n < MIN_SCORES:
        return float("nan"), False
    rank = -(-(n + 1) * level // 100)
    ordered = sorted(scores)
    if rank > n:
        return ordered[-1], False
    return ordered[rank - 1], True


@dataclass(frozen=True)
class Replay:
    """The procedure replayed at every backtest origin."""

    chosen: dict[int, str]  # origin → model chosen there (on earlier targets only)
    yf: dict[Key, float]
    zf: dict[Key, float]
    scores: dict[Key, float]  # conformal score of each point (finite scales only)


def replay(bt: Backtest, models: Sequence[str], min_points: int, rule: Rule) -> Replay:
    """Select-then-forecast at each origin, using only forecasts whose targets precede it."""
    chosen: dict[int, str] = {}
    yf: dict[Key, float] = {}
    zf: dict[Key, float] = {}
    scores: dict[Key, float] = {}
    n = len(bt.y)
    for o in bt.origins:
        ready = (o, 1) in bt.yf.get(ENSEMBLE, {})
        model = select(bt, o, models, min_points, rule, ensemble_ready=ready).model
        if (o, 1) not in bt.yf.get(model, {}):
            model = NAIVE  # its fit failed at this origin; Naive never fails
        chosen[o] = model
        for k in range(1, min(bt.horizon, n - 1 - o) + 1):
            yf[(o, k)] = bt.yf[model][(o, k)]
            zf[(o, k)] = bt.zf[model][(o, k)]
            if np.isfinite(bt.zscale[o]):
                err = abs(bt.z[o + k] - zf[(o, k)])
                scores[(o, k)] = err / (bt.zscale[o] * math.sqrt(k))
    return Replay(chosen, yf, zf, scores)


def calibration(scores: dict[Key, float], t: int) -> list[float]:
    """Scores whose targets are at or before index ``t``."""
    return [s for (o, k), s in scores.items() if o + k <= t]


def coverage(rp: Replay, level: int) -> tuple[float | None, int, dict[Key, bool]]:
    """Out-of-sample coverage: each point's interval is calibrated on earlier targets only.

    Returns (share covered or None, points evaluated, point → covered).
    """
    hits: dict[Key, bool] = {}
    for (o, k), s in rp.scores.items():
        q, _ = quantile(calibration(rp.scores, o), level)
        if math.isnan(q):
            continue
        hits[(o, k)] = s <= q
    if not hits:
        return None, 0, hits
    return sum(hits.values()) / len(hits), len(hits), hits
