"""Outlook: the market's (and the exporter's) imports forecast a few years ahead.

Arranges :func:`corridor.services.outlook.outlook_section_data` — forecasts with 80 % and
95 % intervals, the model chosen by backtest error and its measured accuracy — as a fan
chart per series with the backtest line under it. Nothing is computed here; a series too
short to backtest, or no data at all, is said in a sentence.

The outlook is cached on disk (``<cache dir>/outlook``) keyed by its inputs, so a brief
asked again does not re-run the backtests.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from corridor.services.brief import words as w
from corridor.services.brief.model import ChartSpec, Fact, Section, Series, Table, TableColumn
from corridor.units import Unit, fmt_value

if TYPE_CHECKING:
    from corridor.services.session import Session

__all__ = ["HORIZON", "build", "section_data"]

HORIZON = 3  # years ahead
OBSERVED = "observed"
FORECAST = "forecast"


def section_data(s: Session) -> dict[str, Any]:
    """The outlook service's data for the section (from the disk cache when asked before)."""
    from corridor.services.outlook import outlook_section_data
    from corridor.settings import get_settings

    return outlook_section_data(s, horizon=HORIZON, cache=get_settings().cache_dir / "outlook")


def _why(missing: str | None, s: Session) -> str:
    text = (missing or "").removeprefix("not available: ")
    return w.plain(text[:1].upper() + text[1:], s)


def _span(r: dict[str, Any], unit: Unit, level: int) -> str:
    return f"{fmt_value(r.get(f'lo{level}'), unit)}–{fmt_value(r.get(f'hi{level}'), unit)}"


def _fan(name: str, part: dict[str, Any], role: str, title: str, s: Session, source: str):
    """A fan chart: the observed line, then the forecast from the last observed year."""
    unit = Unit(part["unit"])
    observed = [h for h in part["history"] if h["value"] is not None]
    rows: list[dict[str, Any]] = [
        {"year": h["year"], "series": OBSERVED, "value": h["value"]} for h in observed
    ]
    if observed:  # the forecast line starts where the observations end
        last = observed[-1]
        rows.append({"year": last["year"], "series": FORECAST, "value": last["value"],
                     **{b: last["value"] for b in ("lo80", "hi80", "lo95", "hi95")}})  # fmt: skip
    rows += [{"year": f["year"], "series": FORECAST, "value": f["point"],
              **{b: f.get(b) for b in ("lo80", "hi80", "lo95", "hi95")}}
             for f in part["forecast"]]  # fmt: skip
    if role == "exporter":
        series = [Series(name=OBSERVED, role="exporter"), Series(name=FORECAST, role="exporter")]
    else:
        series = [Series(name=OBSERVED, role="reference"),
                  Series(name=FORECAST, role="category", index=0)]  # fmt: skip
    line = part.get("backtest_line")
    caption = (f"Backtest (rolling origin, forecasts 1–{HORIZON} years ahead, each made only "
               f"from the years before it): {line}." if line else
               "Not backtested: too few years to measure the forecast's accuracy.")  # fmt: skip
    return ChartSpec(
        name=name, kind="fan", title=title,
        subtitle=f"{part['label']}: observed, and the {part['model']} forecast with its 80 % "
        "(darker) and 95 % (lighter) intervals",
        x="year", y="value", series=series, unit=unit, value_title="imports",
        rows=rows, source=source, caption=caption,
    )  # fmt: skip


def build(s: Session) -> Section:
    """The outlook section (market and exporter forecasts, backtested)."""
    data = section_data(s)
    imp, exp = s.query.importer.name, s.query.exporter.name
    if not data.get("available"):
        return Section(id="outlook", title="Outlook", available=False,
                       missing=_why(data.get("missing"), s))  # fmt: skip
    res = s.indicator("summary")
    source = w.source_line(s, res)
    market = data["market"]
    unit = Unit(market["unit"])
    end = market["forecast"][-1]
    first, last = market["forecast"][0]["year"], end["year"]
    observed = [h for h in market["history"] if h["value"] is not None]
    sec = Section(id="outlook", title=f"Outlook to {last}", source=source,
                  provenance=data.get("provenance"))  # fmt: skip
    then = observed[-1]
    sec.findings.append(
        f"{imp}'s imports of {w.scope_short(s)}, {w.by_measure(s)}, are forecast at "
        f"{fmt_value(end['point'], unit)} in {last} (80 % interval {_span(end, unit, 80)}; "
        f"95 % {_span(end, unit, 95)}), against {fmt_value(then['value'], unit)} in "
        f"{then['year']}."
    )
    sec.facts += [
        Fact.of("market_forecast", f"{imp}'s imports, forecast {last}", end["point"], unit),
        Fact.of("market_lo80", f"{imp}'s imports {last}, 80 % interval low", end["lo80"], unit),
        Fact.of("market_hi80", f"{imp}'s imports {last}, 80 % interval high", end["hi80"], unit),
    ]
    sec.key_facts.append("market_forecast")
    sec.charts.append(
        _fan("outlook_market", market, "reference",
             f"{imp}'s imports of {w.scope_short(s)}, observed and forecast to {last}", s,
             source)
    )  # fmt: skip
    table_rows = [{"series": f"{imp}, all suppliers", **f} for f in market["forecast"]]
    ex, share = data.get("exporter"), data.get("share")
    if ex and ex.get("available") and share:
        s_end, e_end = share["forecast"][-1], ex["forecast"][-1]
        su = Unit(share["unit"])
        sec.findings.append(
            f"{exp}'s share is forecast at {fmt_value(s_end['point'], su)} in {last} (80 % "
            f"interval {_span(s_end, su, 80)}): {fmt_value(e_end['point'], unit)} of imports "
            f"from {exp} (80 % {_span(e_end, unit, 80)}), the market forecast times the share "
            "forecast."
        )
        sec.facts += [
            Fact.of("share_forecast", f"{exp}'s share, forecast {last}", s_end["point"], su),
            Fact.of("exporter_forecast", f"imports from {exp}, forecast {last}",
                    e_end["point"], unit),
            Fact.of("exporter_lo80", f"imports from {exp} {last}, 80 % interval low",
                    e_end["lo80"], unit),
            Fact.of("exporter_hi80", f"imports from {exp} {last}, 80 % interval high",
                    e_end["hi80"], unit),
        ]  # fmt: skip
        sec.key_facts.append("exporter_forecast")
        sec.charts.append(
            _fan("outlook_exporter", ex, "exporter",
                 f"{imp}'s imports from {exp}, observed and forecast to {last}", s, source)
        )  # fmt: skip
        table_rows += [{"series": f"from {exp}", **f} for f in ex["forecast"]]
    elif ex:
        sec.findings.append(f"No forecast for {exp}: {_why(ex.get('missing'), s)}")
    cols = [
        TableColumn(name="series", label="Imports", unit=Unit.TEXT),
        TableColumn(name="year", label="Year", unit=Unit.YEAR),
    ]
    cols += [TableColumn(name=n, label=label, unit=unit, meaning=meaning) for n, label, meaning in (
        ("point", "Forecast", "point forecast"),
        ("lo80", "80 % low", "lower end of the 80 % interval"),
        ("hi80", "80 % high", "upper end of the 80 % interval"),
        ("lo95", "95 % low", "lower end of the 95 % interval"),
        ("hi95", "95 % high", "upper end of the 95 % interval"))]  # fmt: skip
    sec.tables.append(
        Table(name="outlook", title=f"Forecasts {first}–{last} with their intervals "
              f"({w.by_measure(s)})", columns=cols, rows=table_rows,
              note="Intervals are calibrated on the backtest errors (conformal); the "
              "measured coverage is in the line under each chart.")
    )  # fmt: skip
    for part in (market, ex if ex and ex.get("available") else None):
        if part is None:
            continue
        sec.notes.append(f"{part['label']}: {part['reason']}.")
        sec.notes += [f"{part['label']}: {n}." for n in part.get("notes", [])]
        if part.get("gaps"):
            sec.notes.append(f"{part['label']}: gaps in {', '.join(part['gaps'])}.")
    sec.notes += [n[:1].upper() + n[1:] + "." for n in data.get("notes", [])]
    return sec
