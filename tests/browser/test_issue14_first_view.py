"""Issue 14, goal 1: an upload whose tree is a background job starts that job itself, before the
preview and compute answered; the page still shows the preview and the column choices, and
the job can be cancelled (the previous tree stays) or replaced by another choice.

DENDRO_BACKGROUND_ROWS=1000 makes the uploads here background jobs. Nothing is timed: the
order of the requests is read from a request log.
"""

from __future__ import annotations

import contextlib
import json
import re
import time
from pathlib import Path

import numpy as np
import psutil
import pytest

from tests.browser import harness
from tests.browser import hosting_helpers as H

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ENV = {"DENDRO_BACKGROUND_ROWS": "1000"}

# Each callback request: its output, its inputs' ids, and the order it was sent and answered in.
REQUEST_LOG = r"""
(() => {
  window.__log = [];
  let tick = 0;
  const orig = window.fetch;
  window.fetch = function (...args) {
    const url = String((args[0] && args[0].url) || args[0]);
    if (!url.includes('_dash-update-component')) return orig.apply(this, args);
    let body = {};
    try { body = JSON.parse(args[1].body); } catch (e) {}
    const rec = {out: body.output || '', inputs: (body.inputs || []).map(i => i.id),
                 url: url, sent: ++tick, done: null};
    window.__log.push(rec);
    return orig.apply(this, args).then((r) => { rec.done = ++tick; return r; });
  };
})();
"""


@pytest.fixture(scope="module")
def server():
    with harness.served(ENV) as s:
        yield s


def _page(browser):
    context = browser.new_context(viewport=harness.VIEWPORT)
    context.set_default_timeout(30_000)
    context.add_init_script(REQUEST_LOG)
    return harness.new_page(context)


def _csv(path: Path, n: int, d: int, seed: int) -> Path:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(8, d))[rng.integers(0, 8, n)] * 6 + rng.normal(size=(n, d))
    header = ",".join(f"x{j}" for j in range(d))
    np.savetxt(path, X, delimiter=",", header=header, comments="", fmt="%.6g")
    return path


def _upload_and_wait(page, path: Path, n: int) -> None:
    """Give ``path`` (``n`` rows) to the file input; wait for its tree and a quiet page."""
    page.locator("#upload input[type=file]").set_input_files(str(path))
    page.wait_for_function(
        f"() => /n = {n:,}/.test(document.getElementById('status-main').innerText)",
        timeout=180_000)
    H.settle(page, timeout=120)


def _panel_shown(page) -> bool:
    return page.evaluate(
        "getComputedStyle(document.getElementById('job-panel')).display") != "none"


def test_the_upload_starts_its_job_before_the_preview_and_compute_answer(browser, server,
                                                                          tmp_path):
    page = _page(browser)
    H.open_link(page, server.url + "?dataset=tutorial-blobs&cut=50")
    page.evaluate("window.__log = []")
    _upload_and_wait(page, _csv(tmp_path / "up3k.csv", 3000, 4, seed=1), 3000)
    log = page.evaluate("window.__log")
    upload = next(r for r in log if "upload-job.data" in r["out"])
    job = next(r for r in log if "upload-job" in r["inputs"])
    preview = next(r for r in log if "preview.children" in r["out"])
    compute = next(r for r in log if "tree-job.data" in r["out"])
    # One round trip: the job is asked for as soon as the upload answered, with the preview.
    assert upload["done"] < job["sent"] < preview["done"], log
    assert job["sent"] < compute["sent"], log
    # compute found the same choices: no second job.
    assert not any("tree-job" in r["inputs"] and "tree-result" in r["out"] for r in log), log
    # Everything the page showed before is still there.
    assert H.shown_file(page).startswith("up3k.csv: 3,000 rows × 4 columns")
    options = [o["value"] for o in harness.dropdown_options(page, "feature-columns")]
    assert options == ["x0", "x1", "x2", "x3"]
    assert H.query(page)["method"] == "ward" and harness.cluster_count(page) >= 1
    H.close(page)


def _head_starts(server) -> list[tuple[str, int]]:
    """The head starts running: (marker, pid)."""
    folder = Path(server.data_dir) / "head-starts"
    if not folder.is_dir():
        return []
    out = []
    for p in folder.iterdir():
        if ".w" not in p.name and not p.name.endswith(".tmp"):
            with contextlib.suppress(OSError, ValueError, TypeError, KeyError):
                out.append((p.name, int(json.loads(p.read_text())["pid"])))
    return out


def _results(server) -> int:
    """How many results the server's store holds (diskcache)."""
    import diskcache

    with diskcache.Cache(str(Path(server.data_dir) / "store" / "results")) as cache:
        return len(cache)


def test_an_upload_job_can_be_cancelled_or_replaced(browser, server, tmp_path):
    big = _csv(tmp_path / "up20k.csv", 20_000, 10, seed=2)
    page = _page(browser)
    H.open_link(page, server.url + "?dataset=tutorial-blobs&cut=50")
    page.locator("#upload input[type=file]").set_input_files(str(big))
    page.wait_for_function("() => /rows/.test(document.getElementById('job-progress').innerText)",
                           timeout=120_000)
    # The upload request started the linkage; the job adopted it (components.jobs.head_start).
    assert "started with the upload" in harness.text_of(page, "job-progress")
    linking = _head_starts(server)
    assert linking, "no head start is linking the upload's tree"
    # A still bar (moving stripes repaint it every frame) and a clock that counts the seconds.
    assert page.locator("#job-progress .progress-bar-striped").count() == 1
    assert page.locator("#job-panel .progress-bar-animated").count() == 0
    first = harness.text_of(page, "job-clock")
    page.wait_for_function("(t) => document.getElementById('job-clock').innerText !== t", arg=first,
                           timeout=5_000)
    assert re.fullmatch(r"\d+ s", harness.text_of(page, "job-clock"))
    page.locator("#job-cancel").click()
    page.wait_for_function("() => getComputedStyle(document.getElementById('job-panel')).display"
                           " === 'none'", timeout=60_000)
    harness.wait_dash_idle(page, quiet_ms=1500, timeout=120)
    assert "Cancelled" in harness.text_of(page, "job-note")
    assert H.rows_in_status(page) == 150, "the previous tree stays"
    # Cancel stopped the head start too: its process is gone, and no tree is stored later.
    assert not _head_starts(server)
    assert not psutil.pid_exists(linking[0][1]) or psutil.Process(
        linking[0][1]).status() == psutil.STATUS_ZOMBIE
    stored = _results(server)
    time.sleep(4)  # more than the rest of a 20,000-row linkage
    assert _results(server) == stored

    # Another upload, and another choice while its job runs: the new choice's tree is drawn.
    page.locator("#upload input[type=file]").set_input_files(
        str(_csv(tmp_path / "up20k-b.csv", 20_000, 10, seed=3)))
    page.wait_for_function("() => /rows/.test(document.getElementById('job-progress').innerText)",
                           timeout=120_000)
    harness.select_dropdown(page, "scaling", "zscore")
    page.wait_for_function(
        "() => /n = 20,000/.test(document.getElementById('status-main').innerText)",
        timeout=240_000)
    H.settle(page, timeout=120)
    assert not _panel_shown(page)
    assert H.query(page)["scaling"] == "zscore"
    assert H.shown_file(page).startswith("up20k-b.csv: 20,000 rows")
    log = page.evaluate("window.__log")
    # The upload's own job was stopped when compute asked for the other tree (Dash's cancel
    # inputs: the job request of the new choice names the running upload job).
    assert any("tree-job" in r["inputs"] and "cancelJob" in r["url"] for r in log), log
    H.close(page)


# Per graph, every plotly_react from now on: whether it drew the WebGL warm-up trace
# (assets/gl_warm.js), and its axes' ranges then; and the ranges before.
WATCH_WARM = """() => {
  window.__warm = {};
  for (const id of ['dendrogram', 'scatter']) {
    const gd = document.querySelector('#' + id + ' .js-plotly-plot');
    const ranges = () => [String(gd.layout.xaxis.range), String(gd.layout.yaxis.range)];
    const log = window.__warm[id] = {before: ranges(), reacts: []};
    gd.on('plotly_react', () => log.reacts.push({
      warm: gd.data.some((t) => t.meta === 'gl-warm'), ranges: ranges(),
      webgl: gd.data.some((t) => /gl$/.test(t.type || ''))}));
  }
}"""


def test_a_job_readies_webgl_on_both_graphs_and_its_figures_replace_the_warm_up(
        browser, server, tmp_path):
    page = _page(browser)
    H.open_link(page, server.url + "?dataset=tutorial-blobs&cut=50")
    H.settle(page)
    page.evaluate(WATCH_WARM)
    _upload_and_wait(page, _csv(tmp_path / "up5k.csv", 5000, 4, seed=4), 5000)
    logs = page.evaluate("window.__warm")
    # The scatter: drawn once while the job ran, where the graph already was (nothing moved),
    # and gone with the job's own figure, which is WebGL (5,000 rows).
    log = logs["scatter"]
    warm = [r for r in log["reacts"] if r["warm"]]
    assert len(warm) == 1 and warm[0]["ranges"] == log["before"], log
    assert not log["reacts"][-1]["warm"] and log["reacts"][-1]["webgl"], log
    # The tree opens truncated (50 leaves, SVG): nothing to ready there.
    log = logs["dendrogram"]
    assert not any(r["warm"] or r["webgl"] for r in log["reacts"]), log
    assert not page.evaluate("""() => ['dendrogram', 'scatter'].some((id) => document
        .querySelector('#' + id + ' .js-plotly-plot').data.some((t) => t.meta === 'gl-warm'))""")
    harness.assert_no_console_errors(page)
    H.close(page)
