"""`corridor ingest tariffs` and `corridor tariffs`: warehouse, offline table, errors."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

import duckdb
import pytest

from corridor.models.preference import applied_rates, by_hs6
from corridor.sources.build_tariffs import OFFLINE_TABLE, build_table
from corridor.sources.tariffs_japan import parse_japan_schedule

NAME = "japan_customs_tariff_2026-07-09_ch76.json"


def tariff_state(path: Path) -> tuple:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return (
            con.execute("SELECT count(*), sum(hash(national_line, column_name, rate_text)) "
                        "FROM tariff_lines").fetchone(),
            con.execute("SELECT count(*) FROM raw_files").fetchone(),
        )  # fmt: skip
    finally:
        con.close()


def test_shipped_offline_table_is_what_the_builder_makes(schedule_path: Path) -> None:
    assert OFFLINE_TABLE.read_text(encoding="utf-8") == build_table(schedule_path)


def test_offline_table_content(schedule_path: Path) -> None:
    with OFFLINE_TABLE.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len({r["hs"] for r in rows}) == 44
    assert {r["basis"] for r in rows} == {"general", "wto", "preferential"}
    assert all(r["valid_from"] == "2026-07-09" and "Japan Customs" in r["source"] for r in rows)
    wto = {r["hs"]: r["rate"] for r in rows if r["basis"] == "wto"}
    cepa = {r["hs"]: r["rate"] for r in rows if r["partner_or_agreement"] == "JP-IN-CEPA"}
    assert wto["760410000"] == "7.5%" and cepa["760410000"] == "無税"
    assert set(cepa.values()) == {"無税"}  # the CEPA column is free on every chapter-76 line


def test_ingest_is_idempotent_and_transactional(cli, warehouse_path: Path, schedule_path: Path,
                                                tmp_path: Path) -> None:  # fmt: skip
    first = cli("ingest", "tariffs", schedule_path)
    assert first.exit_code == 0, first.output
    con = duckdb.connect(str(warehouse_path), read_only=True)
    n, lines, datasets = con.execute(
        "SELECT count(*), count(DISTINCT national_line), list(DISTINCT f.dataset) "
        "FROM tariff_lines JOIN raw_files f USING (file_id)"
    ).fetchone()
    origin, sha, kind = con.execute("SELECT origin, sha256, kind FROM raw_files").fetchone()
    con.close()
    assert lines == 44 and n == len(parse_japan_schedule(schedule_path).rows)
    assert datasets == ["japan-customs-tariff-2026-07-09"] and kind == "tariffs"
    assert origin == str(schedule_path.resolve()) and len(sha) == 64
    before = tariff_state(warehouse_path)
    again = cli("ingest", "tariffs", schedule_path)
    assert again.exit_code == 0 and "already ingested" in again.output
    assert tariff_state(warehouse_path) == before
    bad = tmp_path / NAME
    bad.write_text(schedule_path.read_text(encoding="utf-8").replace(
        '"EPA_豪州": "無税"', '"EPA_豪州": "7.5 %%"', 1), encoding="utf-8")  # fmt: skip
    result = cli("ingest", "tariffs", bad)
    assert result.exit_code == 3
    message = result.output.strip().splitlines()
    assert len(message) == 1 and "EPA_豪州" in message[0] and "'7.5 %%'" in message[0]
    assert tariff_state(warehouse_path) == before


def test_ingest_plain_csv_and_unknown_format(cli, warehouse_path: Path, tmp_path: Path) -> None:
    rates = tmp_path / "rates.csv"
    rates.write_text(
        "importer,partner_or_agreement,hs,rate,basis,valid_from,source\n"
        "JPN,*,760410000,9.2%,general,2026-07-09,test\n"
        "JPN,*,760410000,7.5%,wto,2026-07-09,test\n"
        "JPN,CEPA,760410000,free,preferential,2026-07-09,test\n",
        encoding="utf-8",
    )
    assert cli("ingest", "tariffs", rates).exit_code == 0
    out = cli("tariffs", "--hs", "7604", "--format", "json")
    assert out.exit_code == 0, out.output
    doc = json.loads(out.output)
    assert doc["provenance"]["datasets"] == ["tariffs-rates"]
    assert [(r["national_line"], r["mfn_rate"], r["applied_rate"]) for r in doc["rows"]] == [
        ("760410000", 0.075, 0.0)
    ]
    other = tmp_path / "rates.xlsx"
    other.write_bytes(b"PK\x03\x04")
    result = cli("ingest", "tariffs", other)
    assert result.exit_code == 3 and "not a tariff file" in result.output


def test_tariffs_offline_without_a_warehouse(cli, tmp_path: Path) -> None:
    result = cli("tariffs", "--importer", "JPN", "--exporter", "IND", "--hs", "76",
                 "--format", "json", warehouse=tmp_path / "none.duckdb")  # fmt: skip
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    p = doc["provenance"]
    assert p["origin"] == "offline table" and p["editions"] == ["2026-07-09"]
    assert p["publisher"] == "Japan Customs" and "edition 2026-07-09" in p["sources"][0]
    rows = {r["national_line"]: r for r in doc["rows"]}
    assert len(rows) == 44
    assert rows["760410000"]["mfn_rate"] == 0.075 and rows["760410000"]["mfn_column"] == "WTO協定"
    assert rows["760410000"]["pref_rate"] == 0.0 and rows["760410000"]["margin"] == 0.075
    assert rows["760110000"]["margin"] == 0.0 and rows["760110000"]["applied_column"] == "基本"
    assert doc["schema"] == "corridor.tariffs/1" and doc["fields"]["margin"]["unit"] == "pp"


def test_tariffs_table_and_csv(cli, tmp_path: Path) -> None:
    table = cli("tariffs", "--hs", "7604", warehouse=tmp_path / "none.duckdb")
    assert table.exit_code == 0
    assert "7.5 %" in table.output and "JP-IN-CEPA" in table.output
    assert "Japan Customs, edition 2026-07-09" in table.output
    out = cli("tariffs", "--hs", "7604", "--format", "csv", warehouse=tmp_path / "none.duckdb")
    rows = list(csv.DictReader(out.output.splitlines()))
    assert len(rows) == 3 and all("Japan Customs" in r["source"] for r in rows)


def test_tariffs_after_ingest_uses_every_column(cli, schedule_path: Path) -> None:
    assert cli("ingest", "tariffs", schedule_path).exit_code == 0
    out = cli("tariffs", "--exporter", "CHN", "--hs", "7607", "--year", "2023", "--format", "json")
    doc = json.loads(out.output)
    assert doc["provenance"]["origin"] == "warehouse"
    rows = {r["national_line"]: r for r in doc["rows"]}
    assert rows["760711000"]["pref_agreement"] == "RCEP-CN"
    assert rows["760711000"]["pref_rate"] == 0.047 and rows["760711000"]["margin"] == 0.028
    assert any("phased in" in n for n in doc["notes"])
    before_rcep = json.loads(cli("tariffs", "--exporter", "CHN", "--hs", "7607", "--year", "2021",
                                 "--format", "json").output)  # fmt: skip
    assert all(r["pref_rate"] is None and r["margin"] == 0 for r in before_rcep["rows"])


@pytest.mark.parametrize(
    ("args", "code", "fragment"),
    [
        (("--exporter", "NARNIA"), 2, "unknown country 'NARNIA'"),
        (("--hs", "7699"), 2, "7699 is not an HS heading"),
        (("--hs", "76x"), 2, "76x"),
        (("--hs", "74"), 4, "no tariff lines for HS 74"),
        (("--importer", "USA"), 4, "no tariff rates for USA (USA, 842)"),
        (("--exporter", "JPN"), 2, "importer and exporter are both"),
    ],
)
def test_tariffs_bad_input(cli, tmp_path: Path, args: tuple, code: int, fragment: str) -> None:
    result = cli("tariffs", *args, warehouse=tmp_path / "none.duckdb")
    assert result.exit_code == code, result.output
    assert fragment in result.output and len(result.output.strip().splitlines()) == 1


# -- applied rates on the real schedule -----------------------------------------------------------
@pytest.fixture(scope="module")
def rows(schedule_path: Path) -> list[dict]:
    return parse_japan_schedule(schedule_path).rows


def line(table, code: str) -> dict:
    return next(r for r in table.to_pylist() if r["national_line"] == code)


def test_india_cepa_margin_by_line(rows) -> None:
    t = applied_rates(rows, 699, date(2024, 12, 31))
    r = line(t, "760410000")
    assert (r["mfn_rate"], r["pref_rate"], r["applied_rate"], r["margin"]) == (0.075, 0, 0, 0.075)
    assert r["applied_column"] == "EPA_インド" and r["pref_agreement"] == "JP-IN-CEPA"
    # before the CEPA entered into force (2011-08-01) India paid the MFN rate
    early = line(applied_rates(rows, 699, date(2011, 7, 31)), "760410000")
    assert early["pref_rate"] is None and early["applied_rate"] == 0.075


def test_russia_pays_statutory_rates_after_mfn_withdrawal(rows) -> None:
    before = line(applied_rates(rows, 643, date(2021, 12, 31)), "760410000")
    after = line(applied_rates(rows, 643, date(2023, 12, 31)), "760410000")
    assert before["mfn_rate"] == 0.075 and before["mfn_column"] == "WTO協定"
    assert after["mfn_rate"] == 0.092 and after["mfn_column"] == "基本"


def test_hs6_summary_is_min_max_not_average(rows) -> None:
    summary = {
        r["hs6"]: r for r in by_hs6(applied_rates(rows, 842, date(2024, 12, 31))).to_pylist()
    }
    plates = summary["760612"]  # seven 9-digit lines: container roofs and aircraft free, others 2 %
    assert plates["lines"] == 7 and (plates["mfn_min"], plates["mfn_max"]) == (0.0, 0.02)
    assert summary["760410"]["lines"] == 1


def test_gsp_only_on_request(rows) -> None:
    plain = line(applied_rates(rows, 50, date(2024, 12, 31)), "760410000")  # Bangladesh
    assert plain["applied_rate"] == 0.075
    ldc = line(applied_rates(rows, 50, date(2024, 12, 31), ldc=True), "760410000")
    assert ldc["applied_rate"] == 0.0 and ldc["applied_column"] == "特別特恵"


def test_a_revised_file_of_the_same_edition_replaces_rows(cli, warehouse_path: Path,
                                                          schedule_path: Path,
                                                          tmp_path: Path) -> None:  # fmt: skip
    assert cli("ingest", "tariffs", schedule_path).exit_code == 0
    revised = tmp_path / NAME
    revised.write_text(schedule_path.read_text(encoding="utf-8").replace(
        '"EPA_豪州": "無税"', '"EPA_豪州": "1%"'), encoding="utf-8")  # fmt: skip
    result = cli("ingest", "tariffs", revised)
    assert result.exit_code == 0
    con = duckdb.connect(str(warehouse_path), read_only=True)
    rows, files, rates = con.execute(
        "SELECT count(*), count(DISTINCT file_id), list(DISTINCT rate_text) FILTER "
        "(WHERE column_name = 'EPA_豪州') FROM tariff_lines"
    ).fetchone()
    con.close()
    assert rows == len(parse_japan_schedule(schedule_path).rows) and files == 1 and rates == ["1%"]
