"""Shared fixtures: a tiny synthetic wave to copy and break, and a fixed pseudonym key."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).parents[1]


@pytest.fixture(autouse=True)
def pseudonym_key(monkeypatch):
    """Tests never read or create the user's real pseudonym key."""
    monkeypatch.setenv("FORUM_NETWORK_SECRET", "test-secret")
    return b"test-secret"


@pytest.fixture
def tiny(tmp_path) -> Path:
    """A writable copy of the six-member test wave."""
    return Path(shutil.copytree(DATA / "tiny", tmp_path / "tiny"))


def edit(path: Path, old: str, new: str, count: int = 1) -> None:
    """Replace ``old`` by ``new`` in a UTF-8 (BOM) text file; fail if ``old`` is absent."""
    text = path.read_text(encoding="utf-8-sig")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text("\ufeff" + text.replace(old, new, count), encoding="utf-8")
