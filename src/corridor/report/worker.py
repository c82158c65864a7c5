"""A second process that draws charts and writes the PDF while the analytics still run.

The brief's analytics are Python-bound (Ibis compiles each query), while chart rendering
(vl-convert) and WeasyPrint are separate work: on a 2-core machine they overlap. The worker
imports Altair, vl-convert and WeasyPrint once at start, so the main process never does.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from corridor.services.brief import Section

__all__ = ["RenderWorker"]


def _warm() -> None:
    import altair  # noqa: F401
    import vl_convert  # noqa: F401
    import weasyprint  # noqa: F401


def _draw(spec: dict[str, Any], folder: str) -> tuple[str, dict[str, str]]:
    from corridor.report.charts import build_chart, save_chart
    from corridor.services.brief import ChartSpec

    chart = ChartSpec.model_validate(spec)
    paths = save_chart(build_chart(chart), Path(folder), f"chart-{chart.name}")
    return chart.name, {kind: str(path) for kind, path in paths.items()}


def _pdf(html: str, folder: str, target: str) -> str:
    import weasyprint

    weasyprint.HTML(string=html, base_url=folder).write_pdf(target)
    return target


class RenderWorker:
    """One spawned worker process: ``submit`` a section's charts, then collect them."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self._pool = ProcessPoolExecutor(
            max_workers=1, mp_context=multiprocessing.get_context("spawn"), initializer=_warm
        )
        self._charts: list[Future] = []
        self._pool.submit(int)  # start (and warm) the process now, not at the first chart

    def __enter__(self) -> RenderWorker:
        return self

    def __exit__(self, *exc: object) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def submit(self, section: Section) -> None:
        """Start drawing a section's charts (PNG + SVG) in the worker."""
        for chart in section.charts:
            self._charts.append(
                self._pool.submit(_draw, chart.model_dump(mode="json"), str(self.folder))
            )

    def charts(self) -> dict[str, dict[str, Path]]:
        """Wait for every submitted chart; name → {"png": path, "svg": path}."""
        done = (f.result() for f in self._charts)
        return {name: {k: Path(p) for k, p in paths.items()} for name, paths in done}

    def pdf(self, html: str, target: Path) -> Path:
        """Render ``html`` to ``target`` with WeasyPrint in the worker."""
        return Path(self._pool.submit(_pdf, html, str(self.folder), str(target)).result())
