"""UN Comtrade bulk files (keyed): listing, verified download, and the load plan.

A listing (``/bulk/v1/get/C/A/HS?reporterCode=392&period=2022``) is a v1 envelope whose
records name files (sources.md §1.9). Each file is gzip tab-separated text with one header
line and code-only columns; final files carry the *plus* breakdown (partner2, customs
procedure, mode of transport): those rows are stored as they are — the canonical key keeps
them apart — and analytics keep classic totals (C00 / 0 / 0).
"""

from __future__ import annotations

import gzip
import json
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from corridor.errors import DataQualityError, InvalidQuery, ParseError
from corridor.sources.comtrade_query import PlannedRequest
from corridor.sources.comtrade_records import (
    COMTRADE_DATASET,
    RECORD_FIELDS,
    canonical_select,
    field_lookup,
    require_value,
)
from corridor.sources.registry import FileKind
from corridor.store.plan import LoadPlan, RawFile, sql_str

__all__ = [
    "KIND",
    "BulkFile",
    "bulk_file_path",
    "bulk_listing_requests",
    "bulk_plan",
    "check_size",
    "parse_listing",
    "parse_size",
]

_SIZE = re.compile(r"^\s*([0-9.]+)\s*(B|KB|MB|GB)\s*$", re.I)
_UNITS = {"B": 1, "KB": 1024, "MB": 1024**2, "GB": 1024**3}


@dataclass(frozen=True)
class BulkFile:
    """One file of a bulk listing."""

    file_url: str
    file_size: str
    reporter: int
    period: str
    classification: str
    row_key: str
    publication_date: str | None


def parse_size(text: str | None) -> int | None:
    """``'183.34 KB'`` → 187740 (KB = 1024 bytes); None when unparseable."""
    m = _SIZE.match(text or "")
    return int(float(m.group(1)) * _UNITS[m.group(2).upper()]) if m else None


def check_size(actual: int, listed: str | None, url: str) -> None:
    """Compare a download's size with the listing's rounded size (2 % tolerance).

    Raises:
        DataQualityError: when they clearly differ (an error page or a cut file).
    """
    expected = parse_size(listed)
    if expected is None:
        return
    if abs(actual - expected) > max(1024, 0.02 * expected):
        raise DataQualityError(
            f"{url}: downloaded {actual:,} bytes but the listing says {listed} — not stored"
        )


def bulk_listing_requests(
    reporters: tuple[int, ...],
    years: tuple[int, ...],
    *,
    freq: str = "A",
    cl_code: str = "HS",
    type_code: str = "C",
) -> list[PlannedRequest]:
    """One listing call per reporter for all ``years`` (at most 12 periods per call).

    Raises:
        InvalidQuery: an unknown frequency.
    """
    from corridor.sources.comtrade_query import FREQS

    if freq not in FREQS:
        accepted = ", ".join(f"{k} ({v})" for k, v in FREQS.items())
        raise InvalidQuery(f"frequency {freq!r} (accepted: {accepted})")
    periods = tuple(str(y) for y in years)
    out = []
    for reporter in reporters:
        for i in range(0, len(periods), 12):
            chunk = periods[i : i + 12]
            params = {"period": ",".join(chunk), "reporterCode": str(reporter)}
            out.append(
                PlannedRequest(
                    path=f"/bulk/v1/get/{type_code}/{freq}/{cl_code}",
                    params=dict(sorted(params.items())),
                    expected_max_records=len(chunk),
                    description=f"bulk listing: reporter {reporter}, {chunk[0]}–{chunk[-1]}",
                    tier="keyed",
                    reporters=(reporter,),
                    partners=None,
                    flows=(),
                    codes=(),
                    periods=chunk,
                )
            )
    return out


def parse_listing(body: bytes, url: str = "bulk listing") -> list[BulkFile]:
    """Parse a bulk listing envelope into :class:`BulkFile` items.

    Raises:
        ParseError: when the body is not a listing.
    """
    try:
        doc = json.loads(body)
        items = doc["data"]
        if not isinstance(items, list):
            raise TypeError("'data' is not a list")
        out = []
        for item in items:
            file_url = str(item["fileUrl"])
            out.append(
                BulkFile(
                    file_url=file_url,
                    file_size=str(item.get("fileSize") or ""),
                    reporter=int(item["reporterCode"]),
                    period=str(item["period"]),
                    classification=str(item.get("classificationCode") or ""),
                    row_key=str(item.get("rowKey") or urlsplit(file_url).path.split("/")[-1]),
                    publication_date=_text(item.get("publicationDate")),
                )
            )
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ParseError(f"{url}: not a bulk file listing ({type(exc).__name__}: {exc})") from exc
    return out


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def bulk_file_path(item: BulkFile) -> str:
    """The API path of a listed file (re-based on the configured host by the client)."""
    parts = urlsplit(item.file_url)
    return parts.path or f"/bulk/v1/file/{item.reporter}/{item.row_key}"


def _header(path: Path) -> list[str]:
    try:
        with gzip.open(path, "rt", encoding="utf-8-sig", newline="") as fh:
            line = fh.readline()
    except (OSError, EOFError, UnicodeDecodeError) as exc:
        raise ParseError(f"{path}: not a readable gzip text file: {exc}") from exc
    if not line.strip():
        raise ParseError(f"{path}: line 1: empty file (no header)")
    return [c.strip() for c in line.rstrip("\r\n").split("\t")]


def bulk_plan(raw: RawFile) -> LoadPlan:
    """Describe how to load one bulk file (gzip TSV with the v1 field names)."""
    header = _header(raw.path)
    lookup = field_lookup()
    fields = {lookup[c.lower()]: c for c in header if c.lower() in lookup}
    missing = [f for f in ("refYear", "reporterCode", "partnerCode", "flowCode", "cmdCode")
               if f not in fields]  # fmt: skip
    if missing:
        raise ParseError(f"{raw.path}: line 1: header lacks {', '.join(missing)}")
    require_value(raw.path, set(fields))
    if "period" not in fields:
        fields["period"] = fields["refYear"]
    cols = ", ".join(
        f'CAST(nullif(trim("{spelling}"), \'\') AS {RECORD_FIELDS[name]}) AS "{name}"'
        for name, spelling in fields.items()
    )
    relation = f"""(SELECT {cols} FROM read_csv({sql_str(str(raw.path))}, delim = '\t',
                    header = true, all_varchar = true, quote = '', escape = '',
                    compression = 'gzip'))"""
    select = canonical_select(relation, present=set(fields), row_number="row_number() OVER ()")
    return LoadPlan(select, COMTRADE_DATASET, row_label="line", row_offset=1)


KIND = FileKind(
    "comtrade-bulk",
    "UN Comtrade bulk files (gzip tab-separated, v1 field names)",
    bulk_plan,
)
