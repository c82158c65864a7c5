"""The permanent fuzz run: ≥ 500 seeded cases over every command and file kind, no failure."""

from __future__ import annotations

from pathlib import Path

import pytest

from fuzz_cli import run

SEED, CASES = 7601, 520


@pytest.fixture(scope="module")
def warehouses(tmp_path_factory, shared_data: Path) -> dict[str, Path | None]:
    from corridor.services.loading import build_sample, load_files
    from corridor.sources.table import TableSpec
    from corridor.store.warehouse import Warehouse

    base = tmp_path_factory.mktemp("fuzz")
    sample, panel, empty = base / "sample.duckdb", base / "panel.duckdb", base / "empty.duckdb"
    with Warehouse(sample) as wh:
        build_sample(wh, base / "gen")
    spec = TableSpec(
        mapping={"year": "year", "reporter": "reporter_code", "partner": "partner_code",
                 "flow": "flow", "net_weight": "net_weight_kg"},
        constants={"hs_code": "7601", "hs_rev": "H0"}, dataset="jie2020-hs7601",
        source="comtrade",
    )  # fmt: skip
    with Warehouse(panel) as wh:
        load_files(wh, [shared_data / "real/hs7601_netweight_kg_2000_2017.csv"], "table", spec=spec)
    Warehouse(empty).close()
    garbage = base / "garbage.duckdb"
    garbage.write_text("not a database\n")
    return {
        "sample": sample, "panel": panel, "empty": empty, "missing": base / "missing.duckdb",
        "garbage": garbage, "directory": base, "scratch": base / "scratch.duckdb", "none": None,
    }  # fmt: skip


def test_fuzz_every_command_and_file_kind(warehouses, shared_data: Path, tmp_path: Path) -> None:
    report = run(SEED, CASES, shared_data, tmp_path, warehouses)
    counts = report.counts()
    assert sum(sum(c.values()) for c in counts.values()) == CASES
    assert sum(c.get("ok", 0) for c in counts.values()) > CASES // 4  # not all errors
    shown = "\n".join(
        f"{o.case.args[:6]} on {o.case.warehouse}: exit {o.exit_code}: {o.detail[-300:]}"
        for o in report.failures[:8]
    )
    assert not report.failures, f"{len(report.failures)} failures:\n{shown}"
