"""The environment benchmark child processes run in: a user's, not this machine's.

Some CI and sandbox machines set ``PYTHONDONTWRITEBYTECODE``: every child would then compile
corridor's source again (≈ 0.1 s per process) where a user's Python reads its cached
bytecode. Children get the parent's environment without it (plus ``extra``).
"""

from __future__ import annotations

import os


def user_env(**extra: str) -> dict[str, str]:
    """``os.environ`` without ``PYTHONDONTWRITEBYTECODE``, updated with ``extra``."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return env | extra
