"""Bad input: one-line error naming file, row and value; non-zero exit; warehouse unchanged."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

BACI_NAME = "BACI_HS17_Y2022_V202401.csv"
GOOD = "t,i,j,k,v,q\n2022,699,392,760110,1234.5,456.7\n2022,842,392,760120,10,NA\n"


def snapshot(path: Path) -> tuple:
    """Everything a failed ingest must leave untouched."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        return (
            con.execute(
                "SELECT count(*), sum(hash(reporter, partner, hs_code, value_usd, raw_ref)) "
                "FROM trade"
            ).fetchone(),
            con.execute("SELECT count(*) FROM raw_files").fetchone(),
            con.execute("SELECT count(*) FROM datasets").fetchone(),
        )
    finally:
        con.close()


@pytest.fixture
def populated(cli, warehouse_path: Path, fixtures: Path) -> tuple:
    """A warehouse that already holds data, and its snapshot."""
    path = fixtures / "comtrade-api/data/comtradeapi.un.org/data/v1/get/C/A/HS-60a6ad.json"
    assert cli("ingest", "comtrade-json", path).exit_code == 0
    return snapshot(warehouse_path)


def write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    return path


CASES = {
    # id: (kind, file name, content, expected fragments of the one-line message)
    "empty file": ("baci", BACI_NAME, "", ["file is empty"]),
    "wrong delimiter": (
        "baci", BACI_NAME, GOOD.replace(",", ";"), ["line 1", "';' as delimiter"],
    ),
    "missing column": (
        "baci", BACI_NAME, "t,i,j,k,v\n2022,699,392,760110,1\n", ["line 1", "missing: q"],
    ),
    "not a number": (
        "baci", BACI_NAME, GOOD + "2022,699,392,760200,12x,1\n", ["line 4", "'12x'", "column v"],
    ),
    "bad bytes": (
        "baci", BACI_NAME, GOOD.encode() + b"2022,699,392,760200,\xff1,1\n", ["line 4", "column v"],
    ),
    "unknown country": (
        "baci", BACI_NAME, GOOD + "2022,9999,392,760200,1,1\n",
        ["line 4", "unknown reporter code 9999"],
    ),
    "unknown hs chapter": (
        "baci", BACI_NAME, GOOD + "2022,699,392,770110,1,1\n",
        ["line 4", "invalid HS code '770110'"],
    ),
    "national-use hs chapter": (
        "baci", BACI_NAME, GOOD + "2022,699,392,980110,1,1\n",
        ["line 4", "invalid HS code '980110'", "chapters 01-97 except 77, or 99"],
    ),
    "negative value": (
        "baci", BACI_NAME, GOOD + "2022,699,392,760200,-5,1\n", ["line 4", "negative value -5 "],
    ),
    "negative weight": (
        "baci", BACI_NAME, GOOD + "2022,699,392,760200,5,-1\n", ["line 4", "negative weight"],
    ),
    "duplicate key": (
        "baci", BACI_NAME, GOOD + "2022,699,392,760110,1,1\n2022,699,392,760110,2,1\n",
        ["line 4 repeats the key of line 2", "hs 760110"],
    ),
    "truncated csv": ("baci", BACI_NAME, GOOD + "2022,699", ["line 4", "2 fields, expected 6"]),
    "year outside range": (
        "baci", "BACI_HS17_Y2031_V202401.csv", "t,i,j,k,v,q\n2031,699,392,760110,1,1\n",
        ["line 2", "year 2031 outside 1988–2030"],
    ),
    "year not the file's": (
        "baci", BACI_NAME, GOOD + "2021,699,392,760200,1,1\n", ["line 4", "year 2021"],
    ),
    "not a baci name": ("baci", "trade.csv", GOOD, ["not a BACI file name"]),
    "csv utf-16": (
        "comtrade-csv", "TradeData.csv", "typeCode,refYear\n".encode("utf-16"), ["UTF-16"],
    ),
    "csv not comtrade": (
        "comtrade-csv", "TradeData.csv", "a,b,c\n1,2,3\n", ["line 1", "missing columns", "cmdCode"],
    ),
    "json truncated": (
        "comtrade-json", "r.json", '{"count": 1, "data": [{"refYear": 2020, ', ["not valid JSON"],
    ),
    "json html page": (
        "comtrade-json", "r.json", "<html><body>Request URL Too Long</body></html>",
        ["HTML page"],
    ),
    "json not an envelope": (
        "comtrade-json", "r.json", '{"rows": 10, "seed": 1}', ["not a Comtrade API response"],
    ),
    "json count mismatch": (
        "comtrade-json", "r.json",
        '{"count": 3, "data": [{"refYear": 2020, "period": "2020", "reporterCode": 392,'
        ' "partnerCode": 699, "flowCode": "M", "cmdCode": "76", "classificationCode": "H5",'
        ' "primaryValue": 5.0}], "error": ""}',
        ["says it holds 3 records but 1 were read"],
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_is_one_line_and_rolls_back(
    case: str, cli, warehouse_path: Path, tmp_path: Path, populated: tuple
) -> None:
    kind, name, content, fragments = CASES[case]
    path = write(tmp_path, name, content)
    result = cli("ingest", kind, path)
    assert result.exit_code not in (0, 1), result.output  # a corridor error, not a crash
    message = result.stderr.strip()
    assert message.count("\n") == 0, message
    assert message.startswith("error: ") and str(path) in message
    for fragment in fragments:
        assert fragment in message, message
    assert "Traceback" not in result.output
    assert snapshot(warehouse_path) == populated


def test_missing_file(cli, warehouse_path: Path, tmp_path: Path, populated: tuple) -> None:
    result = cli("ingest", "baci", tmp_path / BACI_NAME)
    assert result.exit_code == 3
    assert result.stderr.strip() == f"error: {tmp_path / BACI_NAME}: no such file"
    assert snapshot(warehouse_path) == populated


def test_unknown_product_code_against_code_file(
    cli, warehouse_path: Path, tmp_path: Path, shared_data: Path, populated: tuple
) -> None:
    codes = shared_data / "reference/baci/product_codes_HS17_V202401.csv"
    path = write(tmp_path, BACI_NAME, GOOD + "2022,699,392,760199,1,1\n")
    result = cli("ingest", "baci", path, "--product-codes", codes)
    assert result.exit_code == 3
    assert "line 4: HS code '760199' is not in the product_codes file of HS17" in result.stderr
    assert snapshot(warehouse_path) == populated


def test_table_unknown_iso3_names_row(
    cli, warehouse_path: Path, tmp_path: Path, populated: tuple
) -> None:
    path = write(tmp_path, "t.csv", "year,rep,par,kg\n2020,JPN,IND,5\n2020,JPN,XYZ,7\n")
    result = cli(
        "ingest", "table", path, "--map", "year=year,reporter=rep,partner=par,net_weight=kg",
        "--set", "flow=M", "--set", "hs_code=7601", "--set", "hs_rev=H0", "--dataset", "t",
    )  # fmt: skip
    assert result.exit_code == 3
    assert f"error: {path}: line 3: unknown partner 'XYZ'" in result.stderr
    assert snapshot(warehouse_path) == populated


def test_table_bad_mapping_field(cli, tmp_path: Path) -> None:
    path = write(tmp_path, "t.csv", "a\n1\n")
    result = cli("ingest", "table", path, "--map", "yeer=a")
    assert result.exit_code == 2
    assert "--map 'yeer': unknown field (accepted: year, period" in result.stderr


def test_failed_ingest_is_journalled(cli, warehouse_path: Path, tmp_path: Path) -> None:
    path = write(tmp_path, BACI_NAME, GOOD + "2022,699,392,760200,-5,1\n")
    assert cli("ingest", "baci", path).exit_code == 3
    con = duckdb.connect(str(warehouse_path), read_only=True)
    status, message = con.execute("SELECT status, message FROM ingest_journal").fetchone()
    con.close()
    assert status == "failed" and "negative value" in message
    # Fixing the file and running again works.
    path.write_text(GOOD)
    assert cli("ingest", "baci", path).exit_code == 0


def test_chapter_99_is_accepted(cli, warehouse_path: Path, tmp_path: Path) -> None:
    """Comtrade's "not specified according to kind" (99) loads; the query side accepts it too."""
    path = write(tmp_path, BACI_NAME, GOOD + "2022,699,392,999999,7,1\n")
    result = cli("ingest", "baci", path)
    assert result.exit_code == 0, result.output
    con = duckdb.connect(str(warehouse_path), read_only=True)
    try:
        row = con.execute("SELECT value_usd FROM trade WHERE hs_code = '999999'").fetchone()
    finally:
        con.close()
    assert row == (7000.0,)
