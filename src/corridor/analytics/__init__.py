"""Indicators written once in Ibis: each takes table expressions and returns one."""
