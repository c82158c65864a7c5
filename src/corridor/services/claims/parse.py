"""Deterministic claim parser: qualifiers, country mentions, then the grammar templates.

Steps: (1) replace country and group names (names, ISO codes, demonyms such as "Japanese",
groups such as ASEAN) by ``@n``; (2) read qualifiers anywhere in the text — a span of years
(``between 2019 and 2024``, ``since 2019``), a part of a year (``in October``, ``in the first
eight months of 2018``), the year (``in 2024``), the measure (``by value``/``by weight``), an
explicit HS scope (``(HS 7601)``), the reporting side (``according to Japan's customs``,
``CIF``, ``FOB``, ``mirror data``) and a cited source (``according to UN Comtrade``);
(3) match the rest against :func:`.grammar.templates`; (4) resolve the product words.
No language model is involved: the same text always gives the same claim, and any text gives
either a claim or one :class:`UnreadableClaim` line quoting at most 200 characters of it.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from corridor.errors import InvalidQuery, first_line
from corridor.services.claims import grammar as g
from corridor.services.claims.models import Claim, Sense

__all__ = ["BROAD_ALUMINIUM", "MAX_CHARS", "UnreadableClaim", "claim_from_mapping", "parse_claim"]

#: What the bare word "aluminium" may mean, the most literal first.
BROAD_ALUMINIUM: list[list[str]] = [["76"], ["7601"], ["7601", "7602"]]
#: Longest claim read (one sentence); longer text is refused before any matching.
MAX_CHARS = 600
_ECHO = 200
_ALU_WORDS = {"aluminium", "aluminum", "al"}
_FILLER = {"both", "total", "all", "of", "the"}
_GROUP_WORDS = {"eu", "eu27", "eu-27", "g20", "g-20", "quad", "asean", "rcep", "oecd"}


class UnreadableClaim(InvalidQuery):
    """A claim the grammar cannot read; the message names the closest supported form."""


@dataclass(frozen=True)
class Mention:
    """A country or group named in the claim."""

    codes: tuple[int, ...]
    label: str
    is_group: bool


def clip(text: str, limit: int = _ECHO) -> str:
    """One line of at most ``limit`` characters of ``text`` (``…`` when cut)."""
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


# -- countries --------------------------------------------------------------------------------
@lru_cache(maxsize=4096)
def _lookup(words: str) -> Mention | None:
    from corridor.reference.countries import group_members, groups, resolve_country

    key = words.lower()
    if key in _GROUP_WORDS and any(ch.isupper() for ch in words):
        gid = {"eu": "eu27", "eu-27": "eu27", "g-20": "g20"}.get(key, key)
        return Mention(tuple(sorted(group_members(gid))), gid.upper(), True)
    if key == "sanctioned countries":
        return Mention(tuple(sorted(groups()["sanctioned"])), "sanctioned countries", True)
    letters = re.sub(r"[^A-Za-z]", "", words)
    if not (len(letters) > 3 or (words.isupper() and len(letters) in (2, 3))):
        return None
    try:
        c = resolve_country(words)
    except InvalidQuery:
        return None
    return Mention((c.code,), c.name, False)


def _mark_countries(text: str) -> tuple[str, list[Mention]]:
    """Replace the longest country/group names (up to 5 words) by ``@n``."""
    words = list(re.finditer(r"[A-Za-z][A-Za-z.\-]*", text))
    mentions: list[Mention] = []
    out, pos, i = [], 0, 0
    while i < len(words):
        for n in range(min(5, len(words) - i), 0, -1):
            start, end = words[i].start(), words[i + n - 1].end()
            chunk = text[start:end]
            if n > 1 and not re.fullmatch(r"[A-Za-z.\- ]+", chunk):
                continue
            if n == 1 and len(chunk) <= 3 and re.search(r"\d\s?$", text[:start]):
                continue  # a unit after a number ("1.8 MT", "$3 BN"), not Malta or Brunei
            found = _lookup(chunk.rstrip("."))
            if found is not None:
                out.append(text[pos:start] + f"@{len(mentions)}")
                mentions.append(found)
                pos, i = end, i + n
                break
        else:
            i += 1
    out.append(text[pos:])
    return "".join(out), mentions


# -- qualifiers -------------------------------------------------------------------------------
_Y4 = r"((?:19|20)\d{2})"
_SPAN = re.compile(
    rf"(?:^|,?\s)(?:(?:between|from)\s+{_Y4}\s+(?:and|to|until|through)\s+{_Y4}"
    rf"|(?:in|over|during)\s+(?:the\s+period\s+)?{_Y4}\s*[-–]\s*{_Y4}"
    rf"|(?:since|compared\s+(?:with|to))\s+{_Y4})\b",
    re.IGNORECASE,
)
_MONTH = (r"(?:january|february|march|april|may|june|july|august|september|october|november"
          r"|december|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec)")  # fmt: skip
_PART = (r"(?:the\s+)?(?:first|second|third|fourth|last|past|latest)\s+(?:\w+\s+)?"
         r"(?:months?|quarters?|half|weeks?)")  # fmt: skip
_PERIOD = re.compile(
    r"(?:^|,?\s)(?P<what>(?:in|during|for|over|through)\s+(?:"
    rf"{_PART}(?:\s+of(?:\s+the\s+year)?)?"
    rf"|(?:the\s+)?\w+\s+months\s+(?:to|through|until)\s+{_MONTH}"
    rf"|{_MONTH}(?:\s*[-–]\s*{_MONTH})?|q[1-4]|h[12])"
    r"|(?:from|on|over|compared\s+(?:with|to)|versus)\s+(?:a|the|the\s+previous|the\s+prior)"
    r"\s+(?:month|quarter)(?:\s+(?:earlier|before|ago))?"
    r"|month[- ]on[- ]month|m/m|quarter[- ]on[- ]quarter|q/q)"
    rf"(?:,?\s+(?:of\s+)?{_Y4})?\b",
    re.IGNORECASE,
)
_YEAR = re.compile(
    r"(?:^|,?\s)(?:in|during|for)\s+(?:the\s+)?(?:(?:calendar|fiscal)\s+)?(?:year\s+)?"
    rf"{_Y4}\b",
    re.IGNORECASE,
)
_MEASURE = re.compile(r",?\s*\b(?:by|in terms of|in)\s+(value|weight|volume|tonnage)\b", re.I)
_HS = re.compile(r"\s*\(\s*hs\s*([\d\s,+&and]+?)\s*\)", re.IGNORECASE)
_SOURCE = re.compile(
    r",?\s*\b(?:according\s+to|as\s+per|citing|based\s+on|per|from)\s+(?:the\s+)?"
    r"(?:latest\s+)?(?:data\s+(?:from|of)\s+(?:the\s+)?)?"
    r"(?P<src>(?:UN|United\s+Nations)\s+Comtrade|Comtrade|CEPII\s+BACI|BACI)"
    r"(?:\s+(?:database|data|figures|statistics))?(?:\s+on\s+international\s+trade)?",
    re.IGNORECASE,
)
_SIDE_WORD = re.compile(r",?\s*\(?\b(cif|fob|mirror data|mirror statistics)\b\)?", re.I)
_DATA = r"(?:data|statistics|figures|reports?|returns|numbers)"
_OWN = r"(?:\s+(?:own|official|customs|trade|import|export|national|latest))*"
_SIDE_WHO = re.compile(
    r",?\s*\b(?:(?:according\s+to|as\s+reported\s+by|based\s+on)\s+(?:the\s+)?@(\d+)(?:'s?)?"
    rf"(?:{_OWN}(?:\s+{_DATA})?)"
    rf"|in\s+(?:the\s+)?@(\d+)(?:'s?)?{_OWN}\s+{_DATA}"
    rf"|,\s*(?:the\s+)?@(\d+)(?:'s?)?{_OWN}\s+{_DATA}\s+(?:show|shows|showed|said|says))",
    re.IGNORECASE,
)


def _take(pattern: re.Pattern[str], text: str) -> tuple[str, list[re.Match[str]]]:
    found = list(pattern.finditer(text))
    return pattern.sub(" ", text), found


def _tidy(text: str) -> str:
    text = re.sub(r"\s+", " ", text)
    text = re.sub(r"\s+([,.;])", r"\1", text)
    return text.strip(" ,;.!")


# -- products ---------------------------------------------------------------------------------
def _product(words: str) -> tuple[list[list[str]], bool]:
    """Product words → (HS scope candidates, pinned)."""
    from corridor.reference.hs import resolve_product

    text = re.sub(r"\s+", " ", words.lower().replace("-", " ")).strip()
    text = re.sub(r"^(?:hs|hs code|hs heading|hs chapter|chapter|heading)\s+", "", text)
    text = " ".join(w for w in text.split() if w not in _FILLER) or text
    kept = [w for w in text.split() if w not in _ALU_WORDS]
    if not kept or kept in (["and", "articles", "thereof"], ["products"]):
        return [list(c) for c in BROAD_ALUMINIUM], False
    alloy = [w for w in kept if w not in ("and", "alloy", "alloys")]
    for attempt in (text, " ".join(kept), " ".join(alloy) if alloy != kept else None):
        if not attempt:
            continue
        try:
            return [resolve_product(attempt)], True
        except InvalidQuery:
            continue
    if kept and all(w in ("alloy", "alloys") for w in kept):  # "aluminium alloy": unwrought
        return [["7601"]], True
    return [resolve_product(text)], True  # raises with the accepted words


# -- the parser -------------------------------------------------------------------------------
def _closest(text: str) -> str:
    low = text.lower()
    pct = bool(re.search(r"%|per ?cent|percent|\bpc\b|\bpct\b", low))
    if pct and re.search(r"single|one supplier|one country", low):
        kind = "concentration"
    elif re.search(r"doubled|tripled|halved|fold|rose|fell|grew|increased|declined|dropped", low):
        kind = "change"
    elif pct or re.search(r"\bmost\b|majority|bulk", low):
        kind = "share"
    elif re.search(r"\btop\b|largest|biggest|rank", low):
        kind = "rank"
    else:
        kind = "value"
    return f'{kind}: "{g.EXAMPLES[kind]}"'


def _unreadable(text: str, why: str | None = None) -> UnreadableClaim:
    detail = f"{clip(why, 300)}; " if why else ""
    return UnreadableClaim(
        f"cannot read the claim '{clip(text)}' — {detail}closest supported form: {_closest(text)}"
    )


def parse_claim(text: str) -> Claim:
    """Parse one claim written in English into a typed :class:`Claim`.

    Raises:
        UnreadableClaim: when no supported form matches (the message names the closest one),
            a country or product cannot be resolved, or the numbers are inconsistent. The
            message is one line and quotes at most 200 characters of the claim.
    """
    original = str(text)
    if len(original) > MAX_CHARS:
        raise _unreadable(original, f"a claim is one sentence of at most {MAX_CHARS} "
                                    f"characters (this has {len(original):,})")  # fmt: skip
    body = original.replace("\u2019", "'").replace("\u2018", "'").replace("\u00a0", " ")
    lead = len(body) - len(body.lstrip())
    stripped = body.strip().rstrip(".!").rstrip()
    span = (lead, lead + len(stripped))
    work = re.sub(r"\bUS(?:\$|D\b| dollars?\b)\s?", "USD ", stripped)  # not the country US
    work, mentions = _mark_countries(work)
    work, spans = _take(_SPAN, work)
    work, periods = _take(_PERIOD, work)
    work, years = _take(_YEAR, work)
    work, measures = _take(_MEASURE, work)
    work, hs = _take(_HS, work)
    work, sources = _take(_SOURCE, work)
    work, side_words = _take(_SIDE_WORD, work)
    work, side_who = _take(_SIDE_WHO, work)
    work = _tidy(work)
    for kind, form, pattern, report in g.templates():
        m = pattern.fullmatch(work)
        if m is None:
            continue
        parts = m.groupdict()
        fields = _fields(kind, parts, mentions, original)
        fields.update(text=original, span=span, form=form, kind=kind, report=report)
        _when(fields, spans, periods, years, original)
        if measures:
            word = measures[-1].group(1).lower()
            fields["measure"] = "value" if word == "value" else "weight"
        if hs:
            codes = re.findall(r"\d{2,6}", hs[-1].group(1))
            try:
                fields["hs_candidates"] = [_product(" ".join(codes))[0][0]]
            except InvalidQuery as exc:
                raise _unreadable(original, str(exc)) from None
            fields["hs_pinned"] = True
        if sources:
            src = sources[-1].group("src").lower()
            fields["source"] = "CEPII BACI" if "baci" in src else "UN Comtrade"
        fields["side"] = _side(side_words, side_who, mentions, fields)
        return _validated(fields, original)
    raise _unreadable(original, _hint(original))


_OTHER_MONEY = re.compile(
    r"(?:₹|¥|€|£|\b(?:rs\.?|inr|rupees?|crores?|lakhs?|yen|jpy|euros?|eur|pounds?|gbp|yuan|rmb"
    r"|cny)\b)",
    re.IGNORECASE,
)


def _hint(text: str) -> str | None:
    """Why a sentence that matched no form was not read, when a common cause is visible."""
    if _OTHER_MONEY.search(text):
        return (
            "amounts in other currencies are not converted: the figure needs a currency "
            "corridor stores (USD, $) or a mass unit (tonnes, kt, kg)"
        )
    return None


def _when(
    f: dict[str, Any],
    spans: list[re.Match[str]],
    periods: list[re.Match[str]],
    years: list[re.Match[str]],
    text: str,
) -> None:
    """Year, span of years and part of a year, checked against each other and the kind."""
    found = {int(y.group(1)) for y in years}
    for p in periods:
        what = re.sub(r"^,?\s*(?:in|during|for|over|through)\s+", "", p.group(0), flags=re.I)
        f["period"] = clip(what, 60)
        if p.group(p.re.groups):
            found.add(int(p.group(p.re.groups)))
    if len(found) > 1:
        raise _unreadable(text, "one year per claim (or a span: 'between 2019 and 2024')")
    year = found.pop() if found else None
    if spans:
        if len(spans) > 1:
            raise _unreadable(text, "one span of years per claim")
        bounds = [int(y) for y in spans[0].groups() if y]
        first, last = bounds[0], (bounds[1] if len(bounds) > 1 else year)
        if f["kind"] != "change":
            raise _unreadable(text, f"a span of years ({spans[0].group(0).strip(' ,')}) only "
                                    "applies to a change (e.g. 'doubled between 2019 and 2024'); "
                                    "give one year")  # fmt: skip
        if year is not None and last != year:
            raise _unreadable(text, "one year per claim (or a span: 'between 2019 and 2024')")
        if last is not None and first >= last:
            raise _unreadable(text, f"the span {first}–{last} must run forwards")
        f["since"], year = first, last
    f["year"] = year


def _fields(kind: str, p: dict[str, Any], mentions: list[Mention], text: str) -> dict[str, Any]:
    def who(key: str) -> Mention | None:
        return mentions[int(p[key])] if p.get(key) is not None else None

    importer, exporter = who("x"), who("y")
    if importer is None:
        raise _unreadable(text, "no importing country found")
    if importer.is_group:
        raise _unreadable(text, f"the importer must be one country, not the group {importer.label}")
    try:
        candidates, pinned = _product(p["p"])
    except InvalidQuery as exc:
        raise _unreadable(text, str(exc)) from None
    out: dict[str, Any] = {
        "importer": importer.codes[0],
        "importer_label": importer.label,
        "exporter": list(exporter.codes) if exporter else None,
        "exporter_label": exporter.label if exporter else None,
        "product": p["p"].strip(),
        "hs_candidates": candidates,
        "hs_pinned": pinned,
        "hedge": p.get("hedge"),
        "comparator": g.comparator_for(p.get("hedge"), p.get("verb")),
    }
    if p.get("amt"):
        amount = g.parse_amount(p["amt"])
        if amount is None:
            raise _unreadable(text, f"'{clip(p['amt'], 40)}' needs a currency ($, USD) or a mass "
                                    "unit (tonnes, kt, kg)")  # fmt: skip
        out.update(amount=amount.value, measure=amount.measure, rounding=amount.rounding,
                   amount_text=p["amt"])  # fmt: skip
        if amount.alternatives:
            out["senses"] = [Sense(name="metric tonnes", meaning=f"'{p['amt']}' read as metric "
                                   "tonnes")] + [
                Sense(name=name, meaning=meaning, changes={"amount": v, "rounding": r})
                for name, meaning, v, r in amount.alternatives
            ]  # fmt: skip
    if p.get("pct"):
        frac, rounding = g.parse_percent(p["pct"])
        sign = -1.0 if kind == "change" and _falling(p.get("dir") or p.get("updown")) else 1.0
        out.update(amount=sign * frac, rounding=rounding, amount_text=f"{p['pct']} %")
    if p.get("mult") or p.get("fold"):
        word = (p.get("mult") or "").lower()
        factor = {"doubled": 2, "tripled": 3, "trebled": 3, "quadrupled": 4, "halved": 0.5}.get(
            word
        ) or g.to_number(p["fold"])
        out.update(amount=factor - 1, amount_text=p.get("mult") or f"{p['fold']}-fold")
        out["comparator"], out["hedge"] = "approx", out["amount_text"]
    if p.get("most"):
        word = p["most"].lower()
        out.update(amount=0.5, comparator="gt", hedge=p["most"], amount_text=p["most"])
        if word not in ("more than half", "over half", "the majority"):
            out["senses"] = [
                Sense(name="majority", meaning=f"'{p['most']}' read as more than half"),
                Sense(name="largest", meaning=f"'{p['most']}' read as the largest part (rank 1)",
                      changes={"kind": "rank", "rank": 1, "rank_mode": "exact",
                               "comparator": "exact", "amount": None}),
            ]  # fmt: skip
    if p.get("n") or kind == "rank":
        out["rank"] = g.to_int(p.get("n") or p.get("ord") or "1")
        out["rank_mode"] = "top" if p.get("n") else "exact"
        out["comparator"] = "le" if p.get("n") else "exact"
    return out


def _falling(direction: str | None) -> bool:
    return bool(direction) and direction.lower() in {
        "fell", "declined", "decreased", "dropped", "slumped", "plunged", "plummeted", "shrank",
        "contracted", "went down", "tumbled", "slid", "fall", "decline", "drop", "down",
        "decrease", "slump", "contraction",
    }  # fmt: skip


def _side(
    words: list[re.Match[str]], who: list[re.Match[str]], mentions: list[Mention], f: dict
) -> str | None:
    for m in words:
        w = m.group(1).lower()
        return "importer" if w == "cif" else "exporter"
    for m in who:
        ref = next(x for x in m.groups() if x is not None)
        codes = mentions[int(ref)].codes
        if codes == (f["importer"],):
            return "importer"
        if f.get("exporter") and list(codes) == f["exporter"]:
            return "exporter"
    return None


def _validated(fields: dict[str, Any], text: str) -> Claim:
    from corridor.query import CorridorQuery

    claim = Claim(**fields)
    if claim.exporter and claim.importer in claim.exporter and len(claim.exporter) == 1:
        raise _unreadable(text, "importer and exporter are the same country")
    if claim.kind == "rank" and (not claim.exporter or len(claim.exporter) > 1):
        raise _unreadable(text, "a rank claim needs one exporting country")
    if claim.kind == "rank" and not 1 <= (claim.rank or 0) <= 50:
        raise _unreadable(text, "ranks are read from 1 to 50")
    if claim.kind in ("share", "concentration") and not 0 <= (claim.amount or 0) <= 1:
        raise _unreadable(text, "a share is between 0 and 100 %")
    if claim.form == "share/most-of" and not claim.exporter:
        raise _unreadable(text, "'most of … from' needs the supplying country")
    if claim.amount is not None and not (math.isfinite(claim.amount) and abs(claim.amount) < 1e18):
        raise _unreadable(text, "the figure is too large to be a trade flow")
    if claim.kind == "change" and claim.amount is not None and claim.amount <= -1:
        raise _unreadable(text, "a fall cannot exceed 100 %")
    for hs in claim.hs_candidates:
        try:  # the same checks every session makes: country, HS codes, nesting
            CorridorQuery(importer=claim.importer, hs=hs)
        except InvalidQuery as exc:
            raise _unreadable(text, str(exc)) from None
    return claim


# -- structured claims (YAML / JSON) ----------------------------------------------------------
_KINDS = ("value", "rank", "share", "change", "concentration")


def claim_from_mapping(item: dict[str, Any]) -> Claim:
    """Build a claim from a structured entry (the keys of ``docs/claims.md``).

    ``{"text": ...}`` is parsed like free text; otherwise ``kind``, ``importer``,
    ``product`` or ``hs`` and the kind's figure (``amount`` + ``unit``, ``rank`` + ``mode``,
    ``share``, ``change``) are read. Overrides (``year``, ``since``, ``measure``, ``side``,
    ``hs``) also apply to text claims.

    Raises:
        InvalidQuery: naming the bad key and what is accepted.
    """
    from pydantic import ValidationError

    try:
        return _from_mapping(item)
    except InvalidQuery:
        raise
    except (ValidationError, ValueError, TypeError, KeyError) as exc:
        first = first_line(exc)
        raise InvalidQuery(
            f"claim {clip(repr(item), 120)}: {clip(first, 120)} (keys: see docs/claims.md)"
        ) from None


def _from_mapping(item: dict[str, Any]) -> Claim:
    from corridor.reference.countries import group_members, resolve_country

    if "text" in item:
        claim = parse_claim(str(item["text"]))
        return _validated({**claim.model_dump(), **_overrides(item)}, claim.text)
    kind = str(item.get("kind", "")).lower()
    if kind not in _KINDS:
        raise InvalidQuery(f"claim kind {clip(repr(item.get('kind')), 40)} (accepted: "
                           f"{', '.join(_KINDS)})")  # fmt: skip
    if "importer" not in item:
        raise InvalidQuery("a structured claim needs 'importer'")
    imp = resolve_country(clip(str(item["importer"]), 60))
    fields: dict[str, Any] = {"kind": kind, "importer": imp.code, "importer_label": imp.name,
                              "form": "structured"}  # fmt: skip
    exp = item.get("exporter")
    if exp is not None:
        try:
            members = sorted(group_members(str(exp)))
            fields.update(exporter=members, exporter_label=str(exp).upper())
        except InvalidQuery:
            c = resolve_country(clip(str(exp), 60))
            fields.update(exporter=[c.code], exporter_label=c.name)
    cands, pinned = _product(clip(str(item.get("product", "aluminium")), 80))
    fields.update(hs_candidates=cands, hs_pinned=pinned, product=str(item.get("product", "")))
    hedge = item.get("hedge")
    if hedge is not None and str(hedge).lower() not in g.HEDGES:
        raise InvalidQuery(f"hedge {clip(repr(hedge), 40)} (accepted: "
                           f"{', '.join(sorted(g.HEDGES))})")  # fmt: skip
    fields["hedge"] = str(hedge) if hedge is not None else None
    fields["comparator"] = (
        g.comparator_for(str(hedge)) if hedge else item.get("comparator", "exact")
    )
    if kind == "value":
        amount, unit = item.get("amount"), str(item.get("unit", "USD"))
        parsed = g.parse_amount(f"{amount} {unit}" if unit.lower() != "usd" else f"${amount}")
        if parsed is None:
            raise InvalidQuery(f"amount {clip(repr(amount), 40)} {clip(repr(unit), 20)} (unit: "
                               "USD, kg, t, kt)")  # fmt: skip
        fields.update(amount=parsed.value, measure=parsed.measure, rounding=parsed.rounding,
                      amount_text=f"{amount} {unit}")  # fmt: skip
    elif kind == "rank":
        fields["rank"] = int(item["rank"])
        fields["rank_mode"] = str(item.get("mode", "top"))
        fields["comparator"] = "le" if fields["rank_mode"] == "top" else "exact"
    else:
        key = {"share": "share", "concentration": "share", "change": "change"}[kind]
        frac, rounding = _fraction(item.get(key))
        fields.update(amount=frac, rounding=rounding, amount_text=str(item.get(key)))
    fields.update(_overrides(item))
    return _validated(fields, str(item))


def _fraction(value: Any) -> tuple[float, float]:
    text = str(value).strip()
    if text.endswith("%"):
        try:
            return g.parse_percent(text.rstrip("% "))
        except ValueError:
            pass
    try:
        return float(text), 0.0
    except ValueError:
        raise InvalidQuery(
            f"{clip(repr(value), 40)}: expected a fraction (0.25) or a percentage ('25%')"
        ) from None


def _overrides(item: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in ("year", "since"):
        if item.get(key) is not None:
            try:
                out[key] = int(item[key])
            except (TypeError, ValueError):
                raise InvalidQuery(f"{key} {clip(repr(item[key]), 20)}: expected YYYY") from None
    if item.get("measure") in ("value", "weight"):
        out["measure"] = item["measure"]
    if item.get("side") in ("importer", "exporter"):
        out["side"] = item["side"]
    if item.get("hs"):
        hs = item["hs"] if isinstance(item["hs"], list) else str(item["hs"]).split(",")
        out.update(hs_candidates=[[str(h).strip() for h in hs]], hs_pinned=True)
    return out
