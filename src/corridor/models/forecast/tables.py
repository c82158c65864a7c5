"""The typed output tables of a forecast: every column declared once with its unit.

``Unit.MEASURE`` columns carry the forecast series' own unit (kg, USD, fraction…), resolved
by :func:`columns`. Each Arrow field carries its unit and meaning as field metadata.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import pyarrow as pa

from corridor.units import Column, Unit

__all__ = [
    "ACCURACY",
    "BACKTEST",
    "CANDIDATES",
    "COVERAGE",
    "FORECAST",
    "VOLUME",
    "columns",
    "to_table",
]

_KEY = Column("key", Unit.TEXT, "series key (e.g. the importer's ISO3 code)", "string")
_PERIOD = Column("period", Unit.TEXT, "period forecast: '2018' (annual) or '201803'", "string")
_H = Column("horizon", Unit.COUNT, "periods ahead of the last observation", "int16")
_MODEL = Column("model", Unit.TEXT, "forecasting method", "string")


def _bound(side: str, level: int) -> Column:
    return Column(
        f"{side}{level}",
        Unit.MEASURE,
        f"{'lower' if side == 'lo' else 'upper'} bound of the {level} % interval",
    )


_BOUNDS = tuple(_bound(s, lv) for lv in (80, 95) for s in ("lo", "hi"))

FORECAST = (
    _KEY,
    _PERIOD,
    _H,
    _MODEL,
    Column("point", Unit.MEASURE, "point forecast"),
    *_BOUNDS,
)
"""The forecast of the chosen model, with conformal intervals (NULL when not calibrated)."""

CANDIDATES = (
    _KEY,
    _PERIOD,
    _H,
    _MODEL,
    Column("point", Unit.MEASURE, "point forecast of this candidate"),
    *(
        replace(c, name=f"native_{c.name}", meaning=c.meaning + ", the model's own (uncalibrated)")
        for c in _BOUNDS
    ),
    Column("chosen", Unit.FLAG, "the candidate chosen by backtest error", "bool"),
)
"""Every candidate's forecast from the last observation, with its native intervals."""

BACKTEST = (
    _KEY,
    _MODEL,
    Column("origin", Unit.TEXT, "last period of the training window", "string"),
    _H,
    Column("target", Unit.TEXT, "period forecast and then observed", "string"),
    Column("actual", Unit.MEASURE, "observed value"),
    Column("forecast", Unit.MEASURE, "forecast made at the origin"),
    Column("scaled_error", Unit.RATIO, "|actual − forecast| / in-sample one-step naive MAE"),
    Column("smape", Unit.RATIO, "200·|a−f|/(|a|+|f|), percent"),
    Column("selected", Unit.TEXT, "model the procedure chose at that origin", "string"),
    *_BOUNDS,
)
"""Every held-out forecast. Rows with model 'Selected' replay the procedure (select, then
forecast) at each origin, with the interval it would have shown then."""

ACCURACY = (
    _KEY,
    _MODEL,
    Column("mase", Unit.RATIO, "mean absolute scaled error over the backtest points"),
    Column("smape", Unit.RATIO, "symmetric MAPE over the backtest points, percent"),
    Column("mase_vs_naive", Unit.RATIO, "MASE ÷ Naive's MASE on the same points"),
    Column("mase_vs_drift", Unit.RATIO, "MASE ÷ drift's MASE on the same points"),
    Column("points", Unit.COUNT, "held-out points scored", "int32"),
    Column("origins", Unit.COUNT, "backtest origins (training windows)", "int32"),
    Column("compared", Unit.FLAG, "compared on the same points when choosing", "bool"),
    Column("chosen", Unit.FLAG, "the model chosen", "bool"),
)
"""Backtest accuracy of each candidate (and of the Selected procedure)."""

COVERAGE = (
    _KEY,
    Column("nominal", Unit.FRACTION, "nominal level of the interval"),
    Column("measured", Unit.FRACTION, "share of held-out points inside the interval"),
    Column("points", Unit.COUNT, "held-out points the coverage is measured on", "int32"),
    Column("calibration_points", Unit.COUNT, "backtest errors behind the interval", "int32"),
    Column("finite_sample", Unit.FLAG, "enough errors for a finite-sample conformal bound", "bool"),
)
"""Measured coverage of the conformal intervals next to the nominal level."""

VOLUME = (
    _KEY,
    _PERIOD,
    _H,
    Column("market", Unit.MEASURE, "market total forecast"),
    Column("share", Unit.FRACTION, "exporter's share forecast"),
    Column("point", Unit.MEASURE, "exporter's implied volume: market × share"),
    *_BOUNDS,
)
"""The exporter's implied volume (market forecast × share forecast) with intervals."""

_ARROW = {
    "float64": pa.float64(),
    "int16": pa.int16(),
    "int32": pa.int32(),
    "int64": pa.int64(),
    "string": pa.string(),
    "bool": pa.bool_(),
}


def _clean(value: Any) -> Any:
    """NaN and ±inf are missing: NULL, never a number."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def columns(cols: Sequence[Column], unit: Unit) -> tuple[Column, ...]:
    """The columns with ``MEASURE`` resolved to the series' unit."""
    return tuple(replace(c, unit=unit) if c.unit is Unit.MEASURE else c for c in cols)


def to_table(cols: Sequence[Column], rows: Sequence[dict[str, Any]], unit: Unit) -> pa.Table:
    """Rows (dicts; missing keys → NULL) as an Arrow table typed by the columns."""
    resolved = columns(cols, unit)
    fields = [
        pa.field(
            c.name,
            _ARROW[c.dtype],
            metadata={"unit": c.unit.value, "meaning": c.meaning},
        )
        for c in resolved
    ]
    data = {c.name: [_clean(r.get(c.name)) for r in rows] for c in resolved}
    return pa.Table.from_pydict(data, schema=pa.schema(fields))
