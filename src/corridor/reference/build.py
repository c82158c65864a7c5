"""Generate ``reference/data/countries.csv`` from pycountry and ``comtrade_areas.yaml``.

The country table is package data written by this module, never copied from elsewhere:

1. every ISO 3166-1 country in pycountry becomes a row (numeric code, alpha-3, alpha-2, ISO
   short name; official and common names become aliases), kind ``country``;
2. each entry of the hand-written ``comtrade_areas.yaml`` replaces or adds the row for its
   Comtrade code (India 699, USA 842, World 0, "..., nes" areas, historical areas, ...),
   with its ``resolve_to`` code when it is an ISO code that redirects (840 -> 842);
3. the ``names`` section of the YAML adds Comtrade spellings ("Rep. of Korea") as aliases.

Regenerate after editing the YAML or upgrading pycountry::

    python -m corridor.reference.build            # writes src/corridor/reference/data/countries.csv
    python -m corridor.reference.build --check    # exit 1 if the committed file is stale

Output is deterministic (rows sorted by code, aliases in a fixed order), so a diff of the CSV
shows exactly what changed.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from pathlib import Path
from typing import Any

import pycountry

from corridor.reference.packaged import load_yaml

DATA_DIR = Path(__file__).resolve().parent / "data"
AREAS_YAML = DATA_DIR / "comtrade_areas.yaml"
COUNTRIES_CSV = DATA_DIR / "countries.csv"
COLUMNS = ("code", "iso3", "iso2", "name", "kind", "valid_from", "valid_to", "aliases",
           "resolve_to")  # fmt: skip
KINDS = frozenset({"country", "area_nes", "aggregate", "historical", "special"})


def _iso_names(numeric: int) -> list[str]:
    """Return pycountry's names (short, common, official) for an ISO numeric code."""
    country = pycountry.countries.get(numeric=f"{numeric:03d}")
    if country is None:
        return []
    names = [country.name]
    for attr in ("common_name", "official_name"):
        value = getattr(country, attr, None)
        if value:
            names.append(value)
    return names


def _dedupe(names: list[str], exclude: str) -> list[str]:
    """Drop empty names, duplicates (case-insensitive) and the primary name, keeping order."""
    seen = {exclude.casefold()}
    out: list[str] = []
    for name in names:
        name = name.strip()
        if name and name.casefold() not in seen:
            if "|" in name:
                raise ValueError(f"alias {name!r} contains the separator '|'")
            seen.add(name.casefold())
            out.append(name)
    return out


def load_areas(path: Path = AREAS_YAML) -> dict[str, Any]:
    """Read and validate the hand-written Comtrade area table."""
    doc = load_yaml(path.read_text(encoding="utf-8"))
    seen: set[int] = set()
    for entry in doc["areas"]:
        code = entry["code"]
        if not isinstance(code, int) or code in seen:
            raise ValueError(f"{path.name}: bad or duplicate code {code!r}")
        seen.add(code)
        if entry.get("kind") not in KINDS:
            raise ValueError(f"{path.name}: code {code} has kind {entry.get('kind')!r}")
    return doc


def build_rows(areas: dict[str, Any] | None = None) -> list[dict[str, str]]:
    """Build the country table rows (strings, ready for csv) sorted by code."""
    doc = areas if areas is not None else load_areas()
    rows: dict[int, dict[str, Any]] = {}
    for country in pycountry.countries:
        code = int(country.numeric)
        rows[code] = {
            "code": code,
            "iso3": country.alpha_3,
            "iso2": country.alpha_2,
            "name": country.name,
            "kind": "country",
            "valid_from": None,
            "valid_to": None,
            "aliases": _iso_names(code)[1:],
            "resolve_to": None,
        }
    for entry in doc["areas"]:
        code = entry["code"]
        aliases = list(entry.get("aliases") or [])
        if entry.get("iso_numeric") is not None:
            aliases += _iso_names(int(entry["iso_numeric"]))
        rows[code] = {
            "code": code,
            "iso3": entry.get("iso3"),
            "iso2": entry.get("iso2"),
            "name": entry["name"],
            "kind": entry["kind"],
            "valid_from": entry.get("valid_from"),
            "valid_to": entry.get("valid_to"),
            "aliases": aliases,
            "resolve_to": entry.get("resolve_to"),
        }
    for code, names in (doc.get("names") or {}).items():
        if int(code) not in rows:
            raise ValueError(f"names: code {code} is neither in pycountry nor in areas")
        rows[int(code)]["aliases"] = list(rows[int(code)]["aliases"]) + list(names)

    out: list[dict[str, str]] = []
    for code in sorted(rows):
        row = rows[code]
        out.append(
            {
                "code": str(code),
                "iso3": row["iso3"] or "",
                "iso2": row["iso2"] or "",
                "name": row["name"],
                "kind": row["kind"],
                "valid_from": "" if row["valid_from"] is None else str(row["valid_from"]),
                "valid_to": "" if row["valid_to"] is None else str(row["valid_to"]),
                "aliases": "|".join(_dedupe(row["aliases"], row["name"])),
                "resolve_to": "" if row["resolve_to"] is None else str(row["resolve_to"]),
            }
        )
    return out


def render_csv(rows: list[dict[str, str]]) -> str:
    """Render rows as CSV text with Unix line endings."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


def main(argv: list[str] | None = None) -> int:
    """Write (or with ``--check`` verify) countries.csv; returns the process exit code."""
    parser = argparse.ArgumentParser(prog="python -m corridor.reference.build")
    parser.add_argument("--check", action="store_true", help="fail if countries.csv is stale")
    parser.add_argument("--output", type=Path, default=COUNTRIES_CSV)
    args = parser.parse_args(argv)
    text = render_csv(build_rows())
    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.exists() else ""
        if current != text:
            print(
                f"{args.output} is stale: run python -m corridor.reference.build", file=sys.stderr
            )
            return 1
        return 0
    args.output.write_text(text, encoding="utf-8", newline="")
    print(f"wrote {args.output} ({text.count(chr(10)) - 1} rows)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
