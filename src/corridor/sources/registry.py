"""The registry of file kinds: which source module reads which kind of file.

Each source module declares its kind once (``KIND = FileKind(...)``: name, description,
plan builder and the options it takes); :func:`file_kind` finds it by name. Modules are
imported on first use, so importing the registry stays cheap.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache, partial
from typing import Any

from corridor.errors import InvalidQuery
from corridor.store.plan import LoadPlan, RawFile

__all__ = ["FileKind", "file_kind", "file_kinds"]

# Source modules that declare a KIND, in the order kinds are listed.
_MODULES = ("baci", "comtrade_csv", "comtrade_json", "comtrade_bulk", "table", "sample", "tariffs")


@dataclass(frozen=True)
class FileKind:
    """One kind of input file: its name, what it is, and how to plan its ingest."""

    name: str
    description: str
    plan: Callable[..., LoadPlan]  # plan(raw, **options)
    options: frozenset[str] = field(default_factory=frozenset)
    required: frozenset[str] = field(default_factory=frozenset)

    def plan_for(self, **options: Any) -> Callable[[RawFile], LoadPlan]:
        """The plan builder with ``options`` bound (None values are left out)."""
        given = {k: v for k, v in options.items() if v is not None}
        unknown = sorted(set(given) - self.options)
        if unknown:
            raise InvalidQuery(f"{self.name} ingest takes no option {', '.join(unknown)}")
        missing = sorted(self.required - set(given))
        if missing:
            raise InvalidQuery(f"{self.name} ingest needs {', '.join(missing)}")
        return partial(self.plan, **given)


@lru_cache(maxsize=1)
def file_kinds() -> dict[str, FileKind]:
    """Every registered kind by name."""
    kinds: dict[str, FileKind] = {}
    for name in _MODULES:
        kind = importlib.import_module(f"corridor.sources.{name}").KIND
        kinds[kind.name] = kind
    return kinds


def file_kind(name: str) -> FileKind:
    """The kind called ``name``.

    Raises:
        InvalidQuery: for an unknown name (the message lists the accepted ones).
    """
    kinds = file_kinds()
    if name not in kinds:
        raise InvalidQuery(f"unknown file kind '{name}' (accepted: {', '.join(kinds)})")
    return kinds[name]
