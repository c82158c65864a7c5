"""Turning what DuckDB says about a bad file into one line naming file, line and value."""

from __future__ import annotations

import csv
import re
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from corridor.errors import InputFileError, ParseError

if TYPE_CHECKING:
    import duckdb

__all__ = ["Progress", "bad_bytes_column", "explain_reader_error", "is_interrupt"]

_LINE = re.compile(r"CSV Error on Line: (\d+)")
_CONVERT = re.compile(
    r'converting column "([^"]+)"\. Could not convert string "([^"]*)" to \'(\w+)'
)
_COLUMNS = re.compile(r"Expected Number of Columns: (\d+) Found: (\d+)")
_NUMBER_TYPES = {"DOUBLE", "BIGINT", "INTEGER", "SMALLINT", "TINYINT", "FLOAT"}


def is_interrupt(exc: BaseException) -> bool:
    """True for DuckDB's answer to Ctrl-C (a RuntimeError or InterruptException)."""
    return type(exc).__name__ in {"InterruptException"} or (
        isinstance(exc, RuntimeError) and "interrupted" in str(exc).lower()
    )


def bad_bytes_column(path: Path, line: int) -> str | None:
    """The header name of the first field on ``line`` (1-based) that is not UTF-8 text."""
    with path.open("rb") as fh:
        header = fh.readline()
        for _ in range(line - 2):
            if not fh.readline():
                return None
        bad = fh.readline()
    names = next(csv.reader([header.decode("utf-8", "replace").lstrip("\ufeff")]), [])
    fields = next(csv.reader([bad.decode("utf-8", "surrogateescape")]), [])
    for name, value in zip(names, fields, strict=False):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return name.strip()
    return None


def explain_reader_error(path: Path, exc: Exception, *, encoding: str = "UTF-8") -> InputFileError:
    """Turn a DuckDB reader error about ``path`` into one line naming file, line and value."""
    text = str(exc)
    line = _LINE.search(text)
    where = f"line {line.group(1)}: " if line else ""
    if m := _CONVERT.search(text):
        what = "a number" if m.group(3) in _NUMBER_TYPES else m.group(3)
        return ParseError(
            f"{path}: {where}cannot read '{m.group(2)}' in column {m.group(1)} as {what}"
        )
    if m := _COLUMNS.search(text):
        return ParseError(
            f"{path}: {where}{m.group(2)} fields, expected {m.group(1)} "
            "(truncated file or wrong delimiter?)"
        )
    if "unicode" in text.lower() or "utf-8" in text.lower() or "encoded" in text.lower():
        column = bad_bytes_column(path, int(line.group(1))) if line else None
        field = f"column {column}: " if column else ""
        return ParseError(
            f"{path}: {where}{field}bytes that are not {encoding} text — save the file as UTF-8"
        )
    first = text.strip().splitlines()[0] if text.strip() else type(exc).__name__
    return ParseError(f"{path}: {where}{first}")


class Progress:
    """Poll DuckDB's query progress from a thread and report it to a callback."""

    def __init__(self, con: duckdb.DuckDBPyConnection, report: Callable[[float], None]) -> None:
        self._con, self._report = con, report
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.2):
            try:
                pct = self._con.query_progress()
            except Exception:  # connection busy or closed: progress is best-effort
                continue
            if pct >= 0:
                self._report(pct)

    def __enter__(self) -> Progress:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
