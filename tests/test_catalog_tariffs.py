"""The read side of tariff schedules: ``Catalog.tariff_lines`` and the service on top of it."""

from __future__ import annotations

from pathlib import Path

import duckdb

from corridor.reference.tariffs import TARIFF_COLUMNS
from corridor.services.tariffs import TariffQuery, tariff_lines
from corridor.sources.tariffs_japan import parse_japan_schedule
from corridor.store.catalog import Catalog
from corridor.store.warehouse import Warehouse


def test_rows_and_file_facts_after_ingest(cli, warehouse_path: Path, schedule_path: Path) -> None:
    assert cli("ingest", "tariffs", schedule_path).exit_code == 0
    parsed = parse_japan_schedule(schedule_path).rows
    with Catalog(warehouse_path) as cat:
        before = cat.statements
        read = cat.tariff_lines(392)
        assert cat.statements > before  # counted like every other read
        assert read.table.column_names == [c.name for c in TARIFF_COLUMNS]
        assert read.table.num_rows == len(parsed)
        assert read.dataset == "japan-customs-tariff-2026-07-09"
        assert read.datasets == (read.dataset,)
        assert read.origins == [str(schedule_path.resolve())] and len(read.sha256[0]) == 64
        cells = {(r["national_line"], r["column_name"]): r for r in read.table.to_pylist()}
        cell = cells[("760410000", "WTO協定")]
        assert (cell["rate"], cell["rate_text"], cell["basis"]) == (0.075, "7.5%", "wto")
        # another importer, or a dataset the warehouse does not hold: empty, names listed
        assert cat.tariff_lines(842).table.num_rows == 0
        other = cat.tariff_lines(392, "no-such-dataset")
        assert other.table.num_rows == 0 and other.datasets == (read.dataset,)
        assert other.dataset is None


def test_a_warehouse_without_the_tariff_table_reads_empty(warehouse_path: Path) -> None:
    Warehouse(warehouse_path).close()
    con = duckdb.connect(str(warehouse_path))
    con.execute("DROP TABLE tariff_lines")  # as written before tariffs existed
    con.close()
    with Catalog(warehouse_path) as cat:
        read = cat.tariff_lines(392)
        assert read.table.num_rows == 0 and read.datasets == () and read.files == ()
        # the service falls back to the offline table and says so
        result = tariff_lines(cat, TariffQuery(hs=["7604"]))
    assert result.provenance.origin == "offline table"
    assert [r["national_line"] for r in result.rows] == ["760410000", "760421000", "760429000"]
