"""The handout as readers get it: the HTML in a real (headless) browser, the PDF as page images.

The example wave is run once through the pipeline with each render engine (``example_run``
in conftest.py: the built-in engine, and Quarto where it is installed; Danish and English,
HTML and PDF), and every test below runs on both with the same assertions.
Each HTML handout is opened in Debian's Chromium, driven over the DevTools protocol
(a small WebSocket client below, standard library only), with every network request
sent to a closed proxy: the page must load with no console error and no request to
the network, every image must decode, every inline SVG must have a size, the
interactive network view must answer a mouse hover and a finger tap with a
member's department but never a pseudonym, and at phone width (390 px) nothing may
stick out sideways. The PDF's pages are rasterised with ``pdftoppm``: every page
with a figure caption must carry real graphics besides its text.

Chromium and poppler-utils come from ``.ci/install-test-deps``; without them these
tests are skipped, with the reason.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import time
import urllib.request
from pathlib import Path

import networkx as nx
import pandas as pd
import pytest
from pypdf import PdfReader

from helpers.handout import interactive
from helpers.pipeline import scheduler as pipeline

pytestmark = pytest.mark.slow

CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-extensions", "--mute-audio", "--hide-scrollbars",
    "--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>",  # any network request fails
)
PHONE = {"width": 390, "height": 844, "deviceScaleFactor": 1, "mobile": True}
DESKTOP = {"width": 1100, "height": 900, "deviceScaleFactor": 1, "mobile": False}
CAPTION = {"da": re.compile(r"Figur (\d+):"), "en": re.compile(r"Figure (\d+):")}
DEPARTMENT = {"da": "Magistratsafdeling", "en": "Department"}


# ---------------------------------------------------------------------------
# A minimal DevTools protocol client (RFC 6455 WebSocket, text frames only)


class DevTools:
    """One WebSocket connection to a page target; ``call`` sends a command and returns its result."""

    def __init__(self, url: str, timeout: float = 30.0):
        m = re.match(r"ws://([^/:]+):(\d+)(/.*)", url)
        assert m, url
        self.sock = socket.create_connection((m[1], int(m[2])), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET {m[3]} HTTP/1.1\r\nHost: {m[1]}:{m[2]}\r\nUpgrade: websocket\r\n"
                           f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                           "Sec-WebSocket-Version: 13\r\n\r\n").encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(1)
            if not chunk:
                raise ConnectionError("DevTools closed the connection during the handshake")
            head += chunk
        if b" 101 " not in head.split(b"\r\n", 1)[0]:
            raise ConnectionError(head.decode(errors="replace"))
        self.next_id = 0
        self.events: list[dict] = []

    def _read(self, n: int) -> bytes:
        data = b""
        while len(data) < n:
            chunk = self.sock.recv(n - len(data))
            if not chunk:
                raise ConnectionError("DevTools connection closed")
            data += chunk
        return data

    def _send_frame(self, opcode: int, payload: bytes) -> None:
        header = bytes([0x80 | opcode])
        n = len(payload)
        if n < 126:
            header += bytes([0x80 | n])
        elif n < 1 << 16:
            header += bytes([0x80 | 126]) + struct.pack("!H", n)
        else:
            header += bytes([0x80 | 127]) + struct.pack("!Q", n)
        mask = os.urandom(4)
        self.sock.sendall(header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))

    def _message(self) -> dict:
        parts = []
        while True:
            b0, b1 = self._read(2)
            n = b1 & 0x7F
            if n == 126:
                n = struct.unpack("!H", self._read(2))[0]
            elif n == 127:
                n = struct.unpack("!Q", self._read(8))[0]
            payload = self._read(n)
            opcode = b0 & 0x0F
            if opcode == 0x9:  # ping
                self._send_frame(0xA, payload)
                continue
            if opcode == 0x8:
                raise ConnectionError("DevTools closed the connection")
            parts.append(payload)
            if b0 & 0x80:
                return json.loads(b"".join(parts))

    def call(self, method: str, **params):
        self.next_id += 1
        self._send_frame(0x1, json.dumps({"id": self.next_id, "method": method, "params": params}).encode())
        while True:
            message = self._message()
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            if "method" in message:
                self.events.append(message)

    def wait_for(self, event: str, timeout: float = 30.0) -> dict:
        """The first ``event`` not yet consumed (events already received count)."""
        deadline = time.monotonic() + timeout
        while True:
            for i, message in enumerate(self.events):
                if message["method"] == event:
                    return self.events.pop(i)
            if time.monotonic() > deadline:
                raise TimeoutError(event)
            message = self._message()
            if "method" in message:
                self.events.append(message)

    def evaluate(self, expression: str):
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise AssertionError(f"page script failed: {result['exceptionDetails']}")
        return result["result"].get("value")

    def close(self) -> None:
        self.sock.close()


class Page:
    """A headless Chromium with one page; ``open`` loads a file and collects what went wrong."""

    def __init__(self, executable: str, profile: Path):
        self.process = subprocess.Popen(
            [executable, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--remote-debugging-port=0", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not (port_file.exists() and port_file.read_text().count("\n") >= 1):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("Chromium did not start its DevTools server")
            time.sleep(0.05)
        port = port_file.read_text().split()[0]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as response:
            targets = json.load(response)
        url = next(t["webSocketDebuggerUrl"] for t in targets if t["type"] == "page")
        self.tools = DevTools(url)
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.tools.call(f"{domain}.enable")
        self.tools.call("Emulation.setFocusEmulationEnabled", enabled=True)  # focus as in a window in front

    def open(self, path: Path, metrics: dict) -> dict:
        """Load ``path`` at the given screen size; return the problems seen while loading."""
        t = self.tools
        t.call("Emulation.setDeviceMetricsOverride", **metrics)
        t.call("Emulation.setTouchEmulationEnabled", enabled=metrics["mobile"])
        t.events.clear()
        t.call("Page.navigate", url=path.resolve().as_uri())
        t.wait_for("Page.loadEventFired")
        t.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
        return self.problems()

    def problems(self) -> dict:
        t, found = self.tools, {"console": [], "requests": [], "failed": []}
        t.evaluate("1")  # let pending events arrive
        for e in t.events:
            p = e.get("params", {})
            if e["method"] == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
                found["console"].append(" ".join(str(a.get("value", a.get("description"))) for a in p["args"]))
            elif e["method"] == "Runtime.exceptionThrown":
                found["console"].append(p["exceptionDetails"].get("exception", {}).get("description", "exception"))
            elif e["method"] == "Log.entryAdded" and p["entry"]["level"] == "error":
                found["console"].append(p["entry"]["text"])
            elif e["method"] == "Network.requestWillBeSent":
                url = p["request"]["url"]
                if not url.startswith(("file:", "data:", "about:")):
                    found["requests"].append(url)
            elif e["method"] == "Network.loadingFailed":
                found["failed"].append(p.get("errorText"))
        return found

    def screenshot(self, target: Path) -> Path:
        data = self.tools.call("Page.captureScreenshot", format="png", captureBeyondViewport=False)["data"]
        target.write_bytes(base64.b64decode(data))
        return target

    def stop(self) -> None:
        try:
            if getattr(self, "tools", None) is not None:
                self.tools.close()
        finally:
            if self.process.poll() is None:
                os.killpg(self.process.pid, signal.SIGTERM)
                try:
                    self.process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    os.killpg(self.process.pid, signal.SIGKILL)
                    self.process.wait()


# ---------------------------------------------------------------------------
# fixtures


@pytest.fixture(scope="session")
def chromium() -> str:
    path = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
    if path is None:
        pytest.skip("Chromium is not installed: run .ci/install-test-deps (Debian package 'chromium')")
    return path


@pytest.fixture(scope="session")
def poppler() -> None:
    missing = [tool for tool in ("pdftoppm", "pdftotext") if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"{', '.join(missing)} not installed: run .ci/install-test-deps (Debian package 'poppler-utils')")


@pytest.fixture
def built(example_run) -> tuple[dict, Path]:
    """The example wave's handouts (da, en; HTML, PDF) and the wave's build folder."""
    return example_run[1], example_run[2]


@pytest.fixture
def engine(example_run) -> str:
    return example_run[0]


@pytest.fixture(scope="module")
def page(chromium, tmp_path_factory):
    browser = Page(chromium, tmp_path_factory.mktemp("chromium-profile"))
    try:
        yield browser
    finally:
        browser.stop()


@pytest.fixture
def member_ids(built) -> list[str]:
    return sorted(pd.read_parquet(built[1] / "tidy" / "members.parquet")["member_id"])


# ---------------------------------------------------------------------------
# HTML

PAGE_CHECKS = """(() => {
  const box = e => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
  const svgs = [...document.querySelectorAll('svg')];
  return {
    images: document.images.length,
    broken: [...document.images].filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.alt.slice(0, 60)),
    svgs: svgs.length,
    empty_svgs: svgs.filter(s => !box(s)).map(s => s.getAttribute('class')),
    views: document.querySelectorAll('.netview[data-ready]').length,
    view_in_figure: !!document.querySelector('figure .netview, #fig-network .netview'),
    nodes: document.querySelectorAll('.netview-nodes [data-i]').length,
  };
})()"""


@pytest.mark.parametrize("lang", ["da", "en"])
def test_html_loads_cleanly_with_all_figures(built, page, member_ids, lang):
    handouts, _ = built
    problems = page.open(handouts[f"{lang}.html"], DESKTOP)
    assert problems["console"] == [], "console errors"
    assert problems["requests"] == [], "the handout asks the network for something"
    assert problems["failed"] == []
    state = page.tools.evaluate(PAGE_CHECKS)
    assert state["images"] >= 3  # Figures 2-4 (Figure 1 is the interactive view)
    assert state["broken"] == []
    assert state["empty_svgs"] == []
    assert state["views"] == 1, "the interactive network view is missing (see helpers.handout.interactive)"
    assert state["view_in_figure"]
    assert state["nodes"] == len(member_ids)


def node_centre(page, index: int) -> tuple[float, float]:
    centre = page.tools.evaluate(f"""(() => {{
      const n = document.querySelector('.netview-nodes [data-i="{index}"]');
      if (!n) return null;
      n.scrollIntoView({{block: 'center'}});
      const r = n.getBoundingClientRect();
      return [r.left + r.width / 2, r.top + r.height / 2];
    }})()""")
    assert centre is not None, "the interactive network view is missing (see helpers.handout.interactive)"
    return tuple(centre)


def tooltip(page) -> dict:
    tip = page.tools.evaluate("""(() => {
      const tip = document.querySelector('.netview-tip');
      if (!tip) return null;
      const r = tip.getBoundingClientRect();
      return {hidden: tip.hidden, text: tip.textContent, left: r.left, right: r.right, width: r.width,
              lit: document.querySelectorAll('.netview-nb').length};
    })()""")
    assert tip is not None, "the interactive network view is missing (see helpers.handout.interactive)"
    return tip


@pytest.mark.parametrize("lang", ["da", "en"])
def test_hovering_a_member_shows_department_never_an_id(built, page, member_ids, lang):
    handouts, _ = built
    page.open(handouts[f"{lang}.html"], DESKTOP)
    html = page.tools.evaluate("document.documentElement.outerHTML")
    assert not [m for m in member_ids if m in html], "a pseudonym id is in the page"
    assert tooltip(page)["hidden"]
    x, y = node_centre(page, 7)
    page.tools.call("Input.dispatchMouseEvent", type="mouseMoved", x=x, y=y)
    tip = tooltip(page)
    assert not tip["hidden"]
    assert tip["text"].startswith(DEPARTMENT[lang] + ": ")
    assert tip["lit"] > 0  # the member's ties are highlighted
    assert not [m for m in member_ids if m in tip["text"]]
    page.tools.call("Input.dispatchMouseEvent", type="mouseMoved", x=1, y=1)
    assert tooltip(page)["hidden"]
    # keyboard: Tab from one member to the next, Escape closes
    focused = "document.activeElement.getAttribute('data-i')"
    page.tools.evaluate("document.querySelector('.netview-nodes [data-i]').focus()")
    first = page.tools.evaluate(focused)
    assert not tooltip(page)["hidden"]
    for kind in ("keyDown", "keyUp"):
        page.tools.call("Input.dispatchKeyEvent", type=kind, key="Tab", code="Tab", windowsVirtualKeyCode=9)
    assert page.tools.evaluate(focused) not in (None, first) and not tooltip(page)["hidden"]
    page.tools.call("Input.dispatchKeyEvent", type="keyDown", key="Escape", code="Escape", windowsVirtualKeyCode=27)
    assert tooltip(page)["hidden"]


def test_tapping_a_member_on_a_phone(built, page, member_ids, tmp_path):
    handouts, _ = built
    problems = page.open(handouts["da.html"], PHONE)
    assert problems["console"] == []
    width = page.tools.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[1] == PHONE["width"], "no mobile viewport: the phone shows a shrunken desktop page"
    assert width[0] <= width[1] + 1, f"the page is wider than the phone: {width}"
    x, y = node_centre(page, 3)
    page.tools.call("Input.synthesizeTapGesture", x=x, y=y)
    tip = tooltip(page)
    assert not tip["hidden"]
    assert tip["text"].startswith("Magistratsafdeling: ")
    assert 0 <= tip["left"] and tip["right"] <= PHONE["width"] + 1, "the tooltip sticks out of the screen"
    shot = page.screenshot(tmp_path / "phone.png")
    assert shot.stat().st_size > 10_000
    assert page.tools.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1


@pytest.mark.parametrize("metrics", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_since_last_time_loads_cleanly_and_fits_a_phone(built, engine, page, metrics):
    """Example wave 2, compared with wave 1 (whose analysis the build folder already holds):
    its extra figures decode and have a size, its tables do not widen the page."""
    _, folder = built
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("FORUM_NETWORK_SECRET", "test-secret")
        html = pipeline.run("2020-02", langs=("en",), formats=("html",), build=folder.parent,
                            engine=engine).handouts["en.html"]
    problems = page.open(html, metrics)
    assert problems["console"] == [] and problems["requests"] == [] and problems["failed"] == []
    state = page.tools.evaluate(PAGE_CHECKS)
    assert state["images"] >= 4  # Figures 2-4 and the department change (the moves are a table, not a figure)
    assert state["broken"] == [] and state["empty_svgs"] == []
    assert page.tools.evaluate("!!document.querySelector('#fig-department-change img')")
    assert not page.tools.evaluate("!!document.querySelector('#fig-transitions')")
    assert page.tools.evaluate("document.documentElement.scrollWidth") <= metrics["width"] + 1


def test_view_moves_into_a_figure_left_beside_it(page, tmp_path):
    """Another renderer (Quarto) leaves the view after the figure; its script moves it into the figure."""
    G = nx.DiGraph([("a", "b"), ("b", "c"), ("c", "a"), ("d", "a")])
    nx.set_node_attributes(G, {"a": "X", "b": "X", "c": "Y", "d": "Y"}, "department")
    nx.set_node_attributes(G, "chief", "role")
    fragment = interactive.view(G, {"a", "b"}, {"a": 0.9, "b": 0.8, "c": 0.3, "d": 0.1}, seed=1,
                                replaces="fig-network", min_group_size=1).html  # groups of two: shown at k = 1
    pixel = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
    test_page = tmp_path / "quarto-like.html"
    test_page.write_text(
        '<!doctype html><html><body><div id="fig-network" class="quarto-float"><figure><div>'
        f'<img src="data:image/png;base64,{pixel}" alt="static"></div><figcaption>Figure 1</figcaption>'
        f"</figure></div>{fragment}</body></html>", encoding="utf-8")
    problems = page.open(test_page, DESKTOP)
    assert problems["console"] == []
    state = page.tools.evaluate("""[!!document.querySelector('#fig-network figure .netview[data-ready]'),
                                    document.querySelectorAll('#fig-network img').length]""")
    assert state == [True, 0]
    x, y = node_centre(page, 0)
    page.tools.call("Input.dispatchMouseEvent", type="mouseMoved", x=x, y=y)
    assert tooltip(page)["text"] == "Department: X\nRole: chief\nGroup: Core\nCoreness: 0.90"


# ---------------------------------------------------------------------------
# PDF


def page_graphics(pdf: Path, number: int, dpi: int, work: Path) -> float:
    """Share of the page covered by non-white pixels outside the text's blocks."""
    from PIL import Image, ImageDraw

    stem = work / f"p{number}"
    subprocess.run(["pdftoppm", "-r", str(dpi), "-f", str(number), "-l", str(number), "-singlefile", "-gray",
                    "-png", str(pdf), str(stem)], check=True, capture_output=True)
    image = Image.open(f"{stem}.png").convert("L")
    boxes = subprocess.run(["pdftotext", "-bbox-layout", "-f", str(number), "-l", str(number), str(pdf), "-"],
                           check=True, capture_output=True, text=True).stdout
    draw = ImageDraw.Draw(image)
    for x0, y0, x1, y1 in re.findall(r'<block xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)"',
                                     boxes):
        # a point around each block: the anti-aliased edges of its first and last lines
        draw.rectangle([(float(v) + pad) * dpi / 72 for v, pad in zip((x0, y0, x1, y1), (-1, -1, 1, 1))], fill=255)
    histogram = image.histogram()
    return sum(histogram[:250]) / (image.width * image.height)


@pytest.mark.parametrize("lang", ["da", "en"])
def test_every_pdf_figure_has_graphics(built, poppler, lang, tmp_path):
    handouts, _ = built
    pdf = handouts[f"{lang}.pdf"]
    pages = len(PdfReader(pdf).pages)
    figures: dict[int, int] = {}
    for number in range(1, pages + 1):
        text = subprocess.run(["pdftotext", "-layout", "-f", str(number), "-l", str(number), str(pdf), "-"],
                              check=True, capture_output=True, text=True).stdout
        for figure in CAPTION[lang].findall(text):
            figures.setdefault(int(figure), number)
    assert sorted(figures) == [1, 2, 3, 4]
    shares = {f: page_graphics(pdf, p, 40, tmp_path) for f, p in figures.items()}
    text_only = min((page_graphics(pdf, p, 40, tmp_path) for p in range(1, pages + 1) if p not in figures.values()),
                    default=0.0)
    assert all(share > 0.01 for share in shares.values()), f"a figure page is (nearly) blank: {shares}"
    assert text_only < 0.001, "pages of text alone should show no graphics, or the measure could not tell"
