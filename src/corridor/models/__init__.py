"""Scenario models: pure numerical code (numpy, pyarrow), no I/O.

- :mod:`.preference`: the rate a partner faces (MFN vs its best preference) per tariff line;
- :mod:`.shock`: supplier shocks (remove or cut suppliers, reallocate, gap, concentration);
- :mod:`.smart`: the WITS SMART partial-equilibrium tariff model (creation and diversion).

Every result is a set of typed Arrow tables (columns declared with :class:`corridor.units.Column`)
and a small record of the assumptions behind it, so a service can add provenance.
"""
