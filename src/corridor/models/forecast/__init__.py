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
from corridor.models.forecast.series import INPUT, Series, series_from_arrow
from corridor.models.forecast.share import ShareOutlook, share_outlook

__all__ = [
    "DEFAULT_MODELS",
    "INPUT",
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
    "series_from_arrow",
    "share_outlook",
]
