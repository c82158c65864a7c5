"""The demand outlook of a corridor: market and exporter forecasts with measured accuracy.

:func:`outlook` forecasts the importer's total imports and — with an exporter — the
exporter's share of them (on the logit scale) and its implied volume (market × share), with
80 % and 95 % conformal intervals, the model chosen per series by backtest error, the backtest
accuracy of every candidate against Naive and drift, and the measured coverage of the
intervals next to the nominal level (:mod:`corridor.models.forecast`).

Inputs come only from session indicators, in the session's measure (value or weight):

* with an exporter, ``summary`` — the market's total (``market_value_usd`` /
  ``market_weight_kg``) and the exporter's amount (``value_usd`` / ``weight_kg``) per year;
* without, ``partners`` — the market total per year.

A year the market reported but the exporter is absent from its suppliers counts as 0 for the
exporter. A year without a report, or where the exporter's row lacks the measure, is missing
— never 0 — and is named as a gap.

A monthly question (``CorridorQuery(freq="M")``) reads the warehouse's monthly rows through
the ``periods`` indicator instead: the market's total and the exporter's amount per month,
forecast 1-36 months ahead (SeasonalNaive joins the candidates). Months between the first
and the last report that have none are gaps, named as such.

:func:`outlook_section_data` gives the brief's "Outlook" section what it needs and never
raises for missing or short data: it says "not available: <why>" instead.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from corridor.errors import CorridorError, InvalidQuery, NotFound
from corridor.units import Column, Unit, fmt_value, measure_unit

if TYPE_CHECKING:
    import pyarrow as pa

    from corridor.models.forecast import SeriesForecast, ShareOutlook
    from corridor.services.result import Provenance, Result
    from corridor.services.session import Session

__all__ = [
    "HISTORY",
    "MAX_HORIZON",
    "SCHEMA",
    "Outlook",
    "SeriesOutlook",
    "outlook",
    "outlook_section_data",
]

SCHEMA = "corridor.forecast/1"
MAX_HORIZON = {"A": 10, "M": 36}  # periods ahead: years, months
FEW_POINTS = 10  # held-out points below which a measured coverage is said to be rough
HISTORY = (
    Column("period", Unit.TEXT, "'2017' (annual) or '201703' (monthly)", "string"),
    Column("year", Unit.YEAR, "calendar year (annual series only)", "int16"),
    Column("value", Unit.MEASURE, "observed amount; NULL where unknown (a gap)"),
)
"""The observed series each forecast starts from."""


@dataclass(frozen=True)
class SeriesOutlook:
    """One forecast series: ``market``, ``share`` (of the market) or ``exporter`` (volume).

    ``forecast`` has the :data:`corridor.models.forecast.tables.FORECAST` columns (market,
    share) or the ``VOLUME`` columns (exporter); ``accuracy`` and ``coverage`` the ``ACCURACY``
    and ``COVERAGE`` columns; ``backtest`` every held-out forecast (market and share only).
    """

    name: str
    key: str
    label: str
    unit: Unit
    history: tuple[tuple[int | str, float | None], ...]  # (year, or 'YYYYMM' month; amount)
    forecast: pa.Table
    accuracy: pa.Table
    coverage: pa.Table
    model: str
    reason: str
    parameters: dict[str, Any]
    short_series: bool
    gaps: tuple[str, ...]
    fitted: tuple[str, str]
    notes: tuple[str, ...]
    backtest: pa.Table | None = field(default=None, repr=False)

    def tables(self) -> dict[str, pa.Table]:
        """The typed tables of this series by name."""
        out = {"forecast": self.forecast, "accuracy": self.accuracy, "coverage": self.coverage}
        if self.backtest is not None:
            out["backtest"] = self.backtest
        return out

    def columns(self) -> dict[str, dict[str, dict[str, str]]]:
        """Each table's columns with units resolved (from the Arrow field metadata)."""
        out = {"history": {c.name: _resolve(c, self.unit).schema() for c in HISTORY}}
        for name, table in self.tables().items():
            out[name] = {
                f.name: {
                    "unit": f.metadata[b"unit"].decode(),
                    "type": str(f.type),
                    "meaning": f.metadata[b"meaning"].decode(),
                }
                for f in table.schema
            }
        return out

    def interval_coverage(self, level: int = 80) -> tuple[float | None, int]:
        """Measured out-of-sample coverage of the ``level`` % intervals and its points."""
        for row in self.coverage.to_pylist():
            if round(row["nominal"] * 100) == level:
                return row["measured"], row["points"]
        return None, 0

    def backtest_line(self) -> str | None:
        """'chosen model X: MASE a vs Naive b over N held-out points; 80 % intervals covered c %'.

        None when nothing was backtested.
        """
        rows = {r["model"]: r for r in self.accuracy.to_pylist()}
        row = next((r for r in rows.values() if r["chosen"]), None)
        if self.name == "exporter":
            what = f"implied volume, {self.model}"
        elif row is not None and row["compared"]:
            what = f"chosen model {self.model}"
        else:  # an untested default: score the replayed choose-then-forecast procedure
            row = rows.get("Selected")
            what = f"chosen model {self.model} (scored as the replayed choice)"
        if not row or not row["points"] or row["mase"] is None:
            return None
        ratio = row["mase_vs_naive"]
        vs = f" vs Naive {row['mase'] / ratio:.2f}" if ratio else ""
        line = f"{what}: MASE {row['mase']:.2f}{vs} over {row['points']} held-out points"
        cov, pts = self.interval_coverage(80)
        if cov is not None:
            line += f"; 80 % intervals covered {cov * 100:.0f} % of {pts}"
            if pts < FEW_POINTS:
                line += " (too few points to judge the coverage)"
        return line

    def as_dict(self, *, backtest: bool = False) -> dict[str, Any]:
        """JSON-ready: scalars, history and every table as rows (held-out points on request)."""
        out: dict[str, Any] = {
            "name": self.name,
            "key": self.key,
            "label": self.label,
            "unit": self.unit.value,
            "model": self.model,
            "reason": self.reason,
            "parameters": self.parameters,
            "short_series": self.short_series,
            "gaps": list(self.gaps),
            "fitted_periods": list(self.fitted),
            "history": [_history_row(p, v) for p, v in self.history],
            "forecast": self.forecast.to_pylist(),
            "accuracy": self.accuracy.to_pylist(),
            "coverage": self.coverage.to_pylist(),
            "backtest_line": self.backtest_line(),
            "notes": list(self.notes),
        }
        if backtest and self.backtest is not None:
            out["backtest"] = self.backtest.to_pylist()
        columns = self.columns()
        if not backtest:
            columns.pop("backtest", None)
        out["columns"] = columns
        return out


def _history_row(period: int | str, value: float | None) -> dict[str, Any]:
    if isinstance(period, int):  # annual
        return {"period": str(period), "year": period, "value": value}
    return {"period": period, "value": value}


def _resolve(column: Column, unit: Unit) -> Column:
    from dataclasses import replace

    return replace(column, unit=unit) if column.unit is Unit.MEASURE else column


@dataclass(frozen=True)
class Outlook:
    """The outlook of one corridor question (see the module docstring)."""

    title: str
    query: dict[str, Any]
    measure: str
    unit: Unit
    horizon: int
    market: SeriesOutlook
    share: SeriesOutlook | None
    exporter: SeriesOutlook | None
    provenance: Provenance
    parameters: dict[str, Any]
    notes: tuple[str, ...]
    schema: str = SCHEMA

    @property
    def synthetic(self) -> bool:
        """True when any input row is synthetic."""
        return self.provenance.synthetic

    @property
    def series(self) -> list[SeriesOutlook]:
        """Market, then share and exporter volume when there is an exporter."""
        return [s for s in (self.market, self.share, self.exporter) if s is not None]

    def backtest_lines(self) -> list[str]:
        """One backtest line per series, with its label."""
        return [f"{s.label}: {line}" for s in self.series if (line := s.backtest_line())]

    def to_json(self, *, backtest: bool = False) -> dict[str, Any]:
        """The versioned JSON document (``corridor.forecast/1``)."""
        prov = self.provenance.as_dict()
        prov["forecast"] = self.parameters
        return {
            "schema": self.schema,
            "title": self.title,
            "query": self.query,
            "measure": self.measure,
            "unit": self.unit.value,
            "freq": self.query.get("freq", "A"),
            "horizon": self.horizon,
            "series": {
                "market": self.market.as_dict(backtest=backtest),
                "share": self.share.as_dict(backtest=backtest) if self.share else None,
                "exporter": self.exporter.as_dict(backtest=backtest) if self.exporter else None,
            },
            "backtest_lines": self.backtest_lines(),
            "provenance": prov,
            "notes": list(self.notes),
            "synthetic": self.synthetic,
        }


# -- building the inputs from the session -------------------------------------------------------
def _check_options(horizon: Any, models: Sequence[str] | None, freq: str = "A") -> Any:
    """ForecastOptions for an annual or monthly outlook, or one clear InvalidQuery."""
    from corridor.models.forecast import ForecastOptions

    most = MAX_HORIZON[freq]
    if isinstance(horizon, bool) or not isinstance(horizon, int) or not 1 <= horizon <= most:
        what = "years" if freq == "A" else "months"
        raise InvalidQuery(
            f"horizon {horizon!r} is not accepted: give a whole number of {what} from 1 to "
            f"{most} ({'annual' if freq == 'A' else 'monthly'} series)"
        )
    if models is not None and not isinstance(models, str):
        models = tuple(models)
    return ForecastOptions(horizon=horizon, models=models)


def _year_grid(q_years: tuple[int, int] | None, seen: Sequence[int]) -> list[int]:
    if q_years:
        return list(range(q_years[0], q_years[1] + 1))
    return list(range(min(seen), max(seen) + 1))


def _market_only(session: Session) -> tuple[Result, dict[int, float | None]]:
    r = session.indicator("partners")
    totals: dict[int, float | None] = {}
    for row in r.to_pylist():  # market_total repeats on every supplier row of its year
        totals.setdefault(row["year"], row["market_total"])
    return r, totals


def _with_exporter(
    session: Session, notes: list[str]
) -> tuple[Result, dict[int, float | None], dict[int, float | None]]:
    """Market totals and the exporter's amounts from ``summary`` (0 only where it is absent)."""
    r = session.indicator("summary")
    own, other = ("value_usd", "weight_kg") if session.measure == "value" else (
        "weight_kg", "value_usd")  # fmt: skip
    market_col = "market_value_usd" if session.measure == "value" else "market_weight_kg"
    markets: dict[int, float | None] = {}
    amounts: dict[int, float | None] = {}
    ambiguous: list[int] = []
    for row in r.to_pylist():
        year, market = row["year"], row[market_col]
        markets[year] = market
        if row[own] is not None:
            amounts[year] = row[own]
        elif market is None or row[other] is not None:
            amounts[year] = None  # no market report, or the exporter's row lacks the measure
        else:
            ambiguous.append(year)
    if ambiguous:
        # Neither amount: absent from the suppliers (0), or a row without numbers (unknown).
        code = session.query.exporter.code
        rows = {
            row["year"] for row in session.indicator("partners").to_pylist()
            if row["supplier"] == code
        }  # fmt: skip
        for year in ambiguous:
            amounts[year] = None if year in rows else 0.0
        _note_absent(session, [y for y in ambiguous if y not in rows], "A", notes)
    return r, markets, amounts


def _runs(periods: Sequence[int | str], freq: str = "A") -> str:
    """Years or months as runs: '2015-2017, 2020' / '201702, 202007-202008'."""
    from corridor.models.forecast.series import period_runs

    return period_runs(periods, freq)


def _note_absent(session: Session, absent: list, freq: str, notes: list[str]) -> None:
    """Say where the exporter is not among the market's suppliers (its amount is 0 there)."""
    if absent:
        who = session.query.exporter.name
        notes.append(
            f"{who} is not among the reported suppliers in {_runs(absent, freq)}: its "
            "amount there is 0"
        )


def _by_month(
    session: Session, notes: list[str]
) -> tuple[Result, dict[str, float | None], dict[str, float | None] | None]:
    """Monthly market totals (and the exporter's amounts) from the ``periods`` indicator."""
    r = session.indicator("periods")
    rows = r.to_pylist()
    markets = {row["period"]: row["market_total"] for row in rows}
    if session.query.exporter is None:
        return r, markets, None
    amounts: dict[str, float | None] = {}
    for row in rows:  # absent from the suppliers: 0; a row without the measure: unknown
        amounts[row["period"]] = 0.0 if not row["exporter_rows"] else row["exporter_amount"]
    _note_absent(session, [row["period"] for row in rows if not row["exporter_rows"]], "M", notes)
    return r, markets, amounts


def _key(country: Any) -> str:
    return country.iso3 or str(country.code)


def _series_outlook(
    name: str,
    label: str,
    res: SeriesForecast,
    history: dict[int, float | None],
    years: Sequence[int],
) -> SeriesOutlook:
    return SeriesOutlook(
        name=name,
        key=res.key,
        label=label,
        unit=res.unit,
        history=tuple((y, history.get(y)) for y in years),
        forecast=res.forecast,
        accuracy=res.accuracy,
        coverage=res.coverage,
        model=res.model,
        reason=res.reason,
        parameters=res.parameters,
        short_series=res.short_series,
        gaps=res.gaps,
        fitted=(res.fitted_periods[0], res.fitted_periods[-1]),
        notes=res.notes,
        backtest=res.backtest,
    )


def _volume_outlook(
    so: ShareOutlook, label: str, history: dict[int, float | None], years: Sequence[int]
) -> SeriesOutlook:
    share = so.share
    return SeriesOutlook(
        name="exporter",
        key=share.key,
        label=label,
        unit=so.market.unit,
        history=tuple((y, history.get(y)) for y in years),
        forecast=so.volume,
        accuracy=so.volume_accuracy,
        coverage=so.volume_coverage,
        model=f"market × share ({so.market.model} × {share.model})",
        reason=(
            "the market forecast times the share forecast; intervals calibrated on the "
            "combined procedure's backtest errors"
        ),
        parameters={},
        short_series=so.market.short_series or share.short_series,
        gaps=share.gaps,
        fitted=(share.fitted_periods[0], share.fitted_periods[-1]),
        notes=so.notes,
    )


def _require_statsforecast() -> None:
    if importlib.util.find_spec("statsforecast") is None:
        raise CorridorError(
            "forecasts need statsforecast, a dependency of corridor that is missing from this "
            "environment: reinstall corridor (pip install corridor, or make install)"
        )


def outlook(
    session: Session,
    *,
    horizon: int = 3,
    backtest: bool = False,
    models: Sequence[str] | None = None,
) -> Outlook:
    """Forecast the session's market (and exporter) ``horizon`` periods ahead.

    Args:
        session: the corridor question; its measure decides value (USD) or weight (kg).
        horizon: periods ahead: 1-10 years, or 1-36 months for a monthly question
            (``freq="M"``); also the backtest horizons 1..h.
        backtest: keep every held-out forecast in the series' ``backtest`` tables.
        models: candidate names (default: Naive, drift, AutoETS, AutoTheta, Ensemble;
            AutoARIMA is opt-in); Naive and drift are always in as the baselines.

    Raises:
        InvalidQuery: a bad horizon or model name.
        NotFound: no data for the question, or the exporter never supplies the market.
    """
    q = session.query
    freq = q.freq
    opts = _check_options(horizon, models, freq)
    _require_statsforecast()
    from corridor.models.forecast import Series, forecast_series, share_outlook
    from corridor.models.forecast.candidates import resolve_models

    notes: list[str] = []
    years: list[Any]
    if freq == "M":
        result, markets, amounts = _by_month(session, notes)
        from corridor.models.forecast.series import period_label, period_ordinal

        seen = [period_ordinal(p, "M") for p, v in markets.items() if v is not None]
        if not seen:
            raise NotFound(session.missing(side=session.side))
        years = [period_label(i, "M") for i in range(min(seen), max(seen) + 1)]
    else:
        if q.exporter is None:
            result, markets = _market_only(session)
            amounts = None
        else:
            result, markets, amounts = _with_exporter(session, notes)
        years = _year_grid(q.years, list(markets))
        observed = [y for y in years if markets.get(y) is not None]
        if not observed:
            raise NotFound(session.missing(side=session.side))
        leading = [y for y in years if y < observed[0]]
        if leading:
            notes.append(f"no market total for {_runs(leading)} (before the first report)")
    notes.extend(session.thin_market_notes())  # the market total is of what the data holds
    unit = measure_unit(session.measure)
    synthetic = result.provenance.synthetic
    periods = tuple(str(y) for y in years)
    imp = q.importer
    market = Series(_key(imp), periods, tuple(markets.get(y) for y in years), unit, freq, synthetic)
    words = "value" if session.measure == "value" else "net weight"
    market_label = f"{imp.name}'s imports, {session.scope} ({words})"
    share = exporter = None
    if amounts is None:
        mf = forecast_series(market, opts)
        market_out = _series_outlook("market", market_label, mf, markets, years)
        params_series = {"market": mf.parameters}
    else:
        exp = q.exporter
        if not any(v for v in amounts.values()):
            raise NotFound(
                f"no imports from {exp.name} in {imp.name}'s reported {words} for "
                f"{session.scope} in {years[0]}-{years[-1]}: {exp.name} is not among its "
                "suppliers there, so there is no share to forecast (drop --exporter for the "
                "market alone)"
            )
        ex_series = Series(
            _key(exp), periods, tuple(amounts.get(y) for y in years), unit, freq, synthetic
        )
        so = share_outlook(market, ex_series, opts)
        market_out = _series_outlook("market", market_label, so.market, markets, years)
        shares = {
            y: (amounts[y] / m if (m := markets.get(y)) and amounts.get(y) is not None else None)
            for y in years
        }
        share = _series_outlook(
            "share", f"{exp.name}'s share of {imp.name}'s imports", so.share, shares, years
        )
        exporter = _volume_outlook(
            so, f"{imp.name}'s imports from {exp.name} (market × share)", amounts, years
        )
        params_series = {"market": so.market.parameters, "share": so.share.parameters}
    cal = opts.calibrator
    parameters = {
        "engine": "corridor.models.forecast",
        "library": _library_version(),
        "freq": freq,
        "horizon": opts.horizon,
        "candidates": list(resolve_models(opts.models, freq)),
        "selection": (
            "per series by rolling-origin backtest MASE: the median Ensemble unless a "
            "candidate beats it by more than one standard error of the paired errors"
        ),
        "intervals": cal.describe(),
        "levels": [80, 95],
        "inputs": (
            f"session indicator {result.indicator} ({result.schema}): market total"
            + (" and the exporter's amount" if amounts is not None else "")
            + f" per {'year' if freq == 'A' else 'month'}, by {words}"
        ),
        "models": params_series,
    }
    ahead = [r["period"] for r in market_out.forecast.to_pylist()]
    span = ahead[0] if len(ahead) == 1 else f"{ahead[0]}-{ahead[-1]}"
    title = (
        f"Outlook: {imp.name}"
        + (f" ← {q.exporter.name}" if q.exporter is not None else "")
        + f", {session.scope} (by {words}{', monthly' if freq == 'M' else ''}), observed to "
        f"{market_out.fitted[1]}, forecast {span}"
    )
    if not backtest:
        market_out = _drop_backtest(market_out)
        share = _drop_backtest(share) if share else None
    return Outlook(
        title=title,
        query=session.query_dict(),
        measure=session.measure,
        unit=unit,
        horizon=opts.horizon,
        market=market_out,
        share=share,
        exporter=exporter,
        provenance=result.provenance,
        parameters=parameters,
        notes=tuple(notes),
    )


def _drop_backtest(s: SeriesOutlook) -> SeriesOutlook:
    from dataclasses import replace

    return replace(s, backtest=None)


def _library_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"statsforecast {version('statsforecast')}"
    except PackageNotFoundError:  # pragma: no cover - checked by _require_statsforecast
        return "statsforecast"


# -- the brief's Outlook section -----------------------------------------------------------------
def _section_series(s: SeriesOutlook) -> dict[str, Any]:
    rows = s.forecast.to_pylist()
    return {
        "label": s.label,
        "unit": s.unit.value,
        "history": [{"year": y, "value": v} for y, v in s.history],
        "forecast": [
            {
                "year": int(r["period"]),
                **{k: r.get(k) for k in ("point", "lo80", "hi80", "lo95", "hi95")},
            }
            for r in rows
        ],
        "model": s.model,
        "reason": s.reason,
        "backtest_line": s.backtest_line(),
        "short_series": s.short_series,
        "gaps": list(s.gaps),
        "notes": list(s.notes),
        "text": "; ".join(
            f"{r['period']}: {fmt_value(r['point'], s.unit)} "
            f"(80 %: {fmt_value(r.get('lo80'), s.unit)}–{fmt_value(r.get('hi80'), s.unit)})"
            for r in rows
        ),
    }


def _not_available(why: str) -> dict[str, Any]:
    return {"available": False, "missing": f"not available: {why}"}


def _too_short(s: SeriesOutlook) -> str | None:
    """Why a series cannot carry a backtested forecast with intervals (None when it can)."""
    rows = s.forecast.to_pylist()
    if rows and rows[0].get("lo80") is not None and s.backtest_line():
        return None
    a, b = s.fitted
    n = int(b) - int(a) + 1
    gaps = f" after the gap in {s.gaps[-1]}" if s.gaps else ""
    return (
        f"{s.label} has only {n} contiguous year(s){gaps} ({a}-{b}): too few to backtest a "
        "forecast and calibrate its intervals"
    )


def outlook_section_data(
    session: Session, *, horizon: int = 3, cache: Path | None = None
) -> dict[str, Any]:
    """What the brief's "Outlook" section needs; never raises for missing or short data.

    ``cache`` (a directory) keeps the result on disk, keyed by everything it is computed
    from — the question, the input series the session's indicator gives (so a changed
    warehouse is a new key), their provenance, the horizon, and the corridor and
    statsforecast versions — so a brief asked again skips the backtests (about 2 s).

    Returns a JSON-ready dict: ``available`` (bool), ``missing`` ("not available: <why>" or
    None), ``title``, ``unit``, ``measure``, ``market`` and ``exporter`` and ``share`` (each
    with ``label``, ``unit``, ``history`` [{year, value}], ``forecast`` [{year, point, lo80,
    hi80, lo95, hi95}], ``model``, ``reason``, ``backtest_line``, ``short_series``, ``gaps``,
    ``notes``, ``text``; or ``{"available": False, "missing": ...}``), ``backtest_lines``,
    ``notes``, ``provenance``, ``parameters`` and ``synthetic``.
    """
    if cache is None:
        return _plain_json(_section_data(session, horizon))
    path = Path(cache) / f"{_section_key(session, horizon)}.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        pass
    data = _plain_json(_section_data(session, horizon))
    try:  # written whole, then renamed: a reader never sees half a file
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(data), encoding="utf-8")
        tmp.replace(path)
    except OSError:
        pass  # a cache that cannot be written is simply not kept
    return data


def _plain_json(data: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(data, default=str))


def _section_key(session: Session, horizon: int) -> str:
    """The cache key: a hash of the question, the input series, their provenance, versions."""
    from corridor import __version__

    name = "summary" if session.query.exporter is not None else "partners"
    res = session.indicator(name)
    doc = {
        "corridor": __version__,
        "library": _library_version(),
        "horizon": horizon,
        "query": session.query_dict(),
        "measure": session.measure,
        "indicator": name,
        "rows": res.to_pylist(),
        "provenance": res.provenance.as_dict(),
    }
    text = json.dumps(doc, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _section_data(session: Session, horizon: int) -> dict[str, Any]:
    try:
        out = outlook(session, horizon=horizon)
    except CorridorError as exc:
        if session.query.exporter is None:
            return _not_available(str(exc)) | {"title": "Outlook"}
        exporter_missing = str(exc)
        try:
            out = outlook(session.derive(exporter=None), horizon=horizon)
        except CorridorError as again:
            return _not_available(str(again)) | {"title": "Outlook"}
    else:
        exporter_missing = None
    short = _too_short(out.market)
    if short:
        return _not_available(short) | {"title": "Outlook"}
    data: dict[str, Any] = {
        "available": True,
        "missing": None,
        "title": "Outlook",
        "heading": out.title,
        "unit": out.unit.value,
        "measure": out.measure,
        "market": _section_series(out.market),
        "share": None,
        "exporter": None,
        "backtest_lines": out.backtest_lines(),
        "notes": list(out.notes),
        "provenance": out.provenance.as_dict() | {"forecast": out.parameters},
        "parameters": out.parameters,
        "synthetic": out.synthetic,
    }
    if exporter_missing is not None:
        data["exporter"] = _not_available(exporter_missing)
    elif out.exporter is not None and out.share is not None:
        why = _too_short(out.share)
        if why:
            data["exporter"] = _not_available(why)
        else:
            data["exporter"] = {"available": True, **_section_series(out.exporter)}
            data["share"] = {"available": True, **_section_series(out.share)}
    return data
