"""The corridor brief: sections composed from one session's memoised indicators.

Each section is a small module with a pure function ``build(session) -> Section``: it reads
indicator results through the session (which runs each indicator once per question) and
holds no state, so sections can run in any order and new ones slot in. :data:`SECTIONS`
lists them in the order they are built; ``front`` sections (the "what this means"
paragraph) are built last, from the same memoised results, and placed first.

Engineers adding a section (as "Outlook" from forecasts and "What if" from scenarios do) write
a module with ``build(session) -> Section`` and call :func:`register_section`. Nothing here
knows about HTML or PDF; :mod:`corridor.report` renders a :class:`Brief`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from corridor.errors import InvalidQuery, NotFound
from corridor.services.brief import (
    dependency,
    headline,
    mirror,
    mix,
    notes,
    outlook,
    prices,
    scrap,
    summary,
    suppliers,
    whatif,
)
from corridor.services.brief import words as w
from corridor.services.brief.model import (
    SCHEMA,
    Brief,
    ChartSpec,
    Fact,
    Section,
    Series,
    Table,
    TableColumn,
)

if TYPE_CHECKING:
    from corridor.services.session import Session

__all__ = [
    "SCHEMA",
    "SECTIONS",
    "Brief",
    "ChartSpec",
    "Fact",
    "Section",
    "SectionSpec",
    "Series",
    "Table",
    "TableColumn",
    "build_brief",
    "register_section",
    "steps",
]


@dataclass(frozen=True)
class SectionSpec:
    """One section of the brief.

    Attributes:
        id: the section's id (anchor, data.json key).
        label: what the progress bar says while it is built.
        build: ``session -> Section``; pure (reads the session's memoised indicators).
        required: a NotFound here means there is no brief at all (else the section says
            which data is missing).
        front: placed first in the document (built after the others).
    """

    id: str
    label: str
    build: Callable[[Session], Section]
    required: bool = False
    front: bool = False


SECTIONS: list[SectionSpec] = [
    SectionSpec("headline", "headline", headline.build, required=True),
    SectionSpec("suppliers", "who supplies the market", suppliers.build),
    SectionSpec("dependency", "dependency", dependency.build),
    SectionSpec("prices", "prices", prices.build),
    SectionSpec("mix", "product mix", mix.build),
    SectionSpec("mirror", "mirror check", mirror.build),
    SectionSpec("scrap", "scrap flows", scrap.build),
    SectionSpec("outlook", "outlook", outlook.build),
    SectionSpec("whatif", "what if", whatif.build),
    SectionSpec("notes", "data notes", notes.build),
    SectionSpec("summary", "what this means", summary.build, front=True),
]


def register_section(spec: SectionSpec, *, before: str = "notes") -> None:
    """Add (or replace) a section, placed before the section ``before``."""
    SECTIONS[:] = [s for s in SECTIONS if s.id != spec.id]
    at = next((i for i, s in enumerate(SECTIONS) if s.id == before), len(SECTIONS))
    SECTIONS.insert(at, spec)


def steps() -> list[tuple[str, str]]:
    """(id, label) of every section, in build order (for progress bars)."""
    return [(s.id, s.label) for s in SECTIONS]


def _run(spec: SectionSpec, session: Session) -> Section:
    try:
        return spec.build(session)
    except NotFound as exc:
        if spec.required:
            raise
        title = spec.label[0].upper() + spec.label[1:]
        return Section(id=spec.id, title=title, available=False,
                       missing=w.plain(str(exc), session))  # fmt: skip


def build_brief(
    session: Session,
    *,
    progress: Callable[[str], None] | None = None,
    on_section: Callable[[Section], None] | None = None,
) -> Brief:
    """Compose the brief for the session's corridor.

    Args:
        session: the question (importer, exporter, HS scope, years …) bound to a catalog.
        progress: called with each section id before it is built.
        on_section: called with each section as soon as it is built (e.g. to draw its
            charts while the next section's indicators run).

    Raises:
        InvalidQuery: the question names no exporter.
        NotFound: the warehouse holds nothing for the question (the session's message).
    """
    if session.query.exporter is None:
        raise InvalidQuery("a brief needs an exporter (--exporter)")
    tell = progress or (lambda step: None)
    built = on_section or (lambda section: None)
    front: list[Section] = []
    rest: list[Section] = []
    for spec in list(SECTIONS):
        tell(spec.id)
        section = _run(spec, session)
        (front if spec.front else rest).append(section)
        built(section)
    q = session.query
    y0, y1 = w.years(session)
    cites, licences = notes.citations(session)
    used = notes.datasets(session)
    prov = session.provenance()
    product = w.product(session)
    return Brief(
        title=f"{q.exporter.name} → {q.importer.name}: {product} ({w.scope_short(session)})",
        subtitle=f"The corridor brief, {w.span(y0, y1)} · {w.corridor_flow(session)} "
        f"({w.report_of(session)})",
        scope=session.scope,
        product=product,
        query=session.query_dict(),
        importer=q.as_dict()["importer"],
        exporter=q.as_dict()["exporter"],
        years=[y0, y1],
        measure=session.measure,  # type: ignore[arg-type]
        flow=session.flow_text(),
        report=prov.report,
        definition=notes.definition(session),
        synthetic=any(c.synthetic for c in used),
        generated_at=datetime.now(UTC).replace(microsecond=0),
        sources=sorted({c.source for c in used}),
        datasets=list(dict.fromkeys(c.dataset for c in used)),
        vintages=list(dict.fromkeys(f"{c.dataset}: {w.vintage(session, c)}" for c in used)),
        citations=cites,
        licences=licences,
        provenance=prov.as_dict(),
        sections=front + rest,
    )
