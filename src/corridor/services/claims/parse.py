"""Deterministic claim parser: qualifiers, country mentions, then the grammar templates.

Steps: (1) read qualifiers anywhere in the text — the year (``in 2024``), the measure
(``by value``/``by weight``), the reporting side (``according to Japan's customs``, ``CIF``,
``FOB``, ``mirror data``) and an explicit HS scope (``(HS 7601)``); (2) replace country and
group names (names, ISO3 codes, demonyms such as "Japanese", groups such as ASEAN) by ``@n``;
(3) match the sentence against :func:`.grammar.templates`; (4) resolve the product words.
No language model is involved: the same text always gives the same claim.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from corridor.errors import InvalidQuery
from corridor.services.claims import grammar as g
from corridor.services.claims.models import Claim

__all__ = ["BROAD_ALUMINIUM", "UnreadableClaim", "claim_from_mapping", "parse_claim"]

#: What the bare word "aluminium" may mean, the most literal first.
BROAD_ALUMINIUM: list[list[str]] = [["76"], ["7601"], ["7601", "7602"]]
_ALU_WORDS = {"aluminium", "aluminum", "al"}
_GROUP_WORDS = {"eu", "eu27", "eu-27", "g20", "g-20", "quad", "asean", "rcep", "oecd"}


class UnreadableClaim(InvalidQuery):
    """A claim the grammar cannot read; the message names the closest supported form."""


@dataclass(frozen=True)
class Mention:
    """A country or group named in the claim."""

    codes: tuple[int, ...]
    label: str
    is_group: bool


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
_YEAR = re.compile(
    r"(?:^|,?\s)(?:in|during|for)\s+(?:the\s+)?(?:(?:calendar|fiscal)\s+)?(?:year\s+)?"
    r"((?:19|20)\d{2})\b",
    re.IGNORECASE,
)
_MEASURE = re.compile(r",?\s*\b(?:by|in terms of|in)\s+(value|weight|volume|tonnage)\b", re.I)
_HS = re.compile(r"\s*\(\s*hs\s*([\d\s,+&and]+?)\s*\)", re.IGNORECASE)
_SIDE_WORD = re.compile(r",?\s*\(?\b(cif|fob|mirror data|mirror statistics)\b\)?", re.I)
_SIDE_WHO = re.compile(
    r",?\s*\b(?:according to|as reported by|based on|in)\s+(?:the\s+)?@(\d+)(?:'s?)?"
    r"((?:\s+(?:own|official|customs|trade|import|export|national))*"
    r"(?:\s+(?:data|statistics|figures|reports?|returns|numbers))?)",
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
    kept = [w for w in text.split() if w not in _ALU_WORDS]
    if not kept or kept in (["and", "articles", "thereof"], ["products"]):
        return [list(c) for c in BROAD_ALUMINIUM], False
    for attempt in (text, " ".join(kept)):
        try:
            return [resolve_product(attempt)], True
        except InvalidQuery:
            continue
    return [resolve_product(text)], True  # raises with the accepted words


# -- the parser -------------------------------------------------------------------------------
def _closest(text: str) -> str:
    low = text.lower()
    pct = "%" in low or "per cent" in low or "percent" in low
    if pct and re.search(r"single|one supplier|one country", low):
        kind = "concentration"
    elif re.search(r"doubled|tripled|halved|rose|fell|grew|increased|declined|dropped", low):
        kind = "change"
    elif pct:
        kind = "share"
    elif re.search(r"\btop\b|largest|biggest|rank", low):
        kind = "rank"
    else:
        kind = "value"
    return f'{kind}: "{g.EXAMPLES[kind]}"'


def _unreadable(text: str, why: str | None = None) -> UnreadableClaim:
    detail = f"{why}; " if why else ""
    return UnreadableClaim(
        f"cannot read the claim '{text.strip()}' — {detail}closest supported form: {_closest(text)}"
    )


def parse_claim(text: str) -> Claim:
    """Parse one claim written in English into a typed :class:`Claim`.

    Raises:
        UnreadableClaim: when no supported form matches (the message names the closest one),
            a country or product cannot be resolved, or the numbers are inconsistent.
    """
    original = text
    body = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u00a0", " ")
    lead = len(body) - len(body.lstrip())
    stripped = body.strip().rstrip(".!").rstrip()
    span = (lead, lead + len(stripped))
    work, mentions = _mark_countries(stripped)
    work, years = _take(_YEAR, work)
    work, measures = _take(_MEASURE, work)
    work, hs = _take(_HS, work)
    work, side_words = _take(_SIDE_WORD, work)
    work, side_who = _take(_SIDE_WHO, work)
    work = _tidy(work)
    if len({m.group(1) for m in years}) > 1:
        raise _unreadable(original, "one year per claim")
    for kind, form, pattern in g.templates():
        m = pattern.fullmatch(work)
        if m is None:
            continue
        parts = m.groupdict()
        fields = _fields(kind, parts, mentions, original)
        fields.update(text=original, span=span, form=form, kind=kind)
        if years:
            fields["year"] = int(years[0].group(1))
        if measures:
            word = measures[-1].group(1).lower()
            fields["measure"] = "value" if word == "value" else "weight"
        if hs:
            codes = re.findall(r"\d{2,6}", hs[-1].group(1))
            fields["hs_candidates"] = [_product(" ".join(codes))[0][0]]
            fields["hs_pinned"] = True
        fields["side"] = _side(side_words, side_who, mentions, fields)
        return _validated(fields, original)
    raise _unreadable(original)


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
        parsed = g.parse_amount(p["amt"])
        if parsed is None:
            raise _unreadable(text, f"'{p['amt']}' needs a currency ($, USD) or a mass unit "
                                    "(tonnes, kt, kg)")  # fmt: skip
        out["amount"], out["measure"], out["rounding"] = parsed
        out["amount_text"] = p["amt"]
    if p.get("pct"):
        frac, rounding = g.parse_percent(p["pct"])
        sign = -1.0 if kind == "change" and _falling(p.get("dir")) else 1.0
        out.update(amount=sign * frac, rounding=rounding, amount_text=f"{p['pct']} %")
    if p.get("mult"):
        factor = {"doubled": 2, "tripled": 3, "trebled": 3, "quadrupled": 4, "halved": 0.5}
        out.update(amount=factor[p["mult"].lower()] - 1, amount_text=p["mult"])
        out["comparator"], out["hedge"] = "approx", p["mult"]
    if p.get("n") or kind == "rank":
        out["rank"] = g.to_int(p.get("n") or p.get("ord") or "1")
        out["rank_mode"] = "top" if p.get("n") else "exact"
        out["comparator"] = "le" if p.get("n") else "exact"
    return out


def _falling(direction: str | None) -> bool:
    return bool(direction) and direction.lower() in {
        "fell", "declined", "decreased", "dropped", "slumped", "plunged", "shrank",
        "contracted", "went down",
    }  # fmt: skip


def _side(
    words: list[re.Match[str]], who: list[re.Match[str]], mentions: list[Mention], f: dict
) -> str | None:
    for m in words:
        w = m.group(1).lower()
        return "importer" if w == "cif" else "exporter"
    for m in who:
        codes = mentions[int(m.group(1))].codes
        if codes == (f["importer"],):
            return "importer"
        if f.get("exporter") and list(codes) == f["exporter"]:
            return "exporter"
    return None


def _validated(fields: dict[str, Any], text: str) -> Claim:
    claim = Claim(**fields)
    if claim.exporter and claim.importer in claim.exporter and len(claim.exporter) == 1:
        raise _unreadable(text, "importer and exporter are the same country")
    if claim.kind == "rank" and (not claim.exporter or len(claim.exporter) > 1):
        raise _unreadable(text, "a rank claim needs one exporting country")
    if claim.kind == "rank" and not 1 <= (claim.rank or 0) <= 50:
        raise _unreadable(text, "ranks are read from 1 to 50")
    if claim.kind in ("share", "concentration") and not 0 <= (claim.amount or 0) <= 1:
        raise _unreadable(text, "a share is between 0 and 100 %")
    return claim


# -- structured claims (YAML / JSON) ----------------------------------------------------------
_KINDS = ("value", "rank", "share", "change", "concentration")


def claim_from_mapping(item: dict[str, Any]) -> Claim:
    """Build a claim from a structured entry (the keys of ``docs/claims.md``).

    ``{"text": ...}`` is parsed like free text; otherwise ``kind``, ``importer``,
    ``product`` or ``hs`` and the kind's figure (``amount`` + ``unit``, ``rank`` + ``mode``,
    ``share``, ``change``) are read. Overrides (``year``, ``measure``, ``side``, ``hs``)
    also apply to text claims.

    Raises:
        InvalidQuery: naming the bad key and what is accepted.
    """
    from corridor.reference.countries import group_members, resolve_country

    if "text" in item:
        claim = parse_claim(str(item["text"]))
        return claim.model_copy(update=_overrides(item))
    kind = str(item.get("kind", "")).lower()
    if kind not in _KINDS:
        raise InvalidQuery(f"claim kind {item.get('kind')!r} (accepted: {', '.join(_KINDS)})")
    if "importer" not in item:
        raise InvalidQuery("a structured claim needs 'importer'")
    imp = resolve_country(str(item["importer"]))
    fields: dict[str, Any] = {"kind": kind, "importer": imp.code, "importer_label": imp.name,
                              "form": "structured"}  # fmt: skip
    exp = item.get("exporter")
    if exp is not None:
        try:
            members = sorted(group_members(str(exp)))
            fields.update(exporter=members, exporter_label=str(exp).upper())
        except InvalidQuery:
            c = resolve_country(str(exp))
            fields.update(exporter=[c.code], exporter_label=c.name)
    cands, pinned = _product(str(item.get("product", "aluminium")))
    fields.update(hs_candidates=cands, hs_pinned=pinned, product=str(item.get("product", "")))
    hedge = item.get("hedge")
    fields["hedge"] = hedge
    fields["comparator"] = g.comparator_for(hedge) if hedge else item.get("comparator", "exact")
    if kind == "value":
        amount, unit = item.get("amount"), str(item.get("unit", "USD"))
        parsed = g.parse_amount(f"{amount} {unit}" if unit.lower() != "usd" else f"${amount}")
        if parsed is None:
            raise InvalidQuery(f"amount {amount!r} {unit!r} (unit: USD, kg, t, kt)")
        fields["amount"], fields["measure"], fields["rounding"] = parsed
        fields["amount_text"] = f"{amount} {unit}"
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
        return g.parse_percent(text.rstrip("% "))
    try:
        return float(text), 0.0
    except ValueError:
        raise InvalidQuery(
            f"{value!r}: expected a fraction (0.25) or a percentage ('25%')"
        ) from None


def _overrides(item: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if item.get("year") is not None:
        out["year"] = int(item["year"])
    if item.get("measure") in ("value", "weight"):
        out["measure"] = item["measure"]
    if item.get("side") in ("importer", "exporter"):
        out["side"] = item["side"]
    if item.get("hs"):
        hs = item["hs"] if isinstance(item["hs"], list) else str(item["hs"]).split(",")
        out.update(hs_candidates=[[str(h).strip() for h in hs]], hs_pinned=True)
    return out
