"""Tariff service: the rates an exporter faces in an importer's schedule, line by line.

Rates come from the warehouse's ``tariff_lines`` (after ``corridor ingest tariffs``) or, when
the warehouse holds none for the importer, from corridor's own offline table of Japan's
chapter-76 MFN and Japan-India CEPA rates (``reference/data/japan_tariff_ch76.csv``, built by
:mod:`corridor.sources.build_tariffs` from Japan Customs' schedule). Every result names the
schedule, its edition, the file(s) and how they were obtained.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

from corridor.errors import CorridorError, InvalidQuery, NotFound

if TYPE_CHECKING:
    import pyarrow as pa

    from corridor.services.session import Session
    from corridor.store.catalog import Catalog

__all__ = [
    "OFFLINE_TABLE",
    "Schedule",
    "TariffProvenance",
    "TariffQuery",
    "TariffResult",
    "load_schedule",
    "tariff_lines",
]

SCHEMA = "corridor.tariffs/1"
OFFLINE_TABLE = "japan_tariff_ch76.csv"


class TariffQuery(BaseModel):
    """What the user asked: importer, exporter, HS scope and the year agreements are judged in."""

    importer: str = "JPN"
    exporter: str = "IND"
    hs: list[str] = Field(default_factory=lambda: ["76"])
    year: int | None = None  # default: the schedule's edition date
    dataset: str | None = None
    gsp: bool = False  # treat the exporter as a GSP beneficiary
    ldc: bool = False  # treat the exporter as an LDC beneficiary


class TariffProvenance(BaseModel):
    """Where the rates come from."""

    publisher: str
    editions: list[date]
    origin: str  # warehouse | offline table
    datasets: list[str]
    files: list[str]
    sha256: list[str]
    retrieved_at: list[datetime]
    sources: list[str]
    warehouse: str | None = None
    synthetic: bool = False
    units: dict[str, str] = Field(
        default_factory=lambda: {
            "rates": "ad valorem fraction (0.075 = 7.5 %)",
            "margin": "MFN minus applied rate (0.075 = 7.5 percentage points)",
        }
    )


class TariffResult(BaseModel):
    """Rates per national line, their HS6 summary, provenance and notes."""

    schema_: str = Field(alias="schema", default=SCHEMA)
    query: dict[str, Any]
    fields: dict[str, dict[str, str]]
    rows: list[dict[str, Any]]
    hs6: list[dict[str, Any]]
    provenance: TariffProvenance
    notes: list[str] = Field(default_factory=list)

    model_config = {"populate_by_name": True}


def _catalog(source: Catalog | Session | None) -> Catalog | None:
    """The catalog behind a session (or the catalog itself)."""
    return getattr(source, "catalog", source)


def _warehouse_rows(
    catalog: Catalog, importer: int, dataset: str | None
) -> tuple[Any, dict] | None:
    """The rows of one tariff dataset in the warehouse for ``importer`` (newest edition)."""
    read = catalog.tariff_lines(importer, dataset)
    if dataset is not None and dataset not in read.datasets:
        if not read.datasets:
            return None
        raise NotFound(
            f"no tariff dataset '{dataset}' for this importer (found: {', '.join(read.datasets)})"
        )
    if read.dataset is None:
        return None
    meta = {
        "origin": "warehouse",
        "datasets": [read.dataset],
        "files": read.origins,
        "sha256": read.sha256,
        "retrieved_at": read.retrieved_at,
        "warehouse": str(catalog.path),
        "others": [n for n in read.datasets if n != read.dataset],
    }
    return read.table, meta


def _offline_rows() -> tuple[Any, dict]:
    import hashlib

    ref = resources.files("corridor.reference").joinpath("data", OFFLINE_TABLE)
    with resources.as_file(ref) as path:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        table = _offline_table(path, digest)
    meta = {
        "origin": "offline table",
        "datasets": [f"corridor reference table {OFFLINE_TABLE}"],
        "files": [f"corridor/reference/data/{OFFLINE_TABLE}"],
        "sha256": [digest],
        "retrieved_at": [],
        "warehouse": None,
        "others": [],
    }
    return table, meta


def _offline_table(path: Path, digest: str) -> pa.Table:
    """The offline table as Arrow, kept in the cache dir as an Arrow IPC file.

    Parsing it and converting the rows to Arrow imports pandas (≈ 0.3 s, in pyarrow) for ~100
    rows; reading the cached file does not. The key is the CSV's hash and the row schema; a
    cache that cannot be read or written is rebuilt or simply not kept.
    """
    import contextlib
    import hashlib

    import pyarrow as pa
    import pyarrow.ipc as ipc

    from corridor.reference.tariffs import tariff_schema
    from corridor.settings import get_settings
    from corridor.sources.tariff_csv import parse_tariff_csv, tariff_table
    from corridor.store.archive import write_atomic

    schema = tariff_schema()
    key = hashlib.sha256(digest.encode() + schema.serialize().to_pybytes()).hexdigest()[:24]
    cached = get_settings().cache_dir / "tariffs" / f"{key}.arrow"
    try:
        table = ipc.open_file(pa.py_buffer(cached.read_bytes())).read_all()
        if table.schema.equals(schema):
            return table
    except (OSError, pa.ArrowInvalid):
        pass
    table = tariff_table(parse_tariff_csv(path))

    def write(fh: Any) -> None:
        with ipc.new_file(fh, schema) as out:
            out.write_table(table)

    with contextlib.suppress(CorridorError):  # not kept: the next question parses again
        write_atomic(cached, write)
    return table


def _in_scope(table: pa.Table, prefixes: tuple[str, ...]) -> pa.Table:
    import pyarrow.compute as pc

    mask = None
    for p in prefixes:
        hit = pc.starts_with(table["national_line"], p)
        mask = hit if mask is None else pc.or_(mask, hit)
    return table.filter(mask)


@dataclass(frozen=True)
class Schedule:
    """An importer's tariff rows in an HS scope, where they come from, and notes about them."""

    table: pa.Table  # tariff rows (corridor.reference.tariffs.TARIFF_COLUMNS)
    provenance: TariffProvenance
    notes: tuple[str, ...] = ()


def load_schedule(
    source: Catalog | Session | None,
    importer: int,
    hs: tuple[str, ...],
    *,
    dataset: str | None = None,
    label: str | None = None,
) -> Schedule:
    """The importer's tariff rows for HS codes ``hs``: the warehouse's, else the offline table.

    Raises:
        NotFound: no rates for the importer (or the dataset asked), or none in the HS scope.
    """
    catalog = _catalog(source)
    found = _warehouse_rows(catalog, importer, dataset) if catalog is not None else None
    notes: list[str] = []
    if found is None:
        if importer != 392 or dataset:
            where = f"in {catalog.path}" if catalog is not None else "(no warehouse)"
            raise NotFound(
                f"no tariff rates for {label or importer} {where} — load a schedule with "
                "`corridor ingest tariffs FILE` (Japan Customs JSON or a plain tariff CSV)"
            )
        found = _offline_rows()
        notes.append(
            "offline table: Japan's chapter-76 general, temporary and WTO rates and the "
            "Japan-India CEPA column only — `corridor ingest tariffs` loads every column"
        )
    table, meta = found
    if meta["others"]:
        notes.append(f"other tariff datasets in the warehouse: {', '.join(meta['others'])} "
                     "(choose with --dataset)")  # fmt: skip
    table = _in_scope(table, hs)
    if table.num_rows == 0:
        raise NotFound(f"no tariff lines for HS {', '.join(hs)} in {meta['datasets'][0]}")
    sources = sorted(set(table["source"].to_pylist()))
    provenance = TariffProvenance(
        publisher="Japan Customs" if importer == 392 else "; ".join(sources),
        editions=sorted(set(table["valid_from"].to_pylist())),
        origin=meta["origin"],
        datasets=meta["datasets"],
        files=meta["files"],
        sha256=meta["sha256"],
        retrieved_at=meta["retrieved_at"],
        sources=sources,
        warehouse=meta["warehouse"],
    )
    return Schedule(table, provenance, tuple(notes))


def tariff_lines(source: Catalog | Session | None, q: TariffQuery) -> TariffResult:
    """Per national line in scope: MFN applied rate, the exporter's best preference, margin.

    Args:
        source: the warehouse's read side (a :class:`~corridor.store.catalog.Catalog` or a
            session on one), or None for corridor's offline table only.
        q: the question.

    Raises:
        InvalidQuery: bad countries, HS codes or year.
        NotFound: no rates for the importer or the HS scope.
    """
    from corridor.models.preference import HS6_COLUMNS, LINE_COLUMNS, applied_rates, by_hs6
    from corridor.reference.countries import resolve_country
    from corridor.reference.hs import validate_hs

    importer, exporter = resolve_country(q.importer), resolve_country(q.exporter)
    if importer.code == exporter.code:
        raise InvalidQuery(f"importer and exporter are both {importer.label}")
    if q.year is not None and not 1988 <= q.year <= 2030:
        raise InvalidQuery(f"year {q.year} outside 1988–2030")
    prefixes = tuple(validate_hs(h) for h in q.hs)
    schedule = load_schedule(source, importer.code, prefixes, dataset=q.dataset,
                             label=importer.label)  # fmt: skip
    table, notes = schedule.table, list(schedule.notes)
    editions = sorted(set(table["valid_from"].to_pylist()))
    on = date(q.year, 12, 31) if q.year else editions[-1]
    if q.year and editions[-1] > on:
        notes.append(
            f"rates are those of the {editions[-1].isoformat()} edition; agreements are judged "
            f"in force on {on.isoformat()}; preferential rates still being phased in may have "
            f"been higher in {q.year} than in this edition"
        )
    if schedule.provenance.origin == "offline table" and exporter.code != 699:
        notes.append(f"the offline table has no agreement column for {exporter.name}: "
                     "its preferential rate is shown as missing")  # fmt: skip
    from corridor.reference.tariffs import gsp_ldc_note, mfn_withdrawn

    if not (q.gsp or q.ldc) and {"gsp", "ldc"} & set(table["basis"].to_pylist()):
        notes.append(gsp_ldc_note())
    if importer.code == 392 and mfn_withdrawn(exporter.code, on):
        notes.append(f"Japan withdrew WTO (MFN) treatment from {exporter.name}: statutory rates")
    lines = applied_rates(table, exporter.code, on, gsp=q.gsp, ldc=q.ldc)
    summary = by_hs6(lines)
    return TariffResult(
        query={
            "importer": {"code": importer.code, "iso3": importer.iso3, "name": importer.name},
            "exporter": {"code": exporter.code, "iso3": exporter.iso3, "name": exporter.name},
            "hs": list(prefixes),
            "year": q.year,
            "judged_on": on.isoformat(),
            "gsp": q.gsp,
            "ldc": q.ldc,
        },
        fields={c.name: c.schema() for c in (*LINE_COLUMNS, *HS6_COLUMNS)},
        rows=lines.to_pylist(),
        hs6=summary.to_pylist(),
        provenance=schedule.provenance,
        notes=notes,
    )
