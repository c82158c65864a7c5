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
