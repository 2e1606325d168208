"""The handout's text, generated from a wave's results.

Every sentence a reader sees is built here from the numbers in ``build/<wave>/results``
and the language catalogue, so that it follows the data of whatever wave is rendered.
Functions return Markdown strings; the handout notebook displays them.
"""

from __future__ import annotations

from pathlib import Path

from . import lang as fmt
from .io import project_root

#: Density bands for the word the handout uses ("a medium-dense network"): below 25 %
#: sparse, from 25 % up to 50 % medium-dense, from 50 % dense. The seminar called
#: 42.3 % medium-dense.
DENSITY_BANDS = ((0.25, "sparse"), (0.50, "medium"), (float("inf"), "dense"))


def text(lang: str):
    """The sentence catalogue of ``lang`` (see :class:`helpers.lang.Text`)."""
    return fmt.Text(lang, project_root() / "report" / "i18n")


def density_word(density: float) -> str:
    """The density band of a network: ``"sparse"``, ``"medium"`` or ``"dense"``.

    Examples
    --------
    >>> density_word(611 / 1443), density_word(0.1), density_word(0.5)
    ('medium', 'sparse', 'dense')
    """
    return next(word for limit, word in DENSITY_BANDS if density < limit)


def opening(meta: dict, lang: str) -> str:
    """The lines under the title: what the handout covers and when the survey closed."""
    t = text(lang)
    return f"*{t('subtitle', wave=meta['name'])}*\n\n{t('date_line', date=fmt.date(meta['date'], lang))}"


def purpose_section(summary: dict, lang: str) -> str:
    """Purpose and data: what a network analysis is, the analysis model, who answered."""
    t = text(lang)
    return "\n\n".join([
        f"## {t('purpose.heading')}",
        t("purpose.body"),
        t("purpose.model"),
        t("purpose.response", respondents=fmt.number(summary["respondents"], lang),
          members=fmt.number(summary["members"], lang),
          response_rate=fmt.percent(summary["response_rate"], lang, 0)),
    ])


def density_sentence(summary: dict, lang: str) -> str:
    """The density finding, e.g. "611 relationer ud af et teoretisk maksimum på 1.443 (42,3 %)".

    Parameters
    ----------
    summary : dict
        From :func:`helpers.network.summary`.
    lang : {"da", "en"}
    """
    t = text(lang)
    return t("structure.density",
             density_word=t(f"structure.density_words.{density_word(summary['density'])}"),
             ties=fmt.number(summary["ties"], lang), possible=fmt.number(summary["possible_ties"], lang),
             density=fmt.percent(summary["density"], lang))


def structure_section(summary: dict, lang: str) -> str:
    """What characterises the structure (at this stage: the density finding)."""
    t = text(lang)
    note = t("structure.density_note", respondents=fmt.number(summary["respondents"], lang),
             others=fmt.number(summary["members"] - 1, lang))
    return "\n\n".join([f"## {t('structure.heading')}", f"- {density_sentence(summary, lang)}", note])
