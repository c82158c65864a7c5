"""Scale: the Parquet export, its manifest, and the catalog reading it on DuckDB and Spark.

One 1M-row BACI-shaped warehouse (two years of 500k rows from benchmarks/generate.py) is
built and exported once for the module; the Spark tests share the suite's one local session.
"""

from __future__ import annotations

import json
import math
import shutil
import sys
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from corridor.errors import DataQualityError, InvalidQuery, NotFound
from corridor.store.catalog import Catalog
from corridor.store.export import MANIFEST, TRADE_SORT, export_parquet, verify_export
from engines import all_indicators, assert_equal, same

ROOT = Path(__file__).resolve().parents[1]
ROWS_PER_YEAR = 500_000
YEARS = (2021, 2022)


@pytest.fixture(scope="module")
def big(tmp_path_factory) -> dict:
    """A 1M-row BACI warehouse and its Parquet export (built once)."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from corridor.services.loading import load_files
    from corridor.settings import get_settings
    from corridor.store.warehouse import Warehouse
    from generate import write_baci

    root = tmp_path_factory.mktemp("scale")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CORRIDOR_DATA_DIR", str(root / "data"))
        mp.setenv("CORRIDOR_CACHE_DIR", str(root / "cache"))
        get_settings.cache_clear()
        files = [
            write_baci(root / "csv", ROWS_PER_YEAR, seed=i, year=y) for i, y in enumerate(YEARS, 1)
        ]
        wh_path = root / "w.duckdb"
        with Warehouse(wh_path) as wh:
            load_files(wh, files, "baci")
            # the corridor: the US's imports of HS 76 from its largest supplier in them
            exporter = wh.scalar(
                "SELECT reporter FROM trade WHERE partner = 842 AND hs_code LIKE '76%' "
                "GROUP BY 1 ORDER BY sum(value_usd) DESC LIMIT 1"
            )
        export = root / "export"
        result = export_parquet(wh_path, export)
        get_settings.cache_clear()
    shutil.rmtree(root / "csv")
    return {"warehouse": wh_path, "export": export, "result": result, "exporter": exporter}


def _query(exporter: int, engine: str = "duckdb"):
    from corridor.query import CorridorQuery

    return CorridorQuery(
        importer="USA", exporter=str(exporter), hs=["76"], years=YEARS, engine=engine
    )


# -- the export ----------------------------------------------------------------------------
def test_export_is_hive_partitioned_sorted_and_listed(big: dict) -> None:
    export, result = big["export"], big["result"]
    assert result.status == "written" and result.rows == ROWS_PER_YEAR * len(YEARS)
    doc = json.loads((export / MANIFEST).read_text())
    assert doc["export_format"] == "1" and doc["warehouse_schema"] == "2"
    trade = [f for f in doc["files"] if f["table"] == "trade"]
    assert sum(f["rows"] for f in trade) == doc["tables"]["trade"]["rows"] == result.rows
    years = {f["path"].split("/")[1] for f in trade}
    assert years == {f"year={y}" for y in YEARS}
    chapters = {f["path"].split("/")[2] for f in trade}
    assert "chapter=76" in chapters and "chapter=01" in chapters  # zero-padded, a string
    # partition columns live in the path only; inside a file rows follow TRADE_SORT
    biggest = max(trade, key=lambda f: f["rows"])
    table = pq.read_table(export / biggest["path"])
    assert "year" not in table.column_names and "chapter" not in table.column_names
    keys = list(zip(*(table.column(k).to_pylist() for k in TRADE_SORT), strict=True))
    assert keys == sorted(keys)
    assert pq.ParquetFile(export / biggest["path"]).metadata.num_row_groups >= 1
    # provenance travels with the rows: every file_id resolves to a raw file with its hash
    con = duckdb.connect()
    orphans = con.execute(
        f"SELECT count(*) FROM read_parquet('{export}/trade/*/*/*.parquet') t "
        f"ANTI JOIN read_parquet('{export}/raw_files/*.parquet') f USING (file_id)"
    ).fetchone()[0]
    assert orphans == 0
    assert set(doc["tables"]) >= {"trade", "raw_files", "datasets", "ref_country", "meta"}
    for f in doc["files"]:
        assert len(f["sha256"]) == 64 and f["bytes"] == (export / f["path"]).stat().st_size


def test_round_trip_same_rows_and_sums(big: dict) -> None:
    """Every warehouse row is in the export exactly once (multiset equality), sums agree."""
    cols = (
        "year, period, freq, reporter, partner, flow, hs_rev, hs_code, hs_level, value_usd, "
        "net_weight_kg, qty, source, dataset, raw_ref, retrieved_at, synthetic, raw_row"
    )
    with Catalog(big["warehouse"]) as wh, Catalog(big["export"]) as ex:
        sums = (
            "SELECT year, count(*), sum(value_usd), sum(net_weight_kg) FROM trade "
            "GROUP BY 1 ORDER BY 1"
        )
        _, a = wh.run(sums)
        _, b = ex.run(sums)
        assert [r[:2] for r in a] == [r[:2] for r in b] == [(y, ROWS_PER_YEAR) for y in YEARS]
        for r, s in zip(a, b, strict=True):
            assert math.isclose(r[2], s[2], rel_tol=1e-12) and math.isclose(
                r[3], s[3], rel_tol=1e-12
            )
        ex_types = ex.arrow(f"SELECT {cols} FROM trade LIMIT 0").schema
        assert ex_types == wh.arrow(f"SELECT {cols} FROM trade LIMIT 0").schema  # same types
    from corridor.store.catalog import parquet_views
    from corridor.store.export import read_manifest

    con = duckdb.connect(str(big["warehouse"]), read_only=True)
    view = parquet_views(big["export"], read_manifest(big["export"]))["trade"]
    con.execute(f"CREATE TEMP VIEW exported AS {view}")
    for one, other in (("trade", "exported"), ("exported", "trade")):
        left = con.execute(
            f"SELECT count(*) FROM (SELECT {cols} FROM {one} EXCEPT ALL SELECT {cols} FROM {other})"
        ).fetchone()[0]
        assert left == 0, (one, other)
    con.close()
    assert verify_export(big["export"])["tables"]["trade"] == ROWS_PER_YEAR * len(YEARS)


def test_rerun_is_a_no_op_and_targets_are_checked(big: dict, tmp_path: Path, cli) -> None:
    again = export_parquet(big["warehouse"], big["export"])
    assert again.status == "up to date" and again.rows == big["result"].rows
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "notes.txt").write_text("mine")
    with pytest.raises(InvalidQuery, match="busy is not empty"):
        export_parquet(big["warehouse"], busy)
    assert (busy / "notes.txt").read_text() == "mine"
    out = cli("export", "parquet", str(busy), warehouse=big["warehouse"])
    assert out.exit_code != 0 and "busy is not empty" in out.output
    assert cli("export", "verify", str(tmp_path / "nowhere")).exit_code != 0
    out = cli("export", "parquet", str(tmp_path / "x"), warehouse=tmp_path / "none.duckdb")
    assert out.exit_code != 0 and "none.duckdb" in out.output
    out = cli("status", warehouse=big["export"])  # writers and status need the DuckDB file
    assert out.exit_code != 0 and "is a Parquet export, read-only" in out.output


def test_export_of_other_content_needs_replace(tmp_path: Path, cli) -> None:
    assert cli("sample", warehouse=tmp_path / "a.duckdb").exit_code == 0
    target = tmp_path / "out"
    assert cli("export", "parquet", str(target), warehouse=tmp_path / "a.duckdb").exit_code == 0
    (tmp_path / "b.duckdb").write_bytes((tmp_path / "a.duckdb").read_bytes())
    con = duckdb.connect(str(tmp_path / "b.duckdb"))
    con.execute("DELETE FROM trade_rows WHERE year = 2015")
    con.close()
    out = cli("export", "parquet", str(target), warehouse=tmp_path / "b.duckdb")
    assert out.exit_code != 0 and "--replace" in out.output
    out = cli("export", "parquet", str(target), "--replace", warehouse=tmp_path / "b.duckdb")
    assert out.exit_code == 0, out.output
    with Catalog(target) as cat:
        _, rows = cat.run("SELECT count(*) FILTER (WHERE year = 2015), min(year) FROM trade")
    assert rows[0] == (0, 2016)
    assert not list(tmp_path.glob(".out.*"))  # no partial or old copy left behind


def test_interrupted_export_restarts_cleanly(tmp_path: Path, cli) -> None:
    assert cli("sample", warehouse=tmp_path / "a.duckdb").exit_code == 0
    target = tmp_path / "out"

    def stop(done: int, total: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        export_parquet(tmp_path / "a.duckdb", target, progress=stop)
    assert not target.exists() and (tmp_path / ".out.partial").is_dir()
    result = export_parquet(tmp_path / "a.duckdb", target)
    assert result.status == "written" and not (tmp_path / ".out.partial").exists()
    verify_export(target)


def test_corruption_is_detected_by_the_manifest(tmp_path: Path, cli) -> None:
    assert cli("sample", warehouse=tmp_path / "a.duckdb").exit_code == 0
    target = tmp_path / "out"
    export_parquet(tmp_path / "a.duckdb", target)
    doc = json.loads((target / MANIFEST).read_text())
    victim = target / next(f["path"] for f in doc["files"] if f["table"] == "trade")
    data = bytearray(victim.read_bytes())
    data[len(data) // 2] ^= 0xFF  # same size, one byte flipped
    victim.write_bytes(bytes(data))
    with pytest.raises(DataQualityError, match=f"{victim.name}: sha256 differs"):
        verify_export(target)
    out = cli("export", "verify", str(target))
    assert out.exit_code != 0 and str(victim) in out.output
    assert "sha256" in out.output and out.output.count("\n") == 1  # one line
    victim.write_bytes(bytes(data[:-10]))  # truncated: the catalog refuses to open it
    with pytest.raises(DataQualityError, match="of another size"):
        Catalog(target)
    victim.unlink()
    with pytest.raises(DataQualityError, match="missing"):
        verify_export(target)
    with pytest.raises(NotFound, match="no export"):
        verify_export(tmp_path / "nope")


def test_extra_file_is_detected(tmp_path: Path, cli) -> None:
    assert cli("sample", warehouse=tmp_path / "a.duckdb").exit_code == 0
    export_parquet(tmp_path / "a.duckdb", tmp_path / "out")
    stray = tmp_path / "out" / "trade" / "year=2015" / "chapter=76" / "part-1.parquet"
    shutil.copy(next(stray.parent.glob("part-0.parquet")), stray)
    with pytest.raises(DataQualityError, match=r"part-1\.parquet: not in the manifest"):
        verify_export(tmp_path / "out")


# -- every indicator on each engine --------------------------------------------------------
def test_duckdb_over_parquet_equals_the_warehouse(big: dict) -> None:
    with Catalog(big["warehouse"]) as wh, Catalog(big["export"]) as ex:
        assert ex.is_parquet and not wh.is_parquet
        a = all_indicators(wh, _query(big["exporter"]))
        b = all_indicators(ex, _query(big["exporter"]))
    assert sum(isinstance(v, list) and len(v) > 0 for v in a.values()) >= 6
    assert_equal(a, b)


@pytest.mark.spark
def test_spark_over_parquet_equals_duckdb(big: dict, spark_con) -> None:
    """Every indicator: exact counts and codes, sums and shares within 1e-9 (relative)."""
    with Catalog(big["warehouse"]) as wh, Catalog(big["export"], engine="spark") as sp:
        a = all_indicators(wh, _query(big["exporter"]))
        b = all_indicators(sp, _query(big["exporter"], "spark"))
        # read where it lies: the trade view is a Parquet scan of the chapters in scope
        plan = sp.backend(("76",))._session.table("trade")._jdf.queryExecution().toString()
        assert "FileScan parquet" in plan and "chapter" in plan
    assert_equal(a, b)


# -- a real standalone cluster on loopback ---------------------------------------------------
_CLUSTER_SCRIPT = """
import json, sys
from pathlib import Path
import corridor.analytics.indicators
from corridor.query import CorridorQuery
from corridor.services.session import Session
from corridor.store.catalog import Catalog, spark_session
master = spark_session().sparkContext.master
with Catalog(Path(sys.argv[1]), engine="spark") as cat:
    q = CorridorQuery(importer="USA", exporter=sys.argv[2], hs=["76"],
                      years=(2021, 2022), engine="spark")
    s = Session(cat, q)
    out = {n: s.indicator(n).to_pylist() for n in ("partners", "concentration")}
print(json.dumps({"master": master, "results": out}, default=str))
"""


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(path: Path, text: str, proc, deadline: float) -> None:
    import time

    while time.monotonic() < deadline:
        if path.exists() and text in path.read_text(errors="replace"):
            return
        if proc.poll() is not None:
            break
        time.sleep(0.2)
    pytest.fail(f"{path.name}: no {text!r} ({proc.poll()=}):\n{path.read_text()[-2000:]}")


@pytest.fixture
def cluster(tmp_path: Path):
    """A Spark master and one worker (pyspark's own launch classes) on 127.0.0.1.

    Each JVM runs under ``timeout`` so it stops by itself even if the test process dies;
    the fixture stops both when the test ends.
    """
    import os
    import subprocess
    import time

    pytest.importorskip("pyspark")
    import pyspark

    java_home = os.environ.get("JAVA_HOME", "/usr/lib/jvm/java-17-openjdk-amd64")
    java = Path(java_home) / "bin" / "java"
    if not java.is_file() or not shutil.which("timeout"):
        pytest.skip("the standalone cluster needs Java 17 and coreutils timeout")
    jars = Path(pyspark.__file__).parent / "jars"
    home = tmp_path / "spark-home"  # what the worker's executor launcher expects
    home.mkdir()
    (home / "jars").symlink_to(jars)
    (home / "RELEASE").write_text(f"Spark {pyspark.__version__} (pyspark)\n")
    env = {**os.environ, "JAVA_HOME": java_home, "SPARK_HOME": str(home),
           "SPARK_LOCAL_IP": "127.0.0.1", "SPARK_SCALA_VERSION": "2.13"}  # fmt: skip
    port = _free_port()
    url = f"spark://127.0.0.1:{port}"
    base = ["timeout", "300", str(java), "-Xmx256m", "-cp", f"{jars}/*"]
    logs = {name: tmp_path / f"{name}.log" for name in ("master", "worker")}
    procs = []
    try:
        with logs["master"].open("w") as fh:
            procs.append(subprocess.Popen(
                [*base, "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1",
                 "--port", str(port), "--webui-port", "0"],
                env=env, stdout=fh, stderr=subprocess.STDOUT, start_new_session=True,
            ))  # fmt: skip
        _wait_for(logs["master"], f"Starting Spark master at {url}", procs[0],
                  time.monotonic() + 60)  # fmt: skip
        with logs["worker"].open("w") as fh:
            procs.append(subprocess.Popen(
                [*base, "org.apache.spark.deploy.worker.Worker", "--host", "127.0.0.1",
                 "--cores", "1", "--memory", "1g", "--webui-port", "0",
                 "--work-dir", str(tmp_path / "work"), url],
                env=env, stdout=fh, stderr=subprocess.STDOUT, start_new_session=True,
            ))  # fmt: skip
        _wait_for(logs["worker"], "Successfully registered with master", procs[1],
                  time.monotonic() + 60)  # fmt: skip
        yield {"url": url, "work": tmp_path / "work", "env": env}
    finally:
        for p in reversed(procs):
            p.terminate()
        for p in reversed(procs):
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(timeout=10)


@pytest.mark.slow
@pytest.mark.spark
def test_standalone_cluster_runs_indicators_over_parquet(big: dict, cluster: dict) -> None:
    """``CORRIDOR_SPARK_MASTER=spark://127.0.0.1:PORT``: executors read the export's files."""
    import os
    import subprocess

    path = str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", "")
    env = {**cluster["env"], "CORRIDOR_SPARK_MASTER": cluster["url"], "PYTHONPATH": path}
    env.pop("SPARK_HOME")  # the driver uses pyspark's own
    run = subprocess.run(
        [sys.executable, "-c", _CLUSTER_SCRIPT, str(big["export"]), str(big["exporter"])],
        env=env, capture_output=True, text=True, timeout=240,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-3000:]
    got = json.loads(run.stdout.strip().splitlines()[-1])
    assert got["master"] == cluster["url"]
    apps = list(cluster["work"].glob("app-*/*/stderr"))  # an executor ran on the worker
    assert apps and any("Finished task" in p.read_text(errors="replace") for p in apps)
    with Catalog(big["warehouse"]) as wh:
        from corridor.services.session import Session

        session = Session(wh, _query(big["exporter"]))
        for name, rows in got["results"].items():
            want = json.loads(json.dumps(session.indicator(name).to_pylist(), default=str))
            assert len(rows) == len(want) > 0, name
            key = lambda r: [str(v) for v in r.values()]  # noqa: E731
            for r, s in zip(sorted(want, key=key), sorted(rows, key=key), strict=True):
                bad = {k: (r[k], s[k]) for k in r if not same(r[k], s[k])}
                assert not bad, (name, bad)


# -- the ingest's progress over many files --------------------------------------------------
def test_ingest_meter_weighs_files_and_estimates_rows(tmp_path: Path) -> None:
    from corridor.cli.ingest import IngestMeter

    big_file = tmp_path / "BACI_HS17_Y2021_V202401.csv"
    small = tmp_path / "BACI_HS17_Y2022_V202401.csv"
    line = b"2021,4,8,760110,1.000,2.000\n"
    big_file.write_bytes(b"t,i,j,k,v,q\n" + line * 30_000)
    small.write_bytes(b"t,i,j,k,v,q\n" + line * 10_000)
    meter = IngestMeter([big_file, small], "baci")
    assert meter.total == big_file.stat().st_size + small.stat().st_size
    assert meter.update(big_file.name, 50.0) == big_file.stat().st_size // 2
    assert meter.update(big_file.name, 20.0) == big_file.stat().st_size // 2  # never backwards
    done = meter.update(big_file.name, 100.0)
    assert done == big_file.stat().st_size
    assert abs(meter.rows(done) - 30_000) < 30  # rows from the newline density
    assert meter.update(small.name, 100.0) == meter.total
    assert IngestMeter([tmp_path / "x.json"], "comtrade-json").rows(100) is None


def test_ingest_cli_with_progress_loads_every_row(tmp_path: Path, cli) -> None:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from generate import write_baci

    files = [write_baci(tmp_path, 20_000, seed=s, year=y) for s, y in ((5, 2020), (6, 2021))]
    out = cli("ingest", "baci", *map(str, files))
    assert out.exit_code == 0, out.output
    with Catalog(tmp_path / "w.duckdb") as cat:
        _, rows = cat.run("SELECT year, count(*) FROM trade GROUP BY 1 ORDER BY 1")
    assert rows == [(2020, 20_000), (2021, 20_000)]


@pytest.mark.spark
def test_spark_reads_the_export_from_a_url_with_only_the_manifest_here(
    big: dict, spark_con, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``CORRIDOR_SPARK_DATA_URL``: the laptop holds the manifest, the cluster the files."""
    from corridor.services.session import Session
    from corridor.settings import get_settings

    here = tmp_path / "laptop"
    here.mkdir()
    shutil.copy(big["export"] / MANIFEST, here / MANIFEST)
    with pytest.raises(DataQualityError, match="missing"):  # DuckDB reads files here
        Catalog(here)
    monkeypatch.setenv("CORRIDOR_SPARK_DATA_URL", big["export"].resolve().as_uri())
    get_settings.cache_clear()
    with Catalog(big["warehouse"]) as wh, Catalog(here, engine="spark") as sp:
        want = Session(wh, _query(big["exporter"])).indicator("partners").to_pylist()
        got = Session(sp, _query(big["exporter"], "spark")).indicator("partners").to_pylist()
    key = lambda r: [str(v) for v in r.values()]  # noqa: E731
    assert len(want) == len(got) > 0
    for r, s in zip(sorted(want, key=key), sorted(got, key=key), strict=True):
        assert all(same(r[k], s[k]) for k in r), (r, s)
