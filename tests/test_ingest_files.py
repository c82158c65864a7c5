"""Ingest of every file type on the real files in shared/data, checked independently."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import duckdb
import pytest

from corridor.services.loading import load_files
from corridor.sources.table import TableSpec
from corridor.store.warehouse import Warehouse

API = "comtrade-api/{}/comtradeapi.un.org/data/v1/get/C/A/HS-{}.json"


def rows(path: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def test_portal_csv_matches_the_file(cli, warehouse_path: Path, fixtures: Path) -> None:
    path = fixtures / "comtrade-portal-csv/TradeData.csv"
    result = cli("ingest", "comtrade-csv", path)
    assert result.exit_code == 0, result.output
    # Independent read: latin-1, drop the trailing empty field of each data row.
    with path.open(encoding="latin-1", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        source = [dict(zip(header, r[: len(header)], strict=True)) for r in reader]
    assert len(source) == 1352
    got = rows(
        warehouse_path,
        "SELECT reporter, partner, flow, value_usd, value_basis, net_weight_kg FROM trade",
    )
    assert len(got) == len(source)
    by_key = {(r[0], r[1], r[2]): r for r in got}
    for rec in source:
        key = (int(rec["reporterCode"]), int(rec["partnerCode"]), rec["flowCode"])
        _, _, _, value, basis, weight = by_key[key]
        assert value == pytest.approx(float(rec["primaryValue"]), rel=1e-12)
        assert basis == ("CIF" if rec["flowCode"] == "M" and rec["cifvalue"] else "FOB")
        wgt = float(rec["netWgt"] or 0)
        assert weight == (wgt if wgt > 0 else None)  # a 0 weight is missing, not zero


@pytest.mark.parametrize(
    ("relpath", "count"),
    [
        (API.format("data", "60a6ad"), 4),
        (API.format("goods", "5e2730"), 4),
        ("comtrade-preview/india_exports_2022_single_partner.json", 1),
        ("comtrade-preview/india_exports_2022_world_total.json", 1),
    ],
)
def test_api_json_records_and_values(
    cli, warehouse_path: Path, fixtures: Path, relpath: str, count: int
) -> None:
    path = fixtures / relpath
    result = cli("ingest", "comtrade-json", path)
    assert result.exit_code == 0, result.output
    records = json.loads(path.read_text())["data"]
    assert len(records) == count
    got = rows(
        warehouse_path,
        "SELECT reporter, partner, flow, hs_code, hs_rev, value_usd, raw_row FROM trade "
        "ORDER BY raw_row",
    )
    assert [(r[0], r[1], r[2], r[3], r[4]) for r in got] == [
        (
            rec["reporterCode"],
            rec["partnerCode"],
            rec["flowCode"],
            rec["cmdCode"],
            rec["classificationCode"],
        )
        for rec in records
    ]
    assert [r[5] for r in got] == [rec["primaryValue"] for rec in records]
    assert [r[6] for r in got] == list(range(1, count + 1))


def test_preview_zero_weights_become_null(cli, warehouse_path: Path, fixtures: Path) -> None:
    path = fixtures / "comtrade-preview/india_exports_2022_single_partner.json"
    assert cli("ingest", "comtrade-json", path).exit_code == 0
    (value, weight, qty, basis), = rows(
        warehouse_path, "SELECT value_usd, net_weight_kg, qty, value_basis FROM trade"
    )  # fmt: skip
    assert value == pytest.approx(80_230_193_279.727)
    assert (weight, qty, basis) == (None, None, "FOB")


def test_empty_response_is_an_honest_no_data(cli, warehouse_path: Path, fixtures: Path) -> None:
    path = fixtures / "comtrade-api/services/comtradeapi.un.org/data/v1/get/S/A/EB-b31ccb.json"
    result = cli("ingest", "comtrade-json", path)
    assert result.exit_code == 0, result.output
    assert "no data" in result.output
    assert rows(warehouse_path, "SELECT count(*) FROM trade") == [(0,)]


def test_error_envelope_is_a_clear_error(cli, warehouse_path: Path, fixtures: Path) -> None:
    path = fixtures / API.format("ct_perform_request_mocks", "7db768")
    result = cli("ingest", "comtrade-json", path)
    assert result.exit_code != 0
    assert "HTTP 401" in result.output and "subscription key" in result.output


def test_real_weight_panel_keeps_values_null(warehouse_path: Path, shared_data: Path) -> None:
    path = shared_data / "real/hs7601_netweight_kg_2000_2017.csv"
    spec = TableSpec(
        mapping={
            "year": "year",
            "reporter": "reporter_code",
            "partner": "partner_code",
            "flow": "flow",
            "net_weight": "net_weight_kg",
        },
        constants={"hs_code": "7601", "hs_rev": "H0"},
        dataset="jie2020-hs7601",
        source="comtrade",
    )
    with Warehouse(warehouse_path) as wh:
        (result,) = load_files(wh, [path], "table", spec=spec)
    with path.open(newline="") as fh:
        source = list(csv.DictReader(fh))
    assert result.rows_inserted == len(source) == 68_291
    total = sum(int(r["net_weight_kg"]) for r in source)
    ((n, values, weight, levels),) = rows(
        warehouse_path,
        "SELECT count(*), count(value_usd), sum(net_weight_kg), list(DISTINCT hs_level) FROM trade",
    )
    assert (n, values, weight, levels) == (len(source), 0, total, [4])
    # Rows for areas without ISO3 (899, 490, 837, ...) are kept under their codes.
    no_iso = {int(r["partner_code"]) for r in source if not r["partner_iso3"]}
    kept = {r[0] for r in rows(warehouse_path, "SELECT DISTINCT partner FROM trade")}
    assert no_iso <= kept


def test_table_by_iso3_columns(cli, warehouse_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "tidy.csv"
    path.write_text(
        "yr,exp,imp,usd,kg\n2020,IND,JPN,1000.5,400\n2021,ind,JPN,2000,\n2021,S19,JPN,5,1\n"
    )
    result = cli(
        "ingest", "table", path, "--map", "year=yr,reporter=exp,partner=imp,value=usd",
        "--map", "net_weight=kg", "--set", "flow=X", "--set", "hs_code=7601",
        "--set", "hs_rev=H5", "--value-basis", "FOB", "--dataset", "mine",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    got = rows(
        warehouse_path,
        "SELECT year, reporter, partner, value_usd, net_weight_kg, value_basis FROM trade "
        "ORDER BY raw_row",
    )
    assert got == [
        (2020, 699, 392, 1000.5, 400.0, "FOB"),
        (2021, 699, 392, 2000.0, None, "FOB"),
        (2021, 490, 392, 5.0, 1.0, "FOB"),
    ]


def test_baci_units_codes_and_provenance(
    cli, warehouse_path: Path, tmp_path: Path, shared_data: Path
) -> None:
    baci = tmp_path / "BACI_HS17_Y2022_V202401.csv"
    baci.write_text(
        "t,i,j,k,v,q\n"
        "2022,699,392,760110,1234.567,  456.789\n"
        "2022,699,392,10121,2.5,NA\n"
        "2022,842,251,760200,10,\n"
    )
    (tmp_path / "product_codes_HS17_V202401.csv").write_bytes(
        (shared_data / "reference/baci/product_codes_HS17_V202401.csv").read_bytes()
    )
    result = cli("ingest", "baci", baci)
    assert result.exit_code == 0, result.output
    got = rows(
        warehouse_path,
        "SELECT reporter, partner, flow, hs_code, hs_rev, value_usd, net_weight_kg, "
        "value_basis, dataset, raw_row FROM trade ORDER BY reporter, hs_code DESC",
    )
    # BACI lines are identified by their unique key (t, i, j, k): raw_row stays NULL.
    assert got == [
        (699, 392, "X", "760110", "H5", pytest.approx(1_234_567.0), pytest.approx(456_789.0),
         "FOB", "baci-HS17-V202401", None),
        (699, 392, "X", "010121", "H5", 2500.0, None, "FOB", "baci-HS17-V202401", None),
        (842, 251, "X", "760200", "H5", 10_000.0, None, "FOB", "baci-HS17-V202401", None),
    ]  # fmt: skip
    units = rows(
        warehouse_path,
        "SELECT value_unit_original, weight_unit_original, synthetic FROM datasets",
    )
    assert units == [("thousand USD", "tonnes", False)]
    ((origin, size),) = rows(warehouse_path, "SELECT origin, bytes FROM raw_files")
    assert origin == str(baci.resolve()) and size == baci.stat().st_size


def test_reported_rows_are_stored_by_the_importer_of_each_flow(
    cli, warehouse_path: Path, fixtures: Path
) -> None:
    """A corridor reads two runs of rows: the importer's own report (flow M, reporter = the
    importer) and its partners' exports to it (flow X, partner = the importer). Rows are stored
    by the flow's importer, so each run is contiguous and zone maps skip the rest (the portal
    export holds Germany, the USA and China, both flows, every partner)."""
    path = fixtures / "comtrade-portal-csv/TradeData.csv"
    assert cli("ingest", "comtrade-csv", path).exit_code == 0
    stored = rows(
        warehouse_path,
        "SELECT CASE WHEN flow = 'X' THEN partner ELSE reporter END, flow, hs_code, year, "
        "reporter, partner FROM trade_rows ORDER BY rowid",
    )
    assert len(stored) == 1352 and stored == sorted(stored)
    # Germany's report and the USA's and China's exports to Germany: one run each
    runs = [i for i, r in enumerate(stored) if r[0] == 276 and r[1] == "X"]
    assert runs and runs == list(range(runs[0], runs[-1] + 1))
    assert {r[4] for r in stored if r[0] == 276 and r[1] == "X"} >= {842, 156}
