"""The handout's settings file, ``_quarto.yml``: read by the handout (its figures' size) and by the renderer.

Both render paths (Quarto, and the built-in pandoc and Typst path of
:mod:`helpers.pipeline.render`) read the same file; the handout notebook takes the
figure size from it (:func:`matplotlib_rc`), since papermill, unlike Quarto, does not
set it when it executes the notebook.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

import yaml

from helpers import safeyaml
from helpers.errors import SurveyError
from helpers.paths import SOURCE_ROOT

#: Stands in the handout's method note for the engine that renders it; the renderer
#: (:func:`helpers.pipeline.render.fill_renderer`) puts the engine's name and version there.
RENDERER = "⟦renderer⟧"

__all__ = ["RENDERER", "DEFAULT_CONFIG", "QUARTO_FORMAT", "SettingsError", "read_quarto_config", "merged", "matplotlib_rc", "FIGURE_FONT"]

#: The project's settings file.
DEFAULT_CONFIG = SOURCE_ROOT / "_quarto.yml"
#: The Quarto format of each handout format (its ``format:`` section).
QUARTO_FORMAT = {"html": "html", "pdf": "typst"}


class SettingsError(SurveyError):
    """The settings file is missing, not YAML, or not a mapping."""


def read_quarto_config(path: str | Path | None = DEFAULT_CONFIG) -> dict[str, Any]:
    """Read a Quarto project configuration (``_quarto.yml``).

    Parameters
    ----------
    path : path or None
        The file; None means no configuration (an empty dict).

    Returns
    -------
    dict
        The YAML mapping as read.

    Raises
    ------
    SettingsError
        The file is missing, is not YAML, or does not hold a mapping.
    """
    if path is None:
        return {}
    path = Path(path)
    try:
        data = safeyaml.load(path.read_text(encoding="utf-8"), str(path))
    except OSError as err:
        raise SettingsError(f"{path}: cannot read the render configuration: {err}") from err
    except yaml.YAMLError as err:
        raise SettingsError(f"{path}: not valid YAML: {err}") from err
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise SettingsError(f"{path}: expected a mapping of settings, found {type(data).__name__}")
    return data


def merged(config: Mapping[str, Any], fmt: str) -> dict[str, Any]:
    """The settings of one format: top-level keys, overridden by those of ``format: <quarto format>:``.

    Parameters
    ----------
    config : mapping
        A configuration as read by :func:`read_quarto_config`.
    fmt : {"html", "pdf"}
        The handout format.

    Returns
    -------
    dict

    Examples
    --------
    >>> merged({"fig-dpi": 100, "format": {"typst": {"fig-dpi": 300}}}, "pdf")
    {'fig-dpi': 300}
    """
    settings = {k: v for k, v in config.items() if k not in ("format", "project")}
    formats = config.get("format")
    if isinstance(formats, Mapping):
        specific = formats.get(QUARTO_FORMAT.get(fmt, fmt))
        if isinstance(specific, Mapping):
            settings.update(specific)
    return settings


def matplotlib_rc(config: Mapping[str, Any], fmt: str = "html") -> dict[str, Any]:
    """matplotlib settings that carry the configuration's figure size into execution.

    Quarto sets the figure size when it executes a notebook; papermill does not, so
    the handout notebook applies these after importing pyplot
    (``plt.rcParams.update(settings.matplotlib_rc(settings.read_quarto_config()))``).

    Parameters
    ----------
    config : mapping
        A configuration as read by :func:`read_quarto_config`.
    fmt : {"html", "pdf"}
        Whose ``format:`` section overrides the top level.

    Returns
    -------
    dict
        ``figure.figsize`` (inches) from ``fig-width``/``fig-height``, ``figure.dpi``
        and ``savefig.dpi`` from ``fig-dpi`` (PNG resolution; the inline backend
        uses the figure's dpi), ``svg.hashsalt`` (fixed, so SVG output is
        identical between runs), and the figures' typeface (:data:`FIGURE_FONT`).

    Examples
    --------
    >>> rc = matplotlib_rc({"fig-width": 7, "fig-height": 4.5, "fig-dpi": 200})
    >>> rc["figure.figsize"], rc["figure.dpi"], rc["svg.hashsalt"], rc["font.family"]
    ((7.0, 4.5), 200, 'handout', ['sans-serif'])
    """
    settings = merged(config, fmt)
    rc: dict[str, Any] = {}
    if "fig-width" in settings and "fig-height" in settings:
        rc["figure.figsize"] = (float(settings["fig-width"]), float(settings["fig-height"]))
    if "fig-dpi" in settings:
        rc["figure.dpi"] = int(settings["fig-dpi"])
        rc["savefig.dpi"] = int(settings["fig-dpi"])
    rc["svg.hashsalt"] = "handout"
    rc.update(FIGURE_FONT)
    return rc


#: The figures' typeface: the text's own family (``mainfont`` in ``_quarto.yml``, DejaVu Sans:
#: matplotlib ships it, and the render paths point Typst at that copy), so text and figures
#: are one family on every machine, offline; SVG text is drawn as paths, so the HTML does
#: not depend on the reader's fonts.
FIGURE_FONT = {
    "font.family": ["sans-serif"],
    "font.sans-serif": ["DejaVu Sans"],
    "mathtext.fontset": "dejavusans",
    "svg.fonttype": "path",
}
