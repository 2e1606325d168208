"""Render an executed handout notebook to HTML and PDF.

The notebook has already been executed (by papermill); rendering only turns its
outputs into documents. Two engines do that behind one function, :func:`render`:

``quarto``
    ``quarto render <notebook>.ipynb --to html|typst --no-execute`` in a temporary
    Quarto project (outside any folder whose name starts with a dot: Quarto skips
    those) with the project's ``_quarto.yml`` as its configuration and the notebook as
    :func:`quarto_notebook` prepares it (no run metadata, no ``text/html`` outputs that
    would pull require.js and jQuery from a CDN, the date line kept as written).
    ``SOURCE_DATE_EPOCH`` is the notebook's execution time, as on the built-in path.
    Used when ``quarto`` is on ``PATH`` (see :func:`resolve_engine`).
``builtin``
    pandoc (the binary shipped with ``pypandoc-binary``) reads the notebook, the Lua
    filter ``report/filters/handout.lua`` keeps one representation of every output
    and drops the code, and pandoc writes one self-contained HTML file and Typst
    markup; the ``typst`` package compiles the markup to PDF. Needs nothing outside
    the Python environment, works offline.

Both engines give Typst matplotlib's font folder (:func:`font_paths`), so the PDF's text is
set in the figures' typeface (``mainfont`` in ``_quarto.yml``) on every machine.

Both engines read the same notebook, prepared the same way by
:func:`prepare_notebook` (stream and error outputs removed, captions without content
dropped, Quarto ``#|`` cell options read), and the same ``_quarto.yml``; both put the
engine's name and version where the handout's method note has the placeholder
:data:`helpers.settings.RENDERER` (:func:`fill_renderer`).

``_quarto.yml`` keys the built-in engine understands (top level, overridden by
``format: html:`` or ``format: typst:``, overridden by a front-matter raw cell in
the notebook, overridden by the ``lang`` and ``title`` arguments):

================================  ==================================================
key                               built-in engine
================================  ==================================================
title, subtitle, author, date,    document metadata
abstract, lang
toc, toc-depth, toc-title         ``--toc``, ``--toc-depth``; toc-title defaults to
                                  "Indhold" (da) / "Contents" (en) in HTML; Typst
                                  names the outline in the document language
number-sections                   ``--number-sections``; Typst ``section-numbering``
                                  ``1.1`` unless that key is set
css (html)                        embedded stylesheet(s), path relative to the
                                  configuration file; pandoc's own small responsive
                                  stylesheet is kept underneath
mainfont, fontsize, linestretch,  pandoc template variables (CSS in HTML, page and
maxwidth, fontcolor,              text settings in Typst)
backgroundcolor, linkcolor
papersize, margin, columns,       Typst page settings (``papersize`` defaults to
mathfont, codefont,               ``a4``, ``page-numbering`` to ``1``)
section-numbering,
page-numbering (typst)
include-in-header                 files put in the HTML head (the handout's
                                  Content-Security-Policy) or before the Typst
                                  template's settings, path relative to the
                                  configuration file
include-before-body (typst)       files put at the start of the Typst body, after
                                  the template's settings (which they override)
execute: echo                     show code cells (default: hidden)
================================  ==================================================

Always on in the built-in engine, whatever the configuration says: embedded
resources (``embed-resources: true``, one HTML file, no CDN) and MathML for maths.
Ignored by the built-in engine: ``theme`` (Bootstrap themes come with Quarto),
``fig-width``, ``fig-height``, ``fig-dpi`` and ``fig-format`` (they apply when the
notebook is executed; see :func:`matplotlib_rc`), and every other key.

Quarto cell options honoured by both engines: ``label``, ``fig-cap``, ``fig-alt``,
``tbl-cap``, ``include: false`` (drop the cell), ``output: false`` (drop its
outputs), ``output: asis`` (printed text is read as Markdown), ``echo``.
"""

from __future__ import annotations

import copy
import functools
import json
import os
import shutil
import subprocess
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Mapping

import nbformat
import yaml

from helpers import safeyaml

from helpers.errors import SurveyError
from helpers.paths import SOURCE_ROOT
from helpers.settings import RENDERER, matplotlib_rc, read_quarto_config  # noqa: F401  (the renderer's settings)
from helpers.settings import merged as _merged

__all__ = ["PROJECT_ROOT", "DEFAULT_CONFIG", "LUA_FILTER", "FORMATS", "ENGINES", "RenderError", "quarto_available",
           "pandoc_path", "cell_options", "front_matter", "prepare_notebook", "pandoc_settings", "execution_time",
           "render", "font_paths"]

PROJECT_ROOT = SOURCE_ROOT
DEFAULT_CONFIG = PROJECT_ROOT / "_quarto.yml"
LUA_FILTER = PROJECT_ROOT / "report" / "filters" / "handout.lua"
DATE_LINE_FILTER = PROJECT_ROOT / "report" / "filters" / "date-line.lua"

FORMATS = ("html", "pdf")
ENGINES = ("auto", "quarto", "builtin")
#: Environment variable naming the engine that ``auto`` stands for (see :func:`resolve_engine`).
ENGINE_VARIABLE = "FORUM_NETWORK_ENGINE"
_QUARTO_FORMAT = {"html": "html", "pdf": "typst"}

_META_KEYS = ("title", "subtitle", "author", "date", "abstract", "lang", "toc-title")
_HTML_VARIABLES = (
    "mainfont",
    "fontsize",
    "linestretch",
    "maxwidth",
    "fontcolor",
    "backgroundcolor",
    "linkcolor",
)
_TYPST_VARIABLES = (
    "papersize",
    "margin",
    "columns",
    "mainfont",
    "fontsize",
    "mathfont",
    "codefont",
    "linestretch",
    "linkcolor",
    "section-numbering",
    "page-numbering",
)
_PATH_KEYS = ("css", "include-in-header", "include-before-body", "include-after-body", "template", "theme",
              "filters")
_TOC_TITLE = {"da": "Indhold", "en": "Contents"}


class RenderError(SurveyError):
    """A handout could not be rendered.

    Parameters
    ----------
    message : str
        What failed.
    stderr : str, optional
        The engine's error output (pandoc, Typst or Quarto), also appended to the
        message.
    """

    def __init__(self, message: str, stderr: str = ""):
        self.stderr = stderr.strip()
        super().__init__(f"{message}\n{self.stderr}" if self.stderr else message)


# ----------------------------------------------------------------------------
# Settings


def quarto_available() -> bool:
    """Whether the ``quarto`` command is on ``PATH``."""
    return shutil.which("quarto") is not None


def resolve_engine(engine: str = "auto") -> str:
    """The engine that renders: ``"quarto"`` or ``"builtin"``.

    Parameters
    ----------
    engine : {"auto", "quarto", "builtin"}
        ``auto``: the engine named by the environment variable ``FORUM_NETWORK_ENGINE``
        when that is set (the test suite sets ``builtin``, and asks for Quarto where it
        tests it), else Quarto when ``quarto`` is on ``PATH``, else the built-in engine.

    Raises
    ------
    RenderError
        ``quarto`` asked for, but not on ``PATH``; or ``FORUM_NETWORK_ENGINE`` names no engine.
    ValueError
        Unknown engine.
    """
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; expected one of {ENGINES}")
    if engine == "auto":
        chosen = os.environ.get(ENGINE_VARIABLE, "").strip()
        if chosen:
            if chosen not in ("quarto", "builtin"):
                raise RenderError(f"{ENGINE_VARIABLE}={chosen!r} names no render engine; "
                                  "expected quarto or builtin")
            return resolve_engine(chosen)
        return "quarto" if quarto_available() else "builtin"
    if engine == "quarto" and not quarto_available():
        raise RenderError("engine 'quarto' asked for, but quarto is not on PATH; install Quarto "
                          "(https://quarto.org) or choose the built-in engine (--engine builtin)")
    return engine


def engine_info(engine: str = "auto") -> dict[str, str]:
    """The engine that renders and its version, as recorded in a run's metadata and cache key.

    Parameters
    ----------
    engine : {"auto", "quarto", "builtin"}
        The engine asked for, resolved by :func:`resolve_engine`.

    Returns
    -------
    dict
        ``{"engine": "quarto", "version": "1.11.0"}``, or for the built-in engine
        ``{"engine": "builtin", "version": "pandoc 3.9, typst 0.14.0"}`` (pandoc's and
        the ``typst`` package's versions).
    """
    engine = resolve_engine(engine)
    if engine == "quarto":
        return {"engine": "quarto", "version": quarto_version() or "unknown"}
    return {"engine": "builtin", "version": _builtin_version()}


@functools.lru_cache(maxsize=1)
def _builtin_version() -> str:
    import importlib.metadata

    try:
        import pypandoc

        pandoc = pypandoc.get_pandoc_version()
    except (ImportError, OSError, RuntimeError):
        pandoc = "unknown"
    try:
        typst = importlib.metadata.version("typst")
    except importlib.metadata.PackageNotFoundError:
        typst = "unknown"
    return f"pandoc {pandoc}, typst {typst}"


def engine_description(info: Mapping[str, str]) -> str:
    """How the handout's method note names the engine.

    Examples
    --------
    >>> engine_description({"engine": "quarto", "version": "1.11.0"})
    'Quarto 1.11.0'
    >>> engine_description({"engine": "builtin", "version": "pandoc 3.9, typst 0.14.0"})
    'pandoc 3.9 + Typst 0.14.0'
    """
    if info["engine"] == "quarto":
        return f"Quarto {info['version']}"
    return info["version"].replace(", typst", " + Typst")


def pandoc_path() -> Path:
    """The pandoc binary shipped with ``pypandoc-binary``.

    Raises
    ------
    RenderError
        pypandoc is not installed or has no pandoc.
    """
    try:
        import pypandoc

        return Path(pypandoc.get_pandoc_path())
    except (ImportError, OSError) as err:
        raise RenderError(f"pandoc not found: {err}") from err


def cell_options(source: str) -> dict[str, Any]:
    """Quarto cell options from the ``#|`` comment lines at the top of a code cell.

    Parameters
    ----------
    source : str
        The cell's source.

    Returns
    -------
    dict
        The options, parsed as YAML; empty when there are none or they are not a
        YAML mapping.

    Examples
    --------
    >>> cell_options('#| label: fig-net\\n#| fig-cap: "Kerne og periferi"\\nplot()')
    {'label': 'fig-net', 'fig-cap': 'Kerne og periferi'}
    >>> cell_options("x = 1")
    {}
    """
    lines = []
    for line in source.splitlines():
        if not line.startswith("#|"):
            break
        lines.append(line[2:].removeprefix(" "))
    if not lines:
        return {}
    try:
        options = safeyaml.load("\n".join(lines), "cell options")
    except yaml.YAMLError:
        return {}
    return options if isinstance(options, dict) else {}


def front_matter(nb: nbformat.NotebookNode) -> dict[str, Any]:
    """The YAML front matter of a notebook: its first cell, when that is a raw cell
    holding a ``---`` delimited YAML mapping (as Quarto reads it).

    Examples
    --------
    >>> nb = nbformat.v4.new_notebook()
    >>> nb.cells = [nbformat.v4.new_raw_cell("---\\ntitle: Netværk\\n---")]
    >>> front_matter(nb)
    {'title': 'Netværk'}
    """
    if not nb.cells or nb.cells[0].cell_type != "raw":
        return {}
    text = nb.cells[0].source.strip()
    if not text.startswith("---"):
        return {}
    body = text[3:]
    end = body.rfind("\n---")
    if end < 0:
        return {}
    try:
        data = safeyaml.load(body[:end], "front matter")
    except yaml.YAMLError:
        return {}
    return data if isinstance(data, dict) else {}


def prepare_notebook(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The notebook as both engines render it.

    Returns a new notebook in which

    * a front-matter raw cell (see :func:`front_matter`) is removed;
    * cells with ``#| include: false`` are removed, and the outputs of cells with
      ``#| output: false``;
    * stream outputs (prints, warnings, logging) and error outputs are removed,
      except that with ``#| output: asis`` printed text becomes Markdown output;
    * cells with a ``fig-cap`` or ``tbl-cap`` whose outputs are all empty (no
      output, or only blank text) are removed, caption and all;
    * each code cell's ``#|`` options are copied to its metadata field ``handout``,
      where the Lua filter reads them.

    Examples
    --------
    >>> nb = nbformat.v4.new_notebook()
    >>> cell = nbformat.v4.new_code_cell("print('Note: x')")
    >>> cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="Note: x")]
    >>> nb.cells = [cell]
    >>> prepare_notebook(nb).cells[0].outputs
    []
    >>> len(cell.outputs)
    1
    """
    new = copy.deepcopy(nb)
    if front_matter(new):
        new.cells = new.cells[1:]
    cells = []
    for cell in new.cells:
        if cell.cell_type != "code":
            cells.append(cell)
            continue
        options = cell_options(cell.source)
        if options.get("include") is False:
            continue
        asis = options.get("output") == "asis"
        outputs = []
        for output in cell.get("outputs", []):
            if output.output_type == "stream":
                if asis and output.get("name") == "stdout":
                    outputs.append(
                        nbformat.v4.new_output(
                            "display_data", data={"text/markdown": output.text}
                        )
                    )
            elif output.output_type != "error":
                outputs.append(output)
        if options.get("output") is False:
            outputs = []
        if ("fig-cap" in options or "tbl-cap" in options) and not any(map(_has_content, outputs)):
            continue  # a caption with nothing under it (Quarto would print it all the same)
        cell.outputs = outputs
        if options:
            # JSON-safe (YAML may read dates): the notebook is written as JSON
            cell.metadata["handout"] = json.loads(json.dumps(options, default=str))
        cells.append(cell)
    new.cells = cells
    return new


def _has_content(output: Mapping[str, Any]) -> bool:
    """Whether an output shows anything: a representation that is not blank text.

    ``text/plain`` counts only when it is the sole representation: beside Markdown or
    an image it is the object's repr (``<IPython.core.display.Markdown object>``).

    Examples
    --------
    >>> _has_content({"output_type": "display_data",
    ...               "data": {"text/markdown": "", "text/plain": "<Markdown object>"}})
    False
    >>> _has_content({"output_type": "execute_result", "data": {"text/plain": "3"}})
    True
    """
    if output.get("output_type") == "stream":
        data = {"text/plain": output.get("text", "")}
    else:
        data = dict(output.get("data", {}))
    if len(data) > 1:
        data.pop("text/plain", None)
    for value in data.values():
        text = "".join(value) if isinstance(value, list) else value
        if not isinstance(text, str) or text.strip():
            return True
    return False


def fill_renderer(nb: nbformat.NotebookNode, description: str) -> nbformat.NotebookNode:
    """Name the engine in the handout: the placeholder
    :data:`helpers.settings.RENDERER` in Markdown cells and Markdown outputs
    becomes ``description`` (e.g. ``"Quarto 1.11.0"``); ``nb`` is changed in place and
    returned.

    Examples
    --------
    >>> nb = nbformat.v4.new_notebook()
    >>> nb.cells = [nbformat.v4.new_markdown_cell("Typeset with ⟦renderer⟧.")]
    >>> fill_renderer(nb, "Quarto 1.11.0").cells[0].source
    'Typeset with Quarto 1.11.0.'
    """
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = cell.source.replace(RENDERER, description)
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if "text/markdown" in data:
                text = data["text/markdown"]
                text = "".join(text) if isinstance(text, list) else text
                data["text/markdown"] = text.replace(RENDERER, description)
    return nb


def _as_list(value: Any) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def pandoc_settings(
    config: Mapping[str, Any],
    fmt: str,
    *,
    lang: str = "da",
    title: str | None = None,
    base: Path | None = None,
) -> tuple[dict[str, Any], list[str]]:
    """Map Quarto settings onto pandoc metadata and command-line options.

    Parameters
    ----------
    config : mapping
        Settings (``_quarto.yml``, with the notebook's front matter merged in).
    fmt : {"html", "pdf"}
        Output format.
    lang : str
        Document language (BCP 47, e.g. ``"da"``, ``"en"``); overrides the settings.
    title : str, optional
        Overrides the settings' title.
    base : path, optional
        Folder that relative paths in the settings (``css``, ``include-in-header``)
        are relative to; default: the project folder.

    Returns
    -------
    metadata : dict
        For ``--metadata-file`` (also read by pandoc's templates as variables).
    options : list of str
        Further pandoc options.

    Examples
    --------
    >>> meta, opts = pandoc_settings({"toc": True, "format": {"typst": {"papersize": "a4"}}}, "pdf")
    >>> meta["lang"], meta["papersize"], opts
    ('da', 'a4', ['--toc'])
    """
    base = PROJECT_ROOT if base is None else Path(base)
    settings = _merged(config, fmt)
    settings["lang"] = lang
    if title is not None:
        settings["title"] = title
    execute = config.get("execute") if isinstance(config.get("execute"), Mapping) else {}

    meta: dict[str, Any] = {k: settings[k] for k in _META_KEYS if k in settings}
    meta["handout-echo"] = bool(execute.get("echo", False))
    options: list[str] = []
    if settings.get("toc"):
        options.append("--toc")
        if "toc-depth" in settings:
            options.append(f"--toc-depth={int(settings['toc-depth'])}")

    def resolve(value: Any) -> str:
        path = Path(str(value))
        return str(path if path.is_absolute() else base / path)

    if fmt == "html":
        meta.update({k: settings[k] for k in _HTML_VARIABLES if k in settings})
        meta.setdefault("toc-title", _TOC_TITLE.get(lang.split("-")[0], _TOC_TITLE["en"]))
        meta["document-css"] = True
        if settings.get("number-sections"):
            options.append("--number-sections")
        for css in _as_list(settings.get("css")):
            options.append(f"--css={resolve(css)}")
        for header in _as_list(settings.get("include-in-header")):
            options.append(f"--include-in-header={resolve(header)}")
    elif fmt == "pdf":
        meta.update({k: settings[k] for k in _TYPST_VARIABLES if k in settings})
        meta.setdefault("papersize", "a4")
        meta.setdefault("page-numbering", "1")
        if settings.get("number-sections"):
            meta.setdefault("section-numbering", "1.1")
        for header in _as_list(settings.get("include-in-header")):
            options.append(f"--include-in-header={resolve(header)}")
        for before in _as_list(settings.get("include-before-body")):
            options.append(f"--include-before-body={resolve(before)}")
    else:
        raise ValueError(f"unknown format {fmt!r}; expected one of {FORMATS}")
    if "title" not in meta:
        meta["pagetitle"] = "Handout"
    return meta, options


# ----------------------------------------------------------------------------
# Engines


def _run(command: list[str], *, cwd: Path, what: str,
         env: Mapping[str, str] | None = None) -> subprocess.CompletedProcess:
    try:
        result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False,
                                env=None if env is None else dict(env))
    except OSError as err:
        raise RenderError(f"{what}: cannot run {command[0]}: {err}") from err
    if result.returncode != 0:
        raise RenderError(f"{what} failed (exit code {result.returncode})", result.stderr)
    return result


def _start(command: list[str], *, cwd: Path, what: str) -> subprocess.Popen:
    """Start ``command`` (its error output kept for :func:`_finish`)."""
    try:
        return subprocess.Popen(command, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, text=True)
    except OSError as err:
        raise RenderError(f"{what}: cannot run {command[0]}: {err}") from err


def _finish(process: subprocess.Popen, *, what: str) -> None:
    """Wait for a process of :func:`_start`; RenderError with its error output if it failed."""
    _, stderr = process.communicate()
    if process.returncode != 0:
        raise RenderError(f"{what} failed (exit code {process.returncode})", stderr)


def _write_yaml(path: Path, data: Mapping[str, Any]) -> None:
    text = yaml.safe_dump(dict(data), allow_unicode=True, sort_keys=True)
    path.write_text(text, encoding="utf-8")


def _builtin(
    nb_file: Path,
    work: Path,
    formats: Iterable[str],
    settings: dict[str, Any],
    *,
    lang: str,
    title: str | None,
    base: Path,
    timestamp: int | None,
) -> dict[str, Path]:
    """pandoc -> HTML, and pandoc -> Typst -> PDF, all inside ``work``.

    The HTML's pandoc runs in a process of its own while the PDF is made (the two
    share nothing but the notebook), so that a second core shortens the render.
    """
    pandoc = str(pandoc_path())
    common = ["--from=ipynb", "--ipynb-output=all", "--standalone", f"--lua-filter={LUA_FILTER}"]
    done: dict[str, Path] = {}
    html = None
    try:
        for fmt in sorted(formats, key=lambda f: f != "html"):  # the HTML's process first
            meta, options = pandoc_settings(settings, fmt, lang=lang, title=title, base=base)
            meta_file = work / f"metadata-{fmt}.yaml"
            _write_yaml(meta_file, meta)
            if fmt == "html":
                target = work / f"{nb_file.stem}.html"
                html = _start(
                    [pandoc, nb_file.name, *common, "--to=html5", "--embed-resources", "--mathml",
                     f"--metadata-file={meta_file.name}", *options, f"--output={target.name}"],
                    cwd=work, what="pandoc (HTML)",
                )
            else:
                typ = work / f"{nb_file.stem}.typ"
                _run(
                    [pandoc, nb_file.name, *common, "--to=typst", "--extract-media=media",
                     f"--metadata-file={meta_file.name}", *options, f"--output={typ.name}"],
                    cwd=work, what="pandoc (Typst)",
                )
                target = work / f"{nb_file.stem}.pdf"
                _typst_compile(typ, target, root=work, timestamp=timestamp)
            done[fmt] = target
        if html is not None:
            _finish(html, what="pandoc (HTML)")
            html = None
    finally:
        if html is not None:  # the PDF failed (or the run was stopped): the HTML's pandoc goes too
            html.kill()
            html.wait()
    return {fmt: done[fmt] for fmt in formats}


def font_paths() -> list[str]:
    """Folders with the handout's font files: matplotlib's bundled fonts (DejaVu Sans, the
    family of the figures), given to Typst on both render paths so that the PDF's text is
    set in the figures' family on every machine."""
    import matplotlib

    return [str(Path(matplotlib.get_data_path()) / "fonts" / "ttf")]


def _typst_compile(source: Path, target: Path, *, root: Path, timestamp: int | None) -> None:
    import typst

    kwargs: dict[str, Any] = {"font_paths": font_paths()}
    if timestamp is not None:
        kwargs["timestamp"] = timestamp
    try:
        typst.compile(str(source), output=str(target), root=str(root), **kwargs)
    except Exception as err:  # the typst wheel raises its own error types
        raise RenderError("Typst could not compile the handout", str(err)) from err


def execution_time(nb: nbformat.NotebookNode) -> int | None:
    """When the notebook was executed (Unix seconds), from papermill's ``end_time`` or
    else the latest cell's ``execute_reply`` time; None when the notebook does not say.

    The PDF carries this as its creation date, so rendering the same executed
    notebook twice gives identical files. ``SOURCE_DATE_EPOCH``, when set, wins.

    Examples
    --------
    >>> nb = nbformat.v4.new_notebook()
    >>> nb.metadata["papermill"] = {"end_time": "2019-02-22T09:30:00.5+00:00"}
    >>> execution_time(nb)
    1550827800
    >>> execution_time(nbformat.v4.new_notebook()) is None
    True
    """
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    if epoch.isdigit():
        return int(epoch)
    stamps = [nb.metadata.get("papermill", {}).get("end_time")]
    if not stamps[0]:
        stamps = [
            cell.metadata.get("execution", {}).get("shell.execute_reply")
            for cell in nb.cells
            if cell.cell_type == "code"
        ]
    times = []
    for stamp in stamps:
        if isinstance(stamp, str):
            try:
                when = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
            except ValueError:
                continue
            if when.tzinfo is None:
                when = when.replace(tzinfo=timezone.utc)
            times.append(int(when.timestamp()))
    return max(times) if times else None


def _format_sections(config: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The mappings under ``format:`` (``html:``, ``typst:``, ...)."""
    formats = config.get("format")
    return [v for v in formats.values() if isinstance(v, Mapping)] if isinstance(formats, Mapping) else []


def _copy_resources(config: Mapping[str, Any], base: Path, project: Path) -> None:
    """Copy files the configuration names (css, includes) into the temporary project."""
    sections = [config] + [
        v for v in (config.get("format") or {}).values() if isinstance(v, Mapping)
    ]
    for section in sections:
        for key in _PATH_KEYS:
            for value in _as_list(section.get(key)):
                rel = Path(str(value))
                if rel.is_absolute() or not (base / rel).is_file():
                    continue
                (project / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(base / rel, project / rel)


#: Cell metadata that Jupyter and papermill write while executing (timings, status):
#: not part of the document, different on every run, and Quarto copies cell metadata
#: into the HTML (``data-quarto-private-*`` attributes).
_RUN_METADATA = ("papermill", "execution", "ExecuteTime", "collapsed", "scrolled", "handout")


def quarto_notebook(nb: nbformat.NotebookNode, matter: Mapping[str, Any]) -> nbformat.NotebookNode:
    r"""The prepared notebook (:func:`prepare_notebook`) as the Quarto engine hands it to Quarto.

    * a front-matter raw cell with ``matter`` comes first; its ``date``, when it is a
      sentence rather than a date (Quarto parses every ``date`` and would turn "The survey
      closed 22 February 2019." into "2019-02-22"), travels as ``date-line``, which the
      filter ``report/filters/date-line.lua`` shows in the title block;
    * the run's metadata (papermill's and Jupyter's timings and status) is removed from
      the notebook and its cells, so that it stays out of the HTML and reruns are identical;
    * ``text/html`` outputs become Markdown holding a raw HTML block (dropped where a
      Markdown representation exists already): with any ``text/html`` output Quarto loads
      require.js and jQuery from a CDN into the page, which a self-contained offline
      handout cannot have.

    Examples
    --------
    >>> nb = nbformat.v4.new_notebook()
    >>> cell = nbformat.v4.new_code_cell("view()")
    >>> cell.outputs = [nbformat.v4.new_output("display_data", data={"text/html": "<b>x</b>"})]
    >>> nb.cells = [cell]
    >>> out = quarto_notebook(nb, {"lang": "da", "date": "Lukket 22. februar."})
    >>> out.cells[0].source
    '---\ndate-line: Lukket 22. februar.\nlang: da\n---'
    >>> out.cells[1].outputs[0].data
    {'text/markdown': '```{=html}\n<b>x</b>\n```'}
    """
    new = copy.deepcopy(nb)
    new.metadata = {k: v for k, v in new.metadata.items() if k in ("kernelspec", "language_info")}
    for cell in new.cells:
        cell.metadata = {k: v for k, v in cell.metadata.items() if k not in _RUN_METADATA and v != []}
        for output in cell.get("outputs", []):
            data = output.get("data")
            if not data or "text/html" not in data:
                continue
            html = data.pop("text/html")
            html = "".join(html) if isinstance(html, list) else html
            if "text/markdown" not in data:
                data.pop("text/plain", None)
                data["text/markdown"] = f"```{{=html}}\n{html.strip()}\n```"
    matter = dict(matter)
    date = matter.get("date")
    if isinstance(date, str) and not _is_date(date):
        matter["date-line"] = matter.pop("date")
    header = "---\n" + yaml.safe_dump(matter, allow_unicode=True, sort_keys=True) + "---"
    new.cells.insert(0, nbformat.v4.new_raw_cell(header))
    return new


def _is_date(text: str) -> bool:
    """Whether ``text`` is an ISO date (``2019-02-22``) or one of Quarto's date keywords."""
    if text in ("today", "now", "last-modified"):
        return True
    try:
        datetime.fromisoformat(text)
    except ValueError:
        return False
    return True


def quarto_version() -> str | None:
    """The version of the ``quarto`` on ``PATH`` (``"1.11.0"``); None without one."""
    quarto = shutil.which("quarto")
    if quarto is None:
        return None
    return _version_of(quarto)


@functools.lru_cache(maxsize=8)
def _version_of(quarto: str) -> str | None:
    try:
        result = subprocess.run([quarto, "--version"], capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    lines = result.stdout.strip().splitlines()
    return lines[-1].strip() if result.returncode == 0 and lines else None


def _quarto_folder() -> Path:
    """A new temporary folder for a Quarto project, in the system's temporary folder.

    Quarto leaves out every file whose path has a folder name starting with a dot
    (``kSkipHidden`` in its ``src/core/path.ts``), ``_quarto.yml`` included: a project
    inside ``build/<wave>/.handout.render-*`` would be rendered as a lone file, without
    the settings.

    Raises
    ------
    RenderError
        The temporary folder itself lies below such a folder (set ``TMPDIR``).
    """
    folder = Path(tempfile.mkdtemp(prefix="forum-network-quarto-")).resolve()
    if any(part.startswith(".") for part in folder.parts):
        shutil.rmtree(folder, ignore_errors=True)
        raise RenderError(f"Quarto cannot render in {folder}: it skips folders whose name starts "
                          "with a dot; point TMPDIR at another folder")
    return folder


def _quarto(
    nb: nbformat.NotebookNode,
    name: str,
    work: Path,
    formats: Iterable[str],
    config: Mapping[str, Any],
    matter: Mapping[str, Any],
    *,
    lang: str,
    title: str | None,
    base: Path,
    timestamp: int | None,
) -> dict[str, Path]:
    """``quarto render`` in a throw-away Quarto project; the results are moved into ``work``.

    The project holds a copy of the configuration (with the files it names, and the
    filter ``report/filters/date-line.lua``) and the notebook as :func:`quarto_notebook`
    makes it, whose front matter carries the caller's ``lang`` and ``title`` (front
    matter outranks project settings in Quarto). ``SOURCE_DATE_EPOCH`` is set to
    ``timestamp`` (the notebook's execution time), as the built-in engine does.
    """
    quarto = shutil.which("quarto")
    if quarto is None:
        raise RenderError("engine 'quarto' asked for, but quarto is not on PATH")
    project = _quarto_folder()
    try:
        project_config = {k: v for k, v in config.items() if k != "project"}
        project_config["project"] = {"type": "default"}
        project_config["filters"] = [*_as_list(config.get("filters")), DATE_LINE_FILTER.name]
        formats_config = dict(project_config.get("format") or {})
        if isinstance(formats_config.get("typst"), Mapping):  # the figures' font files, as on the built-in path
            formats_config["typst"] = {**formats_config["typst"],
                                       "font-paths": [*_as_list(formats_config["typst"].get("font-paths")),
                                                      *font_paths()]}
            project_config["format"] = formats_config
        _write_yaml(project / "_quarto.yml", project_config)
        _copy_resources(config, base, project)
        shutil.copy2(DATE_LINE_FILTER, project / DATE_LINE_FILTER.name)
        matter = dict(matter)
        matter["lang"] = lang
        if title is not None:
            matter["title"] = title
        elif "title" not in matter and config.get("title"):
            # without a title in the front matter, Quarto takes a notebook's first
            # Markdown heading for the title (and removes it from the text)
            matter["title"] = config["title"]
        if not any("toc-title" in section for section in (config, matter, *_format_sections(config))):
            # the built-in path's word ("Indhold"), not Quarto's ("Indholdsfortegnelse")
            matter["toc-title"] = _TOC_TITLE.get(lang.split("-")[0], _TOC_TITLE["en"])
        if matter.get("author") and "language" not in matter:
            # the author line says who prepared the handout in its own words ("Udarbejdet
            # af ..."), as on the built-in path: no "Author"/"Forfatter" label above it
            matter["language"] = {"title-block-author-single": " ", "title-block-author-plural": " "}
        nb_file = project / f"{name}.ipynb"
        nbformat.write(quarto_notebook(nb, matter), nb_file)
        env = dict(os.environ)
        if timestamp is not None:
            env["SOURCE_DATE_EPOCH"] = str(timestamp)
        done: dict[str, Path] = {}
        for fmt in formats:
            target = project / f"{name}.{fmt}"
            _run(
                [quarto, "render", nb_file.name, "--to", _QUARTO_FORMAT[fmt], "--no-execute",
                 "--output", target.name],
                cwd=project, what=f"quarto render ({fmt})", env=env,
            )
            if not target.is_file():
                raise RenderError(f"quarto render ({fmt}) reported success but wrote no {target.name}")
            done[fmt] = Path(shutil.move(target, work / target.name))
        return done
    finally:
        shutil.rmtree(project, ignore_errors=True)


def _read_notebook(path: Path) -> nbformat.NotebookNode:
    try:
        nb = nbformat.read(path, as_version=4)
        nbformat.validate(nb)
    except OSError as err:
        raise RenderError(f"{path}: cannot read the notebook: {err}") from err
    except Exception as err:  # JSON and schema errors come in several types
        raise RenderError(f"{path}: not a valid Jupyter notebook: {err}") from err
    return nb


def render(
    notebook: str | Path,
    out_dir: str | Path,
    *,
    formats: Iterable[str] = FORMATS,
    lang: str = "da",
    title: str | None = None,
    config: str | Path | None = DEFAULT_CONFIG,
    engine: str = "auto",
    name: str | None = None,
    metadata: Mapping[str, Any] | None = None,
) -> dict[str, Path]:
    """Render an executed notebook to a self-contained HTML file and an A4 PDF.

    Nothing is executed. All formats are rendered into a temporary folder beside
    ``out_dir`` and moved into place (``os.replace``) only when every one of them
    succeeded, so a failed render leaves the previous files as they were.

    Parameters
    ----------
    notebook : path
        The executed notebook (``.ipynb``).
    out_dir : path
        Folder for the results; created if missing.
    formats : iterable of {"html", "pdf"}
        What to write.
    lang : str
        Document language: ``"da"`` (default) or ``"en"`` (any BCP 47 tag works);
        sets the HTML ``lang`` attribute and the Typst text language (hyphenation,
        "Figur"/"Figure").
    title : str, optional
        Document title; default: the notebook's front matter, else the
        configuration's ``title``.
    config : path or None
        Quarto project configuration; default: the project's ``_quarto.yml``.
    engine : {"auto", "quarto", "builtin"}
        ``auto`` uses Quarto when it is on ``PATH``, otherwise the built-in engine.
    name : str, optional
        File name stem of the results; default: the notebook's stem.
    metadata : mapping, optional
        Document metadata (``subtitle``, ``date``, ...) that outranks the notebook's
        front matter and the configuration, as ``title`` does (``title`` wins over a
        title given here).

    Returns
    -------
    dict
        Format -> path of the written file, e.g. ``{"html": out_dir / "handout.html",
        "pdf": out_dir / "handout.pdf"}``.

    Raises
    ------
    RenderError
        The notebook is not readable, or pandoc, Typst or Quarto failed (the message
        carries their error output).
    ValueError
        Unknown format or engine.
    """
    formats = tuple(dict.fromkeys(formats))
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise ValueError(f"unknown formats {unknown}; expected some of {FORMATS}")
    engine = resolve_engine(engine)

    notebook = Path(notebook)
    out_dir = Path(out_dir)
    name = name or notebook.stem
    settings = read_quarto_config(config)
    base = Path(config).resolve().parent if config is not None else PROJECT_ROOT
    nb = _read_notebook(notebook)
    matter = {**front_matter(nb), **dict(metadata or {})}
    prepared = fill_renderer(prepare_notebook(nb), engine_description(engine_info(engine)))

    out_dir.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.render-", dir=out_dir.parent))
    try:
        if engine == "quarto":
            done = _quarto(prepared, name, work, formats, settings, matter,
                           lang=lang, title=title, base=base, timestamp=execution_time(nb))
        else:
            merged = _with_front_matter(settings, matter)
            nb_file = work / f"{name}.ipynb"
            nbformat.write(prepared, nb_file)
            done = _builtin(nb_file, work, formats, merged, lang=lang, title=title, base=base,
                            timestamp=execution_time(nb))
        written = {}
        for fmt in formats:
            target = out_dir / f"{name}.{fmt}"
            os.replace(done[fmt], target)
            written[fmt] = target
        return written
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _with_front_matter(config: Mapping[str, Any], matter: Mapping[str, Any]) -> dict[str, Any]:
    """The configuration with the notebook's front matter on top (front matter wins,
    also over the configuration's format-specific keys)."""

    def mapping(value: Any) -> Mapping[str, Any]:
        return value if isinstance(value, Mapping) else {}

    merged = {k: v for k, v in config.items() if k != "format"}
    merged.update({k: v for k, v in matter.items() if k not in ("format", "execute")})
    merged["execute"] = {**mapping(config.get("execute")), **mapping(matter.get("execute"))}
    formats: dict[str, dict[str, Any]] = {}
    for fmt, options in mapping(config.get("format")).items():
        formats[fmt] = {k: v for k, v in mapping(options).items() if k not in matter}
    for fmt, options in mapping(matter.get("format")).items():
        formats[fmt] = {**formats.get(fmt, {}), **mapping(options)}
    merged["format"] = formats
    return merged
