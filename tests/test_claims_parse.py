"""The claim grammar: every supported form, qualifiers, numbers, hedges and clear errors."""

from __future__ import annotations

import pytest

from corridor.services.claims import UnreadableClaim, claim_from_mapping, parse_claim
from corridor.services.claims.grammar import FORMS
from corridor.services.claims.parse import BROAD_ALUMINIUM

JPN, IND, AUS = 392, 699, 36


@pytest.mark.parametrize(("kind", "form", "text"), FORMS)
def test_every_documented_example_parses(kind: str, form: str, text: str) -> None:
    claim = parse_claim(text)
    assert (claim.kind, claim.form, claim.importer) == (kind, form, JPN)


def test_value_claim_fields() -> None:
    text = "Japan's aluminium imports from India touched approximately $337 million in 2024."
    c = parse_claim(text)
    assert (c.importer, c.exporter, c.year, c.measure) == (JPN, [IND], 2024, "value")
    assert (c.amount, c.comparator, c.hedge) == (337e6, "approx", "approximately")
    assert c.hs_candidates == BROAD_ALUMINIUM and not c.hs_pinned
    assert c.span == (0, len(text) - 1)
    assert parse_claim("Japan's aluminium imports from India touched $337m in 2024").comparator == (
        "approx"
    )


@pytest.mark.parametrize(
    ("amount", "kg"),
    [("45,400 tonnes", 45.4e6), ("45.4 thousand tonnes", 45.4e6), ("45.4 kt", 45.4e6),
     ("1.2 million tonnes", 1.2e9), ("900 kg", 900.0)],
)  # fmt: skip
def test_weights(amount: str, kg: float) -> None:
    c = parse_claim(f"Japan imported {amount} of unwrought aluminium from India in 2017")
    assert c.measure == "weight"
    assert c.amount == pytest.approx(kg)
    assert c.hs_candidates == [["7601"]] and c.hs_pinned


@pytest.mark.parametrize(
    ("hedge", "comparator"),
    [("about ", "approx"), ("over ", "gt"), ("more than ", "gt"), ("under ", "lt"),
     ("less than ", "lt"), ("at least ", "ge"), ("", "exact")],
)  # fmt: skip
def test_hedges(hedge: str, comparator: str) -> None:
    c = parse_claim(f"Japan's imports of aluminium from India were {hedge}$1.2 billion in 2024")
    assert c.comparator == comparator and c.amount == 1.2e9


@pytest.mark.parametrize(
    ("text", "rank", "mode"),
    [("India is among the top four exporters of aluminium to Japan in 2024", 4, "top"),
     ("India is now one of the top 3 aluminium suppliers to Japan", 3, "top"),
     ("India is among Japan's top twenty suppliers of aluminium", 20, "top"),
     ("India is Japan's 4th largest supplier of aluminium by weight", 4, "exact"),
     ("India is Japan's fourth-largest supplier of aluminium", 4, "exact"),
     ("India is the tenth largest exporter of aluminium to Japan", 10, "exact"),
     ("India is Japan's largest supplier of aluminium", 1, "exact")],
)  # fmt: skip
def test_rank_words_and_ordinals(text: str, rank: int, mode: str) -> None:
    c = parse_claim(text)
    assert (c.kind, c.rank, c.rank_mode, c.exporter) == ("rank", rank, mode, [IND])


def test_qualifiers_pin_the_reading() -> None:
    c = parse_claim("According to Japanese customs, Japan's aluminium imports (HS 7601) from "
                    "India were about $300 million in 2024")  # fmt: skip
    assert (c.side, c.hs_candidates, c.hs_pinned) == ("importer", [["7601"]], True)
    c = parse_claim("India's exports of aluminium scrap to Japan were over $10 million (FOB)")
    assert (c.side, c.hs_candidates, c.year) == ("exporter", [["7602"]], None)
    assert parse_claim("India is Japan's 2nd largest supplier of aluminium by value").measure == (
        "value"
    )


def test_share_change_concentration() -> None:
    c = parse_claim("Australia accounts for about 30 % of Japan's unwrought aluminium imports")
    assert (c.kind, c.exporter, c.amount, c.rounding) == ("share", [AUS], 0.3, 0.005)
    c = parse_claim("Japan's imports of aluminium from India fell by 12.5 per cent in 2020")
    assert (c.kind, c.amount) == ("change", -0.125)
    c = parse_claim("Japanese unwrought aluminium imports from India doubled year on year in 2016")
    assert (c.kind, c.amount, c.comparator, c.importer) == ("change", 1.0, "approx", JPN)
    c = parse_claim("Japan relies on one supplier for more than 30% of its aluminium imports")
    assert (c.kind, c.comparator, c.amount, c.exporter) == ("concentration", "gt", 0.3, None)


def test_groups_and_multiword_countries() -> None:
    c = parse_claim("ASEAN accounts for 10 % of South Korea's aluminium imports in 2024")
    assert c.importer == 410 and c.exporter_label == "ASEAN" and len(c.exporter) == 10
    c = parse_claim("The United States' imports of aluminium from the UAE rose by 5% in 2022")
    assert (c.importer, c.exporter) == (842, [784])


@pytest.mark.parametrize(
    ("text", "closest"),
    [("Japan buys lots of tin", "value:"),
     ("India is the best at aluminium for Japan", "value:"),
     ("Japan gets 40 % of something from Australia", "share:"),
     ("India is ranked top for Japan", "rank:")],
)  # fmt: skip
def test_unreadable_names_the_closest_form(text: str, closest: str) -> None:
    with pytest.raises(UnreadableClaim) as info:
        parse_claim(text)
    msg = str(info.value)
    assert msg.startswith(f"cannot read the claim '{text}'") and closest in msg
    assert "\n" not in msg


def test_unknown_product_and_bad_numbers() -> None:
    with pytest.raises(UnreadableClaim, match="unknown product 'copper'"):
        parse_claim("Japan's imports of copper from India were about $3 million in 2024")
    with pytest.raises(UnreadableClaim, match="needs a currency"):
        parse_claim("Japan's imports of aluminium from India were about 337 million in 2024")
    with pytest.raises(UnreadableClaim, match="one year per claim"):
        parse_claim("Japan's imports of aluminium from India were $3 million in 2023 in 2024")


def test_structured_claims() -> None:
    c = claim_from_mapping({"kind": "value", "importer": "JPN", "exporter": "IND",
                            "product": "unwrought", "amount": 45.4, "unit": "kt",
                            "hedge": "about", "year": 2017})  # fmt: skip
    assert (c.measure, c.amount, c.comparator, c.hs_candidates) == (
        "weight",
        45.4e6,
        "approx",
        [["7601"]],
    )
    c = claim_from_mapping({"kind": "share", "importer": "Japan", "exporter": "asean",
                            "share": "12%", "measure": "weight"})  # fmt: skip
    assert c.amount == pytest.approx(0.12) and c.measure == "weight" and len(c.exporter) == 10
    c = claim_from_mapping({"text": "India is among the top four exporters of aluminium to "
                            "Japan", "year": 2024, "side": "exporter"})  # fmt: skip
    assert (c.year, c.side, c.rank) == (2024, "exporter", 4)


# -- real sentences from trade journalism ---------------------------------------------------------
# Each is quoted from the page named (or, where marked "adapted", the same sentence with the
# country it leaves implicit written out, or split to one figure). Every one is read, or
# refused with one line saying why; none may end in anything else.
_TIMES = "https://timestopnews.com/aluminium-as-anchor-driving-india-japan-industrial-collaboration"
_METALNOMIST = "https://metalnomist.com/2025/03/japans-primary-aluminum-imports-rise.html"
_REUTERS = (
    "https://www.thehindubusinessline.com/economy/macro-economy/"
    "indias-aluminium-makers-win-japan-sales-in-market-shake-up/article25164597.ece"
)
_ARGUS = (
    "https://ec2-54-156-51-66.compute-1.amazonaws.com/japans-aluminium-alloy-imports-drop-by-13pc/"
)
_MEMETALS = (
    "https://middleeastmetals.ir/en/news/8877/top-five-aluminium-exporters-to-the-us-in-2019"
)

REAL = [
    (_TIMES, "Japan's aluminium imports from India touched approximately $337 million in 2024 "
     "according to the United Nations COMTRADE database on international trade",
     {"kind": "value", "amount": 337e6, "comparator": "approx", "year": 2024,
      "report": "importer", "source": "UN Comtrade"}),
    (_TIMES, "India is now among the top four exporters of aluminium to Japan",
     {"kind": "rank", "rank": 4, "rank_mode": "top", "report": None}),
    (_METALNOMIST, "Japan's primary aluminum imports increased by 1.9pc in 2024",
     {"kind": "change", "amount": 0.019, "hs_candidates": [["7601"]], "exporter": None}),
    (_METALNOMIST, "Australia remained Japan's largest aluminum supplier",
     {"kind": "rank", "rank": 1, "rank_mode": "exact", "exporter": [36]}),
    # adapted
    (_METALNOMIST, "Australia accounted for over 28pc of Japan's aluminum imports in 2024",
     {"kind": "share", "amount": 0.28, "comparator": "gt"}),
    # adapted
    (_METALNOMIST, "Japan's aluminium imports from Russia plummeted by nearly 70pc in 2024",
     {"kind": "change", "amount": -0.70, "comparator": "approx", "exporter": [643]}),
    (_METALNOMIST, "Japan's aluminium imports from the UAE saw a 14pc increase in 2024",  # adapted
     {"kind": "change", "amount": 0.14, "exporter": [784]}),
    (_REUTERS, "India's export of aluminium ingot to Japan has doubled in the first eight months "
     "of 2018",
     {"kind": "change", "amount": 1.0, "period": "the first eight months of 2018",
      "report": "exporter", "hs_candidates": [["7601"]]}),
    (_REUTERS, "Russia accounted for about 20 per cent of Japan's imports of both aluminium ingot "
     "and alloy in 2017",  # adapted: Rusal (a company) → Russia
     {"kind": "share", "amount": 0.20, "year": 2017, "hs_candidates": [["7601"]]}),
    (_REUTERS, "Japan's imports of aluminium ingot from India doubled in the first eight months "
     "of 2018 from a year ago",  # adapted: "imports … Japanese trade data shows"
     {"kind": "change", "period": "the first eight months of 2018"}),
    (_REUTERS, "Japan's aluminium alloy imports from India surged 11-fold in 2018",  # adapted
     {"kind": "change", "amount": 10.0, "comparator": "approx"}),
    (_ARGUS, "Japan's aluminium alloy imports from China fell to 347,102mt in 2019",
     {"kind": "value", "amount": 347_102e3, "measure": "weight",
      "senses": ["metric tonnes", "million tonnes"]}),
    (_ARGUS, "Japan's imports of aluminium alloy decreased to 1.16mn mt in 2019",  # adapted
     {"kind": "value", "amount": 1.16e9, "measure": "weight", "senses": []}),
    (_ARGUS, "Japan's imports of unwrought aluminium alloy dropped by 13pc in December",
     {"kind": "change", "amount": -0.13, "period": "December"}),
    ("https://www.metalbulletin.com/Article/4022167/Aluminium-All/"
     "Japans-aluminium-imports-surge-by-201-in-October.html",
     "Japan imported 260,100 tonnes of aluminium in October",
     {"kind": "value", "amount": 260_100e3, "exporter": None, "period": "October"}),
    (_MEMETALS, "India exported 233,000 tonnes of aluminium to the US in 2019",
     {"kind": "value", "importer": 842, "exporter": [699], "amount": 233e6, "report": "exporter"}),
    (_MEMETALS, "Canada exported 2.63 million tonnes of total aluminium to the US in 2019",
     {"kind": "value", "amount": 2.63e9, "rounding": 0.005e9}),
    (_MEMETALS, "Canada supplied 46% of all US aluminium imports during 2019",  # adapted
     {"kind": "share", "amount": 0.46, "importer": 842, "year": 2019}),
    # the phrasings issue 10 names
    ("issue 10", "Japan's aluminium imports from India doubled between 2019 and 2024",
     {"kind": "change", "amount": 1.0, "since": 2019, "year": 2024}),
    ("issue 10", "Japan's imports of aluminium from India were USD 0.34 billion in 2024",
     {"kind": "value", "amount": 0.34e9, "rounding": 0.005e9, "comparator": "exact"}),
    ("issue 10", "Japan's imports of aluminium from India were $0.34bn in 2024",
     {"kind": "value", "amount": 0.34e9}),
    ("issue 10", "Japan gets most of its aluminium from Australia",
     {"kind": "share", "form": "share/most-of", "amount": 0.5, "comparator": "gt",
      "senses": ["majority", "largest"]}),
    ("issue 10", "Australia supplies more than half of Japan's unwrought aluminium imports",
     {"kind": "share", "form": "share/most-of", "senses": []}),
]  # fmt: skip


@pytest.mark.parametrize(("source", "text", "expected"), REAL, ids=[t[:50] for _, t, _ in REAL])
def test_real_sentences_are_read(source: str, text: str, expected: dict) -> None:
    c = parse_claim(text)
    for key, value in expected.items():
        got = [s.name for s in c.senses] if key == "senses" else getattr(c, key)
        if isinstance(value, float):
            assert got == pytest.approx(value), (key, got)
        else:
            assert got == value, (key, got)


@pytest.mark.parametrize(
    ("text", "why"),
    [("India's exports of primary aluminium decreased to 1.8 MT in 2024", None),  # no importer
     ("Japan's imports of aluminium from India were Rs 2,000 crore in 2024", "other currencies"),
     ("Japan's imports of aluminium from India rose by 20 % in 2024 from 2019", None),
     ("Japan's aluminium imports from India were $300 million between 2019 and 2024",
      "only applies to a change")],
)  # fmt: skip
def test_what_is_not_read_gets_one_line(text: str, why: str | None) -> None:
    with pytest.raises(UnreadableClaim) as info:
        parse_claim(text)
    msg = str(info.value)
    assert "\n" not in msg and "closest supported form" in msg
    if why:
        assert why in msg


def test_errors_echo_at_most_200_characters_of_the_claim() -> None:
    long = "Japan's imports of " + "very " * 100 + "special aluminium were $3 million in 2024"
    for text in (long, "x" * 5000, "Japan buys\nlots of\r\ntin " * 30, "Japan " + "é" * 400):
        with pytest.raises(UnreadableClaim) as info:
            parse_claim(text)
        msg = str(info.value)
        assert "\n" not in msg and "\r" not in msg
        quoted = msg.split("'", 1)[1].rsplit("' —", 1)[0]
        assert len(quoted) <= 200 and len(msg) < 800, msg


@pytest.mark.parametrize(
    ("amount", "kg", "senses"),
    [("1.8 MT", 1.8e3, ["metric tonnes", "million tonnes"]), ("3 Mt", 3e9, []),
     ("1.16mn mt", 1.16e9, []), ("2 MMT", 2e9, [])],
)  # fmt: skip
def test_units_after_numbers_are_not_countries(amount: str, kg: float, senses: list) -> None:
    # "MT" is Malta's ISO code and "BN" Brunei's: after a number they are units
    c = parse_claim(f"Japan's imports of aluminium from India were {amount} in 2024")
    assert (c.exporter, c.measure) == ([IND], "weight") and c.amount == pytest.approx(kg)
    assert [s.name for s in c.senses] == senses
    assert parse_claim("Japan's imports of aluminium from India were $3 BN in 2024").amount == 3e9
