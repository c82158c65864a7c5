"""Checking trade claims against the warehouse: parse, interpret, give a verdict.

``parse_claim`` reads a sentence with a deterministic grammar; ``Checker`` evaluates it under
every interpretation its wording allows; results use the JSON schema ``corridor.check/1``
(``docs/claims.md``).
"""

from corridor.services.claims.evaluate import Checker
from corridor.services.claims.models import (
    SCHEMA,
    CheckDocument,
    CheckResult,
    Claim,
    ClaimError,
    Finding,
    Interpretation,
    Tolerances,
    Verdict,
)
from corridor.services.claims.parse import UnreadableClaim, claim_from_mapping, parse_claim

__all__ = [
    "SCHEMA",
    "CheckDocument",
    "CheckResult",
    "Checker",
    "Claim",
    "ClaimError",
    "Finding",
    "Interpretation",
    "Tolerances",
    "UnreadableClaim",
    "Verdict",
    "claim_from_mapping",
    "parse_claim",
]
