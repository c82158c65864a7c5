"""Idempotence and kill -9 mid-ingest: run again, no rows lost or duplicated."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest


def write_baci(path: Path, rows: int, *, year: int = 2022) -> Path:
    """A BACI-shaped file with unique (i, j, k) keys, built by DuckDB from a range."""
    codes = "[4, 8, 36, 76, 124, 156, 251, 276, 356, 392, 410, 458, 490, 699, 704, 710, 764, 784, 842, 899]"  # noqa: E501
    con = duckdb.connect()
    con.execute(
        f"""COPY (
              SELECT {year} AS t, {codes}[1 + r % 20] AS i, {codes}[1 + (r // 20) % 20] AS j,
                     CAST(CAST(printf('%02d%04d', 1 + (r // 400) % 76, 1 + r // 30400) AS INT)
                          AS VARCHAR) AS k,
                     round(1 + (r * 7919) % 100000 / 7.0, 3) AS v,
                     CASE WHEN r % 25 = 0 THEN NULL ELSE round((r % 977) / 3.0, 3) END AS q
              FROM range({rows}) t(r))
            TO '{path}' (HEADER, DELIMITER ',', NULLSTR 'NA')"""
    )
    con.close()
    return path


def query(path: Path, sql: str) -> list[tuple]:
    """Rows of ``sql`` on the warehouse at ``path``, opened read-only."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def trade_stats(path: Path) -> tuple[int, int, int]:
    return query(
        path,
        "SELECT count(*), count(DISTINCT (dataset, year, reporter, partner, hs_code)), "
        "count(DISTINCT raw_ref) FROM trade",
    )[0]


def test_same_file_twice_is_a_no_op(cli, warehouse_path: Path, tmp_path: Path) -> None:
    path = write_baci(tmp_path / "BACI_HS17_Y2022_V202401.csv", 5000)
    first = cli("ingest", "baci", path)
    assert first.exit_code == 0, first.output
    before = trade_stats(warehouse_path)
    again = cli("ingest", "baci", path)
    assert again.exit_code == 0 and "already ingested" in again.output
    # A copy under another name has the same content hash: also a no-op.
    copy = tmp_path / "copy" / path.name
    copy.parent.mkdir()
    copy.write_bytes(path.read_bytes())
    assert "already ingested" in cli("ingest", "baci", copy).output
    assert trade_stats(warehouse_path) == before == (5000, 5000, 1)


def two_revisions(tmp_path: Path) -> tuple[Path, Path]:
    """Two releases of the same BACI year: the second revises one value and one exporter."""
    old = tmp_path / "v1" / "BACI_HS17_Y2022_V202401.csv"
    new = tmp_path / "v2" / "BACI_HS17_Y2022_V202401.csv"
    for p in (old, new):
        p.parent.mkdir(exist_ok=True)
    old.write_text("t,i,j,k,v,q\n2022,699,392,760110,1,1\n2022,699,392,760120,2,2\n")
    new.write_text("t,i,j,k,v,q\n2022,699,392,760110,5,1\n2022,842,392,760120,3,3\n")
    return old, new


def stored(path: Path) -> list[tuple]:
    return query(path, "SELECT year, reporter, hs_code, value_usd FROM trade ORDER BY ALL")


REVISED_2022 = [(2022, 699, "760110", 5000.0), (2022, 699, "760120", 2000.0),
                (2022, 842, "760120", 3000.0)]  # fmt: skip


def test_revised_file_replaces_rows_instead_of_duplicating(
    cli, warehouse_path: Path, tmp_path: Path
) -> None:
    old, new = two_revisions(tmp_path)
    assert cli("ingest", "baci", old).exit_code == 0
    result = cli("ingest", "baci", new)
    assert result.exit_code == 0, result.output
    assert stored(warehouse_path) == REVISED_2022


def test_revisions_in_one_command_replace_and_other_years_stay(
    cli, warehouse_path: Path, tmp_path: Path
) -> None:
    """A revision of a year replaces it (in the same batch or an earlier ingest); others stay."""
    old, new = two_revisions(tmp_path)
    other = tmp_path / "v2" / "BACI_HS17_Y2021_V202401.csv"
    earlier = tmp_path / "v1" / "BACI_HS17_Y2020_V202401.csv"
    other.write_text("t,i,j,k,v,q\n2021,699,392,760110,7,1\n2021,699,392,760120,8,2\n")
    earlier.write_text("t,i,j,k,v,q\n2020,699,392,760110,9,1\n")
    assert cli("ingest", "baci", earlier).exit_code == 0
    result = cli("ingest", "baci", old, other, new)
    assert result.exit_code == 0, result.output
    assert stored(warehouse_path) == [
        (2020, 699, "760110", 9000.0),
        (2021, 699, "760110", 7000.0), (2021, 699, "760120", 8000.0),
        *REVISED_2022,
    ]  # fmt: skip


KILLER = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    from corridor.services.loading import load_files
    from corridor.store.warehouse import Warehouse

    warehouse, victim, *files = sys.argv[1:]

    def progress(name, pct):
        if name == victim and pct > 5:
            os.kill(os.getpid(), signal.SIGKILL)  # kill -9 in the middle of the insert

    with Warehouse(Path(warehouse)) as wh:  # batch_bytes=1: one transaction per file
        load_files(wh, [Path(f) for f in files], "baci", progress=progress, batch_bytes=1)
    """
)


@pytest.mark.slow
def test_kill_9_mid_ingest_then_resume(cli, warehouse_path: Path, tmp_path: Path) -> None:
    a = write_baci(tmp_path / "BACI_HS17_Y2020_V202401.csv", 10, year=2020)
    b = write_baci(tmp_path / "BACI_HS17_Y2021_V202401.csv", 1_500_000, year=2021)
    c = write_baci(tmp_path / "BACI_HS17_Y2022_V202401.csv", 10, year=2022)
    proc = subprocess.run(
        [sys.executable, "-c", KILLER, str(warehouse_path), b.name, str(a), str(b), str(c)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == -9, proc.stderr  # really killed, not finished
    # Only the first file landed; the interrupted one left no rows behind.
    assert trade_stats(warehouse_path) == (10, 10, 1)
    status = cli("status")
    assert status.exit_code == 0 and "1 interrupted ingest(s)" in status.stderr
    result = cli("ingest", "baci", a, b, c)
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if "BACI_HS17" in line]
    assert "already ingested" in lines[0]
    assert "inserted (resumed)" in lines[1]
    assert "inserted" in lines[2]
    assert trade_stats(warehouse_path) == (1_500_020, 1_500_020, 3)
