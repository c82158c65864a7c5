"""Split-conformal intervals calibrated on the backtest errors of the whole procedure.

The procedure is "choose the model with the lowest backtest error so far, then forecast with
it". Replaying it at every past origin (choosing only on forecasts whose targets precede that
origin) gives out-of-sample errors of exactly what is shipped, so the calibration is not
flattered by the selection (choosing the best model and then calibrating on that model's own
backtest errors would be). Each error becomes a score ``|z_actual − z_forecast| / scale``,
normalised by a scale of the origin's training window so that level shifts and growth do not
dominate; the interval at level ``1 − α`` is ``forecast ± q · scale``, ``q`` the conformal
quantile of the scores. How the scores are formed and pooled is a :class:`Calibrator`:

* ``pooled`` (horizons share one calibration set, errors divided by √h), ``by_horizon``
  (each horizon calibrated on its own errors — no assumption about how errors grow, but
  a third of the errors each) or ``profile`` (one pooled set, each horizon's errors divided
  by their measured growth: the median error at h over the median error at 1);
* ``half_life``: recency weights ``0.5^(age / half_life)`` for non-exchangeable errors
  (weighted conformal prediction, Barber, Candès, Ramdas & Tibshirani 2023, Ann. Statist.
  51(2)): an old crisis counts less than last year's error;
* ``scale``: ``mean`` (the in-sample one-step naive MAE, MASE's scale) or ``median`` (the
  median absolute one-step change, so that one outlier year cannot inflate every width).

The quantile is the smallest score whose cumulative weight, with the test point's weight put
at +∞, reaches the level (unweighted: the ⌈(n+1)(1−α)⌉-th smallest of ``n`` scores); when
no score reaches it, the largest is used and the interval is flagged as not finite-sample
valid.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from corridor.models.forecast.backtest import Backtest, Key, Rule, select
from corridor.models.forecast.candidates import ENSEMBLE, NAIVE

__all__ = [
    "MIN_SCORES",
    "Calibrator",
    "Replay",
    "coverage",
    "needed",
    "quantile",
    "replay",
]

MIN_SCORES = 4  # fewer calibration errors than this: no interval at all


def needed(level: int) -> int:
    """Fewest scores for a finite-sample conformal bound at ``level`` percent (80 → 4, 95 → 19)."""
    n = 1
    while -(-(n + 1) * level // 100) > n:
        n += 1
    return n


def quantile(
    scores: Sequence[float], level: int, weights: Sequence[float] | None = None
) -> tuple[float, bool]:
    """Conformal quantile of ``scores`` at ``level`` percent: (q, finite-sample valid).

    Unweighted, ``q`` is the ⌈(n+1)·level/100⌉-th smallest score (integer arithmetic: no
    rounding surprises). Weighted (each score ``w_i`` ≤ 1, the test point weight 1 at +∞),
    ``q`` is the smallest score whose cumulative weight reaches ``level/100 · (Σw + 1)``.
    The largest score when no score reaches the level (flagged not valid); NaN with fewer than
    :data:`MIN_SCORES` scores.
    """
    n = len(scores)
    if n < MIN_SCORES:
        return float("nan"), False
    if weights is None:
        rank = -(-(n + 1) * level // 100)
        ordered = sorted(scores)
        if rank > n:
            return ordered[-1], False
        return ordered[rank - 1], True
    order = np.argsort(np.asarray(scores, dtype=float), kind="stable")
    w = np.asarray(weights, dtype=float)[order]
    need = level / 100 * (w.sum() + 1.0)
    reached = np.nonzero(np.cumsum(w) >= need * (1 - 1e-12))[0]
    ordered = np.asarray(scores, dtype=float)[order]
    if reached.size == 0:
        return float(ordered[-1]), False
    return float(ordered[reached[0]]), True


Horizons = Literal["pooled", "by_horizon", "profile"]
ScoreScale = Literal["mean", "median"]
PROFILE_MIN = 3  # errors per horizon needed to estimate how errors grow with the horizon


@dataclass(frozen=True)
class Calibrator:
    """How backtest errors become interval half-widths (see the module docstring).

    Scores are errors divided by the origin's training-window scale; an interval's half-width
    is ``r · scale`` with ``r`` from :meth:`quantile`.
    """

    horizons: Horizons = "pooled"
    half_life: float | None = None
    scale: ScoreScale = "mean"

    def scale_of(self, train: np.ndarray) -> float:
        """The normalising scale of a training window (NaN when it is 0 or undefined).

        ``median`` falls back to the mean when most one-step changes are 0.
        """
        if len(train) < 2:
            return float("nan")
        d = np.abs(np.diff(np.asarray(train, dtype=float)))
        s = float(np.median(d)) if self.scale == "median" else 0.0
        if s <= 0:
            s = float(np.mean(d))
        return s if s > 0 and math.isfinite(s) else float("nan")

    def growth(self, scores: dict[Key, float], t: int, h: int) -> dict[int, float]:
        """How errors grow with the horizon: ``g_k`` for k = 1..h (g_1 = 1).

        ``pooled``: √k. ``profile``: the median error at k over the median error at 1, from
        the errors known at ``t`` (never decreasing; √k where a horizon has fewer than
        :data:`PROFILE_MIN` errors). ``by_horizon``: 1 (each horizon has its own sample).
        """
        if self.horizons == "by_horizon":
            return dict.fromkeys(range(1, h + 1), 1.0)
        root = {k: math.sqrt(k) for k in range(1, h + 1)}
        if self.horizons == "pooled":
            return root
        by: dict[int, list[float]] = {}
        for (o, k), e in scores.items():
            if o + k <= t:
                by.setdefault(k, []).append(e)
        base = float(np.median(by[1])) if len(by.get(1, ())) >= PROFILE_MIN else 0.0
        g = {1: 1.0}
        for k in range(2, h + 1):
            est = root[k]
            if base > 0 and len(by.get(k, ())) >= PROFILE_MIN:
                est = float(np.median(by[k])) / base
            g[k] = max(g[k - 1], est)
        return g

    def sample(
        self, scores: dict[Key, float], t: int, k: int
    ) -> tuple[list[float], list[float] | None, float]:
        """The scores (and weights) an interval at horizon ``k`` made at index ``t`` rests on.

        Only errors whose targets are at or before ``t``; only horizon ``k``'s when each
        horizon is calibrated on its own, else every horizon's divided by its growth factor.
        Returns (scores, weights or None, the growth factor of horizon ``k``).
        """
        pts = [
            (o, kk)
            for (o, kk) in scores
            if o + kk <= t and (self.horizons != "by_horizon" or kk == k)
        ]
        g = self.growth(scores, t, max([k, *(kk for _, kk in pts)]))
        values = [scores[(o, kk)] / g[kk] for o, kk in pts]
        if self.half_life is None:
            return values, None, g[k]
        return values, [0.5 ** ((t - (o + kk)) / self.half_life) for o, kk in pts], g[k]

    def quantile(
        self, scores: dict[Key, float], t: int, k: int, level: int
    ) -> tuple[float, bool, int]:
        """(r, finite-sample valid, errors used): the half-width at horizon ``k`` is r · scale."""
        values, weights, g = self.sample(scores, t, k)
        q, valid = quantile(values, level, weights)
        return q * g, valid, len(values)

    def describe(self) -> str:
        """The calibration in words (for notes and provenance)."""
        how = {
            "by_horizon": "each horizon calibrated on its own backtest errors",
            "pooled": "horizons pooled (errors divided by √h)",
            "profile": "horizons pooled, errors divided by their measured growth with the horizon",
        }[self.horizons]
        weight = (
            f", errors weighted by recency (half-life {self.half_life:g} periods)"
            if self.half_life
            else ""
        )
        return (
            f"split-conformal on the replayed procedure's errors: {how}{weight}; scaled by "
            f"the {self.scale} absolute one-step change of each training window"
        )


@dataclass(frozen=True)
class Replay:
    """The procedure replayed at every backtest origin."""

    chosen: dict[int, str]  # origin → model chosen there (on earlier targets only)
    yf: dict[Key, float]
    zf: dict[Key, float]
    scores: dict[Key, float]  # error ÷ the origin's scale (finite scales only)
    scales: dict[int, float]  # the calibrator's scale of each origin's training window


def replay(
    bt: Backtest, models: Sequence[str], min_points: int, rule: Rule, cal: Calibrator
) -> Replay:
    """Select-then-forecast at each origin, using only forecasts whose targets precede it."""
    chosen: dict[int, str] = {}
    yf: dict[Key, float] = {}
    zf: dict[Key, float] = {}
    scores: dict[Key, float] = {}
    scales = {o: cal.scale_of(bt.z[: o + 1]) for o in bt.origins}
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
            if np.isfinite(scales[o]):
                scores[(o, k)] = abs(bt.z[o + k] - zf[(o, k)]) / scales[o]
    return Replay(chosen, yf, zf, scores, scales)


def coverage(rp: Replay, level: int, cal: Calibrator) -> tuple[float | None, int, dict[Key, bool]]:
    """Out-of-sample coverage: each point's interval is calibrated on earlier targets only.

    Returns (share covered or None, points evaluated, point → covered).
    """
    hits: dict[Key, bool] = {}
    for (o, k), s in rp.scores.items():
        r, _, _ = cal.quantile(rp.scores, o, k, level)
        if math.isnan(r):
            continue
        hits[(o, k)] = s <= r
    if not hits:
        return None, 0, hits
    return sum(hits.values()) / len(hits), len(hits), hits
