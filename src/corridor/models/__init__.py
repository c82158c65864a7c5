"""Numerical models between the reference layer and services: pure computation, no I/O.

- :mod:`.preference`: the rate a partner faces (MFN vs its best preference) per tariff line;
- :mod:`.shock`: supplier shocks (remove or cut suppliers, reallocate, gap, concentration);
- :mod:`.smart`: the WITS SMART partial-equilibrium tariff model (creation and diversion);
- :mod:`.forecast`: demand forecasts with rolling-origin backtests and conformal intervals.

Every result is a set of typed Arrow tables (columns declared with :class:`corridor.units.Column`)
and a small record of the assumptions behind it, so a service can add provenance.
"""
