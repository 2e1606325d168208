"""Ingest: a survey tool's raw export and its ``wave.yml`` -> validated, pseudonymised tidy tables."""

__all__ = []
