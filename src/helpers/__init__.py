"""Reproducible network analysis of leadership-forum surveys."""

__all__ = ["__version__"]

__version__ = "0.1.0"
