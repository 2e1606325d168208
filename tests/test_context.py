"""Tests of helpers.handout.context: number formatting and the pipe tables the sections write."""

from __future__ import annotations

import pandas as pd
import pytest

from helpers.handout.context import Context, pipe_table


def test_pipe_table():
    assert pipe_table(pd.DataFrame({"a": ["x", "y"], "b": [1, 2]})).splitlines()[1] == "|:--|--:|"


@pytest.mark.parametrize("value,expected", [(0.0004, "< 0.001"), (0.0312, "= 0.031")])
def test_p_values(tmp_path, value, expected):
    assert Context(tmp_path, "en").p(value) == expected


# -- user text filled into sentences is data (issue 13, item 1) ----------------------------

_ATTACKS = ["<img src=x onerror=alert(1)>", "[x](javascript:alert(1))", "`#while true {}`{=typst}", "@word",
            "Beta $$ Gamma $$", "<tag>", "</title><script>alert(1)</script>", "a | b"]


def _sentences(node, key=""):
    """Every catalogue sentence with placeholders (and no format spec, no code span: the SHA-256
    in a code span is the project's hex digest, passed as Markdown), with its key and fields."""
    import string

    if isinstance(node, dict):
        for k, v in node.items():
            yield from _sentences(v, f"{key}.{k}" if key else k)
    elif isinstance(node, str) and "`" not in node:
        fields = [(name, spec, conv) for _, name, spec, conv in string.Formatter().parse(node) if name]
        if fields and not any(spec or conv for _, spec, conv in fields):
            yield key, {name for name, _, _ in fields}


@pytest.mark.parametrize("lang", ["da", "en"])
def test_every_sentence_shows_user_text_literally_through_pandoc(lang):
    import string
    from html.parser import HTMLParser

    from helpers.handout.context import MarkdownText, text

    pypandoc = pytest.importorskip("pypandoc")
    t = MarkdownText(text(lang))

    class Tags(HTMLParser):
        def __init__(self):
            super().__init__()
            self.tags, self.text = [], []

        def handle_starttag(self, tag, attrs):
            self.tags.append((tag, attrs))

        def handle_data(self, data):
            self.text.append(data)

    def html(markdown):
        parser = Tags()
        parser.feed(pypandoc.convert_text(markdown, "html", format="markdown", extra_args=["--wrap=none"]))
        return parser

    sentences = list(_sentences(t.data))
    assert len(sentences) > 20
    for attack in _ATTACKS:
        plain = [t(key, **dict.fromkeys(fields, "X")) for key, fields in sentences]
        hostile = [t(key, **dict.fromkeys(fields, attack)) for key, fields in sentences]
        safe, found = html("\n\n".join(plain)), html("\n\n".join(hostile))
        assert found.tags == safe.tags, attack  # no element, link or attribute of the attack's own
        # every placeholder shows the attack as written, nothing of it is lost or turned into markup
        placeholders = sum(1 for key, _ in sentences for _, name, _, _ in string.Formatter().parse(t.data_at(key))
                           if name)
        assert "".join(found.text).count(attack) == placeholders, attack


def test_listing_escapes_user_items_but_not_markdown():
    from helpers.escape import Markdown

    ctx = Context(folder=".", lang="en")
    assert ctx.listing(["<tag>", Markdown("*b*")]) == "\\<tag\\> and *b*"
    assert ctx.listing([]) == ""
