"""Hostile input: NaN/Infinity, implausible magnitudes, cut gzip, overflows, Ctrl-C."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import pytest

import test_ingest_errors
from test_ingest_errors import BACI_NAME, GOOD, snapshot, write

API = "comtrade-api/data/comtradeapi.un.org/data/v1/get/C/A/HS-60a6ad.json"
TABLE = ["--map", "year=year,reporter=rep,partner=par,value=usd", "--set", "flow=M",
         "--set", "hs_code=7601", "--set", "hs_rev=H0", "--value-basis", "CIF",
         "--dataset", "t"]  # fmt: skip
populated = test_ingest_errors.populated  # the same fixture: a warehouse holding data
PORTAL_HEADER = "refYear,period,reporterCode,partnerCode,flowCode,cmdCode,primaryValue\n"


def json_envelope(fixtures: Path, value: str) -> str:
    doc = json.loads((fixtures / API).read_text())
    text = json.dumps(doc)
    first = json.dumps(doc["data"][1]["primaryValue"])
    return text.replace(f'"primaryValue": {first}', f'"primaryValue": {value}', 1)


@pytest.mark.parametrize(
    ("kind", "name", "content", "fragments"),
    [
        ("baci", BACI_NAME, GOOD + "2022,699,392,760200,nan,1\n", ["line 4", "value nan"]),
        ("baci", BACI_NAME, GOOD + "2022,699,392,760200,inf,1\n", ["line 4", "value inf"]),
        ("baci", BACI_NAME, GOOD + "2022,699,392,760200,-inf,1\n", ["line 4", "value -inf"]),
        ("baci", BACI_NAME, GOOD + "2022,699,392,760200,1,NaN\n", ["line 4", "weight"]),
        ("comtrade-csv", "T.csv", PORTAL_HEADER + "2020,2020,392,699,M,76,NaN\n",
         ["line 2", "value nan"]),
        ("comtrade-csv", "T.csv", PORTAL_HEADER + "2020,2020,392,699,M,76,1\n"
         "2020,2020,392,156,M,76,Infinity\n", ["line 3", "value inf"]),
        ("comtrade-json", "r.json", "NaN", ["record 2", "value nan"]),
        ("comtrade-json", "r.json", "-Infinity", ["record 2", "value -inf"]),
        ("table", "t.csv", "year,rep,par,usd\n2020,JPN,IND,5\n2020,JPN,CHN,inf\n",
         ["line 3", "value inf"]),
    ],
)  # fmt: skip
def test_nan_and_infinity_are_refused_with_the_line(
    cli, warehouse_path: Path, tmp_path: Path, fixtures: Path, populated: tuple,
    kind: str, name: str, content: str, fragments: list[str],
) -> None:  # fmt: skip
    if kind == "comtrade-json":
        content = json_envelope(fixtures, content)
    path = write(tmp_path, name, content)
    result = cli("ingest", kind, path, *(TABLE if kind == "table" else []))
    assert result.exit_code == 3, result.output
    message = result.stderr.strip()
    assert message.count("\n") == 0 and message.startswith(f"error: {path}: ")
    for fragment in fragments:
        assert fragment in message, message
    assert "not a number" in message
    assert snapshot(warehouse_path) == populated


@pytest.mark.parametrize(
    ("line", "fragments"),
    [
        ("2022,699,392,760200,20000000000,1", ["line 4", "implausible value USD 2e+13",
                                                "above USD 1e+13"]),
        ("2022,699,392,760200,1,20000000000", ["line 4", "implausible weight 2e+13 kg",
                                                "above 1e+13 kg"]),
    ],
)  # fmt: skip
def test_implausible_magnitudes_are_a_data_quality_error(
    cli, warehouse_path: Path, tmp_path: Path, populated: tuple, line: str, fragments: list[str]
) -> None:
    path = write(tmp_path, BACI_NAME, GOOD + line + "\n")
    result = cli("ingest", "baci", path)
    assert result.exit_code == 6, result.output  # DataQualityError
    message = result.stderr.strip()
    assert message.count("\n") == 0 and message.startswith(f"error: {path}: ")
    for fragment in fragments:
        assert fragment in message, message
    assert snapshot(warehouse_path) == populated


def test_truncated_gzip_response_is_a_clear_error_and_leaves_no_temp_file(
    cli, warehouse_path: Path, tmp_path: Path, fixtures: Path, populated: tuple,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    whole = gzip.compress((fixtures / API).read_bytes())
    path = write(tmp_path, "r.json.gz", whole[: len(whole) // 2])
    system_tmp = tmp_path / "system-tmp"  # the system temp dir, private to this test
    system_tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(system_tmp))
    for _ in range(2):
        result = cli("ingest", "comtrade-json", path)
        assert result.exit_code == 3, result.output
        message = result.stderr.strip()
        assert message.count("\n") == 0
        assert f"error: {path}: truncated or corrupt gzip file" in message
    assert not any(system_tmp.iterdir())  # nothing outside the data dirs
    scratch = tmp_path / "corridor-cache" / "tmp"
    assert not scratch.exists() or not any(scratch.iterdir())  # nothing left inside either
    assert snapshot(warehouse_path) == populated


def test_whole_gzip_response_loads_and_leaves_no_temp_file(
    cli, warehouse_path: Path, tmp_path: Path, fixtures: Path
) -> None:
    path = write(tmp_path, "r.json.gz", gzip.compress((fixtures / API).read_bytes()))
    assert cli("ingest", "comtrade-json", path).exit_code == 0
    scratch = tmp_path / "corridor-cache" / "tmp"
    assert not any(scratch.iterdir())


@pytest.mark.parametrize(
    ("content", "extra", "fragments"),
    [
        ("year,rep,par,usd\n2020,392,699,5\n2020,99999,699,7\n", [],
         ["line 3", "unknown reporter '99999'", "accepted: a Comtrade area code", "0–999"]),
        ("year,rep,par,usd\n2020,JPN,IND,5\n2020,JPN,IND,12x\n", [],
         ["line 3", "cannot read '12x' in usd as value", "accepted: a number"]),
        ("year,rep,par,usd\n2020,JPN,IND,5\nMMXX,JPN,IND,7\n", [],
         ["line 3", "cannot read 'MMXX' in year as year"]),
        ("year,rep,par,usd,mot\n2020,JPN,IND,5,1\n2020,JPN,CHN,7,sea\n",
         ["--map", "mot_code=mot"], ["line 3", "cannot read 'sea' in mot as mot_code"]),
        ("year,rep,par,usd\n99999,JPN,IND,5\n", [], ["line 2", "'99999' in year as year"]),
    ],
)  # fmt: skip
def test_table_conversion_errors_name_the_line(
    cli, warehouse_path: Path, tmp_path: Path, populated: tuple,
    content: str, extra: list[str], fragments: list[str],
) -> None:  # fmt: skip
    path = write(tmp_path, "t.csv", content)
    result = cli("ingest", "table", path, *TABLE, *extra)
    assert result.exit_code == 3, result.output
    message = result.stderr.strip()
    assert message.count("\n") == 0 and message.startswith(f"error: {path}: ")
    for fragment in fragments:
        assert fragment in message, message
    assert snapshot(warehouse_path) == populated


def test_table_bad_constant_names_the_option(cli, tmp_path: Path) -> None:
    path = write(tmp_path, "t.csv", "rep,par,usd\nJPN,IND,5\n")
    args = [a.replace("year=year,", "") for a in TABLE] + ["--set", "year=soon"]
    result = cli("ingest", "table", path, *args)
    assert result.exit_code == 3, result.output
    assert "line 2: cannot read 'soon' in --set year as year" in result.stderr


INTERRUPTER = textwrap.dedent(
    """
    import os, signal, sys
    import corridor.store.ingest as ingest
    from corridor.cli.app import main

    class Interrupting(ingest.Progress):
        def __init__(self, con, report):
            def report_and_interrupt(pct):
                report(pct)
                if pct > 5:
                    os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C in the middle of the insert
            super().__init__(con, report_and_interrupt)

    ingest.Progress = Interrupting
    sys.argv = ["corridor", *sys.argv[1:]]
    main()
    """
)


@pytest.mark.slow
def test_ctrl_c_during_ingest_says_how_to_resume(
    cli, warehouse_path: Path, tmp_path: Path, populated: tuple
) -> None:
    from test_ingest_resume import write_baci

    big = write_baci(tmp_path / "BACI_HS17_Y2021_V202401.csv", 1_500_000, year=2021)
    env = {**os.environ, "CORRIDOR_DATA_DIR": str(tmp_path / "corridor-data"),
           "CORRIDOR_CACHE_DIR": str(tmp_path / "corridor-cache")}  # fmt: skip
    proc = subprocess.run(
        [sys.executable, "-c", INTERRUPTER, "--warehouse", str(warehouse_path),
         "ingest", "baci", str(big)],
        capture_output=True, text=True, timeout=300, env=env,
    )  # fmt: skip
    assert proc.returncode == 130, proc.stderr
    assert proc.stderr.strip().splitlines()[-1] == (
        "interrupted — run the same command again to resume"
    )
    assert "Traceback" not in proc.stderr
    assert snapshot(warehouse_path) == populated  # unchanged
    again = cli("ingest", "baci", big)
    assert again.exit_code == 0, again.output
    assert "inserted" in again.output
    assert snapshot(warehouse_path)[0][0] == populated[0][0] + 1_500_000
