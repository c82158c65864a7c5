"""HTTP transport for the UN Comtrade API v1: timeouts, retries, pacing, error mapping.

* httpx client with an injectable ``transport`` (tests pass a local server's URL or a
  ``MockTransport``) and explicit timeouts;
* the subscription key is checked up front (:func:`validate_key`: one line of printable ASCII,
  never echoed), travels only in the ``Ocp-Apim-Subscription-Key`` header, only on keyed calls
  and only to the configured origin: redirects are followed by hand, re-checked at each hop,
  and a redirect to another scheme/host/port is refused (nothing from there is read);
* every form of the key (raw, repr, URL- and JSON-encoded, any 8-character piece) is scrubbed
  from messages and from log records while a client is open, and an answer that echoes the key
  is refused rather than archived;
* tenacity retries timeouts, connection resets, undecodable (bad gzip) bodies and 5xx with
  exponential backoff + jitter, and waits as long as ``Retry-After`` says on 429 (and 403
  with ``Retry-After``) unless that is longer than ``max_retry_after``; waits go through an
  injectable ``sleep`` so tests never sleep on the wall clock;
* a client-side pyrate-limiter paces calls (preview ≈1/s, keyed 10/min by default);
* every failure becomes a :mod:`corridor.errors` class naming the redacted URL.
"""

from __future__ import annotations

import email.utils
import hashlib
import json
import logging
import math
import os
import re
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from corridor.errors import (
    CorridorError,
    DataQualityError,
    InvalidQuery,
    NotFound,
    ParseError,
    RateLimited,
    SourceUnavailable,
    first_line,
)
from corridor.sources.api_key import KeyScrubber, validate_key
from corridor.store.archive import redact_url

if TYPE_CHECKING:
    import httpx
    from pydantic import SecretStr
    from pyrate_limiter import Limiter

__all__ = [
    "DEFAULT_TIMEOUT",
    "ApiResponse",
    "ComtradeClient",
    "Download",
    "check_envelope",
    "parse_retry_after",
    "validate_key",
]

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 120.0  # seconds to read a response (comtradeapicall uses 120 s)
CONNECT_TIMEOUT = 15.0
KEY_HEADER = "Ocp-Apim-Subscription-Key"
MAX_REDIRECTS = 5  # same-origin hops followed before giving up
_QUOTA = re.compile(r"replenished in (\d+):(\d\d):(\d\d)", re.I)
_TRY_AGAIN = re.compile(r"try again in (\d+) seconds", re.I)


@dataclass(frozen=True)
class ApiResponse:
    """A successful response: its body and envelope facts."""

    url: str  # redacted
    status: int
    body: bytes
    content_type: str
    count: int | None
    retrieved_at: datetime
    attempts: int


@dataclass(frozen=True)
class Download:
    """A file downloaded whole to a temp path (move it into place yourself)."""

    url: str
    path: Path
    sha256: str
    bytes: int
    retrieved_at: datetime


class _Retry(Exception):
    """Internal: a transient failure; ``error`` is raised when retries run out."""

    def __init__(self, error: CorridorError, retry_after: float | None = None) -> None:
        super().__init__(str(error))
        self.error = error
        self.retry_after = retry_after


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def _message(body: bytes) -> str:
    """A short human message from an error body (JSON message, or text without tags)."""
    try:
        doc = json.loads(body)
    except ValueError:
        doc = None
    if isinstance(doc, dict):
        obj = doc.get("errorObject")
        for text in (
            doc.get("message"),
            obj.get("errorMessage") if isinstance(obj, dict) else None,
            doc.get("error"),
        ):
            if text:
                return str(text)[:300]
    text = re.sub(r"<[^>]+>", " ", body[:2000].decode("utf-8", "replace"))
    return " ".join(text.split())[:300]


def check_envelope(body: bytes, url: str, content_type: str) -> int:
    """Check a v1 JSON envelope and return its ``count``.

    Raises:
        ParseError: empty body, HTML page, wrong content type, truncated or invalid JSON,
            missing ``data``, or a ``count`` that disagrees with ``data``.
        InvalidQuery: the envelope carries an error message.
    """
    ctype = content_type.split(";")[0].strip().lower()
    stripped = body.lstrip()
    if not stripped:
        raise ParseError(f"{url}: empty response body (expected a JSON envelope)")
    if stripped[:1] == b"<" or "html" in ctype:
        snippet = " ".join(stripped[:60].decode("utf-8", "replace").split())
        raise ParseError(f"{url}: offset 0: the server sent an HTML page, not JSON ({snippet!r})")
    if "json" not in ctype:
        raise ParseError(f"{url}: content type {ctype or 'missing'!r}, expected application/json")
    try:
        doc = json.loads(body)
    except ValueError as exc:
        pos = getattr(exc, "pos", "?")
        raise ParseError(
            f"{url}: offset {pos} of {len(body):,} bytes: truncated or invalid JSON "
            f"({getattr(exc, 'msg', exc)})"
        ) from exc
    if not isinstance(doc, dict):
        raise ParseError(f"{url}: offset 0: expected a JSON object, got {type(doc).__name__}")
    status = doc.get("statusCode", doc.get("status_code"))
    if isinstance(status, int) and status >= 400:
        raise InvalidQuery(f"{url}: the API answered with an error (status {status}): "
                           f"{_message(body)}")  # fmt: skip
    obj = doc.get("errorObject")
    error = doc.get("error") or (obj.get("errorMessage") if isinstance(obj, dict) else obj)
    if error:
        raise InvalidQuery(f"{url}: the API refused the query: {str(error)[:300]}")
    data = doc.get("data")
    if not isinstance(data, list):
        raise ParseError(f"{url}: the envelope has no 'data' list (keys: {', '.join(doc)})")
    count = doc.get("count")
    if count is None:
        return len(data)
    if not isinstance(count, int) or count != len(data):
        raise ParseError(f"{url}: says count {count} but holds {len(data):,} records (truncated?)")
    return count


def _default_limiter(calls_per_minute: float) -> Limiter:
    from pyrate_limiter import Limiter, Rate

    interval_ms = max(1, int(60_000 / calls_per_minute))
    return Limiter(Rate(1, interval_ms))


def _origin(url: httpx.URL) -> tuple[str, str, int]:
    """(scheme, host, port) with the scheme's default port filled in."""
    default = {"http": 80, "https": 443}.get(url.scheme, 0)
    return url.scheme, url.host.lower(), url.port or default


def _positive(value: float, what: str) -> float:
    if not (isinstance(value, int | float) and math.isfinite(value) and value > 0):
        raise InvalidQuery(f"{what} {value!r}: expected a positive finite number")
    return float(value)


class ComtradeClient:
    """A small, safe HTTP client for the Comtrade API (use as a context manager).

    Args:
        base_url: API host (``Settings.comtrade_url``; a mirror, proxy or test server). The key
            is only ever sent to this origin (scheme, host, port).
        key: subscription key; checked with :func:`validate_key`; sent as a header on keyed
            calls only.
        transport: an ``httpx.BaseTransport`` (tests); default: the network.
        timeout: seconds to wait for a response.
        calls_per_minute: client-side pace (ignored when ``limiter`` is given).
        limiter: a pyrate-limiter ``Limiter`` to share or to speed up in tests.
        sleep: how to wait between retries (tests record instead of sleeping).
        max_attempts: tries per call for transient failures.
        max_retry_after: a longer ``Retry-After`` is not waited for: ``RateLimited`` (429/403)
            or ``SourceUnavailable`` (5xx) is raised at once.

    Raises:
        InvalidQuery: a malformed key, base URL, timeout or pace.
    """

    def __init__(
        self,
        base_url: str = "https://comtradeapi.un.org",
        *,
        key: SecretStr | str | None = None,
        transport: httpx.BaseTransport | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        calls_per_minute: float = 60,
        limiter: Limiter | None = None,
        sleep: Callable[[float], None] = time.sleep,
        max_attempts: int = 4,
        max_retry_after: float = 120.0,
    ) -> None:
        import httpx

        secret = key.get_secret_value() if hasattr(key, "get_secret_value") else key
        secret = (secret or "").strip() or None  # type: ignore[union-attr]
        self._key: str | None = (
            None if secret is None else validate_key(secret, "ComtradeClient(key=...)")
        )
        self._scrubber = None if self._key is None else KeyScrubber(self._key)
        self.base_url = self._check_base_url(base_url)
        self._origin = _origin(httpx.URL(self.base_url))
        self._timeout = _positive(timeout, "timeout")
        if limiter is None:
            limiter = _default_limiter(_positive(calls_per_minute, "calls per minute"))
        self._http = httpx.Client(
            transport=transport,
            timeout=httpx.Timeout(self._timeout, connect=min(self._timeout, CONNECT_TIMEOUT)),
            headers={"Accept": "application/json", "User-Agent": "corridor"},
            follow_redirects=False,  # followed by hand: same origin only (see _send)
        )
        self._limiter = limiter
        self._sleep = sleep
        self.max_attempts = max_attempts
        self.max_retry_after = max_retry_after
        self.calls = 0  # HTTP requests actually sent (including retries and redirect hops)
        if self._scrubber is not None:
            self._scrubber.activate()

    @staticmethod
    def _check_base_url(base_url: str) -> str:
        import httpx

        text = str(base_url).strip().rstrip("/")
        shown = redact_url(text)
        try:
            url = httpx.URL(text)
        except (httpx.InvalidURL, TypeError, ValueError):
            url = None
        if url is None or url.scheme not in ("http", "https") or not url.host:
            raise InvalidQuery(
                f"Comtrade API URL {shown!r} (CORRIDOR_COMTRADE_URL): expected http(s)://host[:port]"
                ", e.g. https://comtradeapi.un.org"
            )
        return text

    @property
    def keyed(self) -> bool:
        """True when a subscription key is configured."""
        return self._key is not None

    # -- lifecycle -----------------------------------------------------------------------
    def close(self) -> None:
        """Close the connection pool and stop scrubbing log records for this key."""
        self._http.close()
        if self._scrubber is not None:
            self._scrubber.deactivate()

    def __enter__(self) -> ComtradeClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- helpers -------------------------------------------------------------------------
    def _scrub(self, text: str) -> str:
        return self._scrubber.scrub(text) if self._scrubber else text

    def _safe(self, url: object) -> str:
        """A URL fit to show or archive: no credentials, no key in any form."""
        return self._scrub(redact_url(self._scrub(str(url))))

    def url_for(self, path: str) -> str:
        """Absolute URL of an API path (absolute URLs are re-based on ``base_url``)."""
        if path.startswith(("http://", "https://")):
            from urllib.parse import urlsplit

            parts = urlsplit(path)
            path = parts.path + (f"?{parts.query}" if parts.query else "")
        return self.base_url + "/" + path.lstrip("/")

    def _headers(self, keyed: bool) -> dict[str, str]:
        if not keyed:
            return {}
        if self._key is None:
            raise InvalidQuery(
                "this endpoint needs a UN Comtrade subscription key: set CORRIDOR_COMTRADE_KEY "
                "or pass --key-file (or use the preview tier)"
            )
        return {KEY_HEADER: self._key}

    def _retrying(self, attempt: Callable[[], Any]) -> Any:
        from tenacity import Retrying, retry_if_exception_type, stop_after_attempt
        from tenacity import wait_exponential_jitter as backoff

        exp = backoff(initial=1, max=30, jitter=1)

        def wait(state) -> float:
            exc = state.outcome.exception()
            if isinstance(exc, _Retry) and exc.retry_after is not None:
                return exc.retry_after
            return exp(state)

        def before_sleep(state) -> None:
            exc = state.outcome.exception()
            log.warning("retrying after %s (attempt %d)", exc, state.attempt_number)

        retrying = Retrying(
            stop=stop_after_attempt(self.max_attempts),
            wait=wait,
            retry=retry_if_exception_type(_Retry),
            sleep=self._sleep,
            before_sleep=before_sleep,
            reraise=True,
        )
        try:
            return retrying(attempt)
        except _Retry as exc:
            raise exc.error from None

    def _transport_error(self, exc: Exception, safe: str) -> _Retry:
        import httpx

        reason = self._scrub(first_line(exc))
        if isinstance(exc, httpx.TimeoutException):
            error = SourceUnavailable(f"{safe}: no answer within {self._timeout:g} s (timeout)")
        elif isinstance(exc, httpx.DecodingError):
            error = SourceUnavailable(
                f"{safe}: the answer's compressed body is corrupt (bad Content-Encoding, e.g. "
                f"gzip): {reason}"
            )
        else:
            error = SourceUnavailable(f"{safe}: connection failed: {reason}")
        return _Retry(error)

    def _send(self, url: str, params: Mapping[str, str] | None, keyed: bool, stream: bool):
        """Send a GET; follow same-origin redirects by hand; refuse any other origin."""
        import httpx

        headers = self._headers(keyed)
        try:
            request = self._http.build_request("GET", url, params=params, headers=headers)
        except (httpx.InvalidURL, ValueError, TypeError) as exc:
            raise InvalidQuery(f"{self._safe(url)}: not a valid request URL ({exc})") from None
        first = safe = self._safe(request.url)
        if _origin(request.url) != self._origin:  # e.g. a listing's odd fileUrl
            raise InvalidQuery(f"{safe}: not on {redact_url(self.base_url)} — not sent")
        for hop in range(MAX_REDIRECTS + 1):
            self._limiter.try_acquire("comtrade")
            self.calls += 1
            try:
                response = self._http.send(request, stream=stream)
            except httpx.HTTPError as exc:
                raise self._transport_error(exc, safe) from exc
            if not 300 <= response.status_code < 400:
                return response, safe
            response.close()
            status, location = response.status_code, response.headers.get("Location")
            if not location:
                raise SourceUnavailable(
                    f"{safe}: HTTP {status} without a Location header (expected a JSON answer)"
                )
            try:
                target = request.url.join(location)
            except (httpx.InvalidURL, TypeError, ValueError):
                raise SourceUnavailable(
                    f"{safe}: HTTP {status} redirect to an unreadable Location "
                    f"{self._scrub(location[:100])!r}"
                ) from None
            shown = self._safe(target)
            if target.scheme not in ("http", "https") or _origin(target) != self._origin:
                raise SourceUnavailable(
                    f"{safe}: the server redirected (HTTP {status}) to {shown}, another origin "
                    "— not followed: corridor sends requests and the key only to "
                    f"{redact_url(self.base_url)} (set CORRIDOR_COMTRADE_URL to that host if "
                    "you trust it)"
                )
            if hop == MAX_REDIRECTS:
                raise SourceUnavailable(f"{first}: more than {MAX_REDIRECTS} redirects (last to "
                                        f"{shown})")  # fmt: skip
            request = self._http.build_request("GET", target, headers=headers)
            safe = shown
        raise AssertionError("unreachable")  # pragma: no cover

    def _raise_for_status(self, response: httpx.Response, safe: str) -> None:
        import httpx

        status = response.status_code
        if status < 400:
            return
        try:
            body = response.read()
        except httpx.HTTPError:
            body = b""
        message = self._scrub(_message(body))
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        if status in (403, 429):
            if retry_after is None and (m := _TRY_AGAIN.search(message)):
                retry_after = float(m.group(1))
            if retry_after is None and (m := _QUOTA.search(message)):
                h, mi, s = map(int, m.groups())
                retry_after = float(h * 3600 + mi * 60 + s)
            if status == 429 or retry_after is not None or "quota" in message.lower():
                when = f" — retry in {retry_after:g} s" if retry_after is not None else ""
                error = RateLimited(
                    f"{safe}: rate limit or quota reached (HTTP {status}): {message}{when}",
                    retry_after=retry_after,
                )
                if retry_after is not None and retry_after > self.max_retry_after:
                    raise error  # e.g. the daily quota: do not sleep for hours
                if status == 403 and retry_after is None:
                    raise error  # a spent quota with no time given does not come back in seconds
                raise _Retry(error, retry_after)
            raise InvalidQuery(f"{safe}: access refused (HTTP 403): {message}")
        if status == 401:
            raise InvalidQuery(
                f"{safe}: subscription key missing or rejected (HTTP 401) — check "
                "CORRIDOR_COMTRADE_KEY / --key-file, or use the preview tier"
            )
        if status == 404:
            raise NotFound(f"{safe}: not found (HTTP 404): {message}")
        if status == 414 or "url too long" in message.lower():
            raise InvalidQuery(f"{safe}: request URL too long (HTTP {status}); split the query")
        if status >= 500:
            later = f" — the server asks to retry in {retry_after:g} s" if retry_after else ""
            error = SourceUnavailable(f"{safe}: server error (HTTP {status}): {message}{later}")
            if retry_after is not None and retry_after > self.max_retry_after:
                raise error
            raise _Retry(error, retry_after)
        raise InvalidQuery(f"{safe}: the API rejected the request (HTTP {status}): {message}")

    def _refuse_echo(self, body: bytes, safe: str) -> None:
        if self._scrubber is not None and self._scrubber.found_in(body):
            raise DataQualityError(
                f"{safe}: the answer contains the subscription key — refused, nothing stored "
                "(a misbehaving server or proxy?)"
            )

    # -- public calls --------------------------------------------------------------------
    def get(
        self,
        path: str,
        params: Mapping[str, str] | None = None,
        *,
        keyed: bool = False,
        envelope: bool = True,
    ) -> ApiResponse:
        """GET an API path; return the body once it is known to be a usable answer.

        Args:
            path: e.g. ``/public/v1/preview/C/A/HS``.
            params: query parameters (never the key).
            keyed: send the subscription key header.
            envelope: check the v1 ``{count, data, error}`` envelope (else: any JSON).

        Raises:
            InvalidQuery, NotFound, ParseError, RateLimited, SourceUnavailable,
            DataQualityError (an answer that echoes the key).
        """
        url = self.url_for(path)
        attempts = 0

        def attempt() -> ApiResponse:
            nonlocal attempts
            attempts += 1
            response, safe = self._send(url, params, keyed, stream=False)
            self._raise_for_status(response, safe)
            body = response.content
            ctype = response.headers.get("content-type", "")
            if envelope:
                count = check_envelope(body, safe, ctype)
            else:
                count = None
                try:
                    json.loads(body.decode("utf-8-sig"))
                except ValueError as exc:
                    raise ParseError(f"{safe}: not valid JSON (truncated?): {exc}") from exc
            self._refuse_echo(body, safe)
            return ApiResponse(
                url=safe,
                status=response.status_code,
                body=body,
                content_type=ctype,
                count=count,
                retrieved_at=datetime.now(UTC).replace(tzinfo=None),
                attempts=attempts,
            )

        return self._retrying(attempt)

    def download(
        self,
        path: str,
        dest_dir: Path,
        *,
        keyed: bool = True,
        params: Mapping[str, str] | None = None,
    ) -> Download:
        """Stream a file to a temp file in ``dest_dir`` (whole or not at all).

        Raises:
            ParseError: an HTML/JSON error page instead of a gzip file.
            SourceUnavailable, RateLimited, InvalidQuery, NotFound: as for :meth:`get`.
        """
        import httpx

        url = self.url_for(path)
        dest_dir.mkdir(parents=True, exist_ok=True)

        def attempt() -> Download:
            response, safe = self._send(url, params, keyed, stream=True)
            try:
                self._raise_for_status(response, safe)
                fd, tmp = tempfile.mkstemp(dir=dest_dir, prefix=".dl-", suffix=".part")
                digest, size = hashlib.sha256(), 0
                try:
                    with os.fdopen(fd, "wb") as fh:
                        for block in response.iter_bytes(1 << 20):
                            digest.update(block)
                            fh.write(block)
                            size += len(block)
                        fh.flush()
                        os.fsync(fh.fileno())
                except httpx.HTTPError as exc:
                    Path(tmp).unlink(missing_ok=True)
                    raise self._transport_error(exc, safe) from exc
                except BaseException:
                    Path(tmp).unlink(missing_ok=True)
                    raise
            finally:
                response.close()
            with open(tmp, "rb") as fh:
                magic = fh.read(2)
            if magic != b"\x1f\x8b":
                Path(tmp).unlink(missing_ok=True)
                raise ParseError(f"{safe}: offset 0: expected a gzip file, got {magic!r}")
            return Download(
                safe, Path(tmp), digest.hexdigest(), size, datetime.now(UTC).replace(tzinfo=None)
            )

        return self._retrying(attempt)
