"""Reproducible network analysis of leadership-forum surveys."""

__version__ = "0.1.0"
