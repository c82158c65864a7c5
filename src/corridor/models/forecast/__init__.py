"""Forecasts with honest backtests and calibrated intervals (pure numerics, no I/O).

A service builds :class:`Series` from session indicators and calls :func:`forecast_series`,
:func:`forecast_panel` or :func:`share_outlook`; statsforecast is imported only when a model
is fitted.
"""

from corridor.models.forecast.candidates import DEFAULT_MODELS, MODELS, SHORT_SERIES
from corridor.models.forecast.engine import (
    LEVELS,
    ForecastOptions,
    PanelForecast,
    SeriesForecast,
    forecast_panel,
    forecast_series,
)
from corridor.models.forecast.series import Series
from corridor.models.forecast.share import ShareOutlook, share_outlook

__all__ = [
    "DEFAULT_MODELS",
    "LEVELS",
    "MODELS",
    "SHORT_SERIES",
    "ForecastOptions",
    "PanelForecast",
    "Series",
    "SeriesForecast",
    "ShareOutlook",
    "forecast_panel",
    "forecast_series",
    "share_outlook",
]
