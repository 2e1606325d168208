"""User text is data: the hostile corpus's injection case, looked at as readers get it.

``tests/data/hostile/injection-in-every-text`` puts an attack into every text a wave
brings (wave name, both questions, a partner's label, two departments; issue 13, item 1).
The case is run once through the real command line (Danish and English, HTML and PDF);
then the Danish HTML handout is opened in headless Chromium (see ``test_browser.py``),
with ``alert`` replaced before any page script runs by a hook that sets a marker: no
script of the attacks may run, no element of theirs may exist, no request may leave, and
every attack must show as text. The PDFs' text (pypdf) must show every attack literally:
the raw Typst blocks (a loop, a file read) were not run, ``@word`` is no citation,
``<tag>`` did not vanish. ``test_hostile.py`` runs the same case for its exit code.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pypdf import PdfReader

from test_browser import DESKTOP, Page, chromium  # noqa: F401  (chromium is a fixture)
from test_hostile import DATA, _expand, build_case, run_cli, spec_of

pytestmark = pytest.mark.slow

CASE = DATA / "hostile" / "injection-in-every-text"
WAVE_NAME = "Forum </title><script>window.__pwned=1</script> @word"
DEPARTMENTS = ("<img src=x onerror=alert(1)>", "<tag> Beta $$ Gamma $$")
PARTNER = "<b onmouseover=alert(3)>Borgere</b>"
#: Every attack as it must show, in the handout (Danish) and on the table card.
IN_HANDOUT = (WAVE_NAME, "[x](javascript:window.__pwned=2)", "`#while true {}`{=typst}",
              '`#read("wave.yml")`{=typst}', PARTNER, *DEPARTMENTS)
ON_CARD = (WAVE_NAME,)
#: Set before any page script runs: an attack that ran changes ``window.__pwned``.
HOOK = "window.__pwned = 0; window.alert = function () { window.__pwned = 'alert'; };"


def _squeezed(text: str) -> str:
    """Text without white space: a PDF's text breaks lines wherever the page ends one."""
    return "".join(text.split())


@pytest.fixture(scope="module")
def handouts(tmp_path_factory) -> Path:
    """The case's handout folder, after one real run of the command line."""
    base = tmp_path_factory.mktemp("injection")
    wave, places, env = build_case(CASE, base)
    argv = [_expand(a, places) for a in spec_of(CASE)["command"]]
    code, out, err, seconds, _ = run_cli(argv, env, base, limit=0, timeout=600)
    assert code == 0 and "Traceback" not in err, err[-3000:]
    return base / "build" / "tiny" / "handout"


def test_the_case_holds_the_attacks_checked_here():
    text = (CASE / "expected.yml").read_text(encoding="utf-8")
    for attack in (*DEPARTMENTS, PARTNER, "</title><script>", "@word", "javascript:", "#while true", "#read("):
        assert attack in text


@pytest.mark.parametrize("lang", ["da", "en"])
def test_pdf_shows_every_attack_literally(handouts, lang):
    text = _squeezed("\n".join(page.extract_text() for page in PdfReader(handouts / f"handout-{lang}.pdf").pages))
    # wave.yml gives no English texts but the partner's (Citizens): the English handout shows the others as written.
    # The figures draw their text as outlines (not extractable), and the department with two respondents is
    # named in no sentence (too few to describe): its name shows in the figures and, as text, in the HTML.
    for attack in (a for a in IN_HANDOUT if (lang == "da" or a != PARTNER) and a != DEPARTMENTS[1]):
        assert _squeezed(attack) in text, attack
    assert "tie_threshold" not in text and "Tinytestforum" not in text  # no file of the render was read into the PDF
    card = _squeezed("\n".join(page.extract_text() for page in PdfReader(handouts / f"table-card-{lang}.pdf").pages))
    for attack in ON_CARD:
        assert _squeezed(attack) in card, attack


def test_html_runs_no_script_and_sends_no_request(handouts, chromium, tmp_path):  # noqa: F811
    page = Page(chromium, tmp_path / "profile")
    try:
        page.tools.call("Page.addScriptToEvaluateOnNewDocument", source=HOOK)
        problems = page.open(handouts / "handout-da.html", DESKTOP)
        t = page.tools
        # hover over everything, as a reader's mouse would (an onmouseover attack would fire)
        t.evaluate("document.querySelectorAll('body *').forEach(e => e.dispatchEvent("
                   "new MouseEvent('mouseover', {bubbles: true})))")
        assert t.evaluate("window.__pwned") == 0
        assert problems["requests"] == [] and problems["console"] == [], problems
        assert t.evaluate("document.querySelectorAll('[onerror],[onmouseover],[onclick],tag,b').length") == 0
        assert t.evaluate("document.querySelectorAll('a[href^=\"javascript:\" i]').length") == 0
        assert t.evaluate("document.querySelectorAll('img:not([src^=\"data:\"])').length") == 0
        body = t.evaluate("document.body.innerText")
        for attack in (WAVE_NAME, *DEPARTMENTS):
            assert attack in body, attack
        # the title element holds the wave's name as text: the page has only its own scripts
        assert t.evaluate("document.querySelectorAll('script:not([src])').length") == len(
            [s for s in (handouts / "handout-da.html").read_text(encoding="utf-8").split("<script")[1:]
             if not s.lstrip().startswith("src")])
    finally:
        page.stop()


def test_html_policy_allows_no_network(handouts, chromium, tmp_path):  # noqa: F811
    page = Page(chromium, tmp_path / "profile")
    try:
        page.open(handouts / "handout-da.html", DESKTOP)
        t = page.tools
        policy = t.evaluate("document.querySelector('meta[http-equiv=\"Content-Security-Policy\"]').content")
        assert "default-src 'none'" in policy and "http" not in policy
        violated = t.evaluate(
            "new Promise(r => { document.addEventListener('securitypolicyviolation', e => r(e.effectiveDirective));"
            " fetch('https://example.org/leak').catch(() => {}); setTimeout(() => r('none'), 3000); })")
        assert violated == "connect-src"
        violated = t.evaluate(
            "new Promise(r => { document.addEventListener('securitypolicyviolation', e => r(e.effectiveDirective));"
            " const i = new Image(); i.src = 'https://example.org/pixel.png'; setTimeout(() => r('none'), 3000); })")
        assert violated == "img-src"
    finally:
        page.stop()
