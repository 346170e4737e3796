"""Big tables in the browser: the approximate mode is labelled as such, and its labels are
consistent on the page (every point one cluster, members of a micro-cluster share a colour,
before and after the cut moves in the browser).

The server runs with ``DENDRO_EXACT_MAX_ROWS=2000`` so the 5,000-row example goes approximate
(500 micro-clusters) in a few seconds; the 200,000-row example (sampled scatter) is ``slow``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from clustering.approximate import summarise
from clustering.datasets import load_example
from clustering.prepare import PrepareOptions, prepare
from components.figures.palette import PALETTE
from components.state import approximate as big
from tests.browser import harness as h

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def big_server() -> Iterator[h.LiveServer]:
    with h.served({"DENDRO_EXACT_MAX_ROWS": "2000"}) as server:
        yield server


@pytest.fixture
def big_page(browser: Any, big_server: h.LiveServer) -> Iterator[Any]:
    with h.opened_page(browser, big_server.url) as pg:
        yield pg


def micro_assignment(example: str) -> np.ndarray:
    """The micro-cluster of every row, as the server computes it (same data, m and seed)."""
    X = prepare(load_example(example), PrepareOptions()).matrix
    return summarise(X, big.approx_m(X.shape[0]), seed=big.SEED).assignment


def note_text(page: Any) -> str:
    loc = page.locator("#approx-note")
    return loc.inner_text().strip() if loc.count() and loc.is_visible() else ""


def points_by_row(page: Any) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """(point ids, cluster of each point, colour of each point) from the drawn scatter."""
    pts = h.scatter_points(h.figure(page, "scatter"))
    pts = [p for p in pts if p["customdata"] is not None]
    ids = np.array([p["customdata"][0] for p in pts])
    clusters = np.array([p["customdata"][1] for p in pts])
    return ids, clusters, [p["colour"] for p in pts]


def check_consistent(page: Any, assignment: np.ndarray, rows: np.ndarray | None = None) -> int:
    """Every point drawn once in its cluster's colour; one cluster per micro-cluster.

    ``rows`` maps point ids to table rows when the scatter is a sample. Returns k.
    """
    ids, clusters, colours = points_by_row(page)
    n_points = assignment.size if rows is None else rows.size
    assert sorted(ids.tolist()) == list(range(n_points)), "each point exactly once"
    for c, colour in zip(clusters.tolist(), colours, strict=True):
        assert colour == PALETTE[(c - 1) % len(PALETTE)]
    row = ids if rows is None else rows[ids]
    micro = assignment[row]
    per_micro: dict[int, set[int]] = {}
    for mc, c in zip(micro.tolist(), clusters.tolist(), strict=True):
        per_micro.setdefault(mc, set()).add(c)
    split = {mc: cs for mc, cs in per_micro.items() if len(cs) > 1}
    assert not split, f"micro-clusters split across clusters: {list(split.items())[:5]}"
    k = len(set(clusters.tolist()))
    assert k == h.cluster_count(page)
    return k


def test_approximate_mode_is_labelled_and_its_labels_consistent(big_page: Any) -> None:
    page = big_page
    assert note_text(page) == ""  # the opening example is exact: no note
    h.choose_example(page, "blobs-5k")
    page.wait_for_selector("#approx-note", state="visible", timeout=60_000)
    note = note_text(page)
    assert note.startswith("Approximate: 5,000 rows summarised into 500 micro-clusters by k-means")
    assert re.search(r"ARI \d\.\d\d", note) and "above 4,000 rows (the limit for ward" in note

    # Leaves are micro-clusters labelled with their row counts (truncated view: 50 leaves).
    ticks = h.figure(page, "dendrogram")["xaxis"]["ticktext"]
    counts = [int(re.sub(r"\D", "", t)) for t in ticks]
    assert len(counts) == 50 and sum(counts) == 5000

    assignment = micro_assignment("blobs-5k")
    k0 = check_consistent(page, assignment)

    # The cut moves in the browser: colours follow, still one cluster per micro-cluster.
    h.type_number(page, "cluster-k", k0 + 3)
    page.wait_for_function(f"() => /\\b{k0 + 3} clusters/.test("
                           "document.getElementById('cluster-count').innerText)")
    h.wait_dash_idle(page)
    assert check_consistent(page, assignment) == k0 + 3
    Z_top = max(v for v in h.link_colours(h.figure(page, "dendrogram")).values())
    h.change(page, lambda: h.drag_cut_line(page, Z_top * 0.6))
    check_consistent(page, assignment)
    h.assert_no_console_errors(page)


def test_other_method_on_a_big_table_says_what_to_do(big_page: Any) -> None:
    page = big_page
    h.choose_example(page, "blobs-5k")
    page.wait_for_selector("#approx-note", state="visible", timeout=60_000)
    h.choose(page, "method", "average")
    page.wait_for_selector("#compute-error", state="visible", timeout=60_000)
    text = h.text_of(page, "compute-error")
    assert "Exact average linkage on 5,000 rows" in text
    assert "only with ward linkage on euclidean distances" in text
    # The refused choice keeps the approximate ward tree on screen, so its note stays with it.
    assert page.is_visible("#approx-note")
    h.choose(page, "method", "ward")
    page.wait_for_selector("#compute-error", state="hidden", timeout=60_000)
    page.wait_for_selector("#approx-note", state="visible", timeout=60_000)
    h.assert_no_console_errors(page)


@pytest.mark.slow
def test_200k_rows_open_approximate_with_a_sampled_scatter(big_page: Any) -> None:
    page = big_page
    h.choose_example(page, "blobs-200k", timeout=180)
    page.wait_for_selector("#approx-note", state="visible", timeout=60_000)
    assert note_text(page).startswith(
        "Approximate: 200,000 rows summarised into 5,000 micro-clusters by k-means")
    title = page.evaluate("() => document.querySelector('#scatter .js-plotly-plot')"
                          "._fullLayout.title.text")
    assert title.startswith("showing 50,000 of 200,000 rows, sampled per micro-cluster")
    assignment = micro_assignment("blobs-200k")
    # The sample the server drew: same strata, cap and seed.
    from clustering.sampling import sample_per_group
    from components.state.approximate import SCATTER_MAX_POINTS

    rows = sample_per_group(assignment, SCATTER_MAX_POINTS, seed=big.SEED)
    k0 = check_consistent(page, assignment, rows)
    h.type_number(page, "cluster-k", k0 + 4)
    page.wait_for_function(f"() => /\\b{k0 + 4} clusters/.test("
                           "document.getElementById('cluster-count').innerText)")
    h.wait_dash_idle(page)
    assert check_consistent(page, assignment, rows) == k0 + 4
    h.assert_no_console_errors(page)
