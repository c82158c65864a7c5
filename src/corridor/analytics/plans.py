"""Compiled plans: an indicator's Ibis expression is built once per *shape* and reused.

A corridor question has a shape (which side, measure, how many HS codes of which length,
whether years or an exporter are given …) and values (Japan = 392, HS '76', 2015–2024 …).
Expressions are built over unbound tables with named Ibis scalar parameters for the values,
so one expression serves every question of its shape:

* on DuckDB it is compiled once to SQL with ``$name`` placeholders, kept in memory and on
  disk (``<cache dir>/plans/<fingerprint>/``, keyed by indicator and shape; the fingerprint
  covers the corridor version, the analytics code and the dialect), so a later process runs
  the SQL without importing Ibis at all;
* on any other backend the expression is executed with the parameter values bound.

Compiling substitutes unique sentinels for the parameters and swaps them for placeholders;
the result is checked against a compilation with the real values, so a placeholder can never
stand where a literal was meant (a check failure falls back to uncached literal SQL).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from corridor import __version__

if TYPE_CHECKING:
    import ibis.expr.types as ir

__all__ = ["CompiledPlan", "Params", "PlanCache", "compile_duckdb", "plan_cache"]

_DIALECT = "duckdb"
_INT_BASE = 31_700  # int sentinels: 31700 + i (within SMALLINT, unlike any real constant)
_LOCK = threading.Lock()


class Params:
    """Named scalar parameters of one plan: name → (Ibis type, value).

    Indicator code reads parameters as attributes (``p.importer``) and gets an Ibis scalar
    parameter, never the value: the value enters only when the plan runs.
    """

    def __init__(self, values: dict[str, tuple[str, Any]], *, bind: bool = False) -> None:
        self.values = values
        self.bind_values = bind  # literals instead of parameters: an executable expression
        self._exprs: dict[str, Any] = {}

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_") or name in ("values", "bind_values"):
            raise AttributeError(name)
        return self[name]

    def __getitem__(self, name: str) -> Any:
        if name not in self.values:
            raise KeyError(f"plan parameter {name!r} is not declared")
        if name not in self._exprs:
            import ibis

            dtype, value = self.values[name]
            self._exprs[name] = (
                ibis.literal(value, dtype) if self.bind_values else ibis.param(dtype).name(name)
            )
        return self._exprs[name]

    def bound(self) -> dict[Any, Any]:
        """Parameter expressions that were used → their values (for Ibis execution)."""
        return {expr: self.values[name][1] for name, expr in self._exprs.items()}


@dataclass(frozen=True)
class CompiledPlan:
    """SQL text with ``$name`` placeholders and the parameter names it uses."""

    sql: str
    names: tuple[str, ...]
    cacheable: bool = True

    def bind(self, values: dict[str, tuple[str, Any]]) -> dict[str, Any]:
        """The parameter values this SQL needs (DuckDB refuses unused ones)."""
        return {n: values[n][1] for n in self.names}


def _sentinels(params: Params) -> tuple[dict[Any, Any], dict[str, str]]:
    """Sentinel value per used parameter, and the literal text each compiles to."""
    subst: dict[Any, Any] = {}
    texts: dict[str, str] = {}
    for i, (name, expr) in enumerate(sorted(params._exprs.items())):
        dtype = params.values[name][0]
        if dtype.startswith(("int", "uint")):
            value: Any = _INT_BASE + i
            texts[name] = str(value)
        elif dtype.startswith("float"):
            value = _INT_BASE + i + 0.125
            texts[name] = repr(value)
        else:
            value = f"__corridor_p{i}__"
            texts[name] = f"'{value}'"
        subst[expr] = value
    return subst, texts


def compile_duckdb(expr: ir.Table, params: Params) -> CompiledPlan:
    """Compile an expression to DuckDB SQL with ``$name`` placeholders (checked)."""
    import ibis

    subst, texts = _sentinels(params)
    sql = ibis.to_sql(expr, dialect=_DIALECT, params=subst)
    used = []
    for name, text in texts.items():
        pattern = re.compile(r"(?<![\w.'])" + re.escape(text) + r"(?![\w.'])")
        sql, n = pattern.subn(f"${name}", sql)
        if n:
            used.append(name)
    literal = ibis.to_sql(expr, dialect=_DIALECT, params=params.bound())
    if _squash(_render(sql, params)) != _squash(literal):  # a sentinel met a real constant
        return CompiledPlan(literal, (), cacheable=False)
    return CompiledPlan(sql, tuple(sorted(used)))


def _squash(sql: str) -> str:
    """SQL with whitespace runs made one space (the pretty-printer wraps by text length)."""
    return " ".join(sql.split())


def _render(sql: str, params: Params) -> str:
    """Put literal values back in place of placeholders (for the equality check)."""
    import sqlglot

    def literal(name: str) -> str:
        value = params.values[name][1]
        if isinstance(value, str):
            return sqlglot.exp.Literal.string(value).sql(dialect=_DIALECT)
        return str(value)

    return re.sub(r"\$([A-Za-z_]\w*)", lambda m: literal(m.group(1)), sql)


@lru_cache(maxsize=1)
def fingerprint() -> str:
    """Hash of the corridor version and the analytics code (plans are valid per value)."""
    digest = hashlib.sha256(f"{__version__}|{_DIALECT}".encode())
    here = Path(__file__).parent
    for path in sorted(here.glob("*.py")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


class PlanCache:
    """Compiled plans in memory and on disk, keyed by (indicator, shape)."""

    def __init__(self, directory: Path | None) -> None:
        self.directory = directory / fingerprint() if directory else None
        self._memory: dict[tuple[str, Hashable], CompiledPlan] = {}
        self.compiled = 0  # plans compiled by this process (cache misses)

    def _file(self, name: str, shape: Hashable) -> Path | None:
        if self.directory is None:
            return None
        digest = hashlib.sha256(repr(shape).encode()).hexdigest()[:20]
        return self.directory / f"{name}-{digest}.json"

    def get(
        self, name: str, shape: Hashable, build: Callable[[], tuple[ir.Table, Params]]
    ) -> CompiledPlan:
        """The plan for (name, shape): from memory, from disk, or built and compiled now."""
        key = (name, shape)
        plan = self._memory.get(key)
        if plan is not None:
            return plan
        path = self._file(name, shape)
        if path is not None and path.is_file():
            try:
                doc = json.loads(path.read_text("utf-8"))
                if doc.get("shape") == repr(shape):
                    plan = CompiledPlan(doc["sql"], tuple(doc["names"]))
            except (OSError, ValueError, KeyError):
                plan = None
        if plan is None:
            expr, params = build()
            plan = compile_duckdb(expr, params)
            self.compiled += 1
            if plan.cacheable and path is not None:
                _write(path, {"shape": repr(shape), "sql": plan.sql, "names": list(plan.names)})
        if plan.cacheable:
            with _LOCK:
                self._memory[key] = plan
        return plan


def _write(path: Path, doc: dict[str, Any]) -> None:
    """Write a plan file atomically; a cache that cannot be written is simply not kept."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(doc), "utf-8")
        os.replace(tmp, path)
    except OSError:
        pass


_CACHES: dict[str | None, PlanCache] = {}


def plan_cache(directory: Path | None) -> PlanCache:
    """The process-wide plan cache for a cache directory (None: memory only)."""
    key = str(directory) if directory else None
    with _LOCK:
        if key not in _CACHES:
            _CACHES[key] = PlanCache(directory)
        return _CACHES[key]
