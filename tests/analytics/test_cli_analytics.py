"""The analytics commands on the sample warehouse: versioned JSON, CSV, table, errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from corridor.cli.analytics import register

COMMANDS = ["partners", "growth", "concentration", "prices", "mirror", "mix", "scrap", "rca",
            "quality"]  # fmt: skip


@pytest.fixture(scope="module")
def sample_wh(tmp_path_factory, make_sample) -> Path:
    return make_sample(tmp_path_factory.mktemp("wh"))


@pytest.fixture
def run(sample_wh: Path, monkeypatch: pytest.MonkeyPatch):
    from corridor.cli.app import CorridorGroup
    from corridor.settings import get_settings

    monkeypatch.setenv("CORRIDOR_WAREHOUSE", str(sample_wh))
    get_settings.cache_clear()
    app = typer.Typer(cls=CorridorGroup)
    register(app)
    runner = CliRunner()
    return lambda *args: runner.invoke(app, list(map(str, args)))


@pytest.mark.parametrize("command", COMMANDS)
def test_json_schema_and_provenance(run, command: str) -> None:
    result = run(command, "--importer", "JPN", "--hs", "76", "--years", "2015-2024",
                 "--format", "json")  # fmt: skip
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["schema"] == f"corridor.{command}/2" and doc["rows"]
    p = doc["provenance"]
    assert p["synthetic"] is True and p["datasets"] == ["sample"] and p["engine"] == "duckdb"
    assert set(doc["columns"]) >= ({"year"} if command != "quality" else {"check"})
    assert list(doc["rows"][0]) == list(doc["columns"])  # every row carries every column
    assert all("unit" in c and "meaning" in c for c in doc["columns"].values())


def test_partners_table_and_csv(run) -> None:
    table = run("partners", "--years", "2024", "--measure", "weight")
    assert table.exit_code == 0, table.output
    assert "SYNTHETIC" in table.stdout and "Australia" in table.stdout
    csv = run("partners", "--years", "2024", "--format", "csv")
    header = csv.stdout.splitlines()[0].split(",")
    assert {"supplier", "rank", "share", "synthetic", "dataset"} <= set(header)


def test_summary_moved_here(run) -> None:
    result = run("summary", "--years", "2015-2024", "--format", "json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["schema"] == "corridor.summary/2" and len(doc["rows"]) == 10
    assert doc["columns"]["value_usd"]["unit"] == "USD"


def test_growth_without_years_is_the_readme_line(run) -> None:
    """`corridor growth --importer JPN --exporter IND --hs 76` (no --years) used to exit 70."""
    result = run("growth", "--importer", "JPN", "--exporter", "IND", "--hs", "76", "-f", "json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)["rows"]
    assert [r["year"] for r in rows] == list(range(2015, 2025))
    assert rows[0]["first_year"] == 2015 and rows[0]["last_year"] == 2024
    assert rows[0]["index"] == 100.0 and rows[0]["cagr"] is not None


def test_bad_input_is_one_line(run) -> None:
    result = run("partners", "--measure", "litres")
    assert result.exit_code != 0 and "measure 'litres'" in result.output
    result = run("partners", "--years", "1900")
    assert result.exit_code != 0 and "1900" in result.output


@pytest.mark.spark
def test_partners_on_spark_equals_duckdb(run, spark_con) -> None:
    duck = json.loads(run("partners", "--years", "2023-2024", "-f", "json").stdout)
    spark = run("partners", "--years", "2023-2024", "-f", "json", "--engine", "spark")
    assert spark.exit_code == 0, spark.output
    sp = json.loads(spark.stdout)
    assert sp["provenance"]["engine"] == "spark"
    key = lambda r: (r["year"], r["supplier"])  # noqa: E731
    d, s = sorted(duck["rows"], key=key), sorted(sp["rows"], key=key)
    assert [(r["supplier"], r["rank"]) for r in d] == [(r["supplier"], r["rank"]) for r in s]
    assert [r["share"] for r in d] == pytest.approx([r["share"] for r in s], rel=1e-9)
