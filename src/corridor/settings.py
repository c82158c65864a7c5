"""The one settings object: paths, engine, API access. Read from ``CORRIDOR_*`` variables.

A frozen dataclass read once from the environment (``CORRIDOR_<FIELD>``, upper case): every
command needs it, so it imports nothing heavy (no pydantic) and costs well under a
millisecond — the difference is felt in every ``corridor`` invocation and every fresh Python
process that asks a question.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from functools import lru_cache
from pathlib import Path

__all__ = ["Secret", "Settings", "get_settings"]

PREFIX = "CORRIDOR_"


class Secret:
    """A secret value that never shows in ``repr``/``str`` (e.g. the Comtrade key)."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def get_secret_value(self) -> str:
        """The value itself (send it only where it belongs)."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


def _user_dir(kind: str) -> Path:
    import platformdirs

    return Path(getattr(platformdirs, f"user_{kind}_dir")("corridor"))


@dataclass(frozen=True)
class Settings:
    """corridor configuration; every field can be set as ``CORRIDOR_<FIELD>``.

    Attributes:
        data_dir: where the warehouse and the raw archive live by default.
        cache_dir: scratch space (downloads in progress, compiled plans, drawn charts).
        warehouse: the DuckDB warehouse file (default ``<data_dir>/corridor.duckdb``).
        engine: analytics engine: duckdb, spark or url.
        memory_limit: DuckDB memory limit for writers; larger work spills to disk.
        comtrade_key: UN Comtrade subscription key (never printed).
        comtrade_url: UN Comtrade API base URL (a mirror, proxy or test server).
        spark_master: Spark master for ``--engine spark``: ``local[*]``, ``local[2]`` or
            ``spark://host:7077`` (default: ``local[2]``).
        spark_executor_memory: memory per executor on a Spark cluster.
        spark_data_url: where a Spark cluster reads the Parquet export given as
            ``--warehouse`` (e.g. ``s3a://bucket/corridor/baci``); the local directory then
            needs only the export's ``manifest.json``. Default: the local directory.
    """

    data_dir: Path = field(default_factory=lambda: _user_dir("data"))
    cache_dir: Path = field(default_factory=lambda: _user_dir("cache"))
    warehouse: Path | None = None
    engine: str = "duckdb"
    memory_limit: str = "2GB"
    comtrade_key: Secret | None = None
    comtrade_url: str = "https://comtradeapi.un.org"
    spark_master: str | None = None
    spark_executor_memory: str = "1g"
    spark_data_url: str | None = None

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        """Settings from ``CORRIDOR_*`` variables (empty values count as unset)."""
        env = os.environ if environ is None else environ
        given: dict[str, object] = {}
        for f in fields(cls):
            raw = env.get(PREFIX + f.name.upper(), "")
            if not raw.strip():
                continue
            if f.name != "comtrade_key":  # the key is checked as given (api_key.validate_key)
                raw = raw.strip()
            if f.name in ("data_dir", "cache_dir", "warehouse"):
                given[f.name] = Path(raw).expanduser()
            elif f.name == "comtrade_key":
                given[f.name] = Secret(raw)
            else:
                given[f.name] = raw
        return cls(**given)  # type: ignore[arg-type]

    @property
    def warehouse_path(self) -> Path:
        """The warehouse file in use."""
        return self.warehouse or self.data_dir / "corridor.duckdb"

    @property
    def sample_warehouse_path(self) -> Path:
        """The warehouse `corridor demo` builds; kept apart so synthetic rows never mix in."""
        return self.data_dir / "sample.duckdb"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Return the process-wide settings (environment read once)."""
    return Settings.from_env()
