"""Write a brief's output folder: HTML, PDF, chart SVG/PNG, data.json and one CSV per table.

``brief.html`` is self-contained (inline CSS, charts as SVG data URIs) so it works offline;
``brief.pdf`` is WeasyPrint's rendering of the same HTML: A4, page numbers, contents with
page numbers, and a SYNTHETIC banner on every page when any input is synthetic. Every cell
is formatted from its column's unit (:func:`corridor.units.fmt_value`).
"""

from __future__ import annotations

import base64
import csv
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from corridor.units import Unit, fmt_value

if TYPE_CHECKING:
    from corridor.report.worker import InlineRenderer, RenderWorker
    from corridor.services.brief import Brief, Table

__all__ = ["RENDER_STEPS", "BriefFiles", "render_brief", "render_html"]

RENDER_STEPS = (("charts", "charts (SVG + PNG)"), ("html", "brief.html"),
                ("data", "data.json + CSVs"), ("pdf", "brief.pdf"))  # fmt: skip
TEMPLATES = Path(__file__).parent / "templates"


@dataclass
class BriefFiles:
    """Paths of everything a brief wrote."""

    folder: Path
    html: Path
    pdf: Path | None
    data: Path
    charts: dict[str, dict[str, Path]] = field(default_factory=dict)
    tables: dict[str, Path] = field(default_factory=dict)

    def all(self) -> list[Path]:
        """Every file, in a stable order."""
        out = [self.html] + ([self.pdf] if self.pdf else []) + [self.data]
        out += [p for c in self.charts.values() for p in c.values()]
        return out + list(self.tables.values())


def _data_uri(path: Path, mime: str) -> str:
    return f"data:{mime};base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def render_html(
    brief: Brief, images: dict[str, str], *, printed: bool = False, cover_only: bool = False
) -> str:
    """The brief as one HTML document; ``images`` maps chart names to ``src`` URIs.

    ``printed``: the variant WeasyPrint lays out (the cover on its own page, contents with
    page-number slots); ``cover_only``: just that cover, with ``@@PG:<id>@@`` and
    ``@@PAGES@@`` where the page numbers go (filled in once the body is laid out).
    """
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["fmt"] = fmt_value
    css = (TEMPLATES / "brief.css").read_text("utf-8")
    head = brief.section("headline")
    summary = next((s for s in brief.sections if s.id == "summary"), None)
    body = [s for s in brief.sections if s.id != "summary"]
    return env.get_template("brief.html.j2").render(
        brief=brief,
        images=images,
        css=css,
        head=head,
        summary=summary,
        sections=body,
        printed=printed or cover_only,
        cover_only=cover_only,
    )


_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: Any) -> Any:
    """A CSV cell no spreadsheet runs as a formula (as :func:`corridor.cli.render.csv_safe`)."""
    if isinstance(value, list):
        value = ";".join(map(str, value))
    if isinstance(value, str) and value.startswith(_FORMULA):
        return "'" + value
    return value.isoformat() if hasattr(value, "isoformat") else value


def _write_csv(path: Path, table: Table, brief: Brief) -> None:
    extra = {"source": ";".join(brief.sources), "dataset": ";".join(brief.datasets),
             "report": brief.report, "synthetic": brief.synthetic}  # fmt: skip
    keys = [c.name for c in table.columns]
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=[*keys, *extra], lineterminator="\n")
        writer.writeheader()
        for row in table.rows:
            writer.writerow({**{k: csv_safe(row.get(k)) for k in keys}, **extra})


def render_brief(
    brief: Brief,
    folder: Path,
    *,
    pdf: bool = True,
    progress: Callable[[str], None] | None = None,
    worker: RenderWorker | InlineRenderer | None = None,
) -> BriefFiles:
    """Write the output folder for ``brief``.

    Args:
        brief: The composed brief.
        folder: Output folder (created; existing brief files are replaced).
        pdf: Also render ``brief.pdf`` with WeasyPrint.
        progress: Called with each step name (see :data:`RENDER_STEPS`).
        worker: A :class:`~corridor.report.worker.RenderWorker` for ``folder`` that already
            received every section (the CLI overlaps drawing with the indicators); without
            one, charts and PDF are drawn in this process.
    """
    if worker is None:
        from corridor.report.worker import InlineRenderer

        with InlineRenderer(folder, pdf=pdf) as own:
            for section in brief.sections:
                own.submit(section)
            return render_brief(brief, folder, pdf=pdf, progress=progress, worker=own)
    tell = progress or (lambda step: None)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    files = BriefFiles(folder=folder, html=folder / "brief.html", pdf=None,
                       data=folder / "data.json")  # fmt: skip
    tell("charts")
    files.charts = worker.charts()
    tell("html")
    if pdf:  # the PDF shows 2× JPEG rasters (embedded as they are: the quickest to write)
        jpeg = {n: p["jpg"].name for n, p in files.charts.items()}
        finish = worker.start_pdf(render_html(brief, jpeg, printed=True),
                                  render_html(brief, jpeg, cover_only=True),
                                  folder / "brief.pdf")  # fmt: skip
    images = {n: _data_uri(p["svg"], "image/svg+xml") for n, p in files.charts.items()}
    files.html.write_text(render_html(brief, images), "utf-8")
    tell("data")
    doc = brief.model_dump(mode="json", by_alias=True)
    doc["units"] = {u.value: u.label for u in Unit}
    for section in brief.sections:
        for table in section.tables:
            path = folder / f"table-{table.name}.csv"
            _write_csv(path, table, brief)
            files.tables[table.name] = path
    doc["files"] = {
        "charts": {n: {k: p.name for k, p in v.items()} for n, v in files.charts.items()},
        "tables": {n: p.name for n, p in files.tables.items()},
    }
    files.data.write_text(json.dumps(doc, indent=2, ensure_ascii=False), "utf-8")
    if pdf:
        tell("pdf")
        files.pdf = finish()
    return files
