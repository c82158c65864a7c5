"""corridor: evidence about one trade corridor from official trade statistics."""

__version__ = "0.1.0"
__all__ = ["__version__"]
