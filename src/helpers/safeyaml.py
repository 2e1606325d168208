"""Reading YAML the project's users write, safely: the one YAML loader every module uses.

``wave.yml``, ``report/discussion.yml``, ``report/i18n/*.yml``, visit exclusions and
``_quarto.yml`` are written by people, and a wave folder may come from anyone. PyYAML's
``safe_load`` builds no objects, but it still expands aliases: a few lines of nested
``*alias`` references ("billion laughs") grow into gigabytes. This loader refuses what a
settings file never needs:

- aliases (``*name``, including merge keys ``<<: *name``): refused, naming the line;
- a file larger than :data:`MAX_BYTES`;
- nesting deeper than :data:`MAX_DEPTH`.

Every refusal is a :class:`~helpers.errors.SurveyError` naming the file, so the command
line prints one message, within milliseconds and a few megabytes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from helpers.errors import SurveyError

__all__ = ["MAX_BYTES", "MAX_DEPTH", "YamlRefused", "compose", "load", "load_file"]

MAX_BYTES = 1_000_000
"""Largest YAML file read (a ``wave.yml`` is about 3 kB)."""
MAX_DEPTH = 50
"""Deepest nesting of mappings and lists read."""


class YamlRefused(SurveyError):
    """A YAML text uses something a settings file never needs (an alias, great depth or size)."""


class _Loader(yaml.SafeLoader):
    """PyYAML's safe loader, without aliases and with a nesting limit."""

    def __init__(self, stream, name: str):
        super().__init__(stream)
        self._name = name
        self._depth = 0

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise YamlRefused(f"{self._name}, line {event.start_mark.line + 1}: found the alias *{event.anchor}; "
                              "expected plain values (aliases and merge keys '<<: *name' are not read: "
                              "write the value out)")
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                mark = self.peek_event().start_mark
                raise YamlRefused(f"{self._name}, line {mark.line + 1}: found nesting deeper than {MAX_DEPTH} "
                                  "levels; expected a settings file")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _check_size(text: str | bytes, name: str) -> None:
    if len(text) > MAX_BYTES:
        raise YamlRefused(f"{name}: found a YAML file of {len(text):,} bytes; expected at most {MAX_BYTES:,} "
                          "(a settings file)")


def compose(text: str, name: str = "YAML") -> yaml.Node | None:
    """The node tree of ``text`` (as :func:`yaml.compose`), refusing aliases, great depth and size.

    Parameters
    ----------
    text : str
        YAML text.
    name : str
        How messages name the text (a file name).

    Returns
    -------
    yaml.Node or None
        The root node, or None for an empty text.

    Raises
    ------
    YamlRefused
        See the module's description.
    yaml.YAMLError
        Not valid YAML.
    """
    _check_size(text, name)
    loader = _Loader(text, name)
    try:
        return loader.get_single_node()
    finally:
        loader.dispose()


def load(text: str, name: str = "YAML") -> Any:
    """The data of ``text`` (as :func:`yaml.safe_load`), refusing aliases, great depth and size.

    Parameters
    ----------
    text : str
        YAML text.
    name : str
        How messages name the text (a file name).

    Raises
    ------
    YamlRefused
        An alias, nesting deeper than :data:`MAX_DEPTH`, or more than :data:`MAX_BYTES`.
    yaml.YAMLError
        Not valid YAML.

    Examples
    --------
    >>> load("a: 1\\nb: [x, y]")
    {'a': 1, 'b': ['x', 'y']}
    >>> load("a: &x [1]\\nb: *x", "wave.yml")
    Traceback (most recent call last):
    ...
    helpers.safeyaml.YamlRefused: wave.yml, line 2: found the alias *x; expected plain values (aliases and merge keys '<<: *name' are not read: write the value out)
    """
    _check_size(text, name)
    loader = _Loader(text, name)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


def load_file(path: str | Path, name: str | None = None) -> Any:
    """:func:`load` of a UTF-8 file, its size checked before it is read.

    Parameters
    ----------
    path : str or Path
        The YAML file.
    name : str or None
        How messages name the file; None for ``path``.

    Returns
    -------
    object
        The file's data, as :func:`load` returns it.

    Raises
    ------
    YamlRefused, yaml.YAMLError, OSError, UnicodeDecodeError
        As :func:`load`, a file of more than :data:`MAX_BYTES`, a file that cannot be
        read, or one that is not UTF-8.
    """
    path = Path(path)
    name = name or str(path)
    if path.stat().st_size > MAX_BYTES:
        raise YamlRefused(f"{name}: found a YAML file of {path.stat().st_size:,} bytes; expected at most "
                          f"{MAX_BYTES:,} (a settings file)")
    return load(path.read_text(encoding="utf-8"), name)
