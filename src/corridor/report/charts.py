"""Altair chart builders for the brief, rendered offline with vl-convert (PNG and SVG).

Every chart uses one palette with the exporter highlighted, a title that states the finding,
axis titles with units, and the source line under the plot.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import altair as alt

    from corridor.services.brief import ChartSpec

__all__ = ["HIGHLIGHT", "PALETTE", "build_chart", "save_chart"]

HIGHLIGHT = "#d9480f"  # the exporter, everywhere
PALETTE = ["#1c7ed6", "#5c940d", "#7048e8", "#0b7285", "#e8590c", "#868e96", "#c2255c", "#2b8a3e"]
MEDIAN = "#343a40"
WIDTH = 520
FONT = "DejaVu Sans"


def _colors(spec: ChartSpec) -> tuple[list[str], list[str]]:
    """Series names and their colours: the highlight first in orange, others from PALETTE."""
    names: list[str] = []
    for r in spec.rows:
        s = r.get(spec.series) if spec.series else None
        if s is not None and s not in names:
            names.append(str(s))
    colors, i = [], 0
    for n in names:
        if n == spec.highlight:
            colors.append(HIGHLIGHT)
        elif n in ("market median", "HHI"):
            colors.append(MEDIAN)
        else:
            colors.append(PALETTE[i % len(PALETTE)] if "absent" not in n else "#adb5bd")
            i += 1
    return names, colors


def build_chart(spec: ChartSpec) -> alt.TopLevelMixin:
    """Build the Altair chart for a :class:`~corridor.services.brief.ChartSpec`."""
    import altair as alt

    data = alt.Data(values=spec.rows)
    names, colors = _colors(spec)
    color = alt.Color(f"{spec.series}:N", scale=alt.Scale(domain=names, range=colors),
                      legend=alt.Legend(title=None, orient="bottom", columns=4,
                                        labelLimit=220))  # fmt: skip
    base = alt.Chart(data)
    if spec.kind == "line":
        width = alt.condition(alt.datum[spec.series] == spec.highlight, alt.value(3.5),
                              alt.value(1.6))  # fmt: skip
        enc: dict[str, Any] = dict(
            x=alt.X(f"{spec.x}:O", title=spec.x_title or None, axis=alt.Axis(labelAngle=0)),
            y=alt.Y(f"{spec.y}:Q", title=spec.y_title, axis=alt.Axis(format=spec.y_format)),
            color=color, strokeWidth=width,
        )  # fmt: skip
        if len(names) <= 1:
            enc.pop("color")
        plot: Any = base.mark_line(point=True, color=colors[0] if colors else MEDIAN).encode(**enc)
        if spec.rules:
            rules = alt.Chart(alt.Data(values=[{"v": v} for v in spec.rules])).mark_rule(
                strokeDash=[4, 3], color="#adb5bd"
            ).encode(y="v:Q")  # fmt: skip
            plot = alt.layer(rules, plot)
        height = 230
    elif spec.kind == "bars":
        plot = base.mark_bar().encode(
            x=alt.X(f"{spec.x}:O", title=spec.x_title or None, axis=alt.Axis(labelAngle=0)),
            xOffset=alt.XOffset(f"{spec.series}:N", scale=alt.Scale(domain=names)),
            y=alt.Y(f"{spec.y}:Q", title=spec.y_title, axis=alt.Axis(format=spec.y_format)),
            color=color if len(names) > 1 else alt.value(colors[0] if colors else HIGHLIGHT),
        )
        height = 210
    elif spec.kind == "hbar":
        cats = [r[spec.y] for r in spec.rows]
        plot = base.mark_bar().encode(
            y=alt.Y(f"{spec.y}:N", sort=cats, title=None, axis=alt.Axis(labelLimit=260)),
            x=alt.X(f"{spec.x}:Q", title=spec.x_title, axis=alt.Axis(format=spec.y_format)),
            color=color,
        )
        height = 16 * max(len(cats), 3)
    else:  # dots
        cats = list(dict.fromkeys(r[spec.y] for r in spec.rows))
        plot = base.mark_point(filled=True, size=70, opacity=0.9).encode(
            y=alt.Y(f"{spec.y}:N", sort=cats, title=None, axis=alt.Axis(labelLimit=260)),
            x=alt.X(f"{spec.x}:Q", title=spec.x_title, scale=alt.Scale(zero=False),
                    axis=alt.Axis(format=spec.y_format)),
            color=color,
            shape=alt.Shape(f"{spec.series}:N", scale=alt.Scale(domain=names),
                            legend=alt.Legend(title=None, orient="bottom", columns=4)),
        )  # fmt: skip
        if spec.rules:
            rules = alt.Chart(alt.Data(values=[{"v": v} for v in spec.rules])).mark_rule(
                color="#868e96"
            ).encode(x="v:Q")  # fmt: skip
            plot = alt.layer(rules, plot)
        height = 18 * max(len(cats), 3)
    plot = plot.properties(
        width=WIDTH if spec.kind in ("line", "bars") else WIDTH - 230,
        height=height,
        title=alt.TitleParams(spec.title, subtitle=spec.subtitle, anchor="start", fontSize=13,
                              subtitleFontSize=10, subtitleColor="#495057", limit=WIDTH + 40),
    )  # fmt: skip
    source = alt.Chart(alt.Data(values=[{}])).mark_text(
        text=spec.source[:160], align="left", baseline="top", x=0, y=0, fontSize=8,
        color="#6c757d",
    ).properties(width=WIDTH, height=8)  # fmt: skip
    return (
        alt.vconcat(plot, source, spacing=6)
        .configure(font=FONT)
        .configure_view(stroke=None)
        .configure_axis(labelFontSize=9, titleFontSize=10, gridColor="#e9ecef")
        .configure_legend(labelFontSize=9, symbolSize=60)
    )


def save_chart(chart: alt.TopLevelMixin, directory: Path, name: str) -> dict[str, Path]:
    """Render a chart offline to ``<directory>/<name>.png`` (2×) and ``.svg``.

    Returns:
        ``{"png": path, "svg": path}``.
    """
    import vl_convert as vlc

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    spec = chart.to_dict()
    png = directory / f"{name}.png"
    svg = directory / f"{name}.svg"
    text = vlc.vegalite_to_svg(spec)  # render once; the PNG is rasterised from the SVG
    svg.write_text(text, "utf-8")
    png.write_bytes(vlc.svg_to_png(text, scale=2))
    return {"png": png, "svg": svg}
