"""``corridor check``: verdicts on trade claims, with the interpretation spelled out."""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from corridor.cli.output import Format

if TYPE_CHECKING:
    from corridor.services.claims import CheckDocument, CheckResult

__all__ = ["register"]

_COLOURS = {"supported": "green", "contradicted": "red", "unverifiable": "yellow",
            "ambiguous": "magenta"}  # fmt: skip


def _help() -> str:
    from corridor.services.claims.grammar import FORMS

    forms = "\n".join(f"  [bold]{k}[/]: {ex}" for k, _, ex in FORMS)
    return (
        "Check trade claims against the warehouse and say how each was read.\n\n"
        "Each claim gets a verdict — supported, contradicted, unverifiable (data missing) or "
        "ambiguous (readings disagree) — the figures with their provenance, the tolerance, and "
        "every interpretation: HS scope ('aluminium' = chapter 76, 7601 or 7601+7602), "
        "reporter side (importer's CIF report, exporter's FOB mirror), measure and year. "
        "'Japan's imports' reads Japan's own report; the exporters' mirror report is shown as "
        "a note. ★ marks the reading the verdict rests on.\n\n"
        f"Supported forms (examples):\n\n{forms}\n\n"
        "Qualifiers anywhere: 'in 2024', 'between 2019 and 2024', 'by value|by weight', "
        "'(HS 7601)', 'according to Japan's customs', 'CIF'/'FOB', 'according to UN "
        "Comtrade'. Months or parts of a year are unverifiable (annual data). Hedges: "
        "about/approximately/around/nearly/roughly/touched = ±tolerance (default 5 %); "
        "over/more than/above = >; under/less than/below = <; no hedge = ±1 %. Without a "
        "year the latest year with data is used and said.\n\n"
        "Exit codes: 0 when every claim was evaluated (whatever the verdicts); 2 when a claim "
        "cannot be read (one-line message naming the closest form) or an option is invalid; "
        "other non-zero codes for warehouse errors (see `corridor --help`). "
        "--engine spark runs every reading on a local Spark session."
    )


def _tolerance(text: str | None) -> float | None:
    from corridor.errors import InvalidQuery

    if text is None:
        return None
    raw = text.strip()
    try:
        value = float(raw.rstrip("% ")) / 100 if raw.endswith("%") else float(raw)
    except ValueError:
        raise InvalidQuery(f"tolerance '{text}': expected a fraction (0.05) or '5%'") from None
    if not 0 <= value < 1:
        raise InvalidQuery(f"tolerance '{text}' outside 0–100 %")
    return value


def _read_file(path: Path) -> list[Any]:
    from corridor.errors import InputFileError

    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputFileError(f"cannot read claims file {path}: {exc}") from exc
    try:
        if path.suffix.lower() == ".json":
            doc = json.loads(text)
        else:
            import yaml

            doc = yaml.safe_load(text)
    except Exception as exc:
        raise InputFileError(f"{path}: not valid YAML/JSON ({str(exc).splitlines()[0]})") from exc
    items = doc.get("claims") if isinstance(doc, dict) else doc
    if not isinstance(items, list):
        raise InputFileError(f"{path}: expected a list of claims (or {{claims: [...]}})")
    return items


def _parse_all(items: list[Any]) -> tuple[list[tuple[str, Any]], list[Any]]:
    from corridor.errors import InvalidQuery
    from corridor.services.claims import ClaimError, claim_from_mapping, parse_claim
    from corridor.services.claims.parse import clip

    claims, errors = [], []
    for n, item in enumerate(items, 1):
        cid = clip(str(item.get("id", n)), 40) if isinstance(item, dict) else str(n)
        try:
            claim = claim_from_mapping(item) if isinstance(item, dict) else parse_claim(str(item))
            claims.append((cid, claim))
        except InvalidQuery as exc:
            text = str(item.get("text", item)) if isinstance(item, dict) else str(item)
            errors.append(ClaimError(id=cid, text=clip(text), error=str(exc)))
    return claims, errors


def register(app: typer.Typer) -> None:
    """Add the ``check`` command to the application."""

    @app.command("check", help=_help())
    def check(
        ctx: typer.Context,
        claim: Annotated[str | None, typer.Argument(help="The claim, in quotes.")] = None,
        file: Annotated[
            Path | None, typer.Option("--file", help="YAML or JSON list of claims.")
        ] = None,
        tolerance: Annotated[
            str | None, typer.Option("--tolerance", help="For 'about' etc.: 0.05 or '5%'.")
        ] = None,
        dataset: Annotated[str | None, typer.Option("--dataset", help="Only this dataset.")] = None,
        engine: Annotated[
            str, typer.Option("--engine", envvar="CORRIDOR_ENGINE", help="duckdb, spark or url.")
        ] = "duckdb",
        fmt: Annotated[
            Format, typer.Option("--format", "-f", help="table, json or csv.")
        ] = Format.table,
    ) -> None:
        from corridor.cli.app import warehouse_path
        from corridor.errors import InvalidQuery
        from corridor.query import ENGINES
        from corridor.services.claims import CheckDocument, Checker, Tolerances
        from corridor.store.catalog import Catalog

        if (claim is None) == (file is None):
            raise InvalidQuery("give one claim in quotes or --file claims.yaml (not both)")
        if engine not in ENGINES:
            raise InvalidQuery(f"engine '{engine[:40]}' (accepted: {', '.join(ENGINES)})")
        tol = Tolerances()
        if (about := _tolerance(tolerance)) is not None:
            tol = Tolerances(about=about)
        claims, errors = _parse_all(_read_file(file) if file else [claim])
        if errors and claim is not None:
            raise InvalidQuery(errors[0].error)
        with Catalog(warehouse_path(ctx), engine=engine) as catalog:
            checker = Checker(catalog, tol, dataset)
            results = [checker.check(c, cid) for cid, c in claims]
            doc = CheckDocument(tolerances=tol, warehouse=catalog.reads_from, engine=engine,
                                statements=catalog.statements, results=results,
                                errors=errors)  # fmt: skip
        _render(doc, fmt)
        for e in errors:
            typer.echo(f"error: claim {e.id}: {e.error}", err=True)
        if errors:
            raise typer.Exit(2)


def _render(doc: CheckDocument, fmt: Format) -> None:
    if fmt is Format.json:
        sys.stdout.write(json.dumps(doc.model_dump(mode="json", by_alias=True), indent=2) + "\n")
    elif fmt is Format.csv:
        sys.stdout.write(_csv(doc))
    else:
        for r in doc.results:
            _table(r)


_CSV = ["claim_id", "claim", "verdict", "kind", "role", "literal", "primary", "dataset", "hs",
        "scope_covered", "side", "flow", "measure", "sense", "year", "year_source", "finding",
        "figure", "unit", "lower", "upper", "tolerance", "reason", "sources", "value_basis",
        "synthetic"]  # fmt: skip


def _csv(doc: CheckDocument) -> str:
    from corridor.cli.render import csv_safe

    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=_CSV, lineterminator="\n")
    w.writeheader()
    for r in doc.results:
        for f in r.findings:
            i, p = f.interpretation, f.provenance
            row = {
                "claim_id": r.id, "claim": r.claim.text, "verdict": r.verdict.value,
                "kind": r.claim.kind, "role": i.role, "literal": i.literal, "primary": i.primary,
                "dataset": i.dataset, "hs": "+".join(i.hs), "scope_covered": i.scope_covered,
                "side": i.side, "flow": i.flow, "measure": i.measure, "sense": i.sense,
                "year": i.year, "year_source": i.year_source, "finding": f.verdict.value,
                "figure": f.figure, "unit": f.unit, "lower": f.lower, "upper": f.upper,
                "tolerance": f.tolerance, "reason": f.reason,
                "sources": ";".join(p.sources) if p else "",
                "value_basis": ";".join(p.value_basis) if p else "",
                "synthetic": p.synthetic if p else r.synthetic,
            }  # fmt: skip
            w.writerow({k: csv_safe(v) for k, v in row.items()})
    return buf.getvalue()


def _table(r: CheckResult) -> None:
    from rich.markup import escape

    from corridor.cli.output import stdout
    from corridor.services.claims.readings import short

    out = stdout()
    colour = _COLOURS[r.verdict.value]
    syn = "  [bold red]SYNTHETIC DATA[/]" if r.synthetic else ""
    out.print(f"[bold {colour}]{r.verdict.value.upper()}[/]{syn}  {escape(r.claim.text)}")
    out.print(f"  {escape(r.reason)}")
    c = r.claim
    out.print(f"  [dim]read as: {c.kind} ({c.form}); comparator {c.comparator}"
              f"{' (' + escape(c.hedge) + ')' if c.hedge else ''}; product "
              f"'{escape(c.product)}' → {' | '.join('+'.join(h) for h in c.hs_candidates)}"
              f"{' (pinned)' if c.hs_pinned else ''}"
              f"{'; senses: ' + ', '.join(s.meaning for s in c.senses) if c.senses else ''}"
              "[/]")  # fmt: skip
    missing: dict[str, list[Any]] = {}  # unverifiable readings with the same reason: one line
    for f in r.findings:
        i = f.interpretation
        if f.verdict.value == "unverifiable" and not (i.primary or i.literal):
            missing.setdefault(f.reason, []).append(i)
            continue
        mark = "★" if i.primary else ("·" if i.role == "reading" else " ")
        col = _COLOURS[f.verdict.value]
        year = "latest year" if i.year is None else f"{i.year}"
        year += " (latest year with data)" if i.year_source != "claim" else ""
        if i.since is not None:
            year = f"{i.since}–{year}"
        tags = [t for t, on in (("literal", i.literal), ("note", i.role == "note")) if on]
        tags += [f"'{i.sense}' sense"] if i.sense else []
        tag = f" [dim]({', '.join(tags)})[/]" if tags else ""
        out.print(f"  {mark} [{col}]{f.verdict.value:<12}[/] {escape(i.hs_label)}; {i.flow}; "
                  f"by {i.measure}; {year}; dataset {i.dataset}{tag}")  # fmt: skip
        tol = f" (tolerance ±{f.tolerance * 100:.1f} %)" if f.tolerance is not None else ""
        out.print(f"      {escape(f.reason)}{tol}")
        if i.scope_covered and i.scope_covered != "; ".join(f"HS {h}" for h in i.hs):
            out.print(f"      [dim]data cover {escape(i.scope_covered)}[/]")
        if i.decision:
            out.print(f"      [dim]{escape(i.decision)}[/]")
        if f.details.get("tied_with"):
            out.print(f"      tied with: {', '.join(f.details['tied_with'])}")
        if f.provenance and i.primary:
            for line in f.provenance.lines():
                out.print(f"      [dim]{escape(line)}[/]")
    for reason, readings in missing.items():
        n = f" ×{len(readings)}" if len(readings) > 1 else ""
        out.print(f"  · [yellow]unverifiable[/]{n}: {escape(reason)}")
        names = [short(i) + (" (note)" if i.role == "note" else "") for i in readings]
        out.print(f"      [dim]{escape('; '.join(names))}[/]")
    out.print()
