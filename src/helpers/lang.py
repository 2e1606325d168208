"""Language of the handout: numbers, dates and sentences in Danish or English.

Numbers and dates are formatted by Babel from the locale's CLDR data (Danish ``1.443`` and
``42,3 %``, English ``1,443`` and ``42.3 %``), never by hand. Sentences come from the
catalogues ``report/i18n/<lang>.yml``: one key per sentence, with named placeholders that
are filled with numbers already formatted for the language.
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from pathlib import Path

import yaml
from babel.dates import format_date
from babel.numbers import format_decimal

from helpers.errors import SurveyError
from helpers import safeyaml

__all__ = ["LANGS", "NBSP", "check_lang", "number", "percent", "date", "Text", "round_half_up"]

LANGS = ("da", "en")
NBSP = "\u00a0"


def check_lang(lang: str) -> str:
    """Return ``lang`` if the handout can be written in it, else raise SurveyError.

    Parameters
    ----------
    lang : {"da", "en"}
        The handout's language.

    Returns
    -------
    str
        The language code, if available.
    """
    if lang not in LANGS:
        raise SurveyError(f"language {lang!r} is not available; choose one of {', '.join(LANGS)}")
    return lang


def _half_up(value, decimals: int) -> Decimal:
    """``value`` rounded half up (away from zero) at ``decimals`` digits, from its shortest decimal form."""
    if not isinstance(value, Decimal):
        value = Decimal(repr(float(value)))
    return value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def number(value: float, lang: str, decimals: int | None = None) -> str:
    """A number formatted for ``lang``; whole numbers get thousands separators.

    With ``decimals`` the number is rounded half up (:func:`round_half_up`), as the
    seminar's tables round: Babel, like Python's ``round``, rounds halves to even.

    Parameters
    ----------
    value : float or None
        The number.
    lang : {"da", "en"}
        The handout's language.
    decimals : int, optional
        Digits after the decimal point.

    Returns
    -------
    str
        The number, formatted for the language.

    Examples
    --------
    >>> number(1443, "da"), number(1443, "en"), number(2.857, "da", 2), number(2.125, "en", 2), number(0.5, "da", 0)
    ('1.443', '1,443', '2,86', '2.13', '1')
    """
    pattern = "#,##0" if not decimals else "#,##0." + "0" * decimals
    if decimals is not None:
        value = _half_up(value, decimals)
    return format_decimal(value, pattern, locale=lang)


def percent(share: float, lang: str, decimals: int = 1) -> str:
    """A share (0-1) as a percentage, rounded half up, with a non-breaking space before the sign.

    The handout's one percentage format (the context's :func:`helpers.handout.context.percent`
    and the figures' labels use it): 37 of 40 is "93 %", not Babel's and Python's banker's
    "92 %"; the same share reads the same on every page.

    Parameters
    ----------
    share : float or None
        A share between 0 and 1.
    lang : {"da", "en"}
        The handout's language.
    decimals : int, optional
        Digits after the decimal point.

    Returns
    -------
    str
        The percentage, formatted for the language.

    Examples
    --------
    >>> percent(611 / 1443, "da").replace(NBSP, " "), percent(611 / 1443, "en").replace(NBSP, " ")
    ('42,3 %', '42.3 %')
    >>> percent(0.925, "da", 0).replace(NBSP, " "), percent(0.005, "en", 0).replace(NBSP, " ")
    ('93 %', '1 %')
    """
    return number(_half_up(Decimal(repr(float(share))) * 100, decimals), lang, decimals) + NBSP + "%"


#: The locale of dates: British English for English ("22 February 2019", not "February 22, 2019").
DATE_LOCALE = {"da": "da", "en": "en_GB"}


def date(day: dt.date | str, lang: str) -> str:
    """A date in the language's long form ("22. februar 2019", "22 February 2019": British order).

    Parameters
    ----------
    day : datetime.date or str
        The date (a string in ISO form, ``2019-02-22``).
    lang : {"da", "en"}
        The handout's language.

    Returns
    -------
    str

    Examples
    --------
    >>> date("2019-02-22", "da"), date("2019-02-22", "en")
    ('22. februar 2019', '22 February 2019')
    """
    if not isinstance(day, dt.date):
        day = dt.date.fromisoformat(str(day))
    return format_date(day, "long", locale=DATE_LOCALE.get(lang, lang))


@lru_cache(maxsize=None)
def _catalogue(path: Path) -> dict:
    return safeyaml.load_file(path)


class Text:
    """The sentences of the handout in one language.

    Parameters
    ----------
    lang : {"da", "en"}
    folder : Path
        The folder with ``da.yml`` and ``en.yml``.
    """

    def __init__(self, lang: str, folder: Path):
        self.lang = check_lang(lang)
        self.data = _catalogue(Path(folder) / f"{lang}.yml")

    def data_at(self, key: str):
        """The raw entry at a dotted ``key`` (a template string or a nested mapping).

        Parameters
        ----------
        key : str
            The catalogue key.
        """
        node = self.data
        for part in key.split("."):
            if not isinstance(node, dict) or part not in node:
                raise KeyError(f"{key!r} is missing from the {self.lang} catalogue")
            node = node[part]
        return node

    def __call__(self, key: str, **values) -> str:
        """The sentence at a dotted ``key``, with ``values`` filled in."""
        node = self.data_at(key)
        return node.format(**values) if isinstance(node, str) else node


def round_half_up(value: float, decimals: int = 2) -> float:
    """Round a number for display the way a spreadsheet does (halves up).

    Python's ``round`` and ``format`` round exact binary halves to even, so
    ``17 / 8 = 2.125`` shows as 2.12, while spreadsheet tables such as the
    seminar's show 2.13. This rounds the shortest decimal representation of
    the float half away from zero.

    Parameters
    ----------
    value : float
        Number to round; NaN stays NaN.
    decimals : int
        Digits after the decimal point.

    Returns
    -------
    float

    Examples
    --------
    >>> round(17 / 8, 2), round_half_up(17 / 8)
    (2.12, 2.13)
    >>> round_half_up(20 / 7)
    2.86
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return float("nan")
    quantum = Decimal(1).scaleb(-decimals)
    return float(Decimal(repr(float(value))).quantize(quantum, rounding=ROUND_HALF_UP))
