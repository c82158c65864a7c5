"""Subscription keys: checked once, never echoed, scrubbed in every form they could take.

:func:`validate_key` refuses a key that could not travel in an HTTP header (line breaks,
control or non-ASCII characters, spaces) with one line that names where the key came from and
what is wrong, never the key. :class:`KeyScrubber` replaces the key in text: the raw key, its
``repr``/``ascii``/JSON escapes, its URL encodings, and any piece of eight or more characters of
them (a truncated key in an exception chain). While a scrubber is :meth:`~KeyScrubber.active`
every log record of the process is scrubbed too (a hostile server may echo the key in a header
that httpcore logs at DEBUG).
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from urllib.parse import quote, quote_plus, unquote_plus

from corridor.errors import InvalidQuery

__all__ = ["KEY_MAX", "KEY_MIN", "KeyScrubber", "validate_key"]

KEY_MIN, KEY_MAX = 8, 256  # Comtrade keys are 32 hex digits; shorter ones cannot be scrubbed
_PIECE = 8  # a piece of the key this long is hidden wherever it appears
_NAMES = {"\r": "a carriage return", "\n": "a line break", "\t": "a tab", " ": "a space"}
_ACTIVE: dict[int, KeyScrubber] = {}  # scrubbers whose key must leave no log record
_LOCK = threading.Lock()
_BASE_FACTORY: list[Callable[..., logging.LogRecord]] = []  # the factory ours wraps


def validate_key(key: str, source: str) -> str:
    """Return ``key`` without surrounding whitespace, or refuse it without showing it.

    Args:
        key: the key as read.
        source: where it came from, e.g. ``CORRIDOR_COMTRADE_KEY`` or ``--key-file PATH``.

    Raises:
        InvalidQuery: a key with line breaks, control, non-ASCII characters or spaces, or of
            an implausible length; the message names the position and kind, never the key.
    """
    text = key.strip()
    accepted = (
        f"a subscription key is one line of {KEY_MIN}–{KEY_MAX} printable ASCII characters "
        "without spaces (Comtrade keys are 32 hex digits); the value is not shown"
    )
    for pos, char in enumerate(text, 1):
        if not ("!" <= char <= "~"):
            if char in _NAMES:
                what = _NAMES[char]
            elif not char.isascii():
                what = "a non-ASCII character"
            else:
                what = f"a control character (U+{ord(char):04X})"
            raise InvalidQuery(
                f"{source}: the subscription key holds {what} at character {pos}; {accepted}"
            )
    if not KEY_MIN <= len(text) <= KEY_MAX:
        raise InvalidQuery(
            f"{source}: the subscription key is {len(text)} characters long; {accepted}"
        )
    return text


class KeyScrubber:
    """Hides a key, in every form it could take, from text (messages, URLs, log records)."""

    def __init__(self, key: str) -> None:
        forms = {
            key,
            repr(key)[1:-1],
            ascii(key)[1:-1],
            json.dumps(key)[1:-1],
            json.dumps(key, ensure_ascii=False)[1:-1],
            quote(key, safe=""),
            quote(key),
            quote_plus(key),
            unquote_plus(key),  # decoded as a query value: '+' became a space
            quote_plus(unquote_plus(key)),  # ... and encoded again
            repr(key.encode("utf-8", "backslashreplace"))[2:-1],
        }
        self.forms = sorted((f for f in forms if f), key=len, reverse=True)
        self._n = min(_PIECE, *(len(f) for f in self.forms))
        self._pieces = {f[i : i + self._n] for f in self.forms for i in range(len(f) - self._n + 1)}
        self._bytes = [f.encode("utf-8", "backslashreplace") for f in self.forms]

    def scrub(self, text: str) -> str:
        """``text`` with every form and every long enough piece of the key replaced by ***."""
        for form in self.forms:
            text = text.replace(form, "***")
        n = self._n
        hidden = [False] * len(text)
        found = False
        for i in range(len(text) - n + 1):
            if text[i : i + n] in self._pieces:
                hidden[i : i + n] = [True] * n
                found = True
        if not found:
            return text
        out: list[str] = []
        for i, char in enumerate(text):
            if not hidden[i]:
                out.append(char)
            elif i == 0 or not hidden[i - 1]:
                out.append("***")
        return "".join(out)

    def found_in(self, data: bytes) -> bool:
        """True when ``data`` holds the key in one of its forms."""
        return any(form in data for form in self._bytes)

    # -- log records -----------------------------------------------------------------------
    def activate(self) -> None:
        """Scrub every log record of the process until :meth:`deactivate`."""
        with _LOCK:
            if not _BASE_FACTORY:
                _BASE_FACTORY.append(logging.getLogRecordFactory())
                logging.setLogRecordFactory(_scrubbed_record)
            _ACTIVE[id(self)] = self

    def deactivate(self) -> None:
        """Stop scrubbing log records for this key."""
        with _LOCK:
            _ACTIVE.pop(id(self), None)


def _scrubbed_record(*args, **kwargs) -> logging.LogRecord:
    record = _BASE_FACTORY[0](*args, **kwargs)
    scrubbers = list(_ACTIVE.values())
    if not scrubbers:
        return record
    try:
        message = record.getMessage()
    except Exception:  # a malformed record: leave it to logging's own error handling
        return record
    clean = message
    for scrubber in scrubbers:
        clean = scrubber.scrub(clean)
    if clean != message:
        record.msg, record.args = clean, None
    return record
