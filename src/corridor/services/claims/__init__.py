"""Checking trade claims against the warehouse: parse, interpret, give a verdict.

``parse_claim`` reads a sentence with a deterministic grammar; ``Checker`` evaluates it under
every reading its wording allows, each one a corridor question run through a ``Session`` on
one ``Catalog`` (any engine); results use the JSON schema ``corridor.check/2``
(``docs/claims.md``).
"""

from importlib import import_module
from typing import Any

# Names are imported on first use, so `corridor --help` (which lists the grammar's forms)
# does not pay for pydantic models and the evaluator.
_HOMES = {
    "Checker": "evaluate",
    "UnreadableClaim": "parse",
    "claim_from_mapping": "parse",
    "parse_claim": "parse",
    **dict.fromkeys(
        ("SCHEMA", "CheckDocument", "CheckResult", "Claim", "ClaimError", "Finding",
         "Interpretation", "Sense", "Tolerances", "Verdict"),
        "models",
    ),
}  # fmt: skip


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        return getattr(import_module(f"corridor.services.claims.{_HOMES[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "SCHEMA",
    "CheckDocument",
    "CheckResult",
    "Checker",
    "Claim",
    "ClaimError",
    "Finding",
    "Interpretation",
    "Sense",
    "Tolerances",
    "UnreadableClaim",
    "Verdict",
    "claim_from_mapping",
    "parse_claim",
]
