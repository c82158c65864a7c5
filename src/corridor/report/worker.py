"""A second process that draws charts and writes the PDF while the indicators still run.

The worker starts first (spawned, so nothing of the parent's state is copied) and imports
vl-convert and WeasyPrint while the main process opens the warehouse and runs the
indicators; charts are drawn as each section is built, and the PDF is written from the
finished HTML. A library that cannot be imported or started is reported as one clear line
(:class:`corridor.errors.CorridorError`), never as a broken process pool.
"""

from __future__ import annotations

import importlib.util
import multiprocessing
import re
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import TYPE_CHECKING, Any

from corridor.errors import CorridorError, first_line

if TYPE_CHECKING:
    from corridor.services.brief import Section

__all__ = ["InlineRenderer", "RenderWorker", "check_renderers"]

#: import name → distribution to install
LIBRARIES = {"vl_convert": "vl-convert-python", "jinja2": "jinja2", "weasyprint": "weasyprint"}
_FAILED: str | None = None  # set in the worker when a library cannot start
_STOPPED = (
    "the brief's render process stopped (out of memory, or a renderer crashed) — run "
    "the command again, or use --no-pdf"
)


def check_renderers(*, pdf: bool = True) -> None:
    """Fail with one line if a library the brief needs is not installed (imports nothing)."""
    needed = [m for m in LIBRARIES if pdf or m != "weasyprint"]
    missing = [LIBRARIES[m] for m in needed if importlib.util.find_spec(m) is None]
    if missing:
        raise CorridorError(
            f"the brief needs {', '.join(missing)}, which is not installed — reinstall corridor "
            "(`pip install corridor`; all of it is in the plain install)"
        )


def _warm(pdf: bool) -> None:
    """Worker start-up: import the renderers (and start them) before any chart arrives."""
    global _FAILED
    try:
        import vl_convert  # noqa: F401  (its JS engine starts with the first chart not cached)

        if pdf:
            import weasyprint

            weasyprint.HTML(string="<p>.</p>").render()  # loads fonts once
    except Exception as exc:  # ImportError, or OSError when Pango is missing
        _FAILED = f"{type(exc).__name__}: {first_line(exc)}"


def _ok() -> None:
    if _FAILED:
        raise RuntimeError(_FAILED)


def _draw(spec: dict[str, Any], folder: str, name: str, cache: str | None) -> tuple[str, dict]:
    _ok()
    from corridor.report.charts import draw

    paths = draw(spec, Path(folder), f"chart-{name}", Path(cache) if cache else None)
    return name, {kind: str(path) for kind, path in paths.items()}


def _pdf(html: str, cover: str, folder: str, target: str) -> str:
    """Lay out the brief, then its cover again with the contents' page numbers filled in.

    One layout of the body plus one of the cover page is much cheaper than letting
    WeasyPrint resolve ``target-counter()`` (which lays the whole document out twice).
    """
    _ok()
    import weasyprint

    doc = weasyprint.HTML(string=html, base_url=folder).render()
    first: dict[str, int] = {}
    for number, page in enumerate(doc.pages, 1):
        for name in page.anchors:
            first.setdefault(name, number)
    ids = re.findall(r"@@PG:([\w-]+)@@", cover)
    text = cover.replace("@@PAGES@@", str(len(doc.pages)))
    text = re.sub(r"@@PG:([\w-]+)@@", lambda m: str(first.get(m.group(1), "")), text)
    front = weasyprint.HTML(string=text, base_url=folder).render()
    if ids and len(front.pages) == 1 and first.get(ids[0]) == 2:  # the cover is page 1 alone
        doc = doc.copy([front.pages[0], *doc.pages[1:]])
    doc.write_pdf(target)
    return target


class RenderWorker:
    """One spawned worker process: ``submit`` each section's charts, then collect them.

    Args:
        folder: where chart files are written.
        pdf: the worker will write a PDF (imports WeasyPrint at start).
        cache: directory of drawn charts keyed by their specification (None: no cache).
    """

    def __init__(self, folder: Path, *, pdf: bool = True, cache: Path | None = None) -> None:
        check_renderers(pdf=pdf)
        self.folder = Path(folder)
        self.cache = cache
        self._pool = ProcessPoolExecutor(
            max_workers=1,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_warm,
            initargs=(pdf,),
        )
        self._charts: list[Future] = []
        self._pdfs: list[Future] = []
        self._pool.submit(int)  # start (and warm) the process now, not at the first chart

    def __enter__(self) -> RenderWorker:
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        # Done (every result is in hand: files are written before a task returns), or an
        # error or Ctrl-C: either way nothing is left to wait for, not even a tidy exit.
        if exc_type is not None or all(f.done() for f in (*self._charts, *self._pdfs)):
            for process in list((getattr(self._pool, "_processes", None) or {}).values()):
                process.terminate()
        self._pool.shutdown(wait=True, cancel_futures=True)

    def submit(self, section: Section) -> None:
        """Draw a section's charts: copied here when drawn before, else in the worker."""
        from corridor.report.charts import cached, vega_lite

        cache = str(self.cache) if self.cache else None
        for chart in section.charts:
            spec = vega_lite(chart)
            hit = cached(spec, self.folder, f"chart-{chart.name}", self.cache)
            if hit is not None:
                done: Future = Future()
                done.set_result((chart.name, {k: str(p) for k, p in hit.items()}))
                self._charts.append(done)
            else:
                self._charts.append(self._submit(_draw, spec, str(self.folder), chart.name, cache))

    def charts(self) -> dict[str, dict[str, Path]]:
        """Wait for every submitted chart; name → {"svg": path, "png": path}."""
        done = (_result(f, "drawing a chart") for f in self._charts)
        return {name: {k: Path(p) for k, p in paths.items()} for name, paths in done}

    def start_pdf(self, html: str, cover: str, target: Path) -> Callable[[], Path]:
        """Start writing ``target`` from the printed HTML and its cover (see :func:`_pdf`).

        Returns:
            A function that waits for the PDF and returns its path.
        """
        future = self._submit(_pdf, html, cover, str(self.folder), str(target))
        self._pdfs.append(future)
        return lambda: Path(_result(future, "writing the PDF"))

    def _submit(self, fn: Callable[..., Any], *args: Any) -> Future:
        try:
            return self._pool.submit(fn, *args)
        except BrokenProcessPool as exc:
            raise CorridorError(_STOPPED) from exc


class InlineRenderer:
    """:class:`RenderWorker`'s interface in this process (library use: nothing is spawned).

    Charts are drawn when :meth:`charts` is called and the PDF when :meth:`start_pdf` is.
    """

    def __init__(self, folder: Path, *, pdf: bool = True, cache: Path | None = None) -> None:
        check_renderers(pdf=pdf)
        self.folder = Path(folder)
        self.cache = cache
        self._specs: list[tuple[str, dict[str, Any]]] = []

    def __enter__(self) -> InlineRenderer:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def submit(self, section: Section) -> None:
        """Note a section's charts (drawn by :meth:`charts`)."""
        from corridor.report.charts import vega_lite

        self._specs += [(chart.name, vega_lite(chart)) for chart in section.charts]

    def charts(self) -> dict[str, dict[str, Path]]:
        """Draw every noted chart; name → {"svg": path, "png": path, "jpg": path}."""
        cache = str(self.cache) if self.cache else None
        with _renderers():
            done = [_draw(spec, str(self.folder), name, cache) for name, spec in self._specs]
        return {name: {k: Path(p) for k, p in paths.items()} for name, paths in done}

    def start_pdf(self, html: str, cover: str, target: Path) -> Callable[[], Path]:
        """Write ``target`` now (see :func:`_pdf`); returns a function giving its path."""
        with _renderers():
            path = Path(_pdf(html, cover, str(self.folder), str(target)))
        return lambda: path


class _renderers:
    """Turn a renderer that cannot be imported or started into one clear line."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type | None, exc: BaseException | None, tb: object) -> None:
        if kind is not None and issubclass(kind, ImportError | OSError):
            first = first_line(exc) if exc is not None else kind.__name__
            raise CorridorError(
                f"the brief's renderers cannot start ({kind.__name__}: {first}) — reinstall "
                "corridor (`pip install corridor`) or, for the PDF only, use --no-pdf"
            ) from exc


def _result(future: Future, doing: str) -> Any:
    """A worker result, or one clear line saying what failed."""
    try:
        return future.result()
    except BrokenProcessPool as exc:
        raise CorridorError(f"{_STOPPED} (while {doing})") from exc
    except RuntimeError as exc:
        raise CorridorError(
            f"the brief's renderers cannot start ({exc}) — reinstall corridor (`pip install "
            "corridor`) or, for the PDF only, use --no-pdf"
        ) from exc
