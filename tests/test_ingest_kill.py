"""kill -9 at seeded points of a multi-file ingest, then the same command again: the
warehouse equals a clean run exactly (every table, in order; journal consistent)."""

from __future__ import annotations

import json
import random
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest

API = "comtrade-api/data/comtradeapi.un.org/data/v1/get/C/A/HS-60a6ad.json"
PARTNERS = [0, 4, 36, 156, 251, 276, 392, 410, 490, 699, 710, 842, 899]
CMDS = ["TOTAL", "76", "7601", "760110", "760120", "72", "84"]

KILLER = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    from corridor.services.loading import load_files
    from corridor.store.warehouse import Warehouse

    warehouse, kill_at, batch, *files = sys.argv[1:]
    kill_at = int(kill_at)

    class Counting:
        '''The warehouse connection, killed with -9 before its kill_at-th statement.'''

        def __init__(self, con):
            self.con, self.n = con, 0

        def _tick(self):
            self.n += 1
            if self.n == kill_at:
                os.kill(os.getpid(), signal.SIGKILL)

        def execute(self, *args, **kwargs):
            self._tick()
            return self.con.execute(*args, **kwargs)

        def begin(self):
            self._tick()
            return self.con.begin()

        def commit(self):
            self._tick()
            return self.con.commit()

        def __getattr__(self, name):
            return getattr(self.con, name)

    wh = Warehouse(Path(warehouse))
    counting = wh.con = Counting(wh.con)
    load_files(wh, [Path(f) for f in files], "comtrade-json", batch_bytes=int(batch))
    wh.con = counting.con
    wh.close()
    print("STATEMENTS", counting.n)
    """
)


def envelopes(directory: Path, fixtures: Path, files: int = 12) -> list[Path]:
    """Envelopes built from a real response's records: keys vary; some files revise keys of
    earlier ones (so rows are replaced within a batch and across batches)."""
    template = json.loads((fixtures / API).read_text())["data"][0]
    rng = random.Random(76)
    paths = []
    for f in range(files):
        records, seen = [], set()
        for _ in range(40):
            year = 2015 + rng.randrange(6 if f % 3 else 3)  # every third file revises
            key = (rng.choice(PARTNERS), rng.choice(CMDS), rng.choice("MX"), year)
            if key in seen:
                continue
            seen.add(key)
            rec = dict(template, partnerCode=key[0], cmdCode=key[1], flowCode=key[2],
                       refYear=year, period=str(year),
                       primaryValue=round(rng.lognormvariate(12, 2), 2),
                       aggrLevel=0 if key[1] == "TOTAL" else len(key[1]))  # fmt: skip
            records.append(rec)
        path = directory / f"part-{f:02d}.json"
        path.write_text(json.dumps({"count": len(records), "data": records, "error": ""}))
        paths.append(path)
    return paths


def run(
    warehouse: Path, files: list[Path], kill_at: int, batch: int
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", KILLER, str(warehouse), str(kill_at), str(batch), *map(str, files)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def contents(path: Path) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {
            "trade": con.execute("SELECT * EXCLUDE (file_id) FROM trade ORDER BY ALL").fetchall(),
            "raw_files": con.execute(
                "SELECT * EXCLUDE (file_id) FROM raw_files ORDER BY sha256"
            ).fetchall(),
            "datasets": con.execute("SELECT * FROM datasets ORDER BY ALL").fetchall(),
            "journal_done": con.execute(
                """SELECT sha256, kind, dataset, rows_read, rows_inserted, rows_replaced
                   FROM ingest_journal WHERE status = 'done' ORDER BY sha256"""
            ).fetchall(),
            "journal_last": con.execute(
                """SELECT DISTINCT sha256, last(status ORDER BY run_id) OVER (PARTITION BY sha256)
                   FROM ingest_journal ORDER BY 1"""
            ).fetchall(),
        }
    finally:
        con.close()


def consistent(path: Path) -> None:
    """After a kill: whole batches only — every registered file is done, no orphan rows."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        orphans = con.execute(
            """SELECT count(*) FROM raw_files f WHERE NOT EXISTS (SELECT 1 FROM ingest_journal j
               WHERE j.sha256 = f.sha256 AND j.status = 'done')"""
        ).fetchone()[0]
        assert orphans == 0
    except duckdb.CatalogException:
        pass  # killed before the warehouse had its tables
    finally:
        con.close()


@pytest.mark.slow
def test_kill_9_at_seeded_points_then_rerun_equals_a_clean_run(
    tmp_path: Path, fixtures: Path
) -> None:
    files = envelopes(tmp_path, fixtures)
    batch = sum(p.stat().st_size for p in files) // 3 + 1  # three batches
    clean = tmp_path / "clean.duckdb"
    done = run(clean, files, 0, batch)
    assert done.returncode == 0, done.stderr
    total = int(done.stdout.split()[-1])
    expected = contents(clean)
    assert expected["trade"] and {s for _, s in expected["journal_last"]} == {"done"}
    replaced = sum(r[5] for r in expected["journal_done"])
    assert replaced > 0  # the revising files did replace rows
    rng = random.Random(11)
    for seed in range(5):
        point = rng.randint(1, total)
        warehouse = tmp_path / f"killed-{seed}.duckdb"
        killed = run(warehouse, files, point, batch)
        assert killed.returncode == -9, (point, killed.stderr)
        consistent(warehouse)
        again = run(warehouse, files, 0, batch)
        assert again.returncode == 0, again.stderr
        assert contents(warehouse) == expected, f"kill before statement {point} of {total}"
