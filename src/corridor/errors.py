"""One exception tree for corridor.

```
CorridorError                 anything corridor raises on purpose
 ├── InvalidQuery             a bad argument: names the value and what is accepted
 │    └── UnknownCode         a country/HS/flow code or name that the reference data lacks
 ├── InputFileError           a file that cannot be ingested: names file, row and value
 │    └── ParseError          a file or response whose content does not parse
 ├── NotFound                 the warehouse or a source has no data for the request
 ├── SourceUnavailable        a retriable source failure (timeout, 5xx, connection reset)
 │    └── RateLimited         the source refused because of a rate limit or quota
 └── DataQualityError         data that parses but cannot be right (e.g. hash mismatch)
```

The CLI turns each into a one-line message and a non-zero exit code; tracebacks are
shown only with ``--debug``. Lower-layer exceptions (duckdb, httpx) are mapped to these
at the boundary of ``store/`` and ``sources/`` and chained with ``from``.
"""

from __future__ import annotations

__all__ = [
    "CorridorError",
    "DataQualityError",
    "InputFileError",
    "InvalidQuery",
    "NotFound",
    "ParseError",
    "RateLimited",
    "SourceUnavailable",
    "UnknownCode",
    "one_line",
    "shown",
]


class CorridorError(Exception):
    """Base class of every error corridor raises on purpose."""

    exit_code = 1


class InvalidQuery(CorridorError):
    """Raised when an argument is invalid; the message names the value and the accepted set."""

    exit_code = 2


class UnknownCode(InvalidQuery):
    """Raised when a country, HS code or flow is not in the reference data."""


class InputFileError(CorridorError):
    """Raised when an input file cannot be ingested (missing, empty, bad rows)."""

    exit_code = 3


class ParseError(InputFileError):
    """Raised when a file or response body does not parse; names the file/URL and offset."""


class NotFound(CorridorError):
    """Raised when there is no data for the request."""

    exit_code = 4


class SourceUnavailable(CorridorError):
    """Raised when a source fails in a way that may pass (timeouts, 5xx, resets)."""

    exit_code = 5


class RateLimited(SourceUnavailable):
    """Raised when a source refuses because of its rate limit or quota."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class DataQualityError(CorridorError):
    """Raised when data parses but cannot be right (hash mismatch, impossible totals)."""

    exit_code = 6


def shown(value: object, limit: int = 60) -> str:
    """A user's value as quoted in a message: repr, control characters escaped, cut to ``limit``.

    Messages name the bad value, but never echo a 5,000-character argument or a key back.
    """
    text = repr(str(value))
    return text if len(text) <= limit else text[: limit - 2] + "…" + text[-1]


def one_line(message: str, limit: int = 800) -> str:
    """A message as one line of at most ``limit`` characters (the middle elided)."""
    flat = " ".join(str(message).split())
    if len(flat) <= limit:
        return flat
    half = (limit - 3) // 2
    return flat[:half] + " … " + flat[-half:]


def first_line(exc: BaseException, empty: str | None = None) -> str:
    """The first line of an exception's message (``empty``, or its type's name, if none)."""
    text = str(exc).strip()
    if text:
        return text.splitlines()[0]
    return type(exc).__name__ if empty is None else empty
