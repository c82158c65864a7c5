"""Japan Customs' applied tariff schedule (実行関税率表) as JSON: a tree of headings and lines.

The format (e.g. ``japan_customs_tariff_2026-07-09_ch76.json``, scraped from the Customs web
pages by qlitre/japan-tariff-mcp) is a list of nodes ``{level, stat_code, hs_code, desc, rate,
unit, law, children}``. A node with a three-digit ``hs_code`` is a **statistical line**: its
9-digit code is ``stat_code`` without the dot + ``hs_code`` (``7604.10`` + ``000`` →
``760410000``), its HS6 the first six digits. A node without ``hs_code`` is a heading; when a
heading's own cells carry rates (``7602.00`` 基本 無税, WTO ``(無税)``), they apply to every
line below it that leaves that column empty — the row records where the rate was set
(``set_at``). Cells are parsed by :func:`corridor.reference.tariffs.parse_rate`.

The edition date comes from ``--edition`` or from the file name (``..._2026-07-09_...``).
Errors name the file, the line in the file, the statistical code, the column and the value.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from corridor.errors import InputFileError, ParseError

if TYPE_CHECKING:
    import pyarrow as pa

    from corridor.store.ingest import LoadPlan, RawFile

__all__ = ["JAPAN", "JapanSchedule", "edition_from_name", "japan_plan", "parse_japan_schedule"]

JAPAN = 392  # Comtrade area code
SOURCE = "Japan Customs, Japan's Tariff Schedule (実行関税率表)"
_EDITION = re.compile(r"(\d{4}-\d{2}-\d{2})")
_STAT = re.compile(r"\d{2}\.\d{2}|\d{4}\.\d{2}")
_REQUIRED = ("stat_code", "hs_code", "rate", "children")


@dataclass
class JapanSchedule:
    """A parsed schedule: one row per (statistical line, column) with a rate, and counts."""

    rows: list[dict[str, Any]]
    edition: date
    lines: int = 0  # statistical (9-digit) lines
    lines_with_own_rates: int = 0  # lines whose own cells carry a rate
    headings_with_rates: list[str] = field(default_factory=list)  # stat codes

    def table(self) -> pa.Table:
        """The rows as an Arrow table in the tariff row schema."""
        import pyarrow as pa

        from corridor.reference.tariffs import tariff_schema

        return pa.Table.from_pylist(self.rows, schema=tariff_schema())


def edition_from_name(path: Path) -> date | None:
    """The edition date written in a file name (``..._2026-07-09_...``), if any."""
    m = _EDITION.search(path.name)
    if not m:
        return None
    try:
        return date.fromisoformat(m.group(1))
    except ValueError:
        return None


def _node_lines(text: str, count: int) -> list[int | None]:
    """1-based file line of each node, in document order (the k-th ``"stat_code"`` key)."""
    starts = [text.count("\n", 0, m.start()) + 1 for m in re.finditer(r'"stat_code"\s*:', text)]
    return starts if len(starts) == count else [None] * count  # type: ignore[return-value]


def _walk(nodes: Any, path: Path, where: str = "top level") -> Iterator[tuple[dict, int]]:
    """Every node in document order with its depth; checks each one's shape."""
    if not isinstance(nodes, list):
        raise ParseError(
            f"{path}: {where}: expected a list of entries, found {type(nodes).__name__}"
        )
    stack = [(n, 0) for n in reversed(nodes)]
    while stack:
        node, depth = stack.pop()
        yield node, depth
        stack.extend((c, depth + 1) for c in reversed(node.get("children") or []))


class _Parser:
    def __init__(self, path: Path, edition: date) -> None:
        from corridor.reference.tariffs import japan_columns

        self.path, self.edition = path, edition
        self.columns = japan_columns()
        self.text = path.read_text(encoding="utf-8")
        self.lines = self.text.splitlines()

    def fail(self, line: int | None, message: str) -> InputFileError:
        where = f"line {line}: " if line else ""
        return InputFileError(f"{self.path}: {where}{message}")

    def cell_line(self, node_line: int | None, column: str) -> int | None:
        if node_line is None:
            return None
        key = json.dumps(column, ensure_ascii=False)
        for i in range(node_line - 1, min(len(self.lines), node_line + 80)):
            if key in self.lines[i]:
                return i + 1
        return node_line

    def parse(self) -> JapanSchedule:
        try:
            doc = json.loads(self.text)
        except json.JSONDecodeError as exc:
            raise ParseError(
                f"{self.path}: line {exc.lineno}: not valid JSON ({exc.msg}) — truncated file?"
            ) from None
        nodes = list(_walk(doc, self.path))
        if not nodes:
            raise self.fail(None, "no entries (expected headings and statistical lines)")
        node_lines = _node_lines(self.text, len(nodes))
        out = JapanSchedule(rows=[], edition=self.edition)
        # path[d] = (cells in force below the node at depth d, heading id or None);
        # cells = {column: (Rate, set_at, cell line)}.
        path: list[tuple[dict[str, tuple[Any, str, int | None]], tuple | None]] = []
        rated_headings: dict[tuple, bool] = {}  # (stat, line) -> has a statistical line below
        for (node, depth), line in zip(nodes, node_lines, strict=True):
            stat, hs, own = self.check(node, line)
            del path[depth:]
            above = path[-1][0] if path else {}
            if not hs:  # a heading: its own cells apply to the lines below it
                heading = None
                if own:
                    heading = (stat, line)
                    rated_headings[heading] = False
                    out.headings_with_rates.append(stat)
                path.append(
                    ({**above, **{c: (r, stat, ln) for c, (r, ln) in own.items()}}, heading)
                )
                continue
            national = stat.replace(".", "") + hs
            if not re.fullmatch(r"\d{9}", national):
                raise self.fail(line, f"statistical code {stat}.{hs}: expected 9 digits")
            out.lines += 1
            out.lines_with_own_rates += bool(own)
            for _, heading in path:
                if heading:
                    rated_headings[heading] = True
            cells = {**above, **{c: (r, national, ln) for c, (r, ln) in own.items()}}
            if not cells:
                raise self.fail(line, f"line {stat}.{hs} has no rate in any column")
            for column, (rate, set_at, ln) in cells.items():
                out.rows.append(self.row(national, node, column, rate, set_at, ln))
            path.append((cells, None))
        for (code, line), has_lines in rated_headings.items():
            if not has_lines:
                raise self.fail(line, f"heading {code} has rates but no statistical line below it")
        if out.lines == 0:
            raise self.fail(None, "no statistical lines (9-digit codes) — truncated file?")
        return out

    def check(self, node: Any, line: int | None) -> tuple[str, str, dict[str, tuple[Any, Any]]]:
        """Validate one entry; return its stat code, hs_code and own parsed cells."""
        from corridor.reference.tariffs import parse_rate

        if not isinstance(node, dict):
            raise self.fail(line, f"entry {node!r:.40} is not an object")
        for key in _REQUIRED:
            if key not in node:
                code = node.get("stat_code", "?")
                raise self.fail(
                    line, f"entry {code} has no '{key}' (each entry needs {', '.join(_REQUIRED)})"
                )
        stat, hs = str(node["stat_code"]).strip(), str(node["hs_code"]).strip()
        if not _STAT.fullmatch(stat):
            raise self.fail(line, f"statistical code '{stat}' (expected NN.NN or NNNN.NN)")
        if not isinstance(node["rate"], dict):
            raise self.fail(line, f"{stat}: 'rate' is not an object of columns")
        own: dict[str, tuple[Any, Any]] = {}
        for column, cell in node["rate"].items():
            where = self.cell_line(line, column)
            if column not in self.columns:
                known = ", ".join(list(self.columns)[:7])
                raise self.fail(
                    where,
                    f"{stat}: unknown tariff column '{column}' (known: {known}, … — see "
                    "corridor/reference/data/japan_tariff_columns.yaml)",
                )
            try:
                rate = parse_rate("" if cell is None else str(cell))
            except ValueError as exc:
                raise self.fail(where, f"{stat} {column}: {exc}") from None
            if rate is not None:
                own[column] = (rate, where)
        return stat, hs, own

    def row(
        self, national: str, node: dict, column: str, rate: Any, set_at: str, line: int | None
    ) -> dict[str, Any]:
        spec = self.columns[column]
        return {
            "importer": JAPAN,
            "national_line": national,
            "hs6": national[:6],
            "column_name": column,
            "basis": spec.basis,
            "agreement": spec.agreement.id if spec.agreement else None,
            "partner": None,
            "rate": rate.rate,
            "rate_text": rate.text,
            "kind": rate.kind,
            "not_applied": rate.not_applied,
            "conditional": rate.conditional,
            "set_at": set_at,
            "valid_from": self.edition,
            "description": str(node.get("desc") or "").strip() or None,
            "source": f"{SOURCE}, edition {self.edition.isoformat()}, file {self.path.name}",
            "raw_row": line,
        }


def parse_japan_schedule(path: str | Path, *, edition: date | None = None) -> JapanSchedule:
    """Parse a Japan Customs schedule JSON file (see the module docstring).

    Raises:
        InputFileError: one line naming the file, the line, the code, the column and the value.
    """
    path = Path(path)
    edition = edition or edition_from_name(path)
    if edition is None:
        raise InputFileError(
            f"{path}: the schedule's edition date is unknown — name the file "
            "*_YYYY-MM-DD_*.json or pass --edition YYYY-MM-DD"
        )
    return _Parser(path, edition).parse()


def japan_plan(raw: RawFile, *, edition: date | None = None) -> LoadPlan:
    """How to load a Japan Customs schedule file into ``tariff_lines``."""
    from corridor.reference.tariffs import TARIFF_COLUMNS
    from corridor.store.ingest import DatasetInfo, LoadPlan

    schedule = parse_japan_schedule(raw.path, edition=edition)
    table = schedule.table()
    cols = ", ".join(c.name for c in TARIFF_COLUMNS)
    info = DatasetInfo(
        dataset=f"japan-customs-tariff-{schedule.edition.isoformat()}",
        source="japan-customs",
        description=f"{SOURCE}, edition {schedule.edition.isoformat()}: applied rates by "
        "9-digit statistical line and column (general, temporary, WTO, GSP, LDC, each EPA)",
        value_unit_original=None,
        weight_unit_original=None,
        value_basis=None,
        licence="Japan Customs' published schedule; file via qlitre/japan-tariff-mcp (MIT)",
    )
    return LoadPlan(
        select_sql=f"SELECT $file_id, {cols} FROM _tariff_src",
        dataset=info,
        target="tariff_lines",
        before=lambda con: con.register("_tariff_src", table),
        row_label="line",
    )
