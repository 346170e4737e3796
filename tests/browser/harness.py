"""Drive the Dendrogram Explorer in headless Chromium: live server, browser, page helpers.

Shared by ``tests/browser/conftest.py`` and ``bench/bench_browser.py`` so that the tests and
the benchmark start the server and read the page the same way. Only the stable element ids of
``components/ids.py`` (the automation contract) are used.

Nothing here downloads a browser: Chromium is Debian's ``/usr/bin/chromium``.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.partitions import same_partition  # noqa: F401 - the browser tests call h.same_partition

log = logging.getLogger(__name__)

REPO = Path(__file__).resolve().parents[2]

CHROMIUM = os.environ.get("DENDRO_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1400, "height": 1100}

# Counts the in-flight Dash callback requests so a test can wait until the page is quiet
# instead of sleeping. Installed before any page script runs.
_INIT_SCRIPT = """
(() => {
  window.__dash_pending = 0;
  window.__dash_last = performance.now();
  const origFetch = window.fetch;
  window.fetch = function (...args) {
    const a = args[0];
    const url = String((a && a.url) || a);
    if (!url.includes('_dash-update-component')) return origFetch.apply(this, args);
    window.__dash_pending += 1;
    window.__dash_last = performance.now();
    return origFetch.apply(this, args).finally(() => {
      window.__dash_pending -= 1;
      window.__dash_last = performance.now();
    });
  };
})();
"""


# ---------------------------------------------------------------------------------------------
# live server
# ---------------------------------------------------------------------------------------------


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class LiveServer:
    """A running app process: ``url``, ``kind`` ('dev' or 'gunicorn'), its log file."""

    url: str
    kind: str
    proc: subprocess.Popen
    log_path: Path
    data_dir: Path
    _tmp: Path = field(repr=False)

    def log_tail(self, chars: int = 6000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return "(no log)"

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        shutil.rmtree(self._tmp, ignore_errors=True)


class ServerStartError(RuntimeError):
    """The app did not answer in time; the message carries its output."""


def server_command(kind: str, port: int) -> list[str]:
    """The command line for ``kind``: 'dev' is ``python app.py``, 'gunicorn' 2 workers (with
    the threads of gunicorn.conf.py, read from the working directory as in production)."""
    if kind == "dev":
        return [sys.executable, "app.py"]
    if kind == "gunicorn":
        # The 20k-row linkage runs for seconds inside a request when it is not a background
        # job; gunicorn's default 30 s timeout would kill a worker on a slow CI machine.
        return [sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}",
                "--timeout", "180", "--graceful-timeout", "5", "app:server"]
    raise ValueError(f"DENDRO_TEST_SERVER must be 'dev' or 'gunicorn', not {kind!r}")


def start_server(kind: str | None = None, *, timeout: float = 180.0,
                 extra_env: dict[str, str] | None = None, cold: bool = False) -> LiveServer:
    """Start the app on a free loopback port with a fresh data directory and wait for it.

    ``kind`` defaults to ``$DENDRO_TEST_SERVER``, else 'gunicorn' (the production setup).
    Raises :class:`ServerStartError` with the server's output when it exits or does not
    answer ``GET /`` with 200 within ``timeout`` seconds (generous: with the suite on two
    pytest-xdist workers, two servers may boot at once on two busy cores). With ``cold`` it only waits until
    the port accepts connections, so no worker has served a request yet.
    """
    kind = kind or os.environ.get("DENDRO_TEST_SERVER", "gunicorn")
    port = free_port()
    tmp = Path(tempfile.mkdtemp(prefix="dendro-browser-"))
    data_dir = tmp / "data"
    data_dir.mkdir()
    log_path = tmp / "server.log"
    env = dict(os.environ)
    for name in ("REDIS_URL", "DENDRO_AUTH_USER", "DENDRO_AUTH_PASSWORD", "DENDRO_DEBUG"):
        env.pop(name, None)
    env.update({
        "DENDRO_HOST": "127.0.0.1",
        "DENDRO_PORT": str(port),
        "DENDRO_DATA_DIR": str(data_dir),
        "PYTHONUNBUFFERED": "1",
    })
    env.update(extra_env or {})
    logf = open(log_path, "wb")  # noqa: SIM115 - the child writes to it for its whole life
    proc = subprocess.Popen(server_command(kind, port), cwd=REPO, env=env,
                            stdout=logf, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    logf.close()
    server = LiveServer(f"http://127.0.0.1:{port}/", kind, proc, log_path, data_dir, tmp)
    deadline = time.monotonic() + timeout
    last_error = ""
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            out = server.log_tail()
            server.stop()
            raise ServerStartError(
                f"{kind} server exited with code {proc.returncode} before answering:\n{out}")
        if cold:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
                return server
            time.sleep(0.1)
            continue
        try:
            with urllib.request.urlopen(server.url, timeout=5) as r:
                if r.status == 200:
                    log.info("%s server up at %s", kind, server.url)
                    return server
                last_error = f"HTTP {r.status}"
        except (urllib.error.URLError, OSError) as exc:
            last_error = str(exc)
        time.sleep(0.25)
    out = server.log_tail()
    server.stop()
    raise ServerStartError(
        f"{kind} server did not answer {server.url} within {timeout:.0f} s "
        f"(last: {last_error}):\n{out}")


# ---------------------------------------------------------------------------------------------
# browser
# ---------------------------------------------------------------------------------------------


def launch_browser(playwright: Any) -> Any:
    """Headless Debian Chromium through Playwright (never a downloaded browser)."""
    if not Path(CHROMIUM).exists():
        raise FileNotFoundError(f"{CHROMIUM} not found: install Debian's chromium package")
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)


@dataclass
class ConsoleLog:
    """Console errors and uncaught page errors seen by one page."""

    errors: list[str] = field(default_factory=list)

    def attach(self, page: Any) -> None:
        page.on("console", self._on_console)
        page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))

    def _on_console(self, msg: Any) -> None:
        if msg.type == "error":
            loc = msg.location or {}
            self.errors.append(f"console.error: {msg.text} ({loc.get('url', '')})")


def new_page(context: Any) -> Any:
    """A page with the Dash request counter installed and a ``ConsoleLog`` at ``page.console``."""
    context.add_init_script(_INIT_SCRIPT)
    page = context.new_page()
    console = ConsoleLog()
    console.attach(page)
    page.console = console  # type: ignore[attr-defined]
    return page


def assert_no_console_errors(page: Any) -> None:
    """Fail when the page logged any console error or uncaught exception (nothing filtered)."""
    errors = page.console.errors
    assert not errors, "browser console shows errors:\n" + "\n".join(errors)


# ---------------------------------------------------------------------------------------------
# waiting
# ---------------------------------------------------------------------------------------------


def wait_dash_idle(page: Any, *, quiet_ms: int = 300, timeout: float = 60.0) -> None:
    """Wait until no callback request is in flight, none began for ``quiet_ms``, nothing loads,
    and no cut drawn ahead of Dash (``assets/cut_now.js``) still waits for Dash to take it."""
    page.wait_for_function(
        """(quiet) => window.__dash_pending === 0
             && performance.now() - window.__dash_last > quiet
             && !document.querySelector('[data-dash-is-loading="true"]')
             && !(window.dash_clientside && window.dash_clientside.dendro &&
                  window.dash_clientside.dendro.aheadOfDash &&
                  window.dash_clientside.dendro.aheadOfDash())""",
        arg=quiet_ms, timeout=timeout * 1000, polling=100)


def wait_dendrogram(page: Any, *, timeout: float = 60.0) -> None:
    """Wait until the dendrogram has drawn traces with points and the cluster count shows."""
    page.wait_for_function(
        """() => {
          const gd = document.querySelector('#dendrogram .js-plotly-plot');
          if (!gd || !gd._fullData || !gd._fullLayout) return false;
          const drawn = gd._fullData.some(t => (t.mode || '').includes('lines') && t.x && t.x.length > 0);
          const count = document.getElementById('cluster-count');
          return drawn && count && /\\d/.test(count.innerText);
        }""", timeout=timeout * 1000, polling=100)


def open_app(page: Any, url: str, *, timeout: float = 60.0) -> None:
    """Load the app and wait until its first render has settled."""
    page.goto(url, wait_until="load", timeout=timeout * 1000)
    try:
        page.wait_for_selector("#example", state="attached", timeout=timeout * 1000)
    except Exception as exc:
        # Say why: a page that never renders has almost always logged the reason.
        errors = "\n".join(getattr(page, "console", ConsoleLog()).errors) or "(no console errors)"
        raise AssertionError(f"the app did not render #example at {url}; console:\n{errors}") from exc
    wait_dash_idle(page, timeout=timeout)


def wait_for_change(page: Any, before: str, *, timeout: float = 60.0) -> str:
    """Wait until :func:`view_signature` differs from ``before``, then until the page is idle."""
    page.wait_for_function(
        f"() => ({_SIGNATURE_JS})() !== {_js_str(before)}", timeout=timeout * 1000, polling=50)
    wait_dash_idle(page, timeout=timeout)
    return view_signature(page)


def change(page: Any, action: Any, *, timeout: float = 60.0) -> str:
    """Do ``action()``, then wait until the page shows something new and is quiet again."""
    before = view_signature(page)
    action()
    return wait_for_change(page, before, timeout=timeout)


def _js_str(s: str) -> str:
    import json
    return json.dumps(s)


# A cheap fingerprint of what the app drew: count text, error text, the colours and sizes of
# both figures, the shapes. Used to wait for "something changed" without sleeping.
_SIGNATURE_JS = """() => {
  const txt = (id) => { const e = document.getElementById(id); return e ? e.innerText : ''; };
  const fig = (id) => {
    const gd = document.querySelector('#' + id + ' .js-plotly-plot');
    if (!gd || !gd._fullData) return 'none';
    const tr = gd._fullData.map(t => {
      const mc = t.marker ? t.marker.color : undefined;
      const lc = t.line ? t.line.color : undefined;
      const n = t.x ? t.x.length : (t.y ? t.y.length : 0);
      let mcs = Array.isArray(mc) ? mc.length + ':' + mc.slice(0, 50).join(',') + mc.slice(-50).join(',') : String(mc);
      if (mc && mc.length !== undefined && !Array.isArray(mc)) mcs = 'typed' + mc.length + ':' + Array.from(mc.slice(0, 50)).join(',');
      return [t.type, n, String(lc), mcs].join('|');
    }).join(';');
    const lay = gd.layout || {};
    const shapes = (lay.shapes || []).map(s => [s.y0, s.y1, s.x0, s.x1].join(',')).join(';');
    const ticks = lay.xaxis && lay.xaxis.ticktext ? lay.xaxis.ticktext.length + String(lay.xaxis.ticktext.slice(0, 5)) : '';
    return tr + '#' + shapes + '#' + ticks;
  };
  // Outputs only: the typed fields change at the keystroke, before any callback ran.
  return [txt('cluster-count'), txt('error'), fig('dendrogram'), fig('scatter')].join('\\n');
}"""


def view_signature(page: Any) -> str:
    """The fingerprint :func:`wait_for_change` compares."""
    return page.evaluate(_SIGNATURE_JS)


# ---------------------------------------------------------------------------------------------
# controls
# ---------------------------------------------------------------------------------------------


def select_dropdown(page: Any, element_id: str, value: str, *, timeout: float = 10.0) -> bool:
    """Choose ``value`` (an option's value or its visible label) in the control ``element_id``.

    Works like a person: Dash 4's dcc.Dropdown is opened by a click and the option clicked;
    RadioItems get the matching radio clicked; a native <select> gets the option selected.
    Returns False (and changes nothing) when ``value`` was already the chosen one.
    """
    el = page.locator(f"#{element_id}")
    el.wait_for(state="attached", timeout=timeout * 1000)
    tag = el.evaluate("e => e.tagName.toLowerCase()")
    if tag == "select":
        if el.input_value() == value:
            return False
        el.select_option(value)
        return True
    is_dropdown = el.evaluate("e => e.classList.contains('dash-dropdown')")
    if not is_dropdown:
        radio = el.locator(f"input[value={_js_str(value)}]")
        if radio.count() == 0:
            radio = el.get_by_label(value, exact=True)
        if radio.first.is_checked():
            return False
        radio.first.click()
        return True
    el.click()
    options = page.locator("[role=option]")
    options.first.wait_for(state="visible", timeout=timeout * 1000)
    option = page.locator(f"[role=option]:has(input[value={_js_str(value)}])")
    if option.count() == 0:
        option = options.filter(has_text=re.compile(rf"^\s*{re.escape(value)}\s*$"))
    if option.count() == 0:
        labels = options.all_inner_texts()
        _close_dropdown(page)
        raise AssertionError(f"#{element_id} has no option {value!r}; options: {labels}")
    if option.first.get_attribute("aria-selected") == "true":
        _close_dropdown(page)
        return False
    option.first.click()
    # Single-select closes itself; make sure nothing stays open over the plots.
    with contextlib.suppress(Exception):
        page.locator("[role=option]").first.wait_for(state="detached", timeout=2000)
    if page.locator("[role=option]").count():
        _close_dropdown(page)
    return True


def _close_dropdown(page: Any) -> None:
    page.keyboard.press("Escape")
    with contextlib.suppress(Exception):
        page.locator("[role=option]").first.wait_for(state="detached", timeout=2000)


def dropdown_options(page: Any, element_id: str) -> list[dict[str, Any]]:
    """Open the dropdown, read each option (value, label, disabled), close it again."""
    page.locator(f"#{element_id}").click()
    page.locator("[role=option]").first.wait_for(state="visible", timeout=10_000)
    opts = page.evaluate("""() => Array.from(document.querySelectorAll('[role=option]')).map(o => {
        const inp = o.querySelector('input');
        return {value: inp ? inp.value : null, label: o.innerText.trim(),
                disabled: o.getAttribute('aria-disabled') === 'true' || o.hasAttribute('data-disabled')
                          || (inp ? inp.disabled : false) || o.classList.contains('disabled')};
    })""")
    _close_dropdown(page)
    return opts


def dropdown_value(page: Any, element_id: str) -> str:
    """The visible text of a dropdown's current value."""
    return page.locator(f"#{element_id}").inner_text().strip()


def type_number(page: Any, element_id: str, value: float | int | str) -> None:
    """Type into a numeric field and commit it (Enter), as a person does."""
    box = page.locator(f"#{element_id}")
    box.click()
    box.fill(str(value))
    box.press("Enter")


def choose(page: Any, element_id: str, value: str, *, timeout: float = 60.0) -> bool:
    """:func:`select_dropdown`, then wait for the page to show the effect (when it changed)."""
    before = view_signature(page)
    if not select_dropdown(page, element_id, value):
        return False
    wait_for_change(page, before, timeout=timeout)
    return True


def choose_example(page: Any, example_id: str, *, timeout: float = 60.0) -> None:
    """Pick a built-in example and wait until its dendrogram is drawn and the page is quiet."""
    choose(page, "example", example_id, timeout=timeout)
    wait_dendrogram(page, timeout=timeout)
    wait_dash_idle(page, timeout=timeout)


def upload_file(page: Any, path: str | Path, *, timeout: float = 60.0) -> None:
    """Give a file to the upload's file input and wait for the page to react."""
    change(page, lambda: page.locator("#upload input[type=file]").set_input_files(str(path)),
           timeout=timeout)


# ---------------------------------------------------------------------------------------------
# reading the page
# ---------------------------------------------------------------------------------------------


def text_of(page: Any, element_id: str) -> str:
    return page.locator(f"#{element_id}").inner_text().strip()


def cluster_count(page: Any) -> int:
    """The number of clusters written in ``#cluster-count`` ("4 clusters ..." or "k = 4")."""
    text = text_of(page, "cluster-count")
    m = re.search(r"(\d[\d,]*)\s*clusters?", text, re.IGNORECASE) or re.search(r"\d[\d,]*", text)
    assert m, f"no number in #cluster-count: {text!r}"
    return int(re.sub(r"\D", "", m.group(1) if m.groups() else m.group(0)))


def field_value(page: Any, element_id: str) -> str:
    return page.locator(f"#{element_id}").input_value()


_FIGURE_JS = """(id) => {
  const gd = document.querySelector('#' + id + ' .js-plotly-plot');
  if (!gd || !gd._fullData) return null;
  const arr = (a) => a === undefined || a === null ? null
      : (typeof a === 'object' && a.length !== undefined ? Array.from(a) : a);
  const fl = gd._fullLayout;
  const axis = (name) => {
    const ax = fl[name];
    if (!ax) return null;
    return {range: ax.range, tickvals: arr(ax.tickvals), ticktext: arr(ax.ticktext),
            type: ax.type, autorange: ax.autorange};
  };
  return {
    // _fullData: plotly.js has decoded base64 arrays there; gd.data may still hold the spec.
    traces: gd._fullData.map((t, i) => ({
      index: t.index, type: t.type || 'scatter', name: t.name, mode: t.mode, visible: t.visible,
      meta: t.meta, x: arr(t.x), y: arr(t.y), customdata: arr(t.customdata), text: arr(t.text),
      hovertext: arr(t.hovertext), ids: arr(t.ids),
      line_color: t.line ? arr(t.line.color) : null,
      marker_color: t.marker ? arr(t.marker.color) : null,
    })),
    shapes: (fl.shapes || []).map(s => ({type: s.type, xref: s.xref, yref: s.yref,
        x0: s.x0, x1: s.x1, y0: s.y0, y1: s.y1, editable: s.editable, layer: s.layer,
        name: s.name, path: s.path === undefined ? null : s.path,
        line_color: s.line ? s.line.color : null, opacity: s.opacity})),
    annotations: (fl.annotations || []).map(a => ({x: a.x, y: a.y, text: a.text})),
    xaxis: axis('xaxis'), yaxis: axis('yaxis'),
  };
}"""


def figure(page: Any, element_id: str) -> dict[str, Any]:
    """What plotly.js holds for the graph ``element_id``: traces, shapes, axes (plain JSON)."""
    fig = page.evaluate(_FIGURE_JS, element_id)
    assert fig is not None, f"#{element_id} has no drawn plotly figure"
    return fig


def _is_line_trace(t: dict[str, Any]) -> bool:
    # Candidate cut lines (meta 'candidates', components/figures/analysis.py) are not links.
    if t.get("meta") == "candidates":
        return False
    return "lines" in str(t.get("mode") or "lines") and t.get("visible") not in (False, "legendonly")


_STEM = re.compile(r"M([^,]+),([^VH]+)([VH])([^M]+)")


def stem_segments(fig: dict[str, Any]) -> list[tuple[str, list[float]]]:
    """(colour, its y values) of each stem the tree draws: the shapes named "stems", one SVG
    path per colour, "Mx,bottomVtop" each (left/right trees: "Mbottom,xHtop", y = x)."""
    out = []
    for s in fig["shapes"]:
        if s.get("name") != "stems" or not s.get("path"):
            continue
        for _x, b, kind, c in _STEM.findall(s["path"]):
            ys = [float(b), float(c)] if kind == "V" else [float(b)]
            out.append((str(s["line_color"]), ys))
    return out


def link_colours(fig: dict[str, Any]) -> dict[str, float]:
    """Colour of each drawn tree link group -> highest y it reaches (line traces with points;
    not the clusters' stems, which are shapes that move with the line: :func:`stem_segments`)."""
    out: dict[str, float] = {}
    for t in fig["traces"]:
        if not _is_line_trace(t) or not t["y"]:
            continue
        ys = [v for v in t["y"] if isinstance(v, int | float)]
        colour = t["line_color"]
        if not ys or colour is None or isinstance(colour, list):
            continue
        out[str(colour)] = max(out.get(str(colour), float("-inf")), max(ys))
    return out


def link_groups(fig: dict[str, Any]) -> list[tuple[str, float]]:
    """(colour, top height) of each link drawn in the tree (segments split at NaN/None), and
    of each cluster's stem (a shape)."""
    out = [(colour, max(ys)) for colour, ys in stem_segments(fig)]
    for t in fig["traces"]:
        if not _is_line_trace(t) or not t["y"]:
            continue
        colour = str(t["line_color"])
        top = -math.inf
        for v in [*t["y"], None]:
            if isinstance(v, int | float) and not math.isnan(v):
                top = max(top, v)
            elif top > -math.inf:
                out.append((colour, top))
                top = -math.inf
    return out


def scatter_points(fig: dict[str, Any]) -> list[dict[str, Any]]:
    """Every visible marker point of the scatter: x, y, colour, customdata, text."""
    pts = []
    for t in fig["traces"]:
        if t.get("visible") in (False, "legendonly") or not t["x"]:
            continue
        if "markers" not in str(t.get("mode") or "markers"):
            continue
        colours = t["marker_color"]
        for i, (x, y) in enumerate(zip(t["x"], t["y"], strict=False)):
            if x is None or y is None:  # legend-only entries are drawn from [None]
                continue
            c = colours[i] if isinstance(colours, list) else colours
            pts.append({
                "x": x, "y": y, "colour": str(c), "trace": t["index"],
                "customdata": t["customdata"][i] if t["customdata"] else None,
                "text": t["text"][i] if isinstance(t["text"], list) else t["text"],
            })
    return pts


def cut_line(fig: dict[str, Any]) -> dict[str, Any]:
    """The horizontal cut-line shape (xref paper or spanning the plot, y0 == y1)."""
    lines = [s for s in fig["shapes"] if s["type"] == "line" and s["y0"] is not None]
    horizontal = [s for s in lines if s["xref"] == "paper" or s["y0"] == s["y1"]]
    assert horizontal, f"no horizontal cut line among shapes {fig['shapes']}"
    return horizontal[0]


_SHAPE_PIXELS_JS = """([id, index]) => {
  const gd = document.querySelector('#' + id + ' .js-plotly-plot');
  const fl = gd._fullLayout;
  const s = fl.shapes[index];
  const yname = s.yref === 'paper' ? null : 'yaxis' + s.yref.slice(1);
  const ya = fl[yname];
  const r = gd.getBoundingClientRect();
  const sz = fl._size;
  const py = (v) => r.top + sz.t + ya.l2p(ya.d2l(v));
  let x0, x1;
  if (s.xref === 'paper') { x0 = r.left + sz.l + s.x0 * sz.w; x1 = r.left + sz.l + s.x1 * sz.w; }
  else { const xa = fl['xaxis' + s.xref.slice(1)];
         x0 = r.left + sz.l + xa.l2p(xa.d2l(s.x0)); x1 = r.left + sz.l + xa.l2p(xa.d2l(s.x1)); }
  return {x0, x1, y0: py(s.y0), y1: py(s.y1)};
}"""


def cut_line_pixels(page: Any) -> dict[str, float]:
    """Page pixel coordinates of the cut line's ends (``x0``, ``x1``, ``y0``, ``y1``)."""
    fig = figure(page, "dendrogram")
    line = cut_line(fig)
    index = fig["shapes"].index(line)
    return page.evaluate(_SHAPE_PIXELS_JS, ["dendrogram", index])


def height_to_pixel(page: Any, height: float) -> float:
    """Page y pixel of a merge height on the dendrogram's y axis."""
    return page.evaluate("""(v) => {
      const gd = document.querySelector('#dendrogram .js-plotly-plot');
      const fl = gd._fullLayout, ya = fl.yaxis;
      return gd.getBoundingClientRect().top + fl._size.t + ya.l2p(ya.d2l(v));
    }""", height)


def drag_cut_line(page: Any, to_height: float, *, at: float = 0.5, steps: int = 12,
                  sideways: float = 0.0) -> None:
    """Drag the cut line with the mouse so that it ends at ``to_height`` (data units).

    Grabs the line at fraction ``at`` along its length and releases at the target pixel row,
    ``sideways`` pixels to the right of where it grabbed (a slanted drag). Before pressing, the
    pointer must show the line's resize cursor (assets/cutdrag.js), as a person would see it.
    """
    # A person scrolls the tree into view before grabbing its line (an upload's messages or
    # a tab below may have scrolled the page).
    page.locator("#dendrogram").scroll_into_view_if_needed()
    px = cut_line_pixels(page)
    x = px["x0"] + (px["x1"] - px["x0"]) * at
    y = px["y0"] + (px["y1"] - px["y0"]) * at
    target = height_to_pixel(page, to_height)
    page.mouse.move(x, y)
    grab = page.evaluate("""() => document.querySelector('#dendrogram .js-plotly-plot')
        .classList.contains('dendro-cut-grab-y')""")
    assert grab, f"no resize cursor over the cut line at ({x:.0f}, {y:.0f})"
    page.mouse.down()
    page.mouse.move(x + sideways / 2, (y + target) / 2, steps=steps // 2)
    page.mouse.move(x + sideways, target, steps=steps - steps // 2)
    page.mouse.up()


@contextlib.contextmanager
def served(extra_env: dict[str, str] | None = None) -> Iterator[LiveServer]:
    """A server for a test module (``extra_env`` on top of the defaults), stopped on exit; a
    server that does not start fails the test with its log, not a traceback."""
    import pytest

    try:
        server = start_server(extra_env=extra_env)
    except ServerStartError as exc:
        pytest.fail(str(exc), pytrace=False)
    try:
        yield server
    finally:
        server.stop()


@contextlib.contextmanager
def opened_page(browser: Any, url: str, **context_options: Any) -> Iterator[Any]:
    """A fresh context and page with the app at ``url`` loaded; the context closes on exit.

    ``context_options`` go to Playwright's ``new_context`` (``device_scale_factor``,
    ``has_touch``, ...)."""
    context = browser.new_context(viewport=VIEWPORT, **context_options)
    context.set_default_timeout(30_000)
    try:
        pg = new_page(context)
        open_app(pg, url)
        yield pg
    finally:
        context.close()


# ---------------------------------------------------------------------------------------------
# session helper for scripts (the benchmark)
# ---------------------------------------------------------------------------------------------


@contextlib.contextmanager
def browser_session(kind: str | None = None) -> Iterator[tuple[LiveServer, Any]]:
    """A started server and a launched browser, both stopped on exit."""
    from playwright.sync_api import sync_playwright

    server = start_server(kind)
    try:
        with sync_playwright() as pw:
            browser = launch_browser(pw)
            try:
                yield server, browser
            finally:
                browser.close()
    finally:
        server.stop()
