"""Numerical models between the reference layer and services: pure computation, no I/O."""
