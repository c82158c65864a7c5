"""What rows a result came from: datasets, value bases, HS revisions, retrieval times."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import ibis.expr.types as ir

__all__ = ["row_provenance"]


def row_provenance(rows: ir.Table) -> dict[str, Any]:
    """Summarise the rows behind a figure (one query).

    Returns ``datasets``, ``value_basis``, ``hs_revisions``, ``retrieved_at`` (sorted lists,
    NULLs dropped), ``synthetic`` (any row synthetic) and ``hs_level`` (finest code length).
    """
    meta = (
        rows.aggregate(
            datasets=rows.dataset.collect(distinct=True),
            bases=rows.value_basis.collect(distinct=True),
            revs=rows.hs_rev.collect(distinct=True),
            times=rows.retrieved_at.collect(distinct=True),
            synthetic=rows.synthetic.any(),
            level=rows.hs_code.length().max(),
        )
        .to_pyarrow()
        .to_pylist()[0]
    )

    def clean(values: list | None) -> list:
        return sorted(v for v in values or [] if v is not None and v != "")

    return {
        "datasets": clean(meta["datasets"]),
        "value_basis": clean(meta["bases"]),
        "hs_revisions": clean(meta["revs"]),
        "retrieved_at": clean(meta["times"]),
        "synthetic": bool(meta["synthetic"]),
        "hs_level": meta["level"],
    }
