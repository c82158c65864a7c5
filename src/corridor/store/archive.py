"""The raw-response archive: every fetched body, gzip-compressed, named by its sha256.

Layout: ``<data_dir>/archive/<source>/<sha[:2]>/<sha><suffix>``. A body is written to a temp
file in the same directory, fsynced and moved into place with :func:`os.replace`, so a file in
the archive is always whole. The warehouse table ``fetch_requests`` maps a request (its key:
sha256 of path + sorted params, never a subscription key) to the archived body, which makes
the archive the cache: a request found there is not sent again unless refreshed.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

if TYPE_CHECKING:
    import duckdb

__all__ = ["FETCH_DDL", "Archive", "ArchivedResponse", "redact_url"]

FETCH_DDL = """CREATE TABLE IF NOT EXISTS fetch_requests (
    request_key VARCHAR PRIMARY KEY,   -- sha256 of path + sorted params (no key)
    url_redacted VARCHAR NOT NULL,     -- the URL without any subscription key
    sha256 VARCHAR NOT NULL,           -- sha256 of the (uncompressed) body
    retrieved_at TIMESTAMP NOT NULL,   -- UTC
    status VARCHAR NOT NULL,           -- ok | no data | truncated
    records BIGINT,                    -- the envelope's count (NULL for files)
    path VARCHAR NOT NULL              -- archived file
)"""

_SECRET_PARAMS = {"subscription-key", "subscription_key", "subscriptionkey", "key", "token"}


def redact_url(url: str) -> str:
    """Return ``url`` without credentials (query keys like ``subscription-key``, user info)."""
    parts = urlsplit(url)
    query = [
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if k.lower() not in _SECRET_PARAMS
    ]  # fmt: skip
    netloc = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit((parts.scheme, netloc, parts.path, urlencode(query), ""))


@dataclass(frozen=True)
class ArchivedResponse:
    """One archived body and what is known about it."""

    request_key: str
    url_redacted: str
    sha256: str
    retrieved_at: datetime
    status: str
    records: int | None
    path: Path
    bytes: int


def _write_atomic(dest: Path, write) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=".", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, dest)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class Archive:
    """Raw bodies on disk plus their index in the warehouse (``fetch_requests``)."""

    def __init__(self, root: Path, con: duckdb.DuckDBPyConnection, *, source: str = "comtrade"):
        self.root = Path(root) / source
        self.con = con
        con.execute(FETCH_DDL)

    def path_for(self, sha256: str, suffix: str = ".json.gz") -> Path:
        """Where a body with this hash lives."""
        return self.root / sha256[:2] / f"{sha256}{suffix}"

    def lookup(self, request_key: str) -> ArchivedResponse | None:
        """Return the archived response of a request, if its file is still there."""
        row = self.con.execute(
            """SELECT request_key, url_redacted, sha256, retrieved_at, status, records, path
               FROM fetch_requests WHERE request_key = ?""",
            [request_key],
        ).fetchone()
        if row is None or not Path(row[6]).is_file():
            return None
        path = Path(row[6])
        return ArchivedResponse(*row[:6], path=path, bytes=path.stat().st_size)

    def store_body(
        self,
        request_key: str,
        url: str,
        body: bytes,
        *,
        status: str,
        records: int | None,
        retrieved_at: datetime | None = None,
    ) -> ArchivedResponse:
        """Archive a body (gzip, deterministic bytes) and index it under ``request_key``."""
        sha = hashlib.sha256(body).hexdigest()
        dest = self.path_for(sha)
        if not dest.is_file():
            _write_atomic(dest, lambda fh: fh.write(gzip.compress(body, mtime=0)))
        size = dest.stat().st_size
        return self._index(request_key, url, sha, dest, status, records, retrieved_at, size)

    def store_file(
        self,
        request_key: str,
        url: str,
        src: Path,
        *,
        sha256: str,
        suffix: str,
        status: str = "ok",
        retrieved_at: datetime | None = None,
    ) -> ArchivedResponse:
        """Move a verified downloaded file into the archive and index it."""
        dest = self.path_for(sha256, suffix)
        dest.parent.mkdir(parents=True, exist_ok=True)
        if dest.is_file():
            Path(src).unlink(missing_ok=True)
        else:
            os.replace(src, dest)
        size = dest.stat().st_size
        return self._index(request_key, url, sha256, dest, status, None, retrieved_at, size)

    def _index(
        self,
        request_key: str,
        url: str,
        sha: str,
        dest: Path,
        status: str,
        records: int | None,
        retrieved_at: datetime | None,
        size: int,
    ) -> ArchivedResponse:
        when = retrieved_at or datetime.now(UTC).replace(tzinfo=None)
        safe = redact_url(url)
        self.con.execute(
            "INSERT OR REPLACE INTO fetch_requests VALUES (?, ?, ?, ?, ?, ?, ?)",
            [request_key, safe, sha, when, status, records, str(dest)],
        )
        return ArchivedResponse(request_key, safe, sha, when, status, records, dest, size)

    def read(self, item: ArchivedResponse) -> bytes:
        """The uncompressed body of an archived response."""
        return gzip.decompress(item.path.read_bytes())
