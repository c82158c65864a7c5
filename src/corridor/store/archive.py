"""The raw-response archive: every fetched body, gzip-compressed, named by its sha256.

Layout: ``<data_dir>/archive/<source>/<sha[:2]>/<sha><suffix>``. A body is written to a temp
file in the same directory, fsynced and moved into place with :func:`os.replace`, so a file in
the archive is always whole. The warehouse table ``fetch_requests`` maps a request (its key:
sha256 of path + sorted params, never a subscription key) to the archived body, which makes
the archive the cache: a request found there is not sent again unless refreshed.

A body that was archived but then failed ingest validation is *quarantined*: its index row
gets status ``quarantined`` and the body moves to ``<data_dir>/archive/<source>/quarantine/``
(next to a ``<sha>.reason.txt`` saying why), so the next fetch sends the request again
instead of reusing a bad answer forever.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import tempfile
import zlib
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from corridor.errors import CorridorError, ParseError

if TYPE_CHECKING:
    import duckdb

    from corridor.store.warehouse import Warehouse

__all__ = [
    "FETCH_DDL",
    "NO_DATA",
    "OK",
    "QUARANTINED",
    "TRUNCATED",
    "Archive",
    "ArchivedResponse",
    "redact_url",
    "write_atomic",
]

# fetch_requests.status values
OK, NO_DATA, TRUNCATED, QUARANTINED = "ok", "no data", "truncated", "quarantined"

FETCH_DDL = """CREATE TABLE IF NOT EXISTS fetch_requests (
    request_key VARCHAR PRIMARY KEY,   -- sha256 of path + sorted params (no key)
    url_redacted VARCHAR NOT NULL,     -- the URL without any subscription key
    sha256 VARCHAR NOT NULL,           -- sha256 of the (uncompressed) body
    retrieved_at TIMESTAMP NOT NULL,   -- UTC
    status VARCHAR NOT NULL,           -- ok | no data | truncated | quarantined
    records BIGINT,                    -- the envelope's count (NULL for files)
    path VARCHAR NOT NULL              -- archived file
)"""

_SECRET_PARAMS = {"subscription-key", "subscription_key", "subscriptionkey", "key", "token"}


def redact_url(url: str) -> str:
    """Return ``url`` without credentials (query keys like ``subscription-key``, user info).

    An unparseable URL loses everything after its host part (it is only ever shown).
    """
    try:
        parts = urlsplit(url)
    except ValueError:
        head = url.split("?", 1)[0].split("#", 1)[0]
        scheme, sep, rest = head.partition("://")
        return (
            scheme + sep + rest.split("/", 1)[0].rsplit("@", 1)[-1] + ("/…" if "/" in rest else "")
        )
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


def write_atomic(dest: Path, write) -> None:
    """Write ``dest`` whole or not at all (temp file in the same directory, fsync, rename).

    Raises:
        CorridorError: the directory cannot be written (names the path and the reason).
    """
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=".", suffix=".part")
    except OSError as exc:
        raise _unwritable(dest, exc) from exc
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, dest)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise _unwritable(dest, exc) from exc
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _unwritable(path: Path, exc: OSError) -> CorridorError:
    return CorridorError(
        f"cannot write {path}: {exc.strerror or exc} — check free space and the permissions "
        "of the data directory (CORRIDOR_DATA_DIR)"
    )


class Archive:
    """Raw bodies on disk plus their index in the warehouse (``fetch_requests``)."""

    def __init__(self, root: Path, wh: Warehouse, *, source: str = "comtrade"):
        self.root = Path(root) / source
        self.con: duckdb.DuckDBPyConnection = wh.con
        self.con.execute(FETCH_DDL)

    def path_for(self, sha256: str, suffix: str = ".json.gz") -> Path:
        """Where a body with this hash lives."""
        return self.root / sha256[:2] / f"{sha256}{suffix}"

    def lookup(self, request_key: str) -> ArchivedResponse | None:
        """Return the reusable archived response of a request (file there, not quarantined)."""
        row = self.con.execute(
            """SELECT request_key, url_redacted, sha256, retrieved_at, status, records, path
               FROM fetch_requests WHERE request_key = ? AND status <> ?""",
            [request_key, QUARANTINED],
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
            write_atomic(dest, lambda fh: fh.write(gzip.compress(body, mtime=0)))
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
        try:
            dest.parent.mkdir(parents=True, exist_ok=True)
            if dest.is_file():
                Path(src).unlink(missing_ok=True)
            else:
                os.replace(src, dest)
        except OSError as exc:
            raise _unwritable(dest, exc) from exc
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
        """The uncompressed body of an archived response.

        Raises:
            ParseError: the archived file is unreadable or not whole gzip.
        """
        try:
            return gzip.decompress(item.path.read_bytes())
        except (OSError, EOFError, zlib.error) as exc:
            raise ParseError(f"{item.path}: archived body unreadable: {exc}") from exc

    @property
    def quarantine_dir(self) -> Path:
        """Where quarantined bodies are kept for inspection."""
        return self.root / "quarantine"

    def quarantine(self, item: ArchivedResponse, reason: str) -> ArchivedResponse:
        """Take a body that failed validation out of use; keep it (and why) for inspection.

        The index row gets status ``quarantined`` (:meth:`lookup` no longer returns it, so the
        request is sent again next time) and the file moves to :attr:`quarantine_dir` (copied
        when another request still uses the same body).
        """
        dest = self.quarantine_dir / item.path.name
        note = self.quarantine_dir / f"{item.sha256}.reason.txt"
        shared = self.con.execute(
            """SELECT count(*) FROM fetch_requests
               WHERE path = ? AND request_key <> ? AND status <> ?""",
            [str(item.path), item.request_key, QUARANTINED],
        ).fetchone()[0]
        if item.path != dest and item.path.is_file():
            if shared:
                write_atomic(dest, lambda fh: fh.write(item.path.read_bytes()))
            else:
                try:
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    shutil.move(item.path, dest)
                except OSError as exc:
                    raise _unwritable(dest, exc) from exc
        text = f"{item.url_redacted}\n{reason}\n"
        write_atomic(note, lambda fh: fh.write(text.encode("utf-8", "replace")))
        self.con.execute(
            "UPDATE fetch_requests SET status = ?, path = ? WHERE request_key = ?",
            [QUARANTINED, str(dest), item.request_key],
        )
        return replace(item, status=QUARANTINED, path=dest)
