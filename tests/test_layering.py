"""The layers import one way, and nothing above the store touches a database connection.

Layers, bottom to top (a module may import only from its own layer or those below):
settings, errors, units → reference → query → store → sources, sample → analytics, models →
services → report → cli, web. Imports inside functions count too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "corridor"
LAYERS = {
    "__init__": 0, "settings": 0, "errors": 0, "units": 0,
    "reference": 1, "query": 2, "store": 3, "sources": 4, "sample": 4,
    "analytics": 5, "models": 5, "services": 6, "report": 7, "cli": 8, "web": 8,
}  # fmt: skip
READ_SIDE = ("analytics", "models", "services", "report", "cli", "web")


def _layer(module: str) -> int | None:
    parts = module.split(".")
    if parts[0] != "corridor":
        return None
    return LAYERS.get(parts[1] if len(parts) > 1 else "__init__")


def _modules() -> list[Path]:
    return sorted(p for p in SRC.rglob("*.py") if "__pycache__" not in p.parts)


def _imports(tree: ast.AST) -> list[tuple[int, str]]:
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.append((node.lineno, node.module))
    return out


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(SRC)))
def test_imports_point_down(path: Path) -> None:
    rel = path.relative_to(SRC)
    top = rel.parts[0].removesuffix(".py")
    mine = LAYERS[top]
    tree = ast.parse(path.read_text("utf-8"))
    wrong = [
        f"line {line}: {module}"
        for line, module in _imports(tree)
        if (layer := _layer(module)) is not None and layer > mine
    ]
    assert not wrong, f"{rel} ({top}, layer {mine}) imports a higher layer: {wrong}"


@pytest.mark.parametrize(
    "path",
    [p for p in _modules() if p.relative_to(SRC).parts[0] in READ_SIDE],
    ids=lambda p: str(p.relative_to(SRC)),
)
def test_no_raw_database_above_the_store(path: Path) -> None:
    """Analytics, services, report and faces never import DuckDB nor touch a connection."""
    rel = path.relative_to(SRC)
    tree = ast.parse(path.read_text("utf-8"))
    bad = [f"line {line}: import {m}" for line, m in _imports(tree) if m.split(".")[0] == "duckdb"]
    bad += [
        f"line {n.lineno}: .{n.attr}"
        for n in ast.walk(tree)
        if isinstance(n, ast.Attribute) and n.attr in ("con", "_con")
    ]
    assert not bad, f"{rel} touches the database directly: {bad}"


def test_analytics_does_not_import_the_store() -> None:
    found = []
    for path in (SRC / "analytics").glob("*.py"):
        for line, module in _imports(ast.parse(path.read_text("utf-8"))):
            if module.startswith("corridor.store"):
                found.append(f"{path.name}:{line} {module}")
    assert not found


def test_indicator_docs_are_generated_from_the_registry() -> None:
    from corridor.analytics import docs

    assert docs.main(["--check"]) == 0, "run: python -m corridor.analytics.docs"
