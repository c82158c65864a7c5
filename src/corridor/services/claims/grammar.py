"""The claim grammar: regular-expression templates, number words, hedges and amounts.

Countries are replaced by ``@n`` placeholders before matching (see :mod:`.parse`), and the
year, measure, reporting side and explicit HS scope are read as qualifiers first, so the
templates only describe the sentence shapes listed in :data:`FORMS`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

__all__ = [
    "EXAMPLES",
    "FORMS",
    "NUMBER_WORDS",
    "ORDINALS",
    "comparator_for",
    "parse_amount",
    "parse_percent",
    "templates",
    "to_int",
]

NUMBER_WORDS = ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
                "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
                "eighteen", "nineteen", "twenty"]  # fmt: skip
ORDINALS = [
    "first",
    "second",
    "third",
    "fourth",
    "fifth",
    "sixth",
    "seventh",
    "eighth",
    "ninth",
    "tenth",
]

#: Hedge words → comparator. Verbs that hedge ("touched", "topped") are in ``_VERB_HEDGES``.
_HEDGES: dict[str, str] = {
    "about": "approx", "approximately": "approx", "approx.": "approx", "approx": "approx",
    "around": "approx", "nearly": "approx", "roughly": "approx", "almost": "approx",
    "close to": "approx", "some": "approx", "an estimated": "approx", "an approximate": "approx",
    "over": "gt", "more than": "gt", "above": "gt", "in excess of": "gt", "upwards of": "gt",
    "just over": "gt", "under": "lt", "less than": "lt", "below": "lt", "just under": "lt",
    "fewer than": "lt", "at least": "ge", "at most": "le", "up to": "le", "no more than": "le",
}  # fmt: skip
_VERB_HEDGES = {"touched": "approx", "exceeded": "gt", "topped": "gt", "crossed": "gt",
                "surpassed": "gt"}  # fmt: skip

NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_UNIT = (r"(?:million|mn|billion|bn|thousand|trillion|metric|tonnes|tonne|tons|ton|kt|mt|kg"
         r"|kilograms|kilogram|us dollars|dollars|dollar|usd|m|b|k|t)\b")  # fmt: skip
AMT = rf"(?P<amt>(?:(?:us\$|usd|\$)\s?)?(?:{NUM})(?:\s?{_UNIT})*)"
PCT = rf"(?P<pct>{NUM})\s?(?:%|per ?cent|percent)"
HEDGE = (
    "(?:(?P<hedge>"
    + "|".join(re.escape(h) for h in sorted(_HEDGES, key=len, reverse=True))
    + r") )?"
)
VERB = (r"(?P<verb>were|was|are|is|stood at|totalled|totaled|reached|touched|amounted to"
        r"|came to|came in at|hit|rose to|fell to|grew to|climbed to|increased to|dropped to"
        r"|declined to|exceeded|topped|crossed|surpassed)")  # fmt: skip
DIR = (r"(?P<dir>rose|grew|increased|jumped|climbed|surged|soared|went up|fell|declined"
       r"|decreased|dropped|slumped|plunged|shrank|contracted|went down)")  # fmt: skip
MULT = r"(?P<mult>doubled|tripled|trebled|quadrupled|halved)"
YOY = r"(?: (?:year[- ]on[- ]year|yoy|y/y|from the (?:previous|prior) year|on the year))?"
N = r"(?P<n>\d+|" + "|".join(NUMBER_WORDS) + ")"
ORD = r"(?:(?P<ord>\d+(?:st|nd|rd|th)|" + "|".join(ORDINALS) + r")(?:-| ))?"
ADV = r"(?:(?:now|still|currently|already|also) )?"
BE = r"(?:is|was|are|were|remains|remained|has become|became|ranks|ranked)"
ROLE = (r"(?:exporters?|suppliers?|sources?|shippers?|exporting countries|supplying countries"
        r"|partners?)")  # fmt: skip
LARGEST = rf"{ORD}(?:largest|biggest|top|leading)"
P = r"(?P<p>[a-z0-9][a-z0-9 \-]*?)"


def _c(name: str) -> str:
    return rf"(?:the )?@(?P<{name}>\d+)(?:'s?)?"


X, Y = _c("x"), _c("y")
_IMPORTS = (f"{X} (?:total )?imports of {P}", f"{X} (?:total )?{P} imports")
_IMPORTS_FROM = (f"{X} (?:total )?imports of {P} from {Y}", f"{X} {P} imports from {Y}",
                 f"{Y} exports of {P} to {X}", f"{Y} {P} exports to {X}")  # fmt: skip
_ITS = (f"imports of {P}", f"{P} imports")
_AMONG = r"(?:among |one of |in )?"

#: (kind, form, example) of every supported shape, in the order shown by ``--help``.
FORMS: list[tuple[str, str, str]] = [
    ("value", "value/imports", "Japan's imports of aluminium from India were about $337 million "
     "in 2024"),
    ("value", "value/imports", "Japan's aluminium imports from India touched approximately "
     "$337 million in 2024"),
    ("value", "value/exports", "India's exports of aluminium to Japan were over $300 million "
     "in 2024"),
    ("value", "value/imported", "Japan imported 45,400 tonnes of unwrought aluminium from India "
     "in 2017"),
    ("value", "value/exported", "India exported about 45.4 kt of primary aluminium to Japan in "
     "2017"),
    ("rank", "rank/top-n", "India is among the top four exporters of aluminium to Japan in 2024"),
    ("rank", "rank/nth", "India is Japan's 4th largest supplier of aluminium by value"),
    ("share", "share/accounts-for", "Australia accounts for about 30 % of Japan's unwrought "
     "aluminium imports in 2017"),
    ("share", "share/depends-on", "Japan depends on Australia for over 25 % of its unwrought "
     "aluminium imports"),
    ("change", "change/by", "Japan's imports of aluminium from India rose by 20 % year on year "
     "in 2024"),
    ("change", "change/multiple", "Japan's unwrought aluminium imports from India doubled in "
     "2016"),
    ("concentration", "concentration/single",
     "Japan depends on a single supplier for more than 30 % of its unwrought aluminium imports"),
]  # fmt: skip

#: One example per kind, for "closest supported form" messages.
EXAMPLES: dict[str, str] = {
    "value": "X's imports of P from Y were about $N million in T",
    "rank": "Y is among the top N exporters of P to X in T",
    "share": "Y accounts for N % of X's P imports in T",
    "change": "X's imports of P from Y rose by N % in T",
    "concentration": "X depends on a single supplier for more than N % of its P imports",
}


def _templates() -> Iterator[tuple[str, str, str]]:
    for subject in _IMPORTS_FROM + _IMPORTS:
        form = "value/exports" if " exports" in subject else "value/imports"
        yield "value", form, rf"{subject} {VERB} {HEDGE}{AMT}"
        yield "change", "change/by", rf"{subject} {DIR} (?:by )?{HEDGE}{PCT}{YOY}"
        yield "change", "change/multiple", rf"{subject} {MULT}{YOY}"
    for tail in (rf" from {Y}", ""):
        yield "value", "value/imported", rf"{X} imported {HEDGE}{AMT} (?:worth )?of {P}{tail}"
        yield "value", "value/imported", rf"{X} imported {P} worth {HEDGE}{AMT}{tail}"
    yield (
        "value",
        "value/exported",
        rf"{Y} (?:exported|shipped) {HEDGE}{AMT} (?:worth )?of {P} to {X}",
    )
    yield "value", "value/exported", rf"{Y} (?:exported|shipped) {P} worth {HEDGE}{AMT} to {X}"
    top = rf"the top(?:-| ){N}"
    for shape in (
        rf"{top} {ROLE} of {P} to {X}",
        rf"{top} {P} {ROLE} (?:to|of|for) {X}",
        rf"{X} top(?:-| ){N} {ROLE} of {P}",
        rf"{X} top(?:-| ){N} {P} {ROLE}",
    ):
        yield "rank", "rank/top-n", rf"{Y} {BE} {ADV}{_AMONG}{shape}"
    for shape in (
        rf"{X} {LARGEST} {ROLE} of {P}",
        rf"{X} {LARGEST} {P} {ROLE}",
        rf"the {LARGEST} {ROLE} of {P} to {X}",
        rf"the {LARGEST} {P} {ROLE} to {X}",
    ):
        yield "rank", "rank/nth", rf"{Y} {BE} {ADV}{shape}"
    verbs = (r"(?:accounts|accounted|account|makes up|made up|represents|represented|supplies"
             r"|supplied|provides|provided)(?: for)?")  # fmt: skip
    for imports in _IMPORTS:
        yield "share", "share/accounts-for", rf"{Y} {verbs} {HEDGE}{PCT} of {imports}"
        yield "share", "share/share-of", rf"{Y} share (?:of|in) {imports} {VERB} {HEDGE}{PCT}"
    dep = r"(?:depends|depended|relies|relied|is dependent|was dependent)"
    single = r"(?:a single|one|just one|a sole|one single) (?:supplier|country|source|exporter)"
    for its in _ITS:
        yield "share", "share/depends-on", rf"{X} {dep} on {Y} for {HEDGE}{PCT} of its {its}"
        yield ("concentration", "concentration/single",
               rf"{X} {dep} on {single} for {HEDGE}{PCT} of its {its}")  # fmt: skip


_COMPILED: list[tuple[str, str, re.Pattern[str]]] = []


def templates() -> list[tuple[str, str, re.Pattern[str]]]:
    """Return the compiled templates ``(kind, form, pattern)``, most specific first."""
    if not _COMPILED:
        _COMPILED.extend((k, f, re.compile(p, re.IGNORECASE)) for k, f, p in _templates())
    return _COMPILED


def to_int(word: str) -> int:
    """``'four'`` → 4, ``'4th'`` → 4, ``'fourth'`` → 4, ``'12'`` → 12."""
    w = word.lower()
    if w in NUMBER_WORDS:
        return NUMBER_WORDS.index(w) + 1
    if w in ORDINALS:
        return ORDINALS.index(w) + 1
    return int(re.sub(r"(st|nd|rd|th)$", "", w))


def comparator_for(hedge: str | None, verb: str | None = None) -> str:
    """Comparator of a hedge word (or of a hedging verb such as ``touched``)."""
    if hedge:
        return _HEDGES[hedge.lower()]
    if verb and verb.lower() in _VERB_HEDGES:
        return _VERB_HEDGES[verb.lower()]
    return "exact"


_SCALES = {"thousand": 1e3, "k": 1e3, "million": 1e6, "mn": 1e6, "m": 1e6, "billion": 1e9,
           "bn": 1e9, "b": 1e9, "trillion": 1e12}  # fmt: skip
_MASS = {"tonnes": 1e3, "tonne": 1e3, "tons": 1e3, "ton": 1e3, "t": 1e3, "metric": 1.0,
         "kt": 1e6, "mt": 1e9, "kg": 1.0, "kilograms": 1.0, "kilogram": 1.0}  # fmt: skip


def _number(text: str) -> tuple[float, int]:
    raw = text.replace(",", "")
    decimals = len(raw.split(".")[1]) if "." in raw else 0
    return float(raw), decimals


def parse_amount(text: str) -> tuple[float, str, float] | None:
    """``'$337 million'`` → (337e6, 'value', 5e5); ``'45.4 kt'`` → (45.4e6, 'weight', 5e4).

    Returns (amount in USD or kg, measure, rounding half-width in the same unit), or None
    when the text has neither a currency nor a mass unit.
    """
    low = text.lower()
    match = re.search(NUM, low)
    if not match:
        return None
    number, decimals = _number(match.group(0))
    words = re.findall(r"[a-z]+", low[match.end() :].replace("us dollars", "usd"))
    currency = "$" in low or "usd" in low or "dollar" in low
    factor, mass = 1.0, None
    for w in words:
        if w in _SCALES and mass is None:
            factor *= _SCALES[w]
        elif w in _MASS:
            mass = (mass or 1.0) * _MASS[w]
    if currency == (mass is not None):
        return None
    scale = factor * (mass or 1.0)
    return number * scale, ("weight" if mass else "value"), 0.5 * 10**-decimals * scale


def parse_percent(text: str) -> tuple[float, float]:
    """``'27.5'`` → (0.275, 0.0005): the fraction and its rounding half-width."""
    number, decimals = _number(text)
    return number / 100, 0.5 * 10**-decimals / 100
