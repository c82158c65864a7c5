"""``--engine url`` on a real PostgreSQL server: every indicator, the brief and ``check``.

A throwaway server (Debian's PostgreSQL binaries) listens on a Unix socket in a temporary
directory only — no TCP port — and is stopped at the end. The sample warehouse is copied into
it by ``corridor export database URL``; each answer must equal DuckDB's on the same rows.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from engines import all_indicators, assert_equal, differences

pytest.importorskip("psycopg", reason="pip install -e '.[postgres]' (make install-dev does)")

CLAIM = "India supplied about 5% of Japan's aluminium imports in 2023"


def _pg_bin() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if not found:  # .ci/run installs it; a machine without it cannot run these tests
        pytest.fail("PostgreSQL server binaries missing: apt-get install postgresql")
    return found[-1].parent


@pytest.fixture(scope="module")
def pg_url() -> str:
    """A PostgreSQL server for this module; its Ibis URL (Unix socket, trust auth)."""
    bin_dir = _pg_bin()
    # not under pytest's tmp (private to root): the server's user must reach its directory
    root = Path(tempfile.mkdtemp(prefix="corridor-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:  # initdb refuses root: run the server as Debian's postgres user
        shutil.chown(root, "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    data = root / "data"

    def pg(*args: str) -> None:
        done = subprocess.run([*as_user, *args], capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, (args[0], done.stderr[-2000:])

    pg(str(bin_dir / "initdb"), "-D", str(data), "-U", "corridor", "--auth=trust",
       "-E", "UTF8", "--no-sync")  # fmt: skip
    opts = f"-k {root} -c listen_addresses='' -p 5432 -F"
    pg(str(bin_dir / "pg_ctl"), "-D", str(data), "-o", opts, "-l", str(root / "log"),
       "-w", "-t", "60", "start")  # fmt: skip
    try:
        yield f"postgres://corridor@localhost:5432/postgres?host={root}"
    finally:
        pg(str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def loaded(pg_url, make_sample, tmp_path_factory) -> dict:
    """The sample warehouse, copied into the server."""
    from corridor.store.database import copy_to_database

    wh = make_sample(tmp_path_factory.mktemp("wh"))
    result = copy_to_database(wh, pg_url)
    return {"warehouse": wh, "url": pg_url, "tables": result.tables}


def _query(engine: str):
    from corridor.query import CorridorQuery

    return CorridorQuery(importer="JPN", exporter="IND", hs=["76"], engine=engine)


def test_the_copy_has_every_row(loaded) -> None:
    import duckdb

    from corridor.reference.record import READ_TABLES
    from corridor.store.database import connect_url

    con = duckdb.connect(str(loaded["warehouse"]), read_only=True)
    here = {t: con.sql(f"SELECT count(*) FROM {t}").fetchall()[0][0] for t in READ_TABLES}
    total = con.sql("SELECT sum(value_usd), sum(net_weight_kg) FROM trade").fetchall()[0]
    con.close()
    pg = connect_url(loaded["url"])
    there = {t: pg.table(t).count().to_pyarrow().as_py() for t in READ_TABLES}
    trade = pg.table("trade")
    sums = pg.to_pyarrow(trade.aggregate(v=trade.value_usd.sum(), w=trade.net_weight_kg.sum()))
    assert here == there == loaded["tables"] and here["trade"] > 10_000
    assert sums.to_pylist()[0] == pytest.approx({"v": total[0], "w": total[1]}, rel=1e-12)


def test_every_indicator_on_postgres_equals_duckdb(loaded, monkeypatch) -> None:
    from corridor.store.catalog import Catalog

    monkeypatch.setenv("CORRIDOR_ENGINE_URL", loaded["url"])
    with Catalog(loaded["warehouse"]) as duck, Catalog(loaded["warehouse"], engine="url") as pg:
        a = all_indicators(duck, _query("duckdb"))
        b = all_indicators(pg, _query("url"))
        assert pg.backend().name == "postgres"
    assert sum(isinstance(v, list) and len(v) > 0 for v in a.values()) >= 10
    assert_equal(a, b)


def test_brief_on_postgres_has_duckdb_numbers(loaded, cli, tmp_path, monkeypatch) -> None:
    def brief(engine: str) -> dict:
        out = tmp_path / engine
        args = ("--importer", "JPN", "--exporter", "IND", "--hs", "76", "--engine", engine)
        r = cli("brief", *args, "--out", out, "--no-pdf", warehouse=loaded["warehouse"])
        assert r.exit_code == 0, r.output
        return json.loads((out / "data.json").read_text())

    monkeypatch.setenv("CORRIDOR_ENGINE_URL", loaded["url"])
    duck, pg = brief("duckdb"), brief("url")
    assert pg["query"]["engine"] == "url" and len(pg["sections"]) >= 10
    # provenance names where the rows were read: the database, not the warehouse file
    assert pg["provenance"]["warehouse"] == loaded["url"]
    assert duck["provenance"]["warehouse"] == str(loaded["warehouse"])
    for doc in (duck, pg):
        doc.pop("generated_at")
    # the same document but for the engine (and sums' last digits: another order)
    text = json.dumps(pg).replace('"engine": "url"', '"engine": "duckdb"')
    pg = json.loads(text.replace(json.dumps(loaded["url"]), json.dumps(str(loaded["warehouse"]))))
    assert differences(duck, pg) == []


def test_check_on_postgres_gives_the_same_verdicts(loaded, cli, monkeypatch) -> None:
    monkeypatch.setenv("CORRIDOR_ENGINE_URL", loaded["url"])
    out = {}
    for engine in ("duckdb", "url"):
        r = cli("check", CLAIM, "--engine", engine, "--format", "json",
                warehouse=loaded["warehouse"])  # fmt: skip
        assert r.exit_code in (0, 1), r.output  # 1: a claim the data contradicts
        if engine == "url":  # the verdicts say where their rows were read
            assert json.loads(r.stdout)["warehouse"] == loaded["url"]
        text = r.stdout.replace(json.dumps(loaded["url"]), json.dumps(str(loaded["warehouse"])))
        out[engine] = json.loads(text.replace(f'"{engine}"', '"ENGINE"'))
        out[engine].pop("statements")  # how many reads each engine needed differs
    assert differences(out["duckdb"], out["url"]) == []
    assert "contradicted" in json.dumps(out["url"])


def test_a_second_copy_is_refused_then_replaced(loaded, cli) -> None:
    r = cli("export", "database", loaded["url"], warehouse=loaded["warehouse"])
    assert r.exit_code == 2 and "pass --replace" in r.output and "Traceback" not in r.output
    r = cli("export", "database", loaded["url"], "--replace", warehouse=loaded["warehouse"])
    assert r.exit_code == 0 and f"trade {loaded['tables']['trade']:,}" in r.output


def test_a_bad_url_is_one_line_without_the_password(make_sample, tmp_path, cli) -> None:
    wh = make_sample(tmp_path)
    r = cli("export", "database", "postgres://bob:s3cret-pw@localhost:1/x", warehouse=wh)
    assert r.exit_code == 1 and "Traceback" not in r.output
    assert "s3cret-pw" not in r.output and "bob:***@localhost" in r.output
    assert len(r.output.strip().splitlines()) == 1


def test_provenance_names_the_database_without_its_password(make_sample, tmp_path, monkeypatch):
    from corridor.store.catalog import Catalog

    wh = make_sample(tmp_path)
    monkeypatch.setenv("CORRIDOR_ENGINE_URL", "postgres://bob:s3cret-pw@db.example:5432/trade")
    with Catalog(wh, engine="url") as cat:
        assert cat.reads_from == "postgres://bob:***@db.example:5432/trade"
    with Catalog(wh) as cat:
        assert cat.reads_from == str(wh)


def test_an_interrupted_copy_leaves_the_live_tables_whole(loaded, monkeypatch) -> None:
    """A connection lost in the middle of ``trade``: the error is one line, the tables
    ``--engine url`` reads keep their last complete copy, and the next copy cleans up."""
    from ibis.backends.postgres import Backend

    from corridor.errors import CorridorError
    from corridor.store import database
    from corridor.store.database import STAGING, connect_url, copy_to_database

    monkeypatch.setattr(database, "BATCH_ROWS", 1_000)
    insert = Backend.insert
    calls = {"trade": 0}

    def failing(self, name, obj, *args, **kwargs):
        if name == STAGING + "trade":
            calls["trade"] += 1
            if calls["trade"] == 3:
                raise OSError("server closed the connection unexpectedly")
        return insert(self, name, obj, *args, **kwargs)

    monkeypatch.setattr(Backend, "insert", failing)
    with pytest.raises(CorridorError) as err:
        copy_to_database(loaded["warehouse"], loaded["url"], replace=True)
    assert "server closed the connection" in str(err.value) and "\n" not in str(err.value)
    pg = connect_url(loaded["url"])
    assert pg.table("trade").count().to_pyarrow().as_py() == loaded["tables"]["trade"]
    assert STAGING + "trade" in pg.list_tables()  # the partial copy, never read
    monkeypatch.setattr(Backend, "insert", insert)
    again = copy_to_database(loaded["warehouse"], loaded["url"], replace=True)
    assert again.tables == loaded["tables"]
    assert not [t for t in connect_url(loaded["url"]).list_tables() if t.startswith(STAGING)]
