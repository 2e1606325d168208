"""The one YAML loader: plain settings load as with safe_load; aliases, depth and size are refused."""

from __future__ import annotations

import pytest
import yaml

from helpers import safeyaml

BOMB = "\n".join(['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
                 + [f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 10)])


def test_plain_settings_load_as_with_safe_load(tmp_path):
    text = "name: Bølge 1\ndate: 2019-02-22\nscale: {0: Aldrig, 1: Sjældent}\nlist: [1, 2.5, true, null]\n"
    assert safeyaml.load(text) == yaml.safe_load(text)
    (tmp_path / "x.yml").write_text(text, encoding="utf-8")
    assert safeyaml.load_file(tmp_path / "x.yml") == yaml.safe_load(text)
    assert safeyaml.compose(text).value[0][0].value == "name"


@pytest.mark.parametrize("text,line", [(BOMB, 2), ("base: &b {x: 1}\nother:\n  <<: *b\n  y: 2\n", 3),
                                       ("a: &x 1\nb: *x\n", 2)])
def test_aliases_are_refused_naming_the_line(text, line):
    with pytest.raises(safeyaml.YamlRefused, match=f"w.yml, line {line}: found the alias"):
        safeyaml.load(text, "w.yml")
    with pytest.raises(safeyaml.YamlRefused):
        safeyaml.compose(text, "w.yml")


def test_anchors_without_aliases_are_harmless():
    assert safeyaml.load("a: &x 1\nb: 2\n") == {"a": 1, "b": 2}


def test_deep_nesting_and_large_files_are_refused(tmp_path):
    with pytest.raises(safeyaml.YamlRefused, match="nesting deeper than 50"):
        safeyaml.load("[" * 200 + "]" * 200)
    big = tmp_path / "big.yml"
    big.write_text("x: " + "a" * (safeyaml.MAX_BYTES + 1), encoding="utf-8")
    with pytest.raises(safeyaml.YamlRefused, match="bytes; expected at most"):
        safeyaml.load_file(big)


def test_refusal_is_a_survey_error_the_command_line_prints():
    from helpers.errors import SurveyError

    assert issubclass(safeyaml.YamlRefused, SurveyError)
