"""Support on merges and cluster stability in Chromium (issue 15 items 3-4): on mpg, open the
Evidence tab, run the feature bootstrap with 10 replicates, hover a merge and read AU and BP,
equal to ``merge_support`` with the same seed; run stability and read the table, equal to
``cluster_stability``. The support survives a recolour at a new cut."""

from __future__ import annotations

import re

import numpy as np
import pytest

from clustering.cut import tree_index
from clustering.datasets import EXAMPLES, load_example
from clustering.linkage import compute_linkage
from clustering.prepare import prepare
from clustering.stability import cluster_stability
from clustering.support import merge_support
from tests.browser import harness as h
from tests.browser.test_diagnostics import _PIXEL_JS
from tests.browser.test_jobs import celery_worker  # noqa: F401 (a fixture)

pytestmark = pytest.mark.browser

_HAS = """(meta) => {
  const gd = document.querySelector('#dendrogram .js-plotly-plot');
  return !!(gd && gd.data && gd.data.some(t => t.meta === meta));
}"""


def _mpg():
    ex = EXAMPLES["mpg"]
    X = prepare(load_example("mpg"), ex.options).matrix
    return X, compute_linkage(X, "ward", "euclidean").Z


def _hover_label(page, x: float, y: float) -> str:
    page.locator("#dendrogram").scroll_into_view_if_needed()
    px, py = page.evaluate(_PIXEL_JS, ["dendrogram", x, y])
    page.evaluate("() => Plotly.Fx.unhover(document.querySelector('#dendrogram .js-plotly-plot'))")
    page.mouse.move(px, py)
    page.wait_for_function("() => [...document.querySelectorAll('#dendrogram .hoverlayer "
                           ".hovertext')].some(e => e.textContent.includes('AU'))",
                           timeout=10_000)
    return page.evaluate("() => [...document.querySelectorAll('#dendrogram .hoverlayer "
                         ".hovertext')].map(e => e.textContent).join(' | ')")


def test_support_in_the_hover_and_stability_table_equal_the_library(page):
    X, Z = _mpg()
    h.wait_dendrogram(page)
    h.choose_example(page, "mpg")
    page.get_by_role("tab", name="Evidence").click()
    page.wait_for_function("() => document.getElementById('support-note').innerText"
                           ".includes('features')", timeout=60_000)
    # 7 features: the page suggests row subsampling and says why; the analyst picks pvclust's
    assert "Row subsampling suits it better" in h.text_of(page, "support-note")
    assert page.locator("#support-kind input[value=rows]").is_checked()
    page.locator("#support-kind label", has_text="feature bootstrap").click()
    h.type_number(page, "support-nboot", 10)
    h.type_number(page, "support-seed", 3)
    page.locator("#support-run").click()
    page.wait_for_function(_HAS, arg="support", timeout=180_000)
    h.wait_dash_idle(page)
    assert "10 replicates × 7 scales, seed 3" in h.text_of(page, "support-summary")
    ms = merge_support(X, "ward", "euclidean", n_boot=10, seed=3, Z=Z)
    fig = h.figure(page, "dendrogram")
    hover = next(t for t in fig["traces"] if t["meta"] == "hover")
    rows = [int(c[0]) for c in hover["customdata"]]
    r = Z.shape[0] - 2  # the largest merge below the root
    j = rows.index(r)
    label = _hover_label(page, hover["x"][j], hover["y"][j])
    m = re.search(r"AU (\d\.\d{3}) ± (\d\.\d{3}) · BP (\d\.\d{3}) ± (\d\.\d{3})", label)
    assert m, label
    t = ms.table.iloc[r]
    assert [float(v) for v in m.groups()] == pytest.approx(
        [round(t["au"], 3), round(t["se_au"], 3), round(t["bp"], 3), round(t["se_bp"], 3)],
        abs=1e-9)
    assert "10 replicates × 7 scales" in label and f"merge {r} (row {r} of Z" in label
    # badges from size 3, outlines of the AU >= 0.95 clades pvrect would draw
    badges = next(t for t in fig["traces"] if t["meta"] == "support")
    assert sorted(int(c[0]) for c in badges["customdata"]) == \
        sorted(int(i) for i in np.flatnonzero(Z[:, 3] >= 3))
    assert any(t["meta"] == "support-rect" for t in fig["traces"])

    # stability at the current cut: 30 bootstraps are 2 chunks, run by the job in a pool of
    # local processes
    k = h.cluster_count(page)
    h.type_number(page, "stability-nboot", 30)
    h.type_number(page, "stability-seed", 2)
    page.locator("#stability-run").click()
    page.wait_for_selector(".stability-table .stability-row", timeout=180_000)
    st = cluster_stability(X, "ward", "euclidean", tree_index(Z).labels_for_k(k), n_boot=30,
                           seed=2)
    cells = page.eval_on_selector_all(
        ".stability-table .stability-row",
        "rows => rows.map(r => [...r.querySelectorAll('td')].map(td => td.innerText.trim()))")
    assert len(cells) == k == len(st.table)
    for row, (c, want) in zip(cells, st.table.iterrows(), strict=True):
        assert row[0].endswith(str(c))
        assert row[2] == f"{want['mean_jaccard']:.3f} ± {want['se_jaccard']:.3f}"
        assert row[3] == f"{int(want['dissolved'])} of 30"
        assert row[4] == f"{int(want['recovered'])} of 30"

    # a new cut recolours the tree in the browser: the support stays on it
    h.change(page, lambda: h.type_number(page, "cluster-k", k + 1))
    assert h.cluster_count(page) == k + 1
    assert page.evaluate(_HAS, "support") and page.evaluate(_HAS, "support-rect")


def test_support_job_shows_progress_and_cancels(page):
    h.wait_dendrogram(page)
    h.choose_example(page, "mpg")
    page.get_by_role("tab", name="Evidence").click()
    page.wait_for_function("() => document.getElementById('support-note').innerText"
                           ".includes('features')", timeout=60_000)
    h.type_number(page, "support-nboot", 2000)
    page.locator("#support-run").click()
    page.wait_for_function("() => document.getElementById('support-progress').innerText"
                           ".includes('of 2,000 replicates')", timeout=120_000)
    assert page.locator("#support-cancel").is_visible()
    assert page.locator("#support-run").is_disabled()
    page.locator("#support-cancel").click()
    page.wait_for_function("() => getComputedStyle(document.getElementById('support-cancel'))"
                           ".display === 'none'", timeout=30_000)
    h.wait_dash_idle(page)
    assert not page.locator("#support-run").is_disabled()
    assert not page.evaluate(_HAS, "support")  # nothing drawn from a cancelled job


@pytest.mark.redis
@pytest.mark.slow
def test_support_on_a_single_celery_worker_does_not_deadlock(browser, redis_url,
                                                             celery_worker):  # noqa: F811
    """With REDIS_URL the job sends a chord and returns: on a worker with ONE process the chunk
    tasks and the reduce still run (a job waiting on its own tasks would hang there), and the
    page, polling the store, shows the library's numbers."""
    from clustering.subsampling import row_support
    from components.jobs.replicates import ROW_FRACTION

    X, Z = _mpg()
    with h.served({"REDIS_URL": redis_url}) as server, h.opened_page(browser, server.url) as page:
        h.wait_dendrogram(page)
        h.choose_example(page, "mpg")
        page.get_by_role("tab", name="Evidence").click()
        page.wait_for_function("() => document.getElementById('support-note').innerText"
                               ".includes('features')", timeout=60_000)
        assert page.locator("#support-kind input[value=rows]").is_checked()
        h.type_number(page, "support-nboot", 8)
        page.locator("#support-run").click()
        page.wait_for_function(_HAS, arg="support", timeout=240_000)
        h.wait_dash_idle(page)
        assert "8 row subsamples" in h.text_of(page, "support-summary")
        rs = row_support(X, "ward", "euclidean", n_boot=8, fraction=ROW_FRACTION, seed=1, Z=Z)
        fig = h.figure(page, "dendrogram")
        hover = next(t for t in fig["traces"] if t["meta"] == "hover")
        rows = [int(c[0]) for c in hover["customdata"]]
        for j in (rows.index(Z.shape[0] - 2), rows.index(Z.shape[0] - 3)):
            t = rs.table.iloc[rows[j]]
            want = (f"support {t['support']:.3f} ± {t['se']:.3f}" if np.isfinite(t["support"])
                    else "support –")
            assert want in hover["hovertext"][j]
    log = celery_worker.read_text(errors="replace")
    assert "dendro.replicate_chunk" in log and "dendro.replicate_reduce" in log, log[-3000:]
