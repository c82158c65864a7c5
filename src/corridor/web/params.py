"""URL parameters → a checked :class:`~corridor.query.CorridorQuery` (the CLI's messages).

Every value arrives as text and is checked here and by the query itself against the
reference data, so a hostile value is a 422 with the same one line as the CLI: too long,
not a number, an unknown country or HS code.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from corridor.errors import InvalidQuery

__all__ = ["CORRIDOR_KEYS", "MAX_LEN", "Picked", "corridor_query", "integer", "text"]

MAX_LEN = 200  # characters of one parameter (a claim: MAX_CLAIM)
MAX_CLAIM = 500
CORRIDOR_KEYS = ("importer", "exporter", "hs", "years", "measure", "side", "dataset", "level")
DEFAULTS = {"importer": "JPN", "exporter": "IND", "hs": "76", "measure": "auto", "side": "auto"}


def text(params: Mapping[str, Any], name: str, default: str | None = None,
         limit: int = MAX_LEN) -> str | None:  # fmt: skip
    """One text parameter, stripped; ``default`` when absent; too long → InvalidQuery."""
    raw = params.get(name)
    if raw is None:
        return default
    value = str(raw).strip()
    if len(value) > limit:
        raise InvalidQuery(f"{name}: {len(value):,} characters (at most {limit})")
    if "\x00" in value:
        raise InvalidQuery(f"{name}: contains a NUL character")
    return value


def integer(params: Mapping[str, Any], name: str, default: int | None = None) -> int | None:
    """One whole-number parameter (``--level`` style message when it is not one)."""
    value = text(params, name)
    if value is None or value == "":
        return default
    if not value.lstrip("-").isdigit() or len(value) > 6:
        shown = value if len(value) <= 40 else value[:40] + "…"
        raise InvalidQuery(f"{name} '{shown}': expected a whole number")
    return int(value)


@dataclass(frozen=True)
class Picked:
    """The corridor as picked in the URL (texts, for the picker and links)."""

    values: dict[str, str]

    def url(self, path: str, **extra: Any) -> str:
        """``path`` with this corridor's parameters (and ``extra``) as the query string."""
        items = {k: v for k, v in self.values.items() if v not in (None, "")}
        items.update({k: v for k, v in extra.items() if v not in (None, "")})
        return path + ("?" + urlencode(items) if items else "")


def corridor_query(params: Mapping[str, Any], *, need_exporter: bool = False):
    """The URL's corridor as (CorridorQuery, Picked); bad values raise InvalidQuery."""
    from corridor.query import CorridorQuery

    values = {k: text(params, k, DEFAULTS.get(k)) or "" for k in CORRIDOR_KEYS}
    exporter = values["exporter"] or None
    if need_exporter and exporter is None:
        raise InvalidQuery("this view needs an exporter (exporter=IND)")
    query = CorridorQuery(
        importer=values["importer"] or "JPN",
        exporter=exporter,
        hs=values["hs"] or "76",
        years=values["years"] or None,
        measure=values["measure"] or "auto",
        side=values["side"] or "auto",
        dataset=values["dataset"] or None,
        level=integer(params, "level"),
        top_n=integer(params, "top_n", 5),  # type: ignore[arg-type]
    )
    return query, Picked(values)
