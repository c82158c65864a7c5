"""UN Comtrade API v1 query planning: a query object → the list of HTTP requests (pure).

Nothing here touches the network. :func:`plan_requests` turns a :class:`ComtradeQuery` into
:class:`PlannedRequest` objects that respect each tier's per-call limits (sources.md §1.5):
rows per call (preview 500, free key 100 000), at most 12 periods per call and URLs of at most
4 096 characters. Rows per call are estimated as reporters × partners × flows × codes × periods
(an upper bound: most corridors have far fewer rows), and the grid is cut into the fewest calls
whose estimate fits the cap. A response that still comes back with exactly the cap is split
again by :func:`split_request` (silent truncation, sources.md §5 #10).

Plain queries ask for classic totals — ``customsCode=C00``, ``motCode=0``, ``partner2Code=0``
(sources.md §5 #3) — so a row is never counted once per breakdown.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from itertools import product
from typing import Literal
from urllib.parse import urlencode

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from corridor.errors import InvalidQuery

__all__ = [
    "ALL_AREAS_ESTIMATE",
    "FLOWS",
    "FREQS",
    "KEYED",
    "MAX_URL",
    "PREVIEW",
    "ComtradeQuery",
    "PlannedRequest",
    "TierLimits",
    "expand_codes",
    "plan_requests",
    "plan_totals",
    "request_key",
    "split_request",
]

FLOWS = ("M", "X", "RM", "RX", "DX", "FM", "MIP", "MOP", "XIP", "XOP")
FREQS = {"A": "annual", "M": "monthly"}
_MIRROR_FLOW = {"M": "X", "X": "M", "RM": "RX", "RX": "RM", "MIP": "XIP", "XIP": "MIP"}
_MIRROR_FLOW |= {"MOP": "XOP", "XOP": "MOP", "FM": "DX", "DX": "FM"}
MAX_URL = 4096  # characters; longer URLs are refused by the API (comtradr's check)
ALL_AREAS_ESTIMATE = 250  # partner (or reporter) areas when the parameter is omitted
PLUS_FACTOR = 20  # rough rows per classic row when breakdowns are asked for (estimate)


@dataclass(frozen=True)
class TierLimits:
    """Per-call limits and pacing of one access tier (sources.md §1.5, §1.6)."""

    name: str
    path: str  # endpoint prefix, e.g. /public/v1/preview
    max_rows: int
    max_periods: int = 12
    calls_per_minute: int = 60
    daily_calls: int | None = None


# Preview: ≤500 rows; a third-party probe saw ≈1 call/s sustained (sources.md §1.5 [T]).
PREVIEW = TierLimits("preview", "/public/v1/preview", 500, 12, 60, None)
# Free key: 100 000 rows, 500 calls/day; comtradr paces at 10 calls/minute (sources.md §1.5).
KEYED = TierLimits("keyed", "/data/v1/get", 100_000, 12, 10, 500)
_TIERS = {"preview": PREVIEW, "keyed": KEYED}


def _tier(tier: str | TierLimits) -> TierLimits:
    if isinstance(tier, TierLimits):
        return tier
    try:
        return _TIERS[tier]
    except KeyError:
        raise InvalidQuery(f"unknown tier {tier!r} (accepted: preview, keyed)") from None


def expand_codes(codes: list[str], level: int | None) -> list[str]:
    """Expand HS codes to ``level`` digits using the packaged reference (chapter 76).

    The combined HS list (``clCode=HS``) returns each year in the reporter's own revision, so
    the union over all revisions is used (it keeps legacy codes such as 761511).

    Raises:
        InvalidQuery: when a code cannot be expanded (no reference data for its chapter).
    """
    from corridor.reference.hs import HS_REVISIONS, hs_codes, validate_hs

    out: list[str] = []
    for raw in codes:
        code = validate_hs(raw)
        if level is None or code == "TOTAL" or len(code) >= level:
            if level is not None and code != "TOTAL" and len(code) > level:
                raise InvalidQuery(f"HS code {code} is finer than --level {level}")
            children = [code]
        else:
            children = sorted(
                {
                    c.code
                    for rev in HS_REVISIONS
                    for c in hs_codes(rev)
                    if c.level == level and c.code.startswith(code)
                }
            )
            if not children:
                raise InvalidQuery(
                    f"cannot expand HS {code} to {level} digits: the packaged HS list covers "
                    "chapter 76 only — pass the 6-digit codes explicitly"
                )
        out.extend(c for c in children if c not in out)
    return out


class ComtradeQuery(BaseModel):
    """What to fetch: reporters, partners, flows, HS codes, years (Comtrade area codes).

    ``partners=None`` means every partner (the parameter is omitted; the World row 0 comes
    too and is stored apart from partner rows); ``[0]`` means the World total only.
    """

    model_config = ConfigDict(frozen=True)

    reporters: tuple[int, ...] | None
    partners: tuple[int, ...] | None = None
    flows: tuple[str, ...] = ("M",)
    hs: tuple[str, ...] = ("76",)
    level: int | None = None
    years: tuple[int, ...]
    freq: Literal["A", "M"] = "A"
    mirror: bool = False
    breakdown: bool = Field(default=False, description="plus breakdown instead of totals")
    type_code: Literal["C"] = "C"
    cl_code: str = "HS"

    def __init__(self, **data: object) -> None:
        """Build a query; any invalid field is one :class:`InvalidQuery` naming it.

        Raises:
            InvalidQuery: naming the field, the bad value and what is accepted.
        """
        try:
            super().__init__(**data)
        except ValidationError as exc:
            err = exc.errors(include_url=False)[0]
            where = ".".join(str(p) for p in err["loc"]) or "query"
            value = repr(err.get("input"))[:60]
            raise InvalidQuery(f"{where} {value}: {err['msg']}") from None

    @field_validator("freq", mode="before")
    @classmethod
    def _freq(cls, value: object) -> str:
        text = str(value).strip().upper()
        if text not in FREQS:
            accepted = ", ".join(f"{k} ({v})" for k, v in FREQS.items())
            raise InvalidQuery(f"frequency {value!r} (accepted: {accepted})")
        return text

    @field_validator("reporters", "partners", mode="before")
    @classmethod
    def _areas(cls, value: object) -> object:
        if value is None or (isinstance(value, str) and value.strip().lower() == "all"):
            return None
        items = [value] if isinstance(value, str | int) else list(value)  # type: ignore[arg-type]
        parts = [p for item in items for p in str(item).split(",") if p.strip()]
        if any(p.strip().lower() == "all" for p in parts):
            return None
        return tuple(sorted({_area_code(p) for p in parts}))

    @field_validator("flows", mode="before")
    @classmethod
    def _flows(cls, value: object) -> tuple[str, ...]:
        items = [value] if isinstance(value, str) else list(value)  # type: ignore[arg-type]
        flows = [f.strip().upper() for item in items for f in str(item).split(",") if f.strip()]
        bad = [f for f in flows if f not in FLOWS]
        if bad or not flows:
            raise InvalidQuery(f"unknown flow {bad or flows!r} (accepted: {', '.join(FLOWS)})")
        return tuple(dict.fromkeys(flows))

    @field_validator("hs", mode="before")
    @classmethod
    def _hs(cls, value: object) -> tuple[str, ...]:
        from corridor.reference.hs import validate_hs

        items = [value] if isinstance(value, str | int) else list(value)  # type: ignore[arg-type]
        codes = [validate_hs(p) for item in items for p in str(item).split(",") if p.strip()]
        if not codes:
            raise InvalidQuery("no HS code given (e.g. --hs 76)")
        return tuple(dict.fromkeys(codes))

    @field_validator("years", mode="before")
    @classmethod
    def _years(cls, value: object) -> tuple[int, ...]:
        try:
            years = sorted({int(y) for y in value})  # type: ignore[union-attr]
        except (TypeError, ValueError):
            raise InvalidQuery(f"years {value!r}: expected years such as 2015-2024") from None
        for y in years:
            if not 1988 <= y <= 2030:
                raise InvalidQuery(f"year {y} outside 1988–2030")
        if not years:
            raise InvalidQuery("no year given (e.g. --years 2015-2024)")
        return tuple(years)

    @model_validator(mode="after")
    def _check(self) -> ComtradeQuery:
        if self.reporters is None:
            raise InvalidQuery("a reporter is needed (e.g. --reporter JPN)")
        if self.level not in (None, 2, 4, 6):
            raise InvalidQuery(f"level {self.level} (accepted: 2, 4, 6)")
        return self

    def cmd_codes(self) -> list[str]:
        """The HS codes sent as ``cmdCode`` (expanded to ``level`` digits)."""
        return expand_codes(list(self.hs), self.level)

    def periods(self) -> list[str]:
        """The periods sent as ``period``: ``YYYY`` or ``YYYYMM``."""
        if self.freq == "A":
            return [str(y) for y in self.years]
        return [f"{y}{m:02d}" for y in self.years for m in range(1, 13)]


def _area_code(text: str) -> int:
    from corridor.reference.countries import resolve_country

    text = text.strip()
    if text.lower() == "world":
        return 0
    return resolve_country(text).code


def request_key(path: str, params: dict[str, str]) -> str:
    """The identity of a request: sha256 of its path and sorted params (never a key)."""
    canonical = path + "?" + urlencode(sorted(params.items()))
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class PlannedRequest:
    """One HTTP call: endpoint path, sorted params and what it should return."""

    path: str
    params: dict[str, str]
    expected_max_records: int
    description: str
    tier: str
    reporters: tuple[int, ...] | None
    partners: tuple[int, ...] | None
    flows: tuple[str, ...]
    codes: tuple[str, ...]
    periods: tuple[str, ...]
    breakdown: bool = False
    mirror: bool = False
    key: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "key", request_key(self.path, self.params))

    def url(self, base_url: str) -> str:
        """The full URL (the key is never part of it)."""
        return base_url.rstrip("/") + self.path + "?" + urlencode(list(self.params.items()))


def _join(values: tuple[object, ...]) -> str:
    return ",".join(str(v) for v in values)


def _estimate(n_rep: int, n_par: int, n_flow: int, n_code: int, n_per: int, breakdown: bool) -> int:
    return n_rep * n_par * n_flow * n_code * n_per * (PLUS_FACTOR if breakdown else 1)


def _make(
    tier: TierLimits,
    query: ComtradeQuery,
    reporters: tuple[int, ...] | None,
    partners: tuple[int, ...] | None,
    flows: tuple[str, ...],
    codes: tuple[str, ...],
    periods: tuple[str, ...],
    mirror: bool,
) -> PlannedRequest:
    params: dict[str, str] = {
        "cmdCode": _join(codes),
        "flowCode": _join(tuple(sorted(flows, key=FLOWS.index))),
        "includeDesc": "true",
        "maxRecords": str(tier.max_rows),
        "period": _join(periods),
    }
    if reporters is not None:
        params["reporterCode"] = _join(reporters)
    if partners is not None:
        params["partnerCode"] = _join(partners)
    if query.breakdown:
        params["breakdownMode"] = "plus"
    else:
        params |= {"breakdownMode": "classic", "customsCode": "C00", "motCode": "0"}
        params["partner2Code"] = "0"
    n_rep = ALL_AREAS_ESTIMATE if reporters is None else len(reporters)
    n_par = ALL_AREAS_ESTIMATE if partners is None else len(partners)
    estimate = _estimate(n_rep, n_par, len(flows), len(codes), len(periods), query.breakdown)
    who = "all" if reporters is None else _join(reporters)
    whom = "all" if partners is None else _join(partners)
    span = periods[0] if len(periods) == 1 else f"{periods[0]}–{periods[-1]}"
    description = (
        f"{'mirror ' if mirror else ''}{tier.name}: reporter {who} ← partner {whom}, "
        f"flow {_join(flows)}, {len(codes)} code(s), {span}"
    )
    path = f"{tier.path}/{query.type_code}/{query.freq}/{query.cl_code}"
    return PlannedRequest(
        path=path,
        params=dict(sorted(params.items())),
        expected_max_records=min(estimate, tier.max_rows),
        description=description,
        tier=tier.name,
        reporters=reporters,
        partners=partners,
        flows=flows,
        codes=codes,
        periods=periods,
        breakdown=query.breakdown,
        mirror=mirror,
    )


def _chunks(items: tuple, size: int) -> list[tuple]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def _sizes(n: int) -> list[int]:
    """Candidate chunk sizes for n items: every distinct ceil(n / k), largest first."""
    return sorted({math.ceil(n / k) for k in range(1, n + 1)}, reverse=True)


def _url_length(tier: TierLimits, query: ComtradeQuery, reps, pars, flows, codes, periods) -> int:
    req = _make(tier, query, reps, pars, flows, codes, periods, False)
    return len(req.url("https://comtradeapi.un.org"))


def _grid(
    tier: TierLimits,
    query: ComtradeQuery,
    reporters: tuple[int, ...] | None,
    partners: tuple[int, ...] | None,
    flows: tuple[str, ...],
    codes: tuple[str, ...],
    periods: tuple[str, ...],
    mirror: bool,
) -> list[PlannedRequest]:
    """Cut one reporters × partners × codes × periods grid into the fewest fitting calls."""
    n_rep = ALL_AREAS_ESTIMATE if reporters is None else len(reporters)
    n_par = ALL_AREAS_ESTIMATE if partners is None else len(partners)
    rep_sizes = [n_rep] if reporters is None else _sizes(n_rep)
    par_sizes = [n_par] if partners is None else _sizes(n_par)
    best: tuple[int, int, int, int, int] | None = None  # calls, -r, -q, -p, c
    for r, q, p in product(rep_sizes, par_sizes, range(1, min(len(periods), tier.max_periods) + 1)):
        unit = _estimate(r, q, len(flows), 1, p, query.breakdown)
        if unit > tier.max_rows:
            continue
        c = min(len(codes), tier.max_rows // unit)
        calls = (
            math.ceil(n_rep / r) * math.ceil(n_par / q)
            * math.ceil(len(periods) / p) * math.ceil(len(codes) / c)
        )  # fmt: skip
        cand = (calls, -q, -r, -p, c)
        if best is None or cand < best:
            best = cand
    if best is None:
        raise InvalidQuery(
            f"query too broad for the {tier.name} tier ({tier.max_rows:,} rows per call): "
            "even one code and one period for all reporters × all partners exceeds it — "
            "name the partners (--partner) or use a subscription key"
        )
    _, q, r, p, c = best
    q, r, p = -q, -r, -p

    # URL length: shrink the code chunk, then the partner/reporter chunks, until it fits.
    def fits(r: int, q: int, c: int) -> bool:
        reps = None if reporters is None else reporters[:r]
        pars = None if partners is None else partners[:q]
        return _url_length(tier, query, reps, pars, flows, codes[:c], periods[:p]) <= MAX_URL

    while not fits(r, q, c):
        if c > 1:
            c = max(1, c // 2)
        elif q > 1:
            q = max(1, q // 2)
        elif r > 1:
            r = max(1, r // 2)
        else:
            raise InvalidQuery("a single request is longer than the API's 4 096-character URL")
    reps_chunks = [None] if reporters is None else _chunks(reporters, r)
    pars_chunks = [None] if partners is None else _chunks(partners, q)
    return [
        _make(tier, query, reps, pars, flows, cs, ps, mirror)
        for ps in _chunks(periods, p)
        for reps in reps_chunks
        for pars in pars_chunks
        for cs in _chunks(codes, c)
    ]


def plan_requests(query: ComtradeQuery, tier: str | TierLimits) -> list[PlannedRequest]:
    """Turn a query into the deduplicated list of calls for ``tier`` ('preview' or 'keyed').

    Mirror requests (``query.mirror``) ask the partners what they report about the reporter:
    reporterCode = the partners (omitted for all), partnerCode = the reporters, X ↔ M swapped.

    Raises:
        InvalidQuery: when even a minimal call would exceed the tier's limits.
    """
    limits = _tier(tier)
    codes = tuple(query.cmd_codes())
    periods = tuple(query.periods())
    planned = _grid(
        limits, query, query.reporters, query.partners, query.flows, codes, periods, False
    )
    if query.mirror:
        flows = tuple(dict.fromkeys(_MIRROR_FLOW[f] for f in query.flows))
        partners = query.partners
        if partners is not None:
            partners = tuple(p for p in partners if p != 0)  # World reports nothing
        if partners != ():
            planned += _grid(limits, query, partners, query.reporters, flows, codes, periods, True)
    seen: set[str] = set()
    out = []
    for req in planned:
        if req.key not in seen:
            seen.add(req.key)
            out.append(req)
    return out


def split_request(req: PlannedRequest) -> list[PlannedRequest]:
    """Halve a request whose response hit the row cap (periods, then codes, then areas).

    Returns an empty list when the request cannot be split further.
    """

    def halves(items: tuple) -> list[tuple]:
        mid = math.ceil(len(items) / 2)
        return [items[:mid], items[mid:]]

    base = {
        "cmdCode": req.codes, "period": req.periods,
        "partnerCode": req.partners, "reporterCode": req.reporters,
    }  # fmt: skip
    for name in ("period", "cmdCode", "partnerCode", "reporterCode"):
        values = base[name]
        if values is not None and len(values) > 1:
            out = []
            for part in halves(values):
                dims = base | {name: part}
                params = dict(req.params) | {name: _join(part)}
                share = len(part) / len(values)
                out.append(
                    PlannedRequest(
                        path=req.path,
                        params=dict(sorted(params.items())),
                        expected_max_records=max(1, int(req.expected_max_records * share)),
                        description=f"{req.description} (split {name} {_join(part)})",
                        tier=req.tier,
                        reporters=dims["reporterCode"],
                        partners=dims["partnerCode"],
                        flows=req.flows,
                        codes=dims["cmdCode"],
                        periods=dims["period"],
                        breakdown=req.breakdown,
                        mirror=req.mirror,
                    )
                )
            return out
    return []


def plan_totals(requests: list[PlannedRequest]) -> dict[str, int]:
    """Totals of a plan: calls and the sum of expected maximum records."""
    return {
        "calls": len(requests),
        "expected_max_records": sum(r.expected_max_records for r in requests),
    }
