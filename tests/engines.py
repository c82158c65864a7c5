"""Every indicator of one question on one engine, and their comparison across engines."""

from __future__ import annotations

import math
from typing import Any


def same(a: Any, b: Any) -> bool:
    """Equal: exact for codes and counts, 1e-9 relative for floats, lists in any order."""
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    if isinstance(a, list) and isinstance(b, list):
        return sorted(map(str, a)) == sorted(map(str, b))
    return a == b


def all_indicators(catalog, query) -> dict[str, list[dict] | str]:
    """Each registered indicator's rows (sorted), or the NotFound line it raised."""
    import corridor.analytics.indicators  # noqa: F401
    from corridor.analytics.registry import INDICATORS
    from corridor.errors import NotFound
    from corridor.services.session import Session

    session = Session(catalog, query)
    out: dict[str, list[dict] | str] = {}
    for name in INDICATORS:
        if name == "coverage":
            continue
        try:
            result = session.indicator(name)
        except NotFound as exc:  # e.g. no importer's own report in BACI: same on each engine
            out[name] = f"NotFound: {exc}".replace(str(catalog.path), "<data>")
            continue
        rows = result.to_pylist()
        out[name] = sorted(rows, key=lambda r: [str(r[k]) for k in result.names])
    return out


def assert_equal(a: dict, b: dict) -> None:
    assert a.keys() == b.keys()
    for name in a:
        x, y = a[name], b[name]
        if isinstance(x, str) or isinstance(y, str):
            assert x == y, name
            continue
        assert len(x) == len(y), name
        for r, s in zip(x, y, strict=True):
            bad = {k: (r[k], s[k]) for k in r if not same(r[k], s[k])}
            assert not bad, (name, bad)


def differences(a: Any, b: Any, at: str = "") -> list[str]:
    """Where two JSON documents differ (floats within 1e-9 relative); [] when they agree."""
    if isinstance(a, dict) and isinstance(b, dict):
        if a.keys() != b.keys():
            return [f"{at}: keys {sorted(a.keys() ^ b.keys())}"]
        return [d for k in a for d in differences(a[k], b[k], f"{at}/{k}")]
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{at}: {len(a)} against {len(b)} items"]
        return [d for i, (x, y) in enumerate(zip(a, b, strict=True))
                for d in differences(x, y, f"{at}[{i}]")]  # fmt: skip
    if isinstance(a, float) and isinstance(b, float):
        return [] if math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12) else [f"{at}: {a} {b}"]
    return [] if a == b else [f"{at}: {str(a)[:60]} {str(b)[:60]}"]
