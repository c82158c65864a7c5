"""Fixed numbers the analytics use, importable without Ibis."""

from __future__ import annotations

__all__ = ["CIF_FOB_BOUNDS", "GROUPS", "THIN_MARKET", "WEIGHT_BOUNDS"]

#: Plausible CIF/FOB ratios: freight and insurance add roughly 0-20 % (IMF DOTS uses 1.06);
#: below 0.95 or above 1.30 the two reports are unlikely to describe the same goods.
CIF_FOB_BOUNDS: tuple[float, float] = (0.95, 1.30)
#: Plausible importer/exporter net-weight ratios: the same goods weigh the same on both sides;
#: timing, partner attribution and estimated weights explain a few percent, not more.
WEIGHT_BOUNDS: tuple[float, float] = (0.80, 1.25)
#: Country groups whose share of each market the concentration indicator reports.
GROUPS: tuple[str, ...] = ("quad", "g20", "eu27", "asean", "rcep", "oecd", "sanctioned")
#: Fewer supplying countries than this in the data: shares and ranks describe the data (a
#: file cut to a few exporters, a fetch of a few partners), not necessarily the whole market.
THIN_MARKET = 5
