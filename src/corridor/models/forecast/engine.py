"""Forecast one series (or a panel): backtest every candidate, choose out-of-sample, calibrate.

1. The fitted run is prepared (gaps named, never filled silently).
2. Every eligible candidate is backtested from rolling origins (horizons 1..h).
3. The model is chosen on backtest MASE alone (every compared model scored on the same
   points): the Ensemble, unless another candidate beats it by more than one standard error
   of the paired errors (or, with ``rule="lowest"``, the lowest MASE). In-sample fit
   statistics play no part.
4. The procedure (choose, then forecast) is replayed at every past origin; its errors calibrate
   the conformal intervals and its interval coverage is measured out of sample.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pyarrow as pa

from corridor.errors import InvalidQuery
from corridor.models.forecast import tables
from corridor.models.forecast.backtest import (
    Backtest,
    Key,
    Rule,
    Selection,
    run_backtest,
    select,
    smape_term,
)
from corridor.models.forecast.candidates import (
    DRIFT,
    ENSEMBLE,
    NAIVE,
    SHORT_SERIES,
    eligible,
    fit_final,
    resolve_models,
)
from corridor.models.forecast.conformal import (
    MIN_SCORES,
    Calibrator,
    Horizons,
    Replay,
    ScoreScale,
    coverage,
    replay,
)
from corridor.models.forecast.series import GapPolicy, Series, prepare, shift_period
from corridor.units import Unit, fmt_count

__all__ = [
    "LEVELS",
    "ForecastOptions",
    "PanelForecast",
    "SeriesForecast",
    "forecast_panel",
    "forecast_series",
]

LEVELS = (80, 95)  # nominal interval levels, percent
MAX_HORIZON = {"A": 10, "M": 36}
LOGIT_EPS = 1e-6  # stands in for a share of 0 (or 1) when no other share is observed
_NONNEGATIVE = {
    Unit.USD,
    Unit.KG,
    Unit.USD_PER_KG,
    Unit.COUNT,
    Unit.HHI,
    Unit.INDEX,
    Unit.SCORE,
    Unit.RATE,
    Unit.FRACTION,
}
Scale = Literal["level", "log", "logit"]


@dataclass(frozen=True)
class ForecastOptions:
    """How to forecast.

    Attributes:
        horizon: periods ahead (1-10 years, or 1-36 months); also the backtest horizons 1..h.
        models: candidate names (None: Naive, drift, AutoETS, AutoTheta, Ensemble, plus
            SeasonalNaive for monthly series). AutoARIMA is opt-in, e.g.
            ``(*DEFAULT_MODELS, "AutoARIMA")``. Naive and drift are always in (the baselines).
        gaps: ``last_run`` (fit only after the last gap) or ``interpolate`` (linear, listed).
        scale: ``level``, ``log`` (positive series: models and intervals on log(y), so
            errors are relative and bounds stay above 0) or ``logit`` (for shares: models are
            fitted on logit(share) and the forecasts and intervals stay inside [0, 1]).
        min_train: observations in the first backtest training window.
        max_origins: the most recent backtest origins used (bounds the work on long series).
        rule: ``one_se`` (keep the Ensemble unless a candidate beats it by more than one
            standard error of the paired backtest errors) or ``lowest`` (lowest backtest MASE).
        horizons: conformal calibration ``pooled`` over horizons (errors ÷ √h) or
            ``by_horizon`` (each horizon on its own errors) or ``profile`` (pooled, each
            horizon divided by the measured growth of errors with the horizon).
        half_life: recency weights of the calibration errors, in periods (None: equal).
        score_scale: normalise errors by the ``mean`` or the ``median`` absolute one-step
            change of the training window (see :mod:`corridor.models.forecast.conformal`).
    """

    horizon: int = 3
    models: tuple[str, ...] | None = None
    gaps: GapPolicy = "last_run"
    scale: Scale = "level"
    min_train: int = 5
    max_origins: int = 24
    rule: Rule = "one_se"
    horizons: Horizons = "pooled"
    half_life: float | None = 6.0
    score_scale: ScoreScale = "median"

    def __post_init__(self) -> None:
        h = self.horizon
        if not _is_whole(h) or not 1 <= h <= MAX_HORIZON["M"]:
            raise InvalidQuery(
                f"horizon {h!r} is not accepted: give a whole number of periods, 1-10 for "
                "annual or 1-36 for monthly series"
            )
        for name, value, least in (
            ("min_train", self.min_train, 3),
            ("max_origins", self.max_origins, 1),
        ):
            if not _is_whole(value) or value < least:
                raise InvalidQuery(
                    f"{name} {value!r} is not accepted: give a whole number ≥ {least}"
                )
        hl = self.half_life
        if hl is not None and (
            isinstance(hl, bool) or not isinstance(hl, int | float) or not 0 < hl < math.inf
        ):
            raise InvalidQuery(
                f"half-life {hl!r} is not accepted: give a positive number of periods, or None"
            )
        if self.models is not None:
            if isinstance(self.models, str):
                object.__setattr__(self, "models", (self.models,))
            if not self.models:
                raise InvalidQuery("no model given: name at least one candidate, or pass None")
            resolve_models(self.models, "A")  # unknown names fail here, on one line
        for name, value, accepted in (
            ("gap policy", self.gaps, ("last_run", "interpolate")),
            ("selection rule", self.rule, ("one_se", "lowest")),
            ("scale", self.scale, ("level", "log", "logit")),
            ("calibration", self.horizons, ("pooled", "by_horizon", "profile")),
            ("score scale", self.score_scale, ("mean", "median")),
        ):
            if value not in accepted:
                raise InvalidQuery(f"{name} {value!r} is not accepted: use {' or '.join(accepted)}")

    @property
    def calibrator(self) -> Calibrator:
        """How the conformal intervals are calibrated."""
        return Calibrator(self.horizons, self.half_life, self.score_scale)


def _is_whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True)
class SeriesForecast:
    """The forecast of one series: tables plus what was chosen, why, and how well it tested.

    Tables (pyarrow, columns declared in :mod:`corridor.models.forecast.tables`):
    ``forecast`` (chosen model, conformal intervals), ``candidates`` (every model, native
    intervals), ``backtest`` (every held-out forecast, plus the replayed procedure),
    ``accuracy`` (MASE/sMAPE per model, vs Naive and drift), ``coverage`` (measured vs nominal).
    """

    key: str
    unit: Unit
    freq: str
    scale: str
    model: str
    reason: str
    parameters: dict[str, Any]
    short_series: bool
    gaps: tuple[str, ...]
    notes: tuple[str, ...]
    fitted_periods: tuple[str, ...]
    synthetic: bool
    forecast: pa.Table
    candidates: pa.Table
    backtest: pa.Table
    accuracy: pa.Table
    coverage: pa.Table
    replay: Replay | None = field(default=None, repr=False, compare=False)

    def as_dict(self) -> dict[str, Any]:
        """Plain data (JSON-ready): the scalars and every table as a list of rows."""
        out = {
            k: getattr(self, k)
            for k in (
                "key",
                "freq",
                "scale",
                "model",
                "reason",
                "parameters",
                "short_series",
                "synthetic",
            )
        }
        out["unit"] = self.unit.value
        out["gaps"] = list(self.gaps)
        out["notes"] = list(self.notes)
        out["fitted_periods"] = [self.fitted_periods[0], self.fitted_periods[-1]]
        for name in ("forecast", "candidates", "accuracy", "coverage", "backtest"):
            out[name] = getattr(self, name).to_pylist()
        return out


def _transform(
    series: Series, y: np.ndarray, scale: Scale
) -> tuple[np.ndarray, Callable[[np.ndarray], np.ndarray], list[str]]:
    """(model-scale values, model scale → unit scale incl. bounds, notes)."""
    notes: list[str] = []
    if scale == "logit":
        if np.any(y < 0) or np.any(y > 1):
            bad = float(y[(y < 0) | (y > 1)][0])
            raise InvalidQuery(
                f"series {series.key!r}: value {bad!r} is not a share: the logit scale needs "
                "values from 0 to 1"
            )
        inner = y[(y > 0) & (y < 1)]
        lo = float(inner.min()) / 2 if inner.size else LOGIT_EPS
        hi = 1 - (float((1 - inner).min()) / 2 if inner.size else LOGIT_EPS)
        edge = (y <= 0) | (y >= 1)
        if edge.any():
            k = int(edge.sum())
            notes.append(
                f"{fmt_count(k, 'share')} of exactly 0 or 1 {'is' if k == 1 else 'are'} set to "
                f"{lo:.2g} / {hi:.6g} (half the nearest observed share) for the logit scale"
            )
        p = np.clip(y, lo, hi)
        return np.log(p / (1 - p)), lambda z: 1.0 / (1.0 + np.exp(-np.asarray(z))), notes
    if scale == "log":
        if np.any(y <= 0):
            bad = float(y[y <= 0][0])
            raise InvalidQuery(
                f"series {series.key!r}: value {bad!r} is not positive: the log scale needs "
                "values above 0 (use scale='level')"
            )
        return np.log(y), lambda z: np.exp(np.asarray(z, dtype=float)), notes
    lo = 0.0 if series.unit in _NONNEGATIVE else -np.inf
    hi = 1.0 if series.unit is Unit.FRACTION else np.inf
    return y.astype(float), lambda z: np.clip(np.asarray(z, dtype=float), lo, hi), notes


def _mean_error(bt: Backtest, yf: dict[Key, float], pts: Sequence[Key]) -> float:
    if not pts:
        return float("nan")
    return float(np.mean([abs(bt.y[o + k] - yf[(o, k)]) / bt.scale[o] for o, k in pts]))


def _ratio(a: float, b: float) -> float | None:
    return a / b if b and math.isfinite(a) and math.isfinite(b) and b > 0 else None


def _accuracy_rows(
    key: str, bt: Backtest, sel: Selection, rp: Replay, models: Sequence[str], chosen: str
) -> list[dict[str, Any]]:
    """MASE/sMAPE per model.

    Compared models on the selection's common points, others on their own points, and the
    Selected procedure on every replayed point.
    """
    t = len(bt.y) - 1
    rows: list[dict[str, Any]] = []
    naive = bt.yf.get(NAIVE, {})
    drift = bt.yf.get(DRIFT, {})

    def row(model: str, yf: dict[Key, float], pts: list[Key], compared: bool) -> dict[str, Any]:
        mase = _mean_error(bt, yf, pts)
        vs = {}
        for name, base in (("naive", naive), ("drift", drift)):
            same = [p for p in pts if p in base]
            vs[name] = _ratio(_mean_error(bt, yf, same), _mean_error(bt, base, same))
        smape = [smape_term(bt.y[o + k], yf[(o, k)]) for o, k in pts]
        return {
            "key": key,
            "model": model,
            "mase": mase,
            "smape": float(np.mean(smape)) if smape else None,
            "mase_vs_naive": vs["naive"],
            "mase_vs_drift": vs["drift"],
            "points": len(pts),
            "origins": len({o for o, _ in pts}),
            "compared": compared,
            "chosen": model == chosen,
        }

    common = sorted(set.intersection(*(bt.keys(m, t) for m in sel.errors)) if sel.errors else set())
    for m in models:
        if m in sel.errors:
            rows.append(row(m, bt.yf[m], common, True))
        elif bt.keys(m, t):
            rows.append(row(m, bt.yf[m], sorted(bt.keys(m, t)), False))
    pts = sorted(p for p in rp.yf if math.isfinite(bt.scale[p[0]]))
    rows.append(row("Selected", rp.yf, pts, False))
    return rows


def _reason(
    sel: Selection, model: str, n: int, h: int, short: bool, refit_failed: bool, rule: Rule
) -> str:
    prefix = (
        f"short series ({fmt_count(n, 'observation')} < {SHORT_SERIES}): only the simple "
        "methods (Naive, drift) are fitted; "
        if short
        else ""
    )
    if sel.model == ENSEMBLE and ENSEMBLE not in sel.errors:
        tested = f" ({sel.points} backtest points)" if sel.points else ""
        return prefix + (
            f"{model} (the default: the median of the candidates' forecasts) is used: too few "
            f"backtest points{tested} to test it or any other candidate against it; the others "
            "replace it only when their out-of-sample error is clearly lower"
        )
    if not sel.errors:
        return prefix + (
            f"{model}: too few observations ({n}) to backtest any candidate, so the last value "
            "is carried forward"
        )
    pts = f"{sel.points} held-out points from {sel.origins} rolling origins, horizons 1-{h}"
    best = sel.model
    others = ", ".join(f"{m} {sel.errors[m]:.2f}" for m in sel.ranked if m != best)
    vs = f" (vs {others})" if others else ""
    mase = f"{best}: backtest MASE {sel.errors[best]:.2f}"
    if rule == "lowest" or not sel.margin or best == sel.ranked[0] == sel.default:
        text = f"{mase}, the lowest{vs}; {pts}"
    elif best == sel.default:
        lead = sel.ranked[0]
        dm, se = sel.margin[lead]
        text = (
            f"{mase}{vs}; kept as the default: no candidate beat it by more than one standard "
            f"error of the paired errors (closest, {lead}: {dm:+.2f} ± {se:.2f}); {pts}"
        )
    else:
        dm, se = sel.margin[best]
        lowest = ", the lowest" if best == sel.ranked[0] else ""
        text = (
            f"{mase}{lowest}{vs}; it beat the default {sel.default} by more than one standard "
            f"error of the paired errors ({dm:+.2f} ± {se:.2f}); {pts}"
        )
    text += "; chosen on out-of-sample backtest error only, never on in-sample fit"
    if sel.left_out:
        text += f"; too few backtest points to compare {', '.join(sel.left_out)}"
    if refit_failed:
        text += (
            f"; {sel.model} could not be refitted on the whole series, so {model} (the next "
            "best) is used"
        )
    return prefix + text


def forecast_series(series: Series, options: ForecastOptions | None = None) -> SeriesForecast:
    """Forecast one series; see the module docstring for the method.

    Raises:
        InvalidQuery: bad options for this series (horizon, scale, no observed value).
    """
    opts = options or ForecastOptions()
    freq, h = series.freq, opts.horizon
    if h > MAX_HORIZON[freq]:
        raise InvalidQuery(
            f"horizon {h} is not accepted for {'an annual' if freq == 'A' else 'a monthly'} "
            f"series: give 1-{MAX_HORIZON[freq]} periods"
        )
    prep = prepare(series, opts.gaps)
    y = prep.y
    n = len(y)
    z, to_y, tnotes = _transform(series, y, opts.scale)
    notes = [*prep.notes, *tnotes]
    models = resolve_models(opts.models, freq)
    short = n < SHORT_SERIES
    min_points = 2 * h
    min_train = max(3, min(opts.min_train, n - h))
    bt = run_backtest(
        y,
        z,
        models=models,
        horizon=h,
        freq=freq,
        min_train=min_train,
        max_origins=opts.max_origins,
        to_y=to_y,
        same_scale=opts.scale == "level",
    )
    cal = opts.calibrator
    rp = replay(bt, models, min_points, opts.rule, cal)
    for m, count in bt.failed.items():
        notes.append(
            f"{m} could not be fitted at {count} backtest origin(s); scored where it fitted"
        )

    finals = _final_fits(z, h, freq, models)
    ready = ENSEMBLE in finals
    sel = select(bt, n - 1, models, min_points, opts.rule, ensemble_ready=ready)
    model = sel.model
    refit_failed = model not in finals
    if refit_failed:
        model = next((m for m in sel.ranked if m in finals), NAIVE)
    reason = _reason(sel, model, n, h, short, refit_failed, opts.rule)
    accuracy = _accuracy_rows(series.key, bt, sel, rp, models, model)
    procedure = accuracy[-1]
    if procedure["points"] and procedure["mase_vs_naive"] is not None:
        notes.append(
            f"replayed at each past origin (choosing each time on earlier errors only), the "
            f"procedure scored MASE {procedure['mase']:.2f}, {procedure['mase_vs_naive']:.2f}× "
            f"Naive's on the same {procedure['points']} points"
        )
    periods = [shift_period(prep.periods[-1], k, freq) for k in range(1, h + 1)]
    point = to_y(finals[model][0])
    bounds, cov_rows = _intervals(
        series.key, rp, point if opts.scale == "level" else finals[model][0], z, to_y, notes, cal
    )
    fc_rows = [
        {
            "key": series.key,
            "period": periods[k],
            "horizon": k + 1,
            "model": model,
            "point": float(point[k]),
            **{b: _item(v, k) for b, v in bounds.items()},
        }
        for k in range(h)
    ]
    params = {"scale": opts.scale, **finals[model][2], "intervals": cal.describe()}
    return SeriesForecast(
        key=series.key,
        unit=series.unit,
        freq=freq,
        scale=opts.scale,
        model=model,
        reason=reason,
        parameters=params,
        short_series=short,
        gaps=prep.gaps,
        notes=tuple(notes),
        fitted_periods=prep.periods,
        synthetic=series.synthetic,
        forecast=tables.to_table(tables.FORECAST, fc_rows, series.unit),
        candidates=tables.to_table(
            tables.CANDIDATES,
            _candidate_rows(series.key, finals, periods, model, to_y),
            series.unit,
        ),
        backtest=tables.to_table(
            tables.BACKTEST,
            _backtest_rows(series.key, bt, rp, prep.periods, to_y, opts.scale, cal),
            series.unit,
        ),
        accuracy=tables.to_table(tables.ACCURACY, accuracy, series.unit),
        coverage=tables.to_table(tables.COVERAGE, cov_rows, series.unit),
        replay=rp,
    )


def _final_fits(
    z: np.ndarray, h: int, freq: str, models: Sequence[str]
) -> dict[str, tuple[np.ndarray, dict[str, np.ndarray], dict[str, Any]]]:
    """Every eligible candidate fitted on the whole run: (mean, native intervals, parameters)."""
    n = len(z)
    finals = {}
    for m in models:
        if m != ENSEMBLE and eligible(m, n, freq):
            got = fit_final(m, z, h, freq, LEVELS)
            if got is not None:
                finals[m] = got
    if ENSEMBLE in models and eligible(ENSEMBLE, n, freq) and len(finals) >= 3:
        members = sorted(finals)
        med = np.median(np.vstack([finals[m][0] for m in members]), axis=0)
        finals[ENSEMBLE] = (med, {}, {"combination": "median", "members": members})
    return finals


def _intervals(
    key: str,
    rp: Replay,
    zpoint: np.ndarray,
    z: np.ndarray,
    to_y: Callable[[np.ndarray], np.ndarray],
    notes: list[str],
    cal: Calibrator,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Conformal bounds around the model-scale point forecast, and the coverage rows."""
    h = len(zpoint)
    scale = cal.scale_of(z)
    t = len(z) - 1
    bounds: dict[str, Any] = {}
    rows = []
    for level in LEVELS:
        per_h = [cal.quantile(rp.scores, t, k, level) for k in range(1, h + 1)]
        used = min(n for _, _, n in per_h)
        exact = all(valid for _, valid, _ in per_h)
        measured, evaluated, _ = coverage(rp, level, cal)
        if any(math.isnan(q) for q, _, _ in per_h) or not math.isfinite(scale):
            bounds[f"lo{level}"] = bounds[f"hi{level}"] = [None] * h
        else:
            half = np.array([r * scale for r, _, _ in per_h])
            bounds[f"lo{level}"] = to_y(zpoint - half)
            bounds[f"hi{level}"] = to_y(zpoint + half)
        rows.append(
            {
                "key": key,
                "nominal": level / 100,
                "measured": measured,
                "points": evaluated,
                "calibration_points": used,
                "finite_sample": exact,
            }
        )
        if used >= MIN_SCORES and not exact:
            weighted = " (recency-weighted)" if cal.half_life else ""
            notes.append(
                f"{level} % interval rests on {used} backtest errors{weighted}, too few for a "
                f"finite-sample bound at every horizon: the widest error is used there, so its "
                f"coverage may fall short of {level} %"
            )
    if used < MIN_SCORES:
        notes.append(f"{errors_text(used)}: too few to calibrate intervals, none shown")
    elif not math.isfinite(scale):
        notes.append("the series is constant: no interval can be scaled, none shown")
    return bounds, rows


def _candidate_rows(
    key: str,
    finals: dict[str, tuple[np.ndarray, dict[str, np.ndarray], dict[str, Any]]],
    periods: Sequence[str],
    chosen: str,
    to_y: Callable[[np.ndarray], np.ndarray],
) -> list[dict[str, Any]]:
    """Every fitted candidate's forecast with its native (uncalibrated) intervals."""
    rows = []
    h = len(periods)
    for m, (zmean, native, _params) in finals.items():
        ymean = to_y(zmean)
        nat = {
            f"native_{side}{lv}": to_y(native[f"{side}-{lv}"]) if native else [None] * h
            for lv in LEVELS
            for side in ("lo", "hi")
        }
        for k in range(h):
            rows.append(
                {
                    "key": key,
                    "period": periods[k],
                    "horizon": k + 1,
                    "model": m,
                    "point": float(ymean[k]),
                    **{c: _item(v, k) for c, v in nat.items()},
                    "chosen": m == chosen,
                }
            )
    return rows


def _item(values: Any, k: int) -> float | None:
    v = values[k]
    return None if v is None else float(v)


def _backtest_rows(
    key: str,
    bt: Backtest,
    rp: Replay,
    periods: Sequence[str],
    to_y: Callable[[np.ndarray], np.ndarray],
    scale: str,
    cal: Calibrator,
) -> list[dict[str, Any]]:
    def base(model: str, o: int, k: int, yf: float) -> dict[str, Any]:
        s = bt.scale[o]
        return {
            "key": key,
            "model": model,
            "origin": periods[o],
            "horizon": k,
            "target": periods[o + k],
            "actual": float(bt.y[o + k]),
            "forecast": yf,
            "scaled_error": abs(bt.y[o + k] - yf) / s if math.isfinite(s) else None,
            "smape": smape_term(bt.y[o + k], yf),
        }

    rows = [base(m, o, k, f) for m, fc in bt.yf.items() for (o, k), f in sorted(fc.items())]
    for (o, k), f in sorted(rp.yf.items()):
        row = base("Selected", o, k, f) | {"selected": rp.chosen[o]}
        zs = rp.scales[o]
        zf = f if scale == "level" else rp.zf[(o, k)]
        for level in LEVELS:
            q, _, _ = cal.quantile(rp.scores, o, k, level)
            if math.isfinite(q) and math.isfinite(zs):
                half = q * zs
                row[f"lo{level}"] = float(to_y(np.array([zf - half]))[0])
                row[f"hi{level}"] = float(to_y(np.array([zf + half]))[0])
        rows.append(row)
    return rows


@dataclass(frozen=True)
class PanelForecast:
    """Forecasts of several series (same unit and frequency); tables stacked with a key column."""

    results: dict[str, SeriesForecast]

    def table(self, name: str) -> pa.Table:
        """One of forecast, candidates, backtest, accuracy, coverage, for every series."""
        return pa.concat_tables([getattr(r, name) for r in self.results.values()])


def forecast_panel(
    series: Sequence[Series], options: ForecastOptions | None = None
) -> PanelForecast:
    """Forecast each series independently (each chooses its own model).

    Raises:
        InvalidQuery: no series, a repeated key, or mixed units or frequencies.
    """
    if not series:
        raise InvalidQuery("no series to forecast: give at least one")
    first = series[0]
    seen: set[str] = set()
    for s in series:
        if s.key in seen:
            raise InvalidQuery(f"series key {s.key!r} appears twice: give each series once")
        seen.add(s.key)
        if s.unit is not first.unit or s.freq != first.freq:
            raise InvalidQuery(
                f"series {s.key!r} is {s.unit.value}/{s.freq} but {first.key!r} is "
                f"{first.unit.value}/{first.freq}: forecast one unit and frequency at a time"
            )
    return PanelForecast({s.key: forecast_series(s, options) for s in series})


def errors_text(n: int) -> str:
    """'no backtest error', 'only 1 backtest error', 'only 5 backtest errors'."""
    return "no backtest error" if n == 0 else f"only {fmt_count(n, 'backtest error')}"
