"""Scenarios on the corridor session: supplier shocks, tariff changes and the brief's what-if.

Every scenario is a service over session indicators returning a typed :class:`Scenario` that
the CLI, the brief and the dashboard render:

- :func:`shock`: remove or cut suppliers, re-source the lost quantity (proportional or
  Armington, capacity limits), gap, HHI and top share before/after, a band over σ and η;
- :func:`tariff_change`: the WITS SMART partial-equilibrium model line by line at HS6 on
  tariff-inclusive prices from the tariff table (an agreement's rates or a scenario file);
- :func:`whatif`: what the brief shows — the largest supplier removed and the exporter's
  preference margin by line with the import value it covers.
"""

from corridor.services.scenarios.result import Scenario, ScenarioTable
from corridor.services.scenarios.shock import SHOCK_SCHEMA, shock
from corridor.services.scenarios.tariff import TARIFF_SCHEMA, tariff_change
from corridor.services.scenarios.whatif import WhatIf, preference_margins, whatif

__all__ = [
    "SHOCK_SCHEMA",
    "TARIFF_SCHEMA",
    "Scenario",
    "ScenarioTable",
    "WhatIf",
    "preference_margins",
    "shock",
    "tariff_change",
    "whatif",
]
