"""Reference data: Comtrade area codes, country groups and HS chapter 76.

Everything here reads package data only (``reference/data``); pyarrow is imported inside the
functions that build tables, so importing this package stays cheap.
"""

from __future__ import annotations

from corridor.reference.countries import (
    Country,
    countries,
    countries_table,
    country_by_code,
    group_members,
    groups,
    groups_table,
    is_partner_aggregate,
    resolve_country,
)
from corridor.reference.hs import (
    HSCode,
    hs76_table,
    hs_codes,
    hs_level,
    load_baci_product_codes,
    load_comtrade_hs_reference,
    normalize_hs,
    normalize_hs6,
    resolve_product,
    validate_hs,
)

__all__ = [
    "Country",
    "HSCode",
    "countries",
    "countries_table",
    "country_by_code",
    "group_members",
    "groups",
    "groups_table",
    "hs76_table",
    "hs_codes",
    "hs_level",
    "is_partner_aggregate",
    "load_baci_product_codes",
    "load_comtrade_hs_reference",
    "normalize_hs",
    "normalize_hs6",
    "resolve_country",
    "resolve_product",
    "validate_hs",
]
