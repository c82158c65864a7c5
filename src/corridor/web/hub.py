"""The server's one read-only catalog, its sessions, and what may reach a browser.

A :class:`Hub` opens the warehouse read-only once and keeps recent corridor sessions (each
memoises its indicators), so a page reloaded by many people runs its queries once. The
catalog holds one DuckDB connection and a session's corridor slice is a temporary table on
it, so every use of the catalog is serialised by one lock: on two cores this keeps the p99
far below what a cursor per thread gained in ``benchmarks/bench_web.py`` (see its notes),
and no slice is ever created on one cursor and read on another. Memory stays bounded: the
hub keeps ``sessions`` sessions and ``8 × sessions`` results, and the catalog keeps at most
``Catalog.TEMP_TABLES`` slices (the least recently used is dropped; a session whose slice
was dropped makes it again when it next reads it).

Nothing sent to a browser carries a file path: :func:`scrub` replaces the warehouse, data
and cache paths (and any other absolute path) by a file name.
"""

from __future__ import annotations

import math
import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from corridor.query import CorridorQuery
    from corridor.services.session import Session
    from corridor.store.catalog import Catalog

__all__ = ["Hub", "scrub"]

T = TypeVar("T")
_PATH = re.compile(r"(?<![\w.:/])/(?:[\w.\-]+/)+([\w.\-]*)")


def scrub(value: Any, known: dict[str, str] | None = None) -> Any:
    """``value`` with every absolute path replaced by its file name (recursively); NaN → None."""
    if isinstance(value, str):
        for path, name in (known or {}).items():
            value = value.replace(path, name)
        return _PATH.sub(lambda m: m.group(1) or "(folder)", value)
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if isinstance(value, dict):
        return {k: scrub(v, known) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [scrub(v, known) for v in value]
    return value


class Hub:
    """One warehouse, opened read-only, shared by every request (see the module docstring).

    Args:
        warehouse: the DuckDB warehouse file.
        sessions: how many corridor sessions to keep (least recently used dropped first).
    """

    def __init__(self, warehouse: Path, *, sessions: int = 64) -> None:
        from corridor.settings import get_settings
        from corridor.store.catalog import Catalog

        self.path = Path(warehouse)
        self.catalog: Catalog = Catalog(self.path)
        self.lock = threading.RLock()
        self._sessions: OrderedDict[str, Session] = OrderedDict()
        self._cache: OrderedDict[tuple, Any] = OrderedDict()
        self._size = sessions
        settings = get_settings()
        known = {str(self.path.resolve()): self.path.name, str(self.path): self.path.name}
        for p in (settings.sample_warehouse_path,):
            known[str(p)] = p.name
        for p in (settings.data_dir, settings.cache_dir, Path.home()):
            known[str(p)] = "~"
        # longest first, so a file inside the data dir keeps its own name
        self.known = dict(sorted(known.items(), key=lambda kv: -len(kv[0])))

    def close(self) -> None:
        """Close the catalog."""
        with self.lock:
            self.catalog.close()

    @property
    def name(self) -> str:
        """The warehouse's file name (never its path)."""
        return self.path.name

    def scrub(self, value: Any) -> Any:
        """:func:`scrub` with this server's paths."""
        return scrub(value, self.known)

    def session(self, query: CorridorQuery) -> Session:
        """The session of ``query`` (kept for later requests). Call with the lock held."""
        from corridor.services.session import Session

        key = repr(sorted(query.as_dict().items()))
        s = self._sessions.get(key)
        if s is None:
            s = Session(self.catalog, query)
            self._sessions[key] = s
            while len(self._sessions) > self._size:
                self._sessions.popitem(last=False)
        else:
            self._sessions.move_to_end(key)
        return s

    def cached(self, key: tuple, build: Callable[[], T]) -> T:
        """``build()`` once per ``key`` (under the lock; errors are not kept)."""
        with self.lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
            value = build()
            self._cache[key] = value
            while len(self._cache) > self._size * 8:
                self._cache.popitem(last=False)
            return value

    def run(self, fn: Callable[[], T]) -> T:
        """Run ``fn`` with the catalog to itself."""
        with self.lock:
            return fn()
