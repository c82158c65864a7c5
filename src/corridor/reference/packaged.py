"""Files packaged with corridor (reference tables, sample calibration): text and YAML."""

from __future__ import annotations

import pkgutil
from typing import Any

__all__ = ["load_yaml", "packaged_text", "packaged_yaml"]


def packaged_text(name: str, package: str = "corridor.reference", folder: str = "data") -> str:
    """The text of a file shipped in ``package`` (under ``folder``; "" for its top).

    Read with :func:`pkgutil.get_data` (importing ``importlib.resources`` costs ≈ 10 ms).
    """
    data = pkgutil.get_data(package, f"{folder}/{name}" if folder else name)
    if data is None:  # a loader that cannot read package data
        raise FileNotFoundError(f"{package}: {folder}/{name}")
    return data.decode("utf-8")


def load_yaml(text: str) -> Any:
    """Parse YAML safely, with libyaml's C parser when present (≈ 10× faster)."""
    import yaml

    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def packaged_yaml(name: str, package: str = "corridor.reference", folder: str = "data") -> Any:
    """A packaged YAML file, parsed."""
    return load_yaml(packaged_text(name, package, folder))
