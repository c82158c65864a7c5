"""The candidate models: names, when each may be fitted, and the statsforecast calls.

statsforecast is imported inside the functions that fit (it takes ≈ 2 s to import), so
importing this module stays cheap. ``Ensemble`` is not a statsforecast model: it is the median
of the other candidates' point forecasts at the same origin.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from corridor.errors import InvalidQuery

__all__ = [
    "BASELINES",
    "DEFAULT_MODELS",
    "ENSEMBLE",
    "MODELS",
    "SHORT_SERIES",
    "eligible",
    "fit_final",
    "fit_forecast",
    "is_simple",
    "resolve_models",
]

NAIVE, DRIFT, SNAIVE = "Naive", "RandomWalkWithDrift", "SeasonalNaive"
ETS, THETA, ARIMA, ENSEMBLE = "AutoETS", "AutoTheta", "AutoARIMA", "Ensemble"
BASELINES = (NAIVE, DRIFT)
# Order = simplicity: an exact tie in backtest error goes to the simpler model.
MODELS = (NAIVE, DRIFT, SNAIVE, THETA, ETS, ARIMA, ENSEMBLE)
DEFAULT_MODELS = (NAIVE, DRIFT, ETS, THETA, ENSEMBLE)
SHORT_SERIES = 8  # fewer observations than this: only the simple methods are fitted
_SIMPLE = (NAIVE, DRIFT, SNAIVE)
_ALIASES = {
    "naive": NAIVE,
    "drift": DRIFT,
    "rwd": DRIFT,
    "randomwalkwithdrift": DRIFT,
    "seasonalnaive": SNAIVE,
    "snaive": SNAIVE,
    "ets": ETS,
    "autoets": ETS,
    "theta": THETA,
    "autotheta": THETA,
    "arima": ARIMA,
    "autoarima": ARIMA,
    "ensemble": ENSEMBLE,
}


def resolve_models(names: Iterable[str] | None, freq: str) -> tuple[str, ...]:
    """Canonical candidate names (Naive and drift are always in: they are the baselines).

    ``None`` means the defaults (plus SeasonalNaive for monthly series); AutoARIMA is opt-in.

    Raises:
        InvalidQuery: for an unknown model name.
    """
    if names is None:
        chosen = set(DEFAULT_MODELS) | ({SNAIVE} if freq == "M" else set())
    else:
        chosen = set()
        for name in names:
            canon = _ALIASES.get(str(name).strip().lower().replace("_", "").replace("-", ""))
            if canon is None:
                raise InvalidQuery(
                    f"unknown model {name!r}: choose from {', '.join(MODELS)} "
                    "(or naive, drift, ets, theta, arima, ensemble)"
                )
            chosen.add(canon)
    chosen |= set(BASELINES)
    return tuple(m for m in MODELS if m in chosen)


def _season(freq: str) -> int:
    return 12 if freq == "M" else 1


def eligible(name: str, n: int, freq: str) -> bool:
    """Whether ``name`` may be fitted on ``n`` observations (short series: simple methods only)."""
    if name == NAIVE:
        return n >= 1
    if name == DRIFT:
        return n >= 3
    if name == SNAIVE:
        return freq == "M" and n >= _season(freq) + 1
    return n >= SHORT_SERIES


def _model(name: str, n: int, freq: str) -> Any:
    from statsforecast.models import (
        AutoARIMA,
        AutoETS,
        AutoTheta,
        Naive,
        RandomWalkWithDrift,
        SeasonalNaive,
    )

    m = _season(freq)
    seasonal = m if n >= 2 * m + 1 else 1  # seasonal terms only with two full seasons
    match name:
        case "Naive":
            return Naive()
        case "RandomWalkWithDrift":
            return RandomWalkWithDrift()
        case "SeasonalNaive":
            return SeasonalNaive(season_length=m)
        case "AutoETS":
            return AutoETS(season_length=seasonal)
        case "AutoTheta":
            return AutoTheta(season_length=seasonal)
        case "AutoARIMA":
            return AutoARIMA(season_length=seasonal)
    raise AssertionError(name)


def fit_forecast(name: str, z: np.ndarray, h: int, freq: str) -> np.ndarray | None:
    """Point forecasts ``h`` steps ahead, or None when the model cannot be fitted on ``z``."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            out = _model(name, len(z), freq).forecast(y=z, h=h)
        except Exception:  # statsforecast raises bare errors on degenerate inputs
            return None
    mean = np.asarray(out["mean"], dtype=float)
    return mean if np.all(np.isfinite(mean)) else None


def fit_final(
    name: str, z: np.ndarray, h: int, freq: str, levels: Sequence[int]
) -> tuple[np.ndarray, dict[str, np.ndarray], dict[str, Any]] | None:
    """Point forecasts, the model's own (native) intervals and its fitted parameters."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            model = _model(name, len(z), freq).fit(y=z)
            out = model.predict(h=h, level=list(levels))
        except Exception:
            return None
    mean = np.asarray(out["mean"], dtype=float)
    if not np.all(np.isfinite(mean)):
        return None
    native = {k: np.asarray(v, dtype=float) for k, v in out.items() if k != "mean"}
    return mean, native, _parameters(name, model.model_)


def _num(v: Any) -> float | None:
    f = float(v)
    return None if not np.isfinite(f) else f


def _parameters(name: str, fitted: dict[str, Any]) -> dict[str, Any]:
    """The fitted parameters worth showing (plain Python values, NaN → None)."""
    if name == ETS:
        par = fitted["par"]
        names = ("alpha", "beta", "gamma", "phi")
        out: dict[str, Any] = {"method": fitted["method"]}
        out.update({n: _num(par[i]) for i, n in enumerate(names) if _num(par[i]) is not None})
        return out
    if name == THETA:
        par = fitted["par"]
        return {
            "method": fitted["modeltype"],
            "alpha": _num(par["alpha"]),
            "theta": _num(par["theta"]),
        }
    if name == ARIMA:
        p, q, sp, sq, m, d, sd = fitted["arma"]
        method = f"ARIMA({p},{d},{q})" + (f"({sp},{sd},{sq})[{m}]" if m > 1 else "")
        return {"method": method, **{k: _num(v) for k, v in fitted["coef"].items()}}
    if name == DRIFT:
        return {"slope_per_period": _num(np.ravel(fitted["slope"])[0])}
    if name == SNAIVE:
        return {"season_length": 12}
    return {}


def is_simple(name: str) -> bool:
    """Naive, drift and seasonal naive: the methods a short series falls back to."""
    return name in _SIMPLE
