"""Fetching UN Comtrade data into the warehouse: plan → archive or call → ingest.

Each planned request is handled on its own: an archived response is reused (no HTTP) unless
``refresh``; otherwise the client calls the API and the body is archived (gzip, sha256,
redacted URL, retrieved_at) before it is ingested in one transaction. An interrupted fetch
(Ctrl-C, kill -9, network loss) therefore resumes where it stopped: finished requests are
archive hits whose files are journalled ``done``, and nothing is inserted twice.
"""

from __future__ import annotations

import os
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from corridor.errors import InvalidQuery
from corridor.sources.comtrade_query import (
    KEYED,
    PREVIEW,
    ComtradeQuery,
    PlannedRequest,
    plan_requests,
    request_key,
    split_request,
)
from corridor.store.archive import Archive, ArchivedResponse
from corridor.store.ingest import RawFile, ingest

if TYPE_CHECKING:
    import httpx
    from pydantic import SecretStr
    from pyrate_limiter import Limiter

    from corridor.settings import Settings
    from corridor.sources.comtrade_client import ComtradeClient
    from corridor.store.ingest import IngestResult
    from corridor.store.warehouse import Warehouse

__all__ = [
    "REFERENCE_FILES",
    "FetchProgress",
    "FetchReport",
    "ReferenceResult",
    "fetch_bulk",
    "fetch_comtrade",
    "fetch_corridor",
    "fetch_reference",
    "make_client",
    "read_key_file",
    "resolve_tier",
]

Tier = Literal["preview", "keyed"]
REFERENCE_FILES = ("Reporters.json", "partnerAreas.json", "HS.json")
REFERENCE_MAX_AGE = 7 * 24 * 3600  # the server's Cache-Control max-age (sources.md §1.10)


@dataclass
class FetchProgress:
    """Where a fetch is: calls done and remaining, rows ingested so far."""

    done: int
    remaining: int
    rows: int
    description: str
    cached: bool


@dataclass
class FetchReport:
    """What a fetch did."""

    tier: str
    calls_planned: int
    http_calls: int = 0  # HTTP requests sent, retries included
    requests_fetched: int = 0  # planned requests answered by the API
    requests_cached: int = 0  # planned requests answered from the archive
    splits: int = 0  # responses at the row cap that were split and fetched again
    rows_ingested: int = 0
    no_data: int = 0  # responses with count 0 (an honest "no data")
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)
    results: list[IngestResult] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        """A JSON-ready summary (no ingest details)."""
        keys = ("tier", "calls_planned", "http_calls", "requests_fetched", "requests_cached",
                "splits", "rows_ingested", "no_data", "seconds", "warnings")  # fmt: skip
        return {k: getattr(self, k) for k in keys}


ProgressFn = Callable[[FetchProgress], None]


def read_key_file(path: Path) -> str:
    """Read a subscription key from a file (first non-empty line).

    Raises:
        InvalidQuery: missing or empty file (the key itself is never shown).
    """
    path = Path(path).expanduser()
    if not path.is_file():
        raise InvalidQuery(f"--key-file {path}: no such file")
    key = next((ln.strip() for ln in path.read_text("utf-8").splitlines() if ln.strip()), "")
    if not key:
        raise InvalidQuery(f"--key-file {path}: the file is empty")
    return key


def resolve_tier(tier: str | None, key: SecretStr | str | None) -> Tier:
    """'preview' or 'keyed': keyed when a key is available unless preview is asked for."""
    has_key = bool(key.get_secret_value() if hasattr(key, "get_secret_value") else key)
    if tier in (None, "auto"):
        return "keyed" if has_key else "preview"
    if tier not in ("preview", "keyed"):
        raise InvalidQuery(f"tier {tier!r} (accepted: auto, preview, keyed)")
    if tier == "keyed" and not has_key:
        raise InvalidQuery(
            "the keyed tier needs a subscription key: set CORRIDOR_COMTRADE_KEY or pass "
            "--key-file (without a key corridor uses the public preview, ≤500 rows per call)"
        )
    return tier  # type: ignore[return-value]


def make_client(
    settings: Settings,
    tier: Tier,
    *,
    key: SecretStr | str | None = None,
    transport: httpx.BaseTransport | None = None,
    limiter: Limiter | None = None,
    calls_per_minute: float | None = None,
    sleep: Callable[[float], None] = time.sleep,
    timeout: float | None = None,
) -> ComtradeClient:
    """A client for ``settings.comtrade_url`` paced for ``tier``."""
    from corridor.sources.comtrade_client import DEFAULT_TIMEOUT, ComtradeClient

    limits = KEYED if tier == "keyed" else PREVIEW
    return ComtradeClient(
        settings.comtrade_url,
        key=key if key is not None else settings.comtrade_key,
        transport=transport,
        timeout=timeout or DEFAULT_TIMEOUT,
        calls_per_minute=calls_per_minute or limits.calls_per_minute,
        limiter=limiter,
        sleep=sleep,
    )


def _settings(settings: Settings | None) -> Settings:
    from corridor.settings import get_settings

    return settings or get_settings()


def _raw(hit: ArchivedResponse, kind: str) -> RawFile:
    return RawFile(
        path=hit.path,
        origin=hit.url_redacted,
        kind=kind,
        sha256=hit.sha256,
        bytes=hit.bytes,
        retrieved_at=hit.retrieved_at,
        archived_path=str(hit.path),
    )


def fetch_comtrade(
    wh: Warehouse,
    query: ComtradeQuery,
    *,
    tier: Tier,
    client: ComtradeClient,
    settings: Settings | None = None,
    refresh: bool = False,
    progress: ProgressFn | None = None,
    requests: list[PlannedRequest] | None = None,
) -> FetchReport:
    """Fetch a query into the warehouse (see the module docstring).

    Raises:
        CorridorError: the first failure; everything fetched before it stays (resume later).
    """
    from corridor.sources.comtrade_json import comtrade_json_plan

    start = time.perf_counter()
    plan = requests if requests is not None else plan_requests(query, tier)
    cap = (KEYED if tier == "keyed" else PREVIEW).max_rows
    archive = Archive(_settings(settings).data_dir / "archive", wh.con)
    report = FetchReport(tier=tier, calls_planned=len(plan))
    queue: deque[PlannedRequest] = deque(plan)
    calls_before = client.calls
    done = 0
    try:
        while queue:
            req = queue.popleft()
            hit = None if refresh else archive.lookup(req.key)
            cached = hit is not None
            if hit is None:
                resp = client.get(req.path, req.params, keyed=tier == "keyed")
                count, limit = resp.count or 0, int(req.params.get("maxRecords", cap))
                status = "no data" if count == 0 else "truncated" if count >= limit else "ok"
                hit = archive.store_body(
                    req.key, resp.url, resp.body,
                    status=status, records=resp.count, retrieved_at=resp.retrieved_at,
                )  # fmt: skip
                report.requests_fetched += 1
            else:
                report.requests_cached += 1
            done += 1
            if hit.status == "truncated":
                parts = split_request(req)
                if parts:
                    report.splits += 1
                    report.warnings.append(
                        f"{hit.url_redacted}: {hit.records:,} records = the row cap "
                        f"(probably truncated); split into {len(parts)} calls"
                    )
                    queue.extendleft(reversed(parts))
                    _tell(progress, done, len(queue), report.rows_ingested, req, cached)
                    continue
                report.warnings.append(
                    f"{hit.url_redacted}: {hit.records:,} records = the row cap and the call "
                    "cannot be split further — rows may be missing"
                )
            result = ingest(wh, _raw(hit, "comtrade-json"), comtrade_json_plan)
            report.results.append(result)
            report.rows_ingested += result.rows_inserted
            report.no_data += hit.status == "no data"
            _tell(progress, done, len(queue), report.rows_ingested, req, cached)
    finally:
        report.http_calls = client.calls - calls_before
        report.seconds = round(time.perf_counter() - start, 3)
    return report


def _tell(
    progress: ProgressFn | None,
    done: int,
    remaining: int,
    rows: int,
    req: PlannedRequest,
    cached: bool,
) -> None:
    if progress:
        progress(FetchProgress(done, remaining, rows, req.description, cached))


def fetch_corridor(
    wh: Warehouse,
    importer: str | int,
    exporter: str | int | None,
    hs: str | Iterable[str],
    years: tuple[int, int] | Iterable[int],
    *,
    mirror: bool = True,
    tier: Tier = "preview",
    transport: httpx.BaseTransport | None = None,
    progress: ProgressFn | None = None,
    refresh: bool = False,
    level: int | None = None,
    settings: Settings | None = None,
    key: SecretStr | str | None = None,
    limiter: Limiter | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> FetchReport:
    """Fetch one corridor: the importer's imports from ``exporter`` (None: all partners).

    With ``mirror`` the exporter's reported exports to the importer come too.
    """
    years = tuple(years)
    if len(years) == 2 and years[0] < years[1]:
        years = tuple(range(years[0], years[1] + 1))
    query = ComtradeQuery(
        reporters=[str(importer)],
        partners=None if exporter is None else [str(exporter)],
        flows=("M",),
        hs=hs,
        level=level,
        years=years,
        mirror=mirror,
    )
    settings = _settings(settings)
    client = make_client(settings, tier, key=key, transport=transport, limiter=limiter, sleep=sleep)
    with client:
        return fetch_comtrade(
            wh, query, tier=tier, client=client, settings=settings,
            refresh=refresh, progress=progress,
        )  # fmt: skip


def fetch_bulk(
    wh: Warehouse,
    reporters: tuple[int, ...],
    years: tuple[int, ...],
    *,
    client: ComtradeClient,
    settings: Settings | None = None,
    refresh: bool = False,
    progress: ProgressFn | None = None,
    freq: str = "A",
    cl_code: str = "HS",
) -> FetchReport:
    """Fetch keyed bulk files (listing → verified download → archive → ingest).

    Raises:
        CorridorError: the first failure; finished files stay (resume later).
    """
    from corridor.sources.comtrade_bulk import (
        bulk_file_path,
        bulk_listing_requests,
        bulk_plan,
        check_size,
        parse_listing,
    )

    start = time.perf_counter()
    settings = _settings(settings)
    listings = bulk_listing_requests(reporters, years, freq=freq, cl_code=cl_code)
    archive = Archive(settings.data_dir / "archive", wh.con, source="comtrade-bulk")
    report = FetchReport(tier="keyed", calls_planned=len(listings))
    calls_before = client.calls
    done = 0
    try:
        for req in listings:
            hit = None if refresh else archive.lookup(req.key)
            listing_cached = hit is not None
            if hit is None:
                resp = client.get(req.path, req.params, keyed=True)
                status = "no data" if not resp.count else "ok"
                hit = archive.store_body(
                    req.key,
                    resp.url,
                    resp.body,
                    status=status,
                    records=resp.count,
                    retrieved_at=resp.retrieved_at,
                )
                report.requests_fetched += 1
            else:
                report.requests_cached += 1
            files = parse_listing(archive.read(hit), hit.url_redacted)
            report.no_data += not files
            report.calls_planned += len(files)
            done += 1
            _tell(progress, done, report.calls_planned - done, report.rows_ingested, req,
                  listing_cached)  # fmt: skip
            for item in files:
                path = bulk_file_path(item)
                key = request_key(path, {})
                got = None if refresh else archive.lookup(key)
                cached = got is not None
                if got is None:
                    dl = client.download(path, settings.cache_dir / "downloads")
                    try:
                        check_size(dl.bytes, item.file_size, dl.url)
                    except Exception:
                        dl.path.unlink(missing_ok=True)
                        raise
                    got = archive.store_file(
                        key,
                        dl.url,
                        dl.path,
                        sha256=dl.sha256,
                        suffix=".txt.gz",
                        retrieved_at=dl.retrieved_at,
                    )
                    report.requests_fetched += 1
                else:
                    report.requests_cached += 1
                result = ingest(wh, _raw(got, "comtrade-bulk"), bulk_plan)
                report.results.append(result)
                report.rows_ingested += result.rows_inserted
                done += 1
                desc = f"bulk file reporter {item.reporter}, {item.period}"
                if progress:
                    progress(
                        FetchProgress(
                            done, report.calls_planned - done, report.rows_ingested, desc, cached
                        )
                    )
    finally:
        report.http_calls = client.calls - calls_before
        report.seconds = round(time.perf_counter() - start, 3)
    return report


@dataclass
class ReferenceResult:
    """One reference file: where it is, how many entries, and whether it was downloaded."""

    name: str
    path: Path
    entries: int
    status: str  # downloaded | cached
    retrieved_at: datetime


def fetch_reference(
    client: ComtradeClient,
    dest: Path,
    *,
    names: Iterable[str] = REFERENCE_FILES,
    refresh: bool = False,
    max_age: float = REFERENCE_MAX_AGE,
) -> list[ReferenceResult]:
    """Refresh Comtrade reference lists (no key) into ``dest``; fresh copies are reused."""
    import json

    from corridor.store.archive import _write_atomic

    out = []
    for name in names:
        path = Path(dest) / name
        fresh = path.is_file() and time.time() - path.stat().st_mtime < max_age
        if fresh and not refresh:
            body, status = path.read_bytes(), "cached"
            when = datetime.fromtimestamp(path.stat().st_mtime, UTC).replace(tzinfo=None)
        else:
            resp = client.get(f"/files/v1/app/reference/{name}", envelope=False)
            body, status, when = resp.body, "downloaded", resp.retrieved_at
            _write_atomic(path, lambda fh, b=body: fh.write(b))
            os.utime(path)
        doc = json.loads(body.decode("utf-8-sig"))
        entries = len(doc.get("results", [])) if isinstance(doc, dict) else len(doc)
        out.append(ReferenceResult(name, path, entries, status, when))
    return out
