"""The one settings object: paths, engine, API access. Read from ``CORRIDOR_*`` variables."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from platformdirs import user_cache_dir, user_data_dir
from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings", "get_settings"]


class Settings(BaseSettings):
    """corridor configuration; every field can be set as ``CORRIDOR_<FIELD>``."""

    model_config = SettingsConfigDict(env_prefix="CORRIDOR_", extra="ignore")

    data_dir: Path = Field(
        default_factory=lambda: Path(user_data_dir("corridor")),
        description="Where the warehouse and the raw archive live by default.",
    )
    cache_dir: Path = Field(
        default_factory=lambda: Path(user_cache_dir("corridor")),
        description="Scratch space (downloads in progress).",
    )
    warehouse: Path | None = Field(
        default=None, description="DuckDB warehouse file; default <data_dir>/corridor.duckdb."
    )
    engine: str = Field(default="duckdb", description="Analytics engine: duckdb or spark.")
    memory_limit: str = Field(
        default="2GB", description="DuckDB memory limit for writers; larger work spills to disk."
    )
    comtrade_key: SecretStr | None = Field(
        default=None, description="UN Comtrade subscription key."
    )
    comtrade_url: str = Field(
        default="https://comtradeapi.un.org", description="UN Comtrade API base URL."
    )

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
    return Settings()
