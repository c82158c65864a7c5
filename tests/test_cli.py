"""The command line: global options, lazy start-up, the demo, summary output, bad arguments."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from corridor import __version__
from corridor.query import CorridorQuery
from corridor.services.session import Session
from corridor.store.catalog import Catalog


def test_version(cli) -> None:
    result = cli("--version", warehouse=None)
    assert result.exit_code == 0 and result.output.strip() == f"corridor {__version__}"


def test_help_lists_commands(cli) -> None:
    result = cli("--help", warehouse=None)
    assert result.exit_code == 0
    for name in ("ingest", "sample", "demo", "summary", "status", "countries"):
        assert name in result.output


def test_cli_import_is_lazy() -> None:
    """`corridor --help` must not pay for DuckDB, Arrow, Ibis, pandas, httpx or statsforecast."""
    code = (
        "import sys, corridor.cli.app as a; heavy = "
        "[m for m in ('duckdb', 'pyarrow', 'ibis', 'pandas', 'httpx', 'pyspark', 'statsforecast') "
        "if m in sys.modules]; print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_demo_builds_sample_and_prints_summary(cli, isolated_settings: Path) -> None:
    result = cli("demo", warehouse=None)
    assert result.exit_code == 0, result.output
    assert (isolated_settings / "sample.duckdb").exists()
    out = result.stdout
    assert "SYNTHETIC DATA — summary: Japan ← India" in out  # the table's title
    assert "SYNTHETIC — generated sample data, not official statistics" in out  # its footer
    last = next(line for line in out.splitlines() if line.strip("│ ").startswith("2024"))
    assert "USD 337.0 M" in last
    folder = isolated_settings / "briefs" / "jpn-ind-76"
    assert (folder / "brief.pdf").is_file() and str(folder / "brief.pdf") in out.replace("\n", "")
    # Second run reuses the warehouse: same output, nothing re-ingested.
    again = cli("demo", warehouse=None)
    assert again.exit_code == 0 and "already ingested" in again.stderr
    assert again.stdout == out


def test_summary_json_equals_service(cli, warehouse_path: Path) -> None:
    assert cli("sample").exit_code == 0
    result = cli("summary", "--importer", "Japan", "--exporter", "india", "--years", "2015-2024",
                 "--format", "json")  # fmt: skip
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    with Catalog(warehouse_path) as cat:
        q = CorridorQuery(importer="JPN", exporter="IND", years=(2015, 2024))
        expected = json.loads(json.dumps(Session(cat, q).indicator("summary").to_json()))
    assert payload == expected
    assert payload["schema"] == "corridor.summary/2"
    assert payload["provenance"]["synthetic"] is True
    y2024 = payload["rows"][-1]
    assert y2024["year"] == 2024 and 1 < y2024["rank_by_value"] <= 4


def test_summary_csv_carries_provenance(cli) -> None:
    assert cli("sample").exit_code == 0
    result = cli("summary", "--years", "2023-2024", "--format", "csv")
    lines = result.stdout.strip().splitlines()
    assert lines[0].split(",")[-4:] == ["source", "dataset", "report", "synthetic"]
    assert len(lines) == 3 and all(
        line.endswith("sample,sample,importer,True") for line in lines[1:]
    )


def test_global_options_after_the_subcommand(cli, warehouse_path: Path) -> None:
    """The README's tour writes `corridor summary … --warehouse PATH`."""
    assert cli("sample").exit_code == 0
    after = cli("summary", "--years", "2024", "--warehouse", warehouse_path, "-f", "json",
                warehouse=None)  # fmt: skip
    assert after.exit_code == 0, after.output
    before = cli("summary", "--years", "2024", "-f", "json")
    assert json.loads(after.stdout) == json.loads(before.stdout)
    status = cli("status", f"--warehouse={warehouse_path}", "--debug", warehouse=None)
    assert status.exit_code == 0 and "sample" in status.stdout


def test_unknown_country_suggests(cli) -> None:
    assert cli("sample").exit_code == 0
    result = cli("summary", "--importer", "Japn")
    assert result.exit_code == 2
    assert result.stderr.strip() == "error: unknown country 'Japn' — did you mean Japan (JPN, 392)?"


def test_bad_years(cli) -> None:
    for years, message in (
        ("2024-2015", "error: empty year range '2024-2015' (first year after last)"),
        ("1900", "error: year 1900 outside 1988–2030"),
        ("20x4", "error: years '20x4': expected YYYY or YYYY-YYYY"),
    ):
        result = cli("summary", "--years", years)
        assert result.exit_code == 2 and result.stderr.strip() == message


def test_summary_without_data_says_so(cli, warehouse_path: Path) -> None:
    assert cli("sample").exit_code == 0
    result = cli("summary", "--importer", "DEU", "--exporter", "IND")
    assert result.exit_code == 4
    message = result.stderr.strip()
    assert "no imports reported by Germany or exports to it for HS 76" in message
    assert str(warehouse_path) in message and "corridor fetch comtrade --reporter DEU" in message
    assert len(message.splitlines()) == 1


def test_no_data_points_to_the_sample_warehouse(cli, isolated_settings: Path, tmp_path) -> None:
    """After `corridor sample`, a question on the (empty) default warehouse says where to look."""
    assert cli("sample", warehouse=None).exit_code == 0
    empty = tmp_path / "empty.duckdb"
    from corridor.store.warehouse import Warehouse

    Warehouse(empty).close()
    result = cli("summary", "--importer", "JPN", "--exporter", "IND", warehouse=empty)
    assert result.exit_code == 4
    sample = isolated_settings / "sample.duckdb"
    assert f"--warehouse {sample}" in result.stderr and str(empty) in result.stderr


def test_missing_warehouse_is_not_created_by_readers(cli, tmp_path: Path) -> None:
    path = tmp_path / "nothing.duckdb"
    result = cli("status", warehouse=path)
    assert result.exit_code == 4 and "no warehouse at" in result.stderr
    assert not path.exists()


def test_countries_lookup(cli) -> None:
    result = cli("countries", "jp", "--format", "json", warehouse=None)
    assert result.exit_code == 0
    (row,) = json.loads(result.stdout)["rows"]
    assert (row["code"], row["iso3"], row["name"]) == (392, "JPN", "Japan")
    quad = json.loads(cli("countries", "--group", "QUAD", "--format", "json").stdout)["rows"]
    assert sorted(r["iso3"] for r in quad) == ["AUS", "IND", "JPN", "USA"]
    # the table shows a missing validity date as missing ("—"), never as Python's "None"
    japan = next(r for r in quad if r["iso3"] == "JPN")
    assert japan["valid_from"] is None and japan["valid_to"] is None
    shown = cli("countries", "jp", warehouse=None).output
    assert "None" not in shown and "—" in shown
    assert "dataset:" not in shown  # reference data has no dataset: no empty "dataset:" label


def test_summary_on_weight_only_panel(cli, shared_data: Path) -> None:
    """Weight-only data: values stay empty (never 0), ranks and shares by weight still work."""
    panel = shared_data / "real/hs7601_netweight_kg_2000_2017.csv"
    loaded = cli(
        "ingest", "table", panel,
        "--map", "year=year,reporter=reporter_code,partner=partner_code,flow=flow",
        "--map", "net_weight=net_weight_kg", "--set", "hs_code=7601", "--set", "hs_rev=H0",
        "--dataset", "jie2020-hs7601", "--source", "comtrade",
    )  # fmt: skip
    assert loaded.exit_code == 0, loaded.output
    result = cli("summary", "--hs", "7601", "--years", "2015-2017", "--format", "json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["provenance"]["value_basis"] == [] and not payload["provenance"]["synthetic"]
    assert payload["provenance"]["hs_covered"] == "HS 7601"
    years = {y["year"]: y for y in payload["rows"]}
    assert all(y["value_usd"] is None and y["share_of_value"] is None for y in years.values())
    # India's 7601 exports to Japan by weight as Japan reported them (independent re-read).
    import csv

    with panel.open(newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["flow"] == "M" and r["reporter_code"] == "392"]
    for year in (2015, 2016, 2017):
        market = [int(r["net_weight_kg"]) for r in rows if r["year"] == str(year)]
        india = sum(
            int(r["net_weight_kg"])
            for r in rows
            if r["year"] == str(year) and r["partner_code"] == "699"
        )
        assert years[year]["weight_kg"] == india
        assert years[year]["share_of_weight"] == pytest.approx(india / sum(market), rel=1e-12)


def test_every_command_is_in_the_readme() -> None:
    """Each command a user can run is shown in the README (docs cannot fall behind)."""
    import re

    import typer

    from corridor.cli.app import app

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    names = sorted(typer.main.get_command(app).commands)
    missing = [n for n in names if not re.search(rf"corridor {re.escape(n)}\b", readme)]
    assert len(names) >= 18 and missing == []
