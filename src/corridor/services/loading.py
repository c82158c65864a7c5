"""Loading data: files of each kind, and the synthetic sample corridor."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from corridor.store.ingest import BATCH_BYTES, IngestResult, LoadPlan, RawFile, ingest, ingest_many
from corridor.store.plan import raw_file

if TYPE_CHECKING:
    from corridor.store.warehouse import Warehouse

__all__ = ["build_sample", "load_files", "plan_for_kind", "raw_files"]

ProgressFn = Callable[[str, float], None]


def plan_for_kind(kind: str, **options: Any) -> Callable[[RawFile], LoadPlan]:
    """The plan builder of a registered file kind, with its options (``spec``, ...) bound."""
    from corridor.sources.registry import file_kind

    return file_kind(kind).plan_for(**options)


def raw_files(paths: Iterable[Path], kind: str) -> list[RawFile]:
    """Check and hash files (two at a time: hashing releases the GIL); the first bad one raises."""
    paths = [Path(p) for p in paths]
    if len(paths) < 2 or sum(p.stat().st_size for p in paths if p.is_file()) < 1 << 28:
        return [raw_file(p, kind=kind) for p in paths]
    with ThreadPoolExecutor(max_workers=2) as pool:
        return list(pool.map(lambda p: raw_file(p, kind=kind), paths))


def load_files(
    wh: Warehouse,
    paths: Iterable[Path],
    kind: str,
    *,
    progress: ProgressFn | None = None,
    batch_bytes: int = BATCH_BYTES,
    **options: Any,
) -> list[IngestResult]:
    """Ingest files of one kind: many small files share a transaction (see ``ingest_many``).

    ``options`` go to the kind's plan builder (``spec`` for tables, ``product_codes`` for
    BACI). A bad file stops the ingest; its batch is rolled back, earlier batches stay.
    """
    from corridor.store.scratch import sweep

    plan_for = plan_for_kind(kind, **options)
    sweep()
    return ingest_many(wh, raw_files(paths, kind), plan_for, progress=progress,
                       batch_bytes=batch_bytes)  # fmt: skip


def build_sample(wh: Warehouse, directory: Path, *, seed: int = 7601) -> IngestResult:
    """Generate the synthetic corridor as Parquet under ``directory`` and ingest it."""
    import pyarrow.parquet as pq

    from corridor.sample import generate_sample
    from corridor.sources.sample import sample_plan

    directory.mkdir(parents=True, exist_ok=True)
    target = directory / f"sample-corridor-seed{seed}.parquet"
    table = generate_sample(seed=seed)
    tmp = target.with_suffix(".parquet.part")
    pq.write_table(table, tmp)
    tmp.replace(target)
    raw = raw_file(target, kind="sample", origin=f"corridor sample --seed {seed} (synthetic)")
    return ingest(wh, raw, sample_plan)
