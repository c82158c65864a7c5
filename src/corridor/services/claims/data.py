"""Reading what a claim needs from the warehouse: datasets, HS coverage, supplier tables."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Any

from corridor.analytics.provenance import row_provenance
from corridor.services.claims.models import Provenance

if TYPE_CHECKING:
    import ibis.expr.types as ir

    from corridor.store.warehouse import Warehouse

__all__ = ["ClaimData"]


class ClaimData:
    """Cached access to the warehouse for one ``corridor check`` run."""

    def __init__(self, wh: Warehouse) -> None:
        self.wh = wh
        self._tables: dict[tuple, list[dict[str, Any]]] = {}
        self._coverage: dict[tuple, str | None] = {}

    @cached_property
    def trade(self) -> ir.Table:
        """The warehouse's ``trade`` table as an Ibis expression (DuckDB)."""
        from corridor.analytics.backend import duckdb_backend, trade_table

        return trade_table(duckdb_backend(self.wh))

    def datasets(self, importer: int) -> list[str]:
        """Datasets with flows into ``importer`` (either side); real data before synthetic."""
        rows = self.wh.con.execute(
            "SELECT DISTINCT t.dataset, coalesce(d.synthetic, t.synthetic) AS syn FROM trade t "
            "LEFT JOIN datasets d USING (dataset) "
            "WHERE (t.flow = 'M' AND t.reporter = ?) OR (t.flow = 'X' AND t.partner = ?)",
            [importer, importer],
        ).fetchall()
        return [d for d, _ in sorted(rows, key=lambda r: (bool(r[1]), r[0]))]

    def coverage_gap(self, dataset: str, hs: list[str]) -> str | None:
        """Why ``dataset`` cannot give a total for the HS scope ``hs``, or None if it can.

        A heading or subheading is covered when the dataset has any row under it. A chapter
        is covered when the dataset reports the chapter total (HS2) or rows under at least
        half of the chapter's headings; otherwise a "chapter" figure would really be the
        total of a few headings (e.g. a 7601-only panel).
        """
        key = (dataset, tuple(hs))
        if key not in self._coverage:
            self._coverage[key] = self._gap(dataset, hs)
        return self._coverage[key]

    def _gap(self, dataset: str, hs: list[str]) -> str | None:
        missing = []
        for code in hs:
            rows = self.wh.con.execute(
                "SELECT DISTINCT substr(hs_code, 1, 4), hs_level FROM trade "
                "WHERE dataset = ? AND starts_with(hs_code, ?)",
                [dataset, code],
            ).fetchall()
            if not rows:
                missing.append(f"HS {code} is not in dataset {dataset}")
            elif len(code) == 2 and not any(level == 2 for _, level in rows):
                headings = sorted({h for h, level in rows if level >= 4})
                if len(headings) < _heading_count(code) / 2:
                    missing.append(
                        f"dataset {dataset} holds only heading(s) {', '.join(headings)} of "
                        f"chapter {code}, so it has no chapter total"
                    )
        return "; ".join(missing) or None

    def suppliers(
        self, dataset: str, hs: list[str], side: str, measure: str, importer: int
    ) -> list[dict[str, Any]]:
        """Supplier table rows (every year) for one interpretation."""
        key = (dataset, tuple(hs), side, measure, importer)
        if key not in self._tables:
            from corridor.analytics.suppliers import supplier_table

            s = supplier_table(self._flows(dataset, hs, side, importer), measure)
            cols = ["year", "supplier", "value", "weight", "share", "rank", "market_total",
                    "is_country"]  # fmt: skip
            self._tables[key] = s.select(*cols).to_pyarrow().to_pylist()
        return self._tables[key]

    def _flows(self, dataset: str, hs: list[str], side: str, importer: int) -> ir.Table:
        from corridor.analytics.scope import bilateral

        return bilateral(self.trade, hs=hs, dataset=dataset, side=side, importer=importer)  # type: ignore[arg-type]

    def provenance(
        self, dataset: str, hs: list[str], side: str, importer: int, years: list[int], flow: str
    ) -> Provenance:
        """Provenance of the rows behind a figure (the interpretation's flows in ``years``)."""
        f = self._flows(dataset, hs, side, importer)
        f = f.filter(f.year.isin(years))
        meta = row_provenance(f)
        sources = [
            r[0]
            for r in self.wh.con.execute(
                "SELECT DISTINCT source FROM datasets WHERE dataset = ?", [dataset]
            ).fetchall()
        ]
        return Provenance(
            sources=sources,
            datasets=[dataset],
            retrieved_at=meta["retrieved_at"],
            flow=flow,
            value_basis=meta["value_basis"],
            hs_scope=list(hs),
            hs_level=meta["hs_level"],
            hs_revisions=meta["hs_revisions"],
            synthetic=meta["synthetic"],
        )


def _heading_count(chapter: str) -> int:
    from corridor.reference.hs import hs_codes

    if chapter != "76":
        return 2
    return len({c.code for c in hs_codes("H6") if c.level == 4})
