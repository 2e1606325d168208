"""Danish and English text: catalogues in step, numbers formatted by the locale."""

from __future__ import annotations

import string

import pytest

from helpers.handout import context as handout
from helpers import lang
from helpers.errors import SurveyError

from conftest import ROOT


def keys(node, prefix=""):
    if isinstance(node, dict):
        return {k for key, value in node.items() for k in keys(value, f"{prefix}{key}.")}
    return {prefix.rstrip(".")}


def fields(template):
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_catalogues_have_the_same_keys_and_placeholders():
    da, en = (lang.Text(x, ROOT / "report" / "i18n") for x in ("da", "en"))
    assert keys(da.data) == keys(en.data)
    for key in keys(da.data):
        assert fields(da.data_at(key)) == fields(en.data_at(key)), key


def test_numbers_follow_the_locale():
    assert lang.number(1443, "da") == "1.443" and lang.number(1443, "en") == "1,443"
    assert lang.percent(611 / 1443, "da") == "42,3\u00a0%"
    assert lang.percent(611 / 1443, "en") == "42.3\u00a0%"
    assert lang.date("2019-02-22", "da") == "22. februar 2019"


def test_unknown_language():
    with pytest.raises(SurveyError, match="'de' is not available"):
        lang.check_lang("de")


@pytest.mark.parametrize("code,expected", [
    ("da", "Et middeltæt netværk: 611 relationer ud af et teoretisk maksimum på 1.443 (tæthed 42,3 %)."),
    ("en", "A medium-dense network: 611 relations out of a theoretical maximum of 1,443 (42.3 % density)."),
])
def test_density_sentence_of_the_seminar(code, expected):
    summary = {"members": 40, "respondents": 37, "ties": 611, "possible_ties": 37 * 39, "density": 611 / 1443}
    assert handout.density_sentence(summary, code).replace("\u00a0", " ") == expected


def test_percent_rounds_half_up():
    """92.5 % -> "93 %" and 0.5 % -> "1 %" (Babel and Python round these halves to even: 92, 0)."""
    from helpers.lang import NBSP, percent

    assert percent(37 / 40, "da", 0) == f"93{NBSP}%"
    assert percent(0.005, "en", 0) == f"1{NBSP}%"
    assert percent(1 / 8, "en", 0) == f"13{NBSP}%"
    assert percent(0.0125, "da", 1) == f"1,3{NBSP}%"


@pytest.mark.parametrize("denominator", [8, 16, 40, 80, 200])
def test_percent_and_signed_points_agree_with_exact_half_up(denominator):
    """Every share n/d with exact halves among them, against exact arithmetic: floor(100 n/d + 1/2)."""
    from fractions import Fraction

    from helpers.handout.plots import share_format, signed_points
    from helpers.lang import NBSP, percent

    for numerator in range(denominator + 1):
        exact = int(Fraction(100 * numerator, denominator) + Fraction(1, 2))
        assert percent(numerator / denominator, "en", 0) == f"{exact}{NBSP}%", (numerator, denominator)
        assert share_format(numerator / denominator) == f"{exact}{NBSP}%"
        assert signed_points(numerator / denominator) == (f"+{exact}" if exact else "0")
        assert signed_points(-numerator / denominator) == (f"−{exact}" if exact else "0")


def test_one_term_and_one_hyphenation_in_each_catalogue():
    """Danish: "tæthed" (the figures' word), never "densitet"; the compound always
    "kerne-periferi-struktur" ("kerne-periferi-" before any further word). English: "density"."""
    import re

    import yaml

    def strings(node):
        if isinstance(node, dict):
            for value in node.values():
                yield from strings(value)
        elif isinstance(node, list):
            for value in node:
                yield from strings(value)
        elif isinstance(node, str):
            yield node

    da = " ".join(strings(yaml.safe_load((ROOT / "report" / "i18n" / "da.yml").read_text(encoding="utf-8"))))
    en = " ".join(strings(yaml.safe_load((ROOT / "report" / "i18n" / "en.yml").read_text(encoding="utf-8"))))
    assert not re.search(r"densitet", da, re.IGNORECASE)
    assert re.search(r"\btæthed", da, re.IGNORECASE)
    assert not re.search(r"kerne-periferi[a-zæøå]", da, re.IGNORECASE), re.findall(r"kerne-periferi\w+", da)
    assert "kerne-periferi-struktur" in da
    assert not re.search(r"\b(tightness|thickness|denseness)\b", en, re.IGNORECASE)
    assert "density" in en.lower()
