"""The brief's charts as Vega-Lite specifications, drawn offline with vl-convert (SVG + PNG).

A :class:`~corridor.services.brief.ChartSpec` becomes a plain Vega-Lite dict: values stay
raw in the brief and are scaled here by their unit (:meth:`corridor.units.Unit.axis`), so
an axis always says "USD million" or "thousand tonnes". One colour-blind-safe palette
(Okabe & Ito 2008): the exporter is always vermillion, each other supplier keeps its colour
in every chart (by its rank in the market), market references are black, background grey.
Titles and legends wrap instead of being cut, and every chart fills the page width.
Drawn charts are cached by the hash of their specification.
"""

from __future__ import annotations

import hashlib
import json
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING, Any

from corridor.units import Unit

if TYPE_CHECKING:
    from corridor.services.brief import ChartSpec, Series

__all__ = ["EXPORTER", "SUPPLIERS", "cached", "colour", "draw", "vega_lite"]

EXPORTER = "#D55E00"  # vermillion: the exporter, everywhere
SUPPLIERS = ("#0072B2", "#009E73", "#CC79A7", "#56B4E9", "#7F7F7F")
REFERENCE = "#222222"
CONTEXT = "#C8CCD0"
OTHER = "#999999"
CATEGORIES = ("#0072B2", "#56B4E9", "#009E73", "#CC79A7")
WIDTH = 680  # px: the A4 text width at 96 dpi; charts fit it exactly (labels included)
FONT = "DejaVu Sans"
BANDS = ("lo95", "hi95", "lo80", "hi80")  # a fan chart's interval fields


def colour(series: Series) -> str:
    """The colour of a series by its role (and the supplier's brief-wide index)."""
    if series.role == "exporter":
        return EXPORTER
    if series.role == "reference":
        return REFERENCE
    if series.role == "context":
        return CONTEXT
    if series.role == "category":
        return CATEGORIES[series.index % len(CATEGORIES)]
    return SUPPLIERS[series.index] if series.index < len(SUPPLIERS) else OTHER


def _wrap(text: str, width: int) -> list[str]:
    return textwrap.wrap(text, width=width, break_long_words=False) or [""]


def _category_axis(chart: ChartSpec) -> dict[str, Any]:
    """The category axis of a bar chart: every label whole, in the chart's order."""
    return {
        "field": chart.y,
        "type": "nominal",
        "sort": chart.categories or None,
        "title": None,
        "axis": {"labelLimit": 0, "labelFontSize": 9},
    }


def vega_lite(chart: ChartSpec) -> dict[str, Any]:
    """The Vega-Lite specification of a chart (values scaled to the axis unit)."""
    suffix, divisor, fmt = Unit(chart.unit).axis()
    value_title = ", ".join(x for x in (chart.value_title, suffix) if x)
    rows = []
    for r in chart.rows:
        v = r.get(chart.y if chart.kind in ("bars", "line", "fan") else chart.x)
        row = {**r, "_v": None if v is None else v / divisor}
        if chart.kind == "fan":  # the bands, scaled like the value
            row |= {f"_{b}": None if r.get(b) is None else r[b] / divisor for b in BANDS}
        rows.append(row)
    names = [s.name for s in chart.series]
    scale = {"domain": names, "range": [colour(s) for s in chart.series]}
    legend = {
        "title": None,
        "orient": "top",
        "direction": "horizontal",
        "labelLimit": 0,
        "columns": 3 if max((len(n) for n in names), default=0) > 28 else 4,
    }
    color: dict[str, Any] = {
        "field": chart.field,
        "type": "nominal",
        "scale": scale,
        "legend": legend if len(names) > 1 else None,
    }
    value = {
        "field": "_v",
        "type": "quantitative",
        "title": value_title,
        "axis": {"format": fmt, "titleFontWeight": "normal"},
    }
    year = {"field": chart.x, "type": "ordinal", "title": None, "axis": {"labelAngle": 0}}
    layers: list[dict[str, Any]]
    if chart.kind == "bars":
        enc = {"x": year, "y": value, "color": color}
        if len(names) > 1:
            enc["xOffset"] = {"field": chart.field, "type": "nominal", "sort": names}
        layers = [{"mark": {"type": "bar"}, "encoding": enc}]
        height = 190
    elif chart.kind == "line":
        width = {"condition": {"test": f"datum.{chart.field} === {json.dumps(_exporter(chart))}",
                               "value": 3.5}, "value": 1.8}  # fmt: skip
        layers = [
            {
                "mark": {"type": "line", "point": True},
                "encoding": {"x": year, "y": value, "color": color, "strokeWidth": width},
            }
        ]
        height = 210
    elif chart.kind == "fan":  # bands (95 % light, 80 % darker) under solid/dashed lines
        dash = {
            "field": chart.field,
            "type": "nominal",
            "legend": None,
            "scale": {
                "domain": names,
                "range": [[1, 0] if i == 0 else [5, 3] for i in range(len(names))],
            },
        }
        layers = [
            {
                "mark": {"type": "area", "opacity": opacity, "interpolate": "linear"},
                "transform": [{"filter": f"isValid(datum._{lo})"}],
                "encoding": {
                    "x": year,
                    "y": {**value, "field": f"_{lo}"},
                    "y2": {"field": f"_{hi}"},
                    "color": {**color, "legend": None},
                },
            }
            for lo, hi, opacity in (("lo95", "hi95", 0.14), ("lo80", "hi80", 0.26))
        ]
        layers.append(
            {
                "mark": {"type": "line", "point": True, "strokeWidth": 2.2},
                "transform": [{"filter": "isValid(datum._v)"}],
                "encoding": {"x": year, "y": value, "color": color, "strokeDash": dash},
            }
        )
        height = 200
    elif chart.kind == "pairs":  # before and after side by side, per category
        cat = _category_axis(chart)
        last = json.dumps(names[-1]) if names else "null"
        hl = {
            **color,
            "condition": {
                "test": f"datum.highlight && datum.{chart.field} === {last}",
                "value": EXPORTER,
            },
        }
        layers = [
            {
                "mark": {"type": "bar"},
                "encoding": {
                    "y": cat,
                    "x": {**value, "scale": {"zero": True}},
                    "color": hl,
                    "yOffset": {"field": chart.field, "type": "nominal", "sort": names},
                },
            }
        ]
        height = 11 * len(names) * max(len(chart.categories or {r[chart.y] for r in rows}), 3)
    else:
        cat = _category_axis(chart)
        x = {**value, "scale": {"zero": chart.kind == "hbar"}}
        height = 20 * max(len(chart.categories or {r[chart.y] for r in chart.rows}), 3)
        if chart.kind == "hbar":  # the line's total, the exporter's part over it, a label
            top = max((r["_v"] for r in rows if r["_v"] is not None), default=0)
            longest = max((len(str(r.get("label") or "")) for r in rows), default=0)
            room = 1.08 + 0.013 * longest  # the labels right of the longest bar fit
            x["scale"] = {"zero": True, "domainMax": top * room}
            x["axis"] = {**x["axis"], "tickCount": 6}
            layers = [
                {
                    "mark": {"type": "bar"},
                    "transform": [{"filter": {"field": chart.field, "equal": s.name}}],
                    "encoding": {"y": cat, "x": x, "color": color},
                }
                for s in chart.series
            ]
            layers.append(
                {
                    "mark": {
                        "type": "text",
                        "align": "left",
                        "dx": 4,
                        "fontSize": 9,
                        "color": "#343a40",
                    },
                    "transform": [{"filter": "isValid(datum.label)"}],
                    "encoding": {"y": cat, "x": x, "text": {"field": "label"}},
                }
            )
        else:  # dots; the median (a reference series) as a tick
            ref = [s.name for s in chart.series if s.role == "reference"]
            layers = [
                {"mark": {"type": "point", "filled": True, "size": 70, "opacity": 0.95},
                 "transform": [{"filter": {"not": {"field": chart.field, "oneOf": ref}}}],
                 "encoding": {"y": cat, "x": x, "color": color}},
                {"mark": {"type": "tick", "thickness": 2, "size": 14},
                 "transform": [{"filter": {"field": chart.field, "oneOf": ref}}],
                 "encoding": {"y": cat, "x": x, "color": color}},
            ]  # fmt: skip
    for rule in chart.rules:
        axis = "y" if chart.kind in ("bars", "line", "fan") else "x"
        layers.insert(0, {"mark": {"type": "rule", "strokeDash": [4, 3], "color": OTHER},
                          "encoding": {axis: {"datum": rule / divisor}}})  # fmt: skip
    subtitle = _wrap(chart.subtitle, 118) + _wrap(chart.source, 130)
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "width": WIDTH,
        "height": height,
        "autosize": {"type": "fit-x", "contains": "padding"},
        "padding": {"left": 2, "right": 8, "top": 4, "bottom": 4},
        "title": {"text": _wrap(chart.title, 84), "subtitle": subtitle, "anchor": "start",
                  "fontSize": 13, "subtitleFontSize": 9.5, "subtitleColor": "#495057",
                  "subtitlePadding": 4, "offset": 8},
        "data": {"values": rows},
        "layer": layers,
        "config": {"font": FONT, "view": {"stroke": None},
                   "axis": {"labelFontSize": 9.5, "titleFontSize": 10, "gridColor": "#e9ecef"},
                   "legend": {"labelFontSize": 9.5, "symbolSize": 70}},
    }  # fmt: skip


def _exporter(chart: ChartSpec) -> str | None:
    return next((s.name for s in chart.series if s.role == "exporter"), None)


def _files(spec: dict[str, Any], directory: Path, name: str, cache: Path | None):
    key = hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:24]
    out = {kind: Path(directory) / f"{name}.{kind}" for kind in ("svg", "png", "jpg")}
    hit = {kind: Path(cache) / f"{key}.{kind}" for kind in out} if cache else None
    return out, hit


def cached(spec: dict[str, Any], directory: Path, name: str, cache: Path | None) -> dict | None:
    """Copy an already drawn chart from the cache (None when it was never drawn)."""
    out, hit = _files(spec, directory, name, cache)
    if hit is None or not all(p.is_file() for p in hit.values()):
        return None
    Path(directory).mkdir(parents=True, exist_ok=True)
    for kind, path in out.items():
        path.write_bytes(hit[kind].read_bytes())
    return out


def draw(spec: dict[str, Any], directory: Path, name: str, cache: Path | None = None) -> dict:
    """Render a Vega-Lite spec to ``<directory>/<name>.svg``, ``.png`` and ``.jpg`` (2×).

    The JPEG is what the PDF embeds; ``cache`` (a directory) keeps drawn charts by the hash
    of their specification, so the same chart is never drawn twice.

    Returns:
        ``{"svg": path, "png": path, "jpg": path}``.
    """
    done = cached(spec, directory, name, cache)
    if done is not None:
        return done
    out, hit = _files(spec, directory, name, cache)
    Path(directory).mkdir(parents=True, exist_ok=True)
    import vl_convert as vlc

    drawn = vlc.vegalite_to_svg(spec)
    data = {"svg": drawn.encode("utf-8"), "png": vlc.svg_to_png(drawn, scale=2),
            "jpg": vlc.svg_to_jpeg(drawn, scale=2, quality=90)}  # fmt: skip
    for kind, path in out.items():
        path.write_bytes(data[kind])
    if hit is not None:
        try:
            hit["svg"].parent.mkdir(parents=True, exist_ok=True)
            for kind in ("png", "jpg", "svg"):  # the SVG last: its presence means complete
                hit[kind].write_bytes(data[kind])
        except OSError:
            pass  # a cache that cannot be written is simply not kept
    return out
