"""User text as data: one escaping function per place where text is put into another language.

Text from a wave's ``wave.yml`` and from the survey export (the wave's name, question
texts, scale and partner labels, department and role names, member names) is data. Put
unescaped into Markdown, HTML, Typst, a matplotlib label or a spreadsheet, it can be read
as code: ``<img src=x onerror=...>`` runs script in the HTML handout, a raw Typst block
runs in the PDF render, ``$...$`` is parsed as mathtext, ``=HYPERLINK(...)`` is a formula
in Excel. Each function here makes ``text`` come out literally in one target:

================  ============================================================
:func:`markdown`  pandoc Markdown (both the HTML and the Typst/PDF output)
:func:`html_text` HTML element content; :func:`html_attr` an attribute value
:func:`typst_string`  a Typst string literal; :func:`typst_markup` Typst markup
:func:`mathtext`  matplotlib text (no mathtext between ``$`` signs)
:func:`csv_cell`  a CSV cell opened by a spreadsheet (no formula);
                  :func:`csv_uncell` undoes it for cells read back
================  ============================================================

Every function takes any value (``str()`` is applied) and returns ``str``.
"""

from __future__ import annotations

import html
import re
import string

__all__ = ["markdown", "html_text", "html_attr", "typst_string", "typst_markup", "mathtext", "csv_cell",
           "csv_uncell", "FORMULA_TRIGGERS"]

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_PUNCTUATION = frozenset(string.punctuation)
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet read a cell as a formula (OWASP's list)."""
_NEEDS_QUOTE = re.compile("'*[" + re.escape("".join(FORMULA_TRIGGERS)) + "]")
_ESCAPED = re.compile("'+[" + re.escape("".join(FORMULA_TRIGGERS)) + "]")
_NUMBER = re.compile(r"[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?")


def _one_line(text) -> str:
    """``text`` as one line: control characters dropped, white space runs made one space."""
    return " ".join(_CONTROL.sub("", str(text)).split())


def markdown(text) -> str:
    """Text for pandoc Markdown that pandoc shows literally, in HTML and in Typst output.

    Every ASCII punctuation character gets a backslash (pandoc's ``all_symbols_escapable``),
    so no HTML tag, link, raw block, citation (``@key``), math (``$``), emphasis,
    footnote or table cell border can start; line breaks become spaces, so no heading,
    list or code block can start either. Use it for inline text (a sentence, a heading,
    a table cell, a caption).

    Examples
    --------
    >>> print(markdown("<img src=x onerror=alert(1)>"))
    \\<img src\\=x onerror\\=alert\\(1\\)\\>
    >>> print(markdown("Beta $$ Gamma $$ @word"))
    Beta \\$\\$ Gamma \\$\\$ \\@word
    >>> print(markdown("Bo  Bæk\\n# ikke en overskrift"))
    Bo Bæk \\# ikke en overskrift
    """
    return "".join("\\" + c if c in _PUNCTUATION else c for c in _one_line(text))


def html_text(text) -> str:
    """Text for the content of an HTML element: ``&``, ``<``, ``>`` and quotes as entities.

    Examples
    --------
    >>> html_text('<script>alert("x")</script> & co')
    '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co'
    """
    return html.escape(_CONTROL.sub("", str(text)), quote=True)


def html_attr(text) -> str:
    """Text for a quoted HTML attribute value (``title="..."``), on one line.

    Examples
    --------
    >>> html_attr("x\\" onmouseover=\\"alert(1)")
    'x&quot; onmouseover=&quot;alert(1)'
    >>> html_attr("a\\nb'c")
    'a b&#x27;c'
    """
    return html.escape(_one_line(text), quote=True)


def typst_string(text) -> str:
    """A Typst string literal (with its quotes) holding ``text`` exactly.

    Examples
    --------
    >>> print(typst_string('Er "kernen" #1? \\\\'))
    "Er \\"kernen\\" #1? \\\\"
    >>> print(typst_string("a\\nb"))
    "a\\nb"
    """
    body = _CONTROL.sub("", str(text)).replace("\\", "\\\\").replace('"', '\\"')
    return '"' + body.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n").replace("\t", "\\t") + '"'


def typst_markup(text) -> str:
    """Text for Typst markup (content in ``[...]``), shown literally, on one line.

    Every ASCII punctuation character gets a backslash (Typst's escape sequence for a
    symbol), so no function call (``#``), label (``<...>``), reference (``@``), math
    (``$``), raw text, heading, list or comment can start.

    Examples
    --------
    >>> print(typst_markup("#read(\\"/etc/passwd\\") <tag> @word $x$"))
    \\#read\\(\\"\\/etc\\/passwd\\"\\) \\<tag\\> \\@word \\$x\\$
    """
    return "".join("\\" + c if c in _PUNCTUATION else c for c in _one_line(text))


def mathtext(text) -> str:
    """Text for a matplotlib label or title: every ``$`` escaped, so no mathtext is parsed.

    matplotlib reads text between two unescaped dollar signs as mathtext; a department
    named ``Beta $$ Gamma $$`` made the figures fail to draw.

    Examples
    --------
    >>> mathtext("Beta $$ Gamma $$")
    'Beta \\\\$\\\\$ Gamma \\\\$\\\\$'
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> t = ax.set_title(mathtext("Beta $$ Gamma $$"))
    >>> fig.canvas.draw(); plt.close(fig)
    """
    return str(text).replace("$", "\\$")


def csv_cell(value):
    """A value for a CSV cell that a spreadsheet will not read as a formula.

    OWASP's rule: text starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
    return gets a leading ``'``. Numbers (and text that is a plain number, such as
    ``-0.25``) are left as they are, as are other values. Text that already starts with
    ``'`` before such a character gets one more, so :func:`csv_uncell` gives back
    exactly the original.

    Examples
    --------
    >>> csv_cell('=HYPERLINK("http://x","y")'), csv_cell("+cmd|' /C calc'!A0"), csv_cell("@SUM(A1)")
    ('\\'=HYPERLINK("http://x","y")', "'+cmd|' /C calc'!A0", "'@SUM(A1)")
    >>> csv_cell("-0.25"), csv_cell(-0.25), csv_cell("Bo Bæk"), csv_cell("'=x")
    ('-0.25', -0.25, 'Bo Bæk', "''=x")
    """
    if isinstance(value, str) and _NEEDS_QUOTE.match(value) and not _NUMBER.fullmatch(value.strip()):
        return "'" + value
    return value


def csv_uncell(value):
    """Undo :func:`csv_cell` for a cell read back.

    Examples
    --------
    >>> csv_uncell("'=1+1"), csv_uncell("''=x"), csv_uncell("'quoted'"), csv_uncell(3)
    ('=1+1', "'=x", "'quoted'", 3)
    """
    if isinstance(value, str) and _ESCAPED.match(value):
        return value[1:]
    return value
