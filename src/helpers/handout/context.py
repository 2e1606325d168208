"""What every handout section works from: a wave's results, its texts, its numbers, its privacy rule.

A :class:`Context` is one wave's handout in one language. It loads the wave's results
once (:mod:`helpers.results`), holds the sentence catalogue (``report/i18n/<lang>.yml``)
and the table discussion (``report/discussion.yml``, read once), formats numbers for the
language (:meth:`Context.n`, :meth:`Context.pct`, :meth:`Context.p`, :func:`half_up`), and
applies the small-group rule (:attr:`Context.k`, :meth:`Context.count`; a member's
description is :func:`helpers.handout.suppression.describe_member`'s, in the
facilitator's material only). The sections (:mod:`helpers.handout.sections`) take a context and
return Markdown or draw a figure; the handout notebook (``report/handout.ipynb``) only
calls them.

Privacy: the participant handout makes no statement about single members; a group is
described only where the description rule allows it
(:func:`helpers.handout.suppression.may_describe`), and a count or mean that describes
fewer than ``min_group_size`` people is replaced by a marker, with the rules in the
method appendix.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import datetime as dt

import networkx as nx
from babel.dates import format_date
import pandas as pd
from babel.lists import format_list

from helpers import safeyaml
from helpers.escape import Markdown, as_markdown
from helpers import lang as fmt
from helpers import paths
from helpers.results.comparison import Comparison
from helpers.results.departments import Departments
from helpers.results.external import External
from helpers.results.network import Network
from helpers.results.structure import Structure
from helpers.results.tidy import Tidy
from helpers.handout.catalogue import localise_cell_options, text
from helpers.handout.suppression import MARKER
from helpers.ingest.wave import wave_text

__all__ = ["ALPHA", "DENSITY_BANDS", "Context", "MarkdownText", "text", "density_word", "density_sentence", "localise_cell_options",
           "pipe_table", "half_up", "percent", "number", "long_date", "month", "undefined",
           "typst_block"]

#: Density bands for the word the handout uses ("a medium-dense network"): below 25 %
#: sparse, from 25 % up to 50 % medium-dense, from 50 % dense. The seminar called
#: 42.3 % medium-dense.
DENSITY_BANDS = ((0.25, "sparse"), (0.50, "medium"), (float("inf"), "dense"))
#: Level of every test the handout turns into words.
ALPHA = 0.05


def density_word(density: float) -> str:
    """The density band of a network: ``"sparse"``, ``"medium"`` or ``"dense"``.

    Examples
    --------
    >>> density_word(611 / 1443), density_word(0.1), density_word(0.5)
    ('medium', 'sparse', 'dense')
    """
    return next(word for limit, word in DENSITY_BANDS if density < limit)


def density_sentence(summary: dict, lang: str) -> str:
    """The density finding, e.g. "611 relationer ud af et teoretisk maksimum på 1.443 (42,3 %)".

    Parameters
    ----------
    summary : dict
        From :func:`helpers.analysis.network.summary`.
    lang : {"da", "en"}
    """
    t = text(lang)
    return t("structure.density",
             density_word=t(f"structure.density_words.{density_word(summary['density'])}"),
             ties=fmt.number(summary["ties"], lang), possible=fmt.number(summary["possible_ties"], lang),
             density=percent(summary["density"], lang, 1))


def pipe_table(frame: pd.DataFrame, align: str | None = None) -> str:
    """A Markdown pipe table (first column left-aligned, the others right-aligned by default).

    Column names and cells are Markdown: user text in them (a partner's label) must be
    escaped where it enters the frame (:func:`helpers.escape.as_markdown`; a DataFrame does
    not keep the :class:`helpers.escape.Markdown` mark).

    Examples
    --------
    >>> print(pipe_table(pd.DataFrame({"a": ["x"], "b": ["1,5"], "c": [as_markdown("<b>a|b</b>")]})))
    | a | b | c |
    |:--|--:|--:|
    | x | 1,5 | \\<b\\>a\\|b\\<\\/b\\> |
    """
    align = align or "l" + "r" * (frame.shape[1] - 1)
    rule = {"l": ":--", "r": "--:", "c": ":-:"}
    lines = ["| " + " | ".join(map(str, frame.columns)) + " |", "|" + "|".join(rule[a] for a in align) + "|"]
    lines += ["| " + " | ".join(map(str, row)) + " |" for row in frame.itertuples(index=False)]
    return Markdown("\n".join(lines))


@dataclass
class Context:
    """One wave's handout in one language: what every section works from.

    Parameters
    ----------
    folder : Path
        The wave's build folder (``build/<wave>``), holding ``tidy/`` and ``results/``.
    lang : {"da", "en"}
    seed : int
        Seed of the figures' layouts (the same seed as the analysis).
    questions : Path, optional
        The table discussion; default ``report/discussion.yml``.
    """

    folder: Path
    lang: str = "da"
    seed: int = 0
    questions: Path | None = None

    def __post_init__(self):
        self.folder = Path(self.folder)

    # -- results, loaded once -------------------------------------------------------------
    @cached_property
    def t(self) -> "MarkdownText":
        """The language's sentence catalogue; values filled into a sentence are escaped as
        Markdown unless they are Markdown already (:class:`MarkdownText`)."""
        return MarkdownText(text(self.lang))

    @cached_property
    def meta(self) -> dict:
        """The wave's settings and counts (:attr:`helpers.Tidy.meta`)."""
        return Tidy.read_meta(self.folder)

    @cached_property
    def network(self) -> Network:
        """The network step's result."""
        return Network.load(self.folder)

    @property
    def summary(self) -> dict:
        """The whole-network figures (:attr:`helpers.Network.summary`)."""
        return self.network.summary

    @cached_property
    def structure(self) -> Structure:
        """The core-periphery step's result."""
        return Structure.load(self.folder)

    @cached_property
    def departments(self) -> Departments:
        """The departments step's result."""
        return Departments.load(self.folder)

    @cached_property
    def external(self) -> External:
        """The external step's result."""
        return External.load(self.folder)

    @cached_property
    def comparison(self) -> Comparison | None:
        """The comparison with the previous wave; None when the wave was not compared."""
        found = Comparison.load(self.folder)
        return found if found.summary is not None else None

    @cached_property
    def graph(self) -> nx.DiGraph:
        """The wave's tie graph."""
        return Tidy.load(self.folder).graph

    @cached_property
    def discussion(self) -> dict:
        """The table discussion's rounds and questions (``report/discussion.yml``), read once."""
        path = self.questions or paths.project_root() / "report" / "discussion.yml"
        return safeyaml.load_file(Path(path))

    # -- the small-group rule -------------------------------------------------------------
    @property
    def k(self) -> int:
        """The smallest group the handout may describe (``min_group_size``)."""
        return int(self.meta.get("min_group_size", 3))

    @property
    def thin(self) -> bool:
        """Fewer respondents than ``k``: every figure about the relations would describe fewer
        than ``k`` people's answers, so the handout says so instead of showing them.

        False when the wave has no network summary (a handout built from the structure
        results alone, as the table card's prompts may be)."""
        return self.summary is not None and self.summary["respondents"] < self.k

    @property
    def no_ties(self) -> bool:
        """No respondent named anyone at or above the tie threshold (False without a network summary)."""
        return self.summary is not None and self.summary["ties"] == 0

    @property
    def has_core(self) -> bool:
        """Whether a core could be told apart (see :func:`helpers.results.structure.no_core_reason`)."""
        return self.structure.defined and not self.thin

    @property
    def n_departments(self) -> int:
        """Departments in the forum."""
        return len({d for _, d in self.graph.nodes(data="department")})

    def count(self, value: int) -> str:
        """A head count, or "fewer than k" when it describes fewer than ``k`` people (but some).

        Parameters
        ----------
        value : float or None
            The number.

        Returns
        -------
        str
            The count, or "fewer than k".
        """
        return self.t("labels.fewer_than", k=self.k) if 0 < value < self.k else self.n(value)

    # -- formatting -----------------------------------------------------------------------
    def n(self, value: float | None, decimals: int | None = None) -> str:
        """A number for the language; the marker for a value that is not defined (None, NaN).

        Parameters
        ----------
        value : float or None
            The number.
        decimals : int, optional
            Digits after the decimal point.

        Returns
        -------
        str
            The number, or the marker when undefined.
        """
        return Markdown(MARKER if undefined(value) else number(value, self.lang, decimals))

    def pct(self, share: float | None, decimals: int = 0) -> str:
        """A share as a percentage for the language; the marker when undefined.

        Parameters
        ----------
        share : float or None
            A share between 0 and 1.
        decimals : int, optional
            Digits after the decimal point.

        Returns
        -------
        str
            The percentage, or the marker when undefined.
        """
        return Markdown(MARKER if undefined(share) else percent(share, self.lang, decimals))

    def p(self, value: float | None) -> str:
        """A p-value with its relation sign: "= 0,034", or "< 0,001" below 0.001.

        Parameters
        ----------
        value : float or None
            The number.

        Returns
        -------
        str
            The p-value with its relation sign, e.g. "= 0,034".
        """
        if undefined(value):
            return Markdown("= " + MARKER)
        return Markdown(("< " + self.n(0.001, 3)) if value < 0.001 else "= " + self.n(value, 3))

    def mean(self, value: float) -> str:
        """A mean rating as the seminar's table shows it: rounded half up to two decimals.

        Parameters
        ----------
        value : float or None
            The number.

        Returns
        -------
        str
            The mean with two decimals.
        """
        return self.n(half_up(value), 2)

    def listing(self, items) -> str:
        """Items joined as the language lists them ("a, b og c").

        Parameters
        ----------
        items : iterable of str
            The items, in order; user text (a department's name) is escaped as Markdown.

        Returns
        -------
        Markdown
            The items as one phrase.
        """
        items = [as_markdown(item) for item in items]
        return Markdown(format_list(items, locale=self.lang) if items else "")

    # -- texts ----------------------------------------------------------------------------
    def wave_text(self, *path: str):
        """A text of ``wave.yml`` (name, question, scale) in the handout's language where it
        gives a translation, else as the survey had it (:func:`helpers.ingest.wave.wave_text`)."""
        return wave_text(self.meta, self.lang, *path)

    def label(self, key: str) -> str:
        """A short label of the catalogue (``labels.<key>``).

        Parameters
        ----------
        key : str
            The catalogue key.

        Returns
        -------
        str
            The label.
        """
        return self.t(f"labels.{key}")

    def heading(self, key: str) -> str:
        """A section heading (level 2) from the catalogue.

        Parameters
        ----------
        key : str
            The catalogue key.

        Returns
        -------
        str
            A level-2 Markdown heading.
        """
        return Markdown(f"## {self.t(key)}")

    def threshold(self) -> str:
        """The answer that makes a tie, as the scale words it (lower case)."""
        return self.wave_text("relations", "scale")[str(self.meta["relations"]["tie_threshold"])].lower()


def typst_block(body: str, options: str = "breakable: false") -> str:
    """Markdown ``body`` inside a Typst ``#block(...)`` in the PDF (the HTML drops the raw Typst).

    ``breakable: false`` keeps the body on one page (the discussion's rounds);
    ``sticky: true`` keeps it on the page of the block that follows (a figure's lead-in).

    Parameters
    ----------
    body : str
        Markdown.
    options : str
        The block's arguments, e.g. ``"breakable: false"`` (keeps the body on one page).

    Returns
    -------
    Markdown

    Examples
    --------
    >>> print(typst_block("Text"))
    ```{=typst}
    #block(breakable: false)[
    ```
    <BLANKLINE>
    Text
    <BLANKLINE>
    ```{=typst}
    ]
    ```
    """
    return Markdown(f"```{{=typst}}\n#block({options})[\n```\n\n{body}\n\n```{{=typst}}\n]\n```")


class MarkdownText:
    """A sentence catalogue (:class:`helpers.lang.Text`) that fills sentences with escaped values.

    The catalogue's sentences are Markdown written by the project; the values filled in
    are not: a department's or a partner's name, a question of ``wave.yml``. Every ``str``
    value that is not :class:`helpers.escape.Markdown` already (a number formatted by the
    context, a sentence of this catalogue, a listing) is escaped with
    :func:`helpers.escape.markdown`, so user text shows literally in the handout, never as
    HTML, a link, a citation, math or raw Typst. Sentences come back as ``Markdown``.

    Parameters
    ----------
    catalogue : helpers.lang.Text
        The language's sentences.

    Examples
    --------
    >>> t = MarkdownText(text("en"))
    >>> print(t("labels.member_of", department="<img src=x onerror=alert(1)>"))
    a member from \\<img src\\=x onerror\\=alert\\(1\\)\\>
    """

    def __init__(self, catalogue: fmt.Text):
        self.catalogue = catalogue
        self.lang = catalogue.lang
        self.data = catalogue.data

    def data_at(self, key: str):
        """The raw entry at a dotted ``key`` (:meth:`helpers.lang.Text.data_at`), unescaped."""
        return self.catalogue.data_at(key)

    def __call__(self, key: str, **values):
        """The sentence at ``key`` with ``values`` filled in, user text escaped."""
        found = self.catalogue(key, **{k: as_markdown(v) if isinstance(v, str) else v for k, v in values.items()})
        return Markdown(found) if isinstance(found, str) else found


def undefined(value) -> bool:
    """None or NaN: a value the handout shows as the marker, never as "nan" or "None".

    Parameters
    ----------
    value : float or None
        The number.

    Returns
    -------
    bool

    Examples
    --------
    >>> undefined(None), undefined(float("nan")), undefined(0.0), undefined("text")
    (True, True, False, False)
    """
    try:
        return value is None or math.isnan(float(value))
    except (TypeError, ValueError):
        return False


def number(value: float, lang: str, decimals: int | None = None) -> str:
    """A number for ``lang``, rounded half up when ``decimals`` is given (the handout's one number format).

    Babel, like Python's ``round``, rounds halves to even (2,125 -> "2,12"); the handout
    rounds them up, as the seminar's tables do.

    Parameters
    ----------
    value : float
        The number (defined: see :meth:`Context.n` for the marker).
    lang : {"da", "en"}
    decimals : int, optional
        Digits after the decimal point; None: whole numbers as they are.

    Examples
    --------
    >>> number(2.125, "da", 2), number(0.0125, "en", 3), number(1443, "da")
    ('2,13', '0.013', '1.443')
    """
    return fmt.number(value, lang, decimals)  # (half up: helpers.lang.number)


def percent(share: float, lang: str, decimals: int = 0) -> str:
    """A share (0-1) as a percentage for ``lang``, rounded half up: the handout's one percentage format.

    Every percentage the handout prints (text, tables, the summary, the table card) comes
    from here, so the same share reads the same on every page. 37 of 40 is "93 %", not
    Babel's and Python's banker's "92 %".

    Parameters
    ----------
    share : float
        A share between 0 and 1.
    lang : {"da", "en"}
    decimals : int, optional
        Digits after the decimal point.

    Examples
    --------
    >>> [percent(s, "da").replace(fmt.NBSP, " ") for s in (37 / 40, 0.125, 1 / 3)]
    ['93 %', '13 %', '33 %']
    >>> percent(611 / 1443, "en", 1).replace(fmt.NBSP, " ")
    '42.3 %'
    """
    return fmt.percent(share, lang, decimals)  # (half up: helpers.lang.percent)


#: The locale of the handout's dates: British English for English ("22 February 2019").
_DATE_LOCALE = fmt.DATE_LOCALE


def long_date(day: dt.date | str, lang: str) -> str:
    """A date as the handout writes it: "22. februar 2019", "22 February 2019" (British order).

    Parameters
    ----------
    day : datetime.date or str
        The date (ISO text, ``2019-02-22``).
    lang : {"da", "en"}

    Examples
    --------
    >>> long_date("2019-02-22", "da"), long_date("2019-02-22", "en")
    ('22. februar 2019', '22 February 2019')
    """
    return fmt.date(day, lang)


def month(value: dt.date | str, lang: str) -> str:
    """A month as the handout writes it: "marts 2019", "March 2019" (from a date or ``2019-03``).

    Examples
    --------
    >>> month("2019-03", "da"), month("2019-04-15", "en")
    ('marts 2019', 'April 2019')
    """
    text = str(value)
    day = value if isinstance(value, dt.date) else dt.date.fromisoformat(text + "-01" if len(text) == 7 else text)
    return format_date(day, "LLLL y", locale=_DATE_LOCALE.get(lang, lang))


def half_up(value: float, decimals: int = 2) -> float:
    """A mean as the seminar's tables round it: half up (:func:`helpers.lang.round_half_up`).

    Parameters
    ----------
    value : float or None
        The number.
    decimals : int, optional
        Digits after the decimal point.

    Examples
    --------
    >>> half_up(17 / 8)
    2.13
    """
    return fmt.round_half_up(value, decimals)
