"""Rendering services' results as documents: the corridor brief as HTML, PDF, PNG/SVG charts.

Heavy libraries (Altair, vl-convert, Jinja2, WeasyPrint) are imported inside the functions
that use them, so importing this package is cheap.
"""

from __future__ import annotations

__all__ = ["BriefFiles", "render_brief"]


def __getattr__(name: str):  # lazy re-exports
    if name in __all__:
        from corridor.report import render

        return getattr(render, name)
    raise AttributeError(name)
