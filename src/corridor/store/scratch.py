"""Temporary files of an ingest: under ``<cache dir>/tmp``, named by the process that made them.

Sources create them (an inflated gzip response, ...); the ingest removes them when the file is
done, whatever happens. A process killed with -9 cannot clean up: the next ingest removes the
files of processes that no longer run.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

__all__ = ["scratch_dir", "scratch_file", "sweep"]

_PREFIX = "corridor-"


def scratch_dir() -> Path:
    """The directory for temporary files (created when missing)."""
    from corridor.settings import get_settings

    path = get_settings().cache_dir / "tmp"
    path.mkdir(parents=True, exist_ok=True)
    return path


def scratch_file(suffix: str = "") -> Path:
    """A new empty temporary file owned by this process; the caller removes it."""
    fd, name = tempfile.mkstemp(suffix=suffix, prefix=f"{_PREFIX}{os.getpid()}-", dir=scratch_dir())
    os.close(fd)
    return Path(name)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def sweep() -> int:
    """Remove temporary files left by processes that are gone; return how many."""
    from corridor.settings import get_settings

    directory = get_settings().cache_dir / "tmp"
    if not directory.is_dir():
        return 0
    removed = 0
    for path in directory.glob(f"{_PREFIX}*"):
        pid = path.name[len(_PREFIX) :].split("-", 1)[0]
        if pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
            path.unlink(missing_ok=True)
            removed += 1
    return removed
