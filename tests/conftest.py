"""Shared pytest fixtures."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """Path to the shared reference data (``../shared/data`` or ``$CORRIDOR_SHARED_DATA``)."""
    override = os.environ.get("CORRIDOR_SHARED_DATA")
    path = (
        Path(override)
        if override
        else Path(__file__).resolve().parents[1].parent / "shared" / "data"
    )
    if not path.is_dir():
        pytest.fail(f"shared data directory not found at {path} (set CORRIDOR_SHARED_DATA)")
    return path


@pytest.fixture(scope="session")
def shared_file(shared_data: Path):
    """``shared_file("real/…")``: a file under the shared data; the test fails when missing."""

    def find(relative: str) -> Path:
        path = shared_data / relative
        if not path.exists():
            pytest.fail(f"{path} not found (tests read ../shared/data or $CORRIDOR_SHARED_DATA)")
        return path

    return find


@pytest.fixture(scope="session")
def schedule_path(shared_file) -> Path:
    """Japan Customs' real chapter-76 schedule (every EPA column)."""
    return shared_file("reference/tariffs/japan_customs_tariff_2026-07-09_ch76.json")


# -- no real network: any connection outside loopback fails the test ----------------------
_real_connect = __import__("socket").socket.connect


def _guarded_connect(self, address):
    import socket

    if self.family in (socket.AF_INET, socket.AF_INET6):
        host = address[0]
        if not (host.startswith("127.") or host in {"::1", "localhost"}):
            raise RuntimeError(f"test tried to reach the network: {address!r}")
    return _real_connect(self, address)


__import__("socket").socket.connect = _guarded_connect


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own data dir; no test sees the user's warehouse or key."""
    from corridor.settings import get_settings

    data = tmp_path / "corridor-data"
    monkeypatch.setenv("CORRIDOR_DATA_DIR", str(data))
    monkeypatch.setenv("CORRIDOR_CACHE_DIR", str(tmp_path / "corridor-cache"))
    for name in ("CORRIDOR_WAREHOUSE", "CORRIDOR_COMTRADE_KEY", "CORRIDOR_COMTRADE_URL"):
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    yield data
    get_settings.cache_clear()


@pytest.fixture
def fixtures(shared_data: Path) -> Path:
    """The recorded responses and exports under shared/data/fixtures."""
    return shared_data / "fixtures"


@pytest.fixture
def warehouse_path(tmp_path: Path) -> Path:
    """A fresh warehouse file path."""
    return tmp_path / "w.duckdb"


@pytest.fixture
def cli(warehouse_path: Path):
    """Run the corridor CLI in-process against the test warehouse."""
    from typer.testing import CliRunner

    from corridor.cli.app import app

    runner = CliRunner()

    def run(*args: str, warehouse: Path | None = warehouse_path):
        prefix = ["--warehouse", str(warehouse)] if warehouse else []
        return runner.invoke(app, [*prefix, *map(str, args)])

    return run


@pytest.fixture(scope="session")
def spark_con():
    """The one local Spark backend of the test session (skips without pyspark/Java)."""
    pytest.importorskip("pyspark")
    java = "/usr/lib/jvm/java-17-openjdk-amd64"
    if not (os.environ.get("JAVA_HOME") or os.path.isdir(java) or shutil.which("java")):
        pytest.skip("Spark needs Java 17")
    import ibis

    from corridor.store.catalog import spark_session

    return ibis.pyspark.connect(spark_session())


def _uses_spark(item: pytest.Item) -> bool:
    return (
        "spark" in item.nodeid.lower()
        or "spark_con" in getattr(item, "fixturenames", ())
        or item.get_closest_marker("spark") is not None
        or item.module.__name__.endswith("test_scale")
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under ``pytest -n 2 --dist loadgroup`` (``make test``): every Spark test on one worker
    (one JVM for the run), every other module's tests together (its fixtures built once)."""
    for item in items:
        group = "spark" if _uses_spark(item) else item.module.__name__
        item.add_marker(pytest.mark.xdist_group(group))


@pytest.fixture(scope="session")
def make_sample():
    """Build corridor's synthetic sample warehouse in a directory; returns its path."""
    from corridor.services.loading import build_sample
    from corridor.store.warehouse import Warehouse

    def make(directory: Path) -> Path:
        path = directory / "sample.duckdb"
        with Warehouse(path) as wh:
            build_sample(wh, directory / "generated")
        return path

    return make
