"""What a person does in the Dendrogram Explorer, done in headless Chromium.

Each test drives the real app (live server fixture) through the element ids of the automation
contract, checks what the page shows against SciPy computed here, and fails on any browser
console error (the ``page`` fixture checks at teardown; tests also call
``assert_no_console_errors`` so the failure is reported as the test's own).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy.cluster.hierarchy import dendrogram, fcluster, linkage

from tests.browser import harness as h

pytestmark = pytest.mark.browser

# Four blobs at unequal distances: the last three merges of ward are far apart, so cut heights
# for k = 2, 3, 4 are wide bands a mouse can hit.
BLOB_CENTRES = np.array([[0.0, 0.0], [8.0, 0.0], [40.0, 0.0], [40.0, 60.0]])


def blob_table(seed: int = 7, per_blob: int = 25) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.concatenate([c + rng.standard_normal((per_blob, 2)) for c in BLOB_CENTRES])


def write_csv(path: Path, X: np.ndarray) -> Path:
    lines = ["x,y"] + [f"{a!r},{b!r}" for a, b in X.tolist()]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def blobs_csv(tmp_path: Path) -> tuple[Path, np.ndarray]:
    X = blob_table()
    return write_csv(tmp_path / "four_blobs.csv", X), X


def band_middle(Z: np.ndarray, k: int) -> float:
    """A height in the middle of the band of heights that give k clusters (monotone Z)."""
    return float((Z[-k, 2] + Z[-k + 1, 2]) / 2)


def set_clustering(page, method: str, metric: str, scaling: str = "none") -> None:
    """Pick scaling, method and metric. The pickers disable refused pairs, so when the wanted
    method is not allowed with the current metric the metric is changed first."""
    h.choose(page, "scaling", scaling)
    method_allowed = {o["value"]: not o["disabled"] for o in h.dropdown_options(page, "method")}
    order = ("method", "metric") if method_allowed.get(method) else ("metric", "method")
    for element_id in order:
        h.choose(page, element_id, method if element_id == "method" else metric)
    h.wait_dendrogram(page)


def upload(page, path: Path) -> None:
    h.upload_file(page, path)
    h.wait_dendrogram(page)
    h.wait_dash_idle(page)


def open_ward_blobs(page, blobs_csv) -> tuple[np.ndarray, np.ndarray]:
    """Upload the four-blob table and cluster it with ward: the rows and SciPy's Z."""
    path, X = blobs_csv
    upload(page, path)
    set_clustering(page, "ward", "euclidean")
    return X, linkage(X, "ward")


def check_colours_match_cut(page, k: int) -> None:
    """Links above the cut share one colour; below it, one colour per cluster with >= 2 leaves;
    the scatter has one colour per cluster and groups the rows as the tree's colours do."""
    dendro = h.figure(page, "dendrogram")
    t = h.cut_line(dendro)["y0"]
    groups = h.link_groups(dendro)
    above = {c for c, top in groups if top > t}
    below = {c for c, top in groups if top <= t}
    assert len(above) == 1, f"links above the cut at {t} have colours {above}"
    assert not above & below, f"a cluster colour {above & below} is also used above the cut"
    scatter_colours = {p["colour"] for p in h.scatter_points(h.figure(page, "scatter"))}
    assert len(scatter_colours) == k, f"scatter shows {len(scatter_colours)} colours for {k} clusters"
    assert below <= scatter_colours, f"tree colours {below} not among scatter colours {scatter_colours}"
    return below


def scatter_partition(page, X: np.ndarray) -> np.ndarray:
    """Colour of each row of X in the scatter (points matched to rows by their coordinates)."""
    pts = h.scatter_points(h.figure(page, "scatter"))
    assert len(pts) == len(X), f"scatter has {len(pts)} points for {len(X)} rows"
    P = np.array([[p["x"], p["y"]] for p in pts], dtype=float)
    # The plot holds float32 coordinates; nearest row is unambiguous for these blobs.
    d = np.abs(P[:, None, :] - X[None, :, :]).sum(axis=2)
    row = d.argmin(axis=1)
    assert len(set(row.tolist())) == len(X), "scatter points do not match the rows one to one"
    assert d.min(axis=1).max() < 1e-3, "scatter coordinates are not the uploaded columns"
    colours = np.empty(len(X), dtype=object)
    colours[row] = [p["colour"] for p in pts]
    return colours


# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("example", ["tutorial-blobs", "tutorial-five", "mpg"])
def test_each_example_draws_tree_scatter_and_count(page, example):
    h.choose_example(page, example)
    dendro = h.figure(page, "dendrogram")
    assert h.link_groups(dendro), "the dendrogram draws no links"
    pts = h.scatter_points(h.figure(page, "scatter"))
    assert len(pts) > 1, "the scatter shows no points"
    k = h.cluster_count(page)
    assert k >= 1
    assert h.text_of(page, "error") == ""
    h.assert_no_console_errors(page)


def test_tutorial_blobs_counts_match_scipy_at_typed_heights(page):
    """The SciPy tutorial's numbers: ward at max_d 50 gives 2 clusters, at 16 gives 4."""
    h.choose_example(page, "tutorial-blobs")
    set_clustering(page, "ward", "euclidean")
    for max_d, expected in ((16, 4), (50, 2)):
        h.change(page, lambda v=max_d: h.type_number(page, "cut-height", v))
        assert h.cluster_count(page) == expected, h.text_of(page, "cluster-count")
        assert h.cut_line(h.figure(page, "dendrogram"))["y0"] == pytest.approx(max_d)
        check_colours_match_cut(page, expected)
    h.assert_no_console_errors(page)


def test_uploaded_csv_is_clustered_like_fcluster(page, blobs_csv):
    X, Z = open_ward_blobs(page, blobs_csv)
    t = band_middle(Z, 3)
    h.change(page, lambda: h.type_number(page, "cut-height", round(t, 3)))
    t_shown = h.cut_line(h.figure(page, "dendrogram"))["y0"]
    expected = fcluster(Z, t_shown, "distance")
    assert h.cluster_count(page) == 3 == expected.max()
    assert h.same_partition(scatter_partition(page, X), expected)
    check_colours_match_cut(page, 3)
    assert h.text_of(page, "error") == ""
    h.assert_no_console_errors(page)


def test_method_and_metric_change_the_tree(page, blobs_csv):
    path, X = blobs_csv
    upload(page, path)
    set_clustering(page, "average", "cityblock")
    Z = linkage(X, "average", metric="cityblock")
    dendro = h.figure(page, "dendrogram")
    top = max(top for _, top in h.link_groups(dendro))
    assert top == pytest.approx(Z[-1, 2], rel=1e-5), "root height is not average/cityblock's"
    t = h.cut_line(dendro)["y0"]
    expected = fcluster(Z, t, "distance")
    assert h.cluster_count(page) == expected.max()
    assert h.same_partition(scatter_partition(page, X), expected)
    h.assert_no_console_errors(page)


def test_ward_with_cosine_is_refused_with_a_reason(page, blobs_csv):
    path, _ = blobs_csv
    upload(page, path)
    set_clustering(page, "ward", "euclidean")
    options = {o["value"]: o for o in h.dropdown_options(page, "metric")}
    assert "cosine" in options, f"metric options: {sorted(options)}"
    # The pair SciPy refuses cannot be picked (components/page/model.py), and the note says why.
    assert options["cosine"]["disabled"], options["cosine"]
    explanation = options["cosine"]["label"] + " " + h.text_of(page, "metric-note")
    assert "euclidean" in explanation.lower() and "ward" in explanation.lower(), (
        f"no explanation that ward needs euclidean distances: {explanation!r}")
    h.assert_no_console_errors(page)


def test_drag_cut_line_recolours_tree_and_scatter(page, blobs_csv):
    X, Z = open_ward_blobs(page, blobs_csv)
    # The app opens an upload at the middle of the largest gap (k = 2 here): move away first.
    for k in (3, 2, 4):
        h.change(page, lambda k=k: h.drag_cut_line(page, band_middle(Z, k)))
        t = h.cut_line(h.figure(page, "dendrogram"))["y0"]
        assert Z[-k, 2] <= t < Z[-k + 1, 2], f"line released at {t}, outside the band for k={k}"
        assert h.cluster_count(page) == k, h.text_of(page, "cluster-count")
        tree_colours = check_colours_match_cut(page, k)
        # Every blob has 25 rows, so each cluster has links below the cut.
        assert len(tree_colours) == k
        assert h.same_partition(scatter_partition(page, X), fcluster(Z, t, "distance"))
        assert float(h.field_value(page, "cut-height")) == pytest.approx(t, rel=1e-2)
    h.assert_no_console_errors(page)


_DRAWN_LINE_JS = """() => {
    // The cut line's group (shapes[0]): the stems' groups follow it, and when a recolour
    // leaves fewer stems plotly keeps an empty group of the last index first in the layer.
    const g = document.querySelector('#dendrogram .shapelayer .shape-group[data-index="0"]');
    const r = g.querySelector('path').getBoundingClientRect();
    return {top: r.top, height: r.height, left: r.left, width: r.width,
            label: g.querySelector('.shape-label-text').textContent};
}"""


def test_slanted_drag_keeps_line_level_colours_follow_a_held_line_escape_cancels(page, blobs_csv):
    X, Z = open_ward_blobs(page, blobs_csv)
    h.change(page, lambda: h.drag_cut_line(page, band_middle(Z, 3)))
    px = h.cut_line_pixels(page)
    full_width = page.evaluate(_DRAWN_LINE_JS)["width"]
    target = h.height_to_pixel(page, band_middle(Z, 2))
    # Grab the line near its left end and pull it up and far to the right.
    x = px["x0"] + 3
    before = h.view_signature(page)
    page.mouse.move(x, px["y0"])
    page.mouse.down()
    page.mouse.move(x + 150, (px["y0"] + target) / 2, steps=5)
    page.mouse.move(x + 300, target, steps=5)
    # Mid-drag the drawn line is level, as wide as before, at the pointer's height, and its
    # label already says how many clusters the release will give.
    drawn = page.evaluate(_DRAWN_LINE_JS)
    assert drawn["height"] < 1 and abs(drawn["width"] - full_width) < 1, drawn
    assert abs(drawn["top"] - target) <= 1, (drawn, target)
    assert drawn["label"].endswith("k = 2"), drawn["label"]
    max_d_before = h.field_value(page, "cut-height")
    # Held still, the colours and the count follow the line before the release; the max_d
    # field (and so the link) waits for the release.
    page.wait_for_function("() => /^2 /.test(document.getElementById('cluster-count').innerText)")
    h.wait_dash_idle(page)
    check_colours_match_cut(page, 2)
    assert h.field_value(page, "cut-height") == max_d_before
    page.mouse.up()
    h.wait_for_change(page, before)
    line = h.cut_line(h.figure(page, "dendrogram"))
    assert line["y0"] == line["y1"] and (line["x0"], line["x1"]) == (0, 1), line
    assert Z[-2, 2] <= line["y0"] < Z[-1, 2], f"released at {line['y0']}, outside k=2's band"
    assert h.cluster_count(page) == fcluster(Z, line["y0"], "distance").max() == 2
    check_colours_match_cut(page, 2)

    # Escape during a drag puts the line back and changes nothing.
    px = h.cut_line_pixels(page)
    page.mouse.move(px["x0"] + (px["x1"] - px["x0"]) / 2, px["y0"])
    page.mouse.down()
    page.mouse.move(px["x0"] + (px["x1"] - px["x0"]) / 2, h.height_to_pixel(page, band_middle(Z, 4)),
                    steps=5)
    assert page.evaluate(_DRAWN_LINE_JS)["label"].endswith("k = 4")
    page.wait_for_function("() => /^4 /.test(document.getElementById('cluster-count').innerText)")
    # The preview redrew the line; it still follows the pointer.
    y3 = h.height_to_pixel(page, band_middle(Z, 3))
    page.mouse.move(px["x0"] + (px["x1"] - px["x0"]) / 2, y3, steps=3)
    drawn = page.evaluate(_DRAWN_LINE_JS)
    assert abs(drawn["top"] - y3) <= 1 and drawn["label"].endswith("k = 3"), (drawn, y3)
    page.keyboard.press("Escape")
    page.mouse.up()
    page.wait_for_function("() => /^2 /.test(document.getElementById('cluster-count').innerText)")
    h.wait_dash_idle(page)
    check_colours_match_cut(page, 2)
    drawn = page.evaluate(_DRAWN_LINE_JS)
    assert abs(drawn["top"] - px["y0"]) <= 1 and drawn["label"].endswith("k = 2"), drawn
    assert h.cut_line(h.figure(page, "dendrogram"))["y0"] == line["y0"]
    assert h.cluster_count(page) == 2

    # A press away from the line is plotly's again: a zoom box, with the cut untouched.
    x_range = h.figure(page, "dendrogram")["xaxis"]["range"]
    top = h.height_to_pixel(page, Z[-1, 2] * 0.9)
    page.mouse.move(px["x0"] + 40, top)
    page.mouse.down()
    page.mouse.move(px["x0"] + 400, top + 60, steps=5)
    page.mouse.up()
    page.wait_for_function("""(r) => {
        const gd = document.querySelector('#dendrogram .js-plotly-plot');
        return gd._fullLayout.xaxis.range[0] !== r[0] || gd._fullLayout.xaxis.range[1] !== r[1]; }""",
                           arg=x_range)
    h.wait_dash_idle(page)
    assert h.cut_line(h.figure(page, "dendrogram"))["y0"] == line["y0"]
    assert h.cluster_count(page) == 2
    h.assert_no_console_errors(page)


def test_drag_with_root_on_the_right_moves_a_vertical_line(page, blobs_csv):
    X, Z = open_ward_blobs(page, blobs_csv)
    h.change(page, lambda: h.choose(page, "orientation", "right"))
    page.keyboard.press("Escape")
    page.evaluate("() => window.scrollTo(0, 0)")
    # Heights run along x now: the line is vertical and moves sideways only.
    at = page.evaluate("""(target) => {
        const gd = document.querySelector('#dendrogram .js-plotly-plot');
        const fl = gd._fullLayout, s = fl.shapes[0], r = gd.getBoundingClientRect(), sz = fl._size;
        const px = (v) => r.left + sz.l + fl.xaxis.l2p(fl.xaxis.d2l(v));
        return {xref: s.xref, yref: s.yref, x: px(s.x0), to: px(target), y: r.top + sz.t + sz.h / 2};
    }""", band_middle(Z, 3))
    assert (at["xref"], at["yref"]) == ("x", "paper"), at
    before = h.view_signature(page)
    page.mouse.move(at["x"], at["y"])
    assert page.evaluate("""() => document.querySelector('#dendrogram .js-plotly-plot')
        .classList.contains('dendro-cut-grab-x')""")
    page.mouse.down()
    page.mouse.move(at["to"], at["y"] + 80, steps=6)
    page.mouse.up()
    h.wait_for_change(page, before)
    line = h.figure(page, "dendrogram")["shapes"][0]
    assert line["x0"] == line["x1"] and (line["y0"], line["y1"]) == (0, 1), line
    assert Z[-3, 2] <= line["x0"] < Z[-2, 2], f"released at {line['x0']}, outside k=3's band"
    assert h.cluster_count(page) == fcluster(Z, line["x0"], "distance").max() == 3
    h.assert_no_console_errors(page)


def test_touch_drag_moves_the_cut_line(browser, live_server, blobs_csv):
    """A finger on a touch screen drags the line as the mouse does (touch events via CDP)."""
    context = browser.new_context(viewport=h.VIEWPORT, has_touch=True)
    context.set_default_timeout(30_000)
    try:
        page = h.new_page(context)
        h.open_app(page, live_server.url)
        X, Z = open_ward_blobs(page, blobs_csv)
        page.locator("#dendrogram").scroll_into_view_if_needed()  # a person looks at the tree
        px = h.cut_line_pixels(page)
        x = px["x0"] + (px["x1"] - px["x0"]) / 2
        target = h.height_to_pixel(page, band_middle(Z, 3))
        cdp = context.new_cdp_session(page)
        before = h.view_signature(page)

        def touch(kind: str, y: float) -> None:
            points = [] if kind == "touchEnd" else [{"x": x, "y": y}]
            cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": points})

        touch("touchStart", px["y0"])
        for i in range(1, 6):
            touch("touchMove", px["y0"] + (target - px["y0"]) * i / 5)
        touch("touchEnd", target)
        h.wait_for_change(page, before)
        t = h.cut_line(h.figure(page, "dendrogram"))["y0"]
        assert Z[-3, 2] <= t < Z[-2, 2], f"released at {t}, outside k=3's band"
        assert h.cluster_count(page) == fcluster(Z, t, "distance").max() == 3
        h.assert_no_console_errors(page)
    finally:
        context.close()


def test_typed_k_moves_line_into_its_band(page, blobs_csv):
    X, Z = open_ward_blobs(page, blobs_csv)
    for k in (4, 2, 7):
        h.change(page, lambda k=k: h.type_number(page, "cluster-k", k))
        assert h.cluster_count(page) == k
        typed_height = float(h.field_value(page, "cut-height"))
        assert fcluster(Z, typed_height, "distance").max() == k, (
            f"max_d field shows {typed_height}, which gives "
            f"{fcluster(Z, typed_height, 'distance').max()} clusters, not {k}")
        line = h.cut_line(h.figure(page, "dendrogram"))
        assert fcluster(Z, line["y0"], "distance").max() == k
        check_colours_match_cut(page, k)
    h.assert_no_console_errors(page)


def test_truncation_modes_show_counts_then_full_tree(page):
    from clustering.datasets import load_example

    h.choose_example(page, "tutorial-blobs")
    set_clustering(page, "ward", "euclidean")
    X = load_example("tutorial-blobs")[["x", "y"]].to_numpy(float)
    Z = linkage(X, "ward")
    labels = [str(i) for i in range(len(X))]  # SciPy's ivl: observations 0..n-1

    def ticks() -> list[str]:
        return h.figure(page, "dendrogram")["xaxis"]["ticktext"] or []

    full = ticks()
    assert full == dendrogram(Z, no_plot=True, labels=labels)["ivl"]

    for mode, p in (("lastp", 12), ("level", 3)):
        h.choose(page, "truncate-mode", mode)
        if h.field_value(page, "truncate-p") != str(p):
            h.change(page, lambda p=p: h.type_number(page, "truncate-p", p))
        expected = dendrogram(Z, no_plot=True, truncate_mode=mode, p=p, labels=labels)["ivl"]
        assert ticks() == expected, f"{mode} p={p}: leaf labels differ from SciPy's"
        assert any(s.startswith("(") and s.endswith(")") for s in ticks())
        assert h.cluster_count(page) == fcluster(Z, h.cut_line(h.figure(page, "dendrogram"))["y0"],
                                                 "distance").max()

    none_option = next(o["value"] for o in h.dropdown_options(page, "truncate-mode")
                       if o["value"] not in ("lastp", "level"))
    assert h.choose(page, "truncate-mode", none_option)
    assert ticks() == full
    h.assert_no_console_errors(page)


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("empty.csv", b"", ("empty",)),
        ("garbage.csv", bytes(np.random.default_rng(3).integers(0, 256, 4096, dtype=np.uint8)),
         ("binary",)),
        # Readable, so it becomes the dataset (one-hot can still be turned on for it), but it
        # cannot be clustered as it is: the previous view stays and the message says what to do.
        ("words.csv", b"name,colour\nalice,red\nbob,blue\ncarol,green\ndan,red\n",
         ("numeric",)),
    ],
    ids=["empty", "binary", "text-only"],
)
def test_broken_upload_shows_message_and_keeps_view(page, tmp_path, name, content, words):
    h.choose_example(page, "tutorial-blobs")
    count_before = h.text_of(page, "cluster-count")
    tree_before = h.figure(page, "dendrogram")["traces"]
    scatter_before = h.figure(page, "scatter")["traces"]
    bad = tmp_path / name
    bad.write_bytes(content)
    page.locator("#upload input[type=file]").set_input_files(str(bad))
    page.wait_for_function("() => document.getElementById('error').innerText.trim().length > 0")
    h.wait_dash_idle(page)
    message = h.text_of(page, "error")
    assert all(w in message.lower() for w in words), f"unclear message: {message!r}"
    assert h.text_of(page, "cluster-count") == count_before
    assert h.figure(page, "dendrogram")["traces"] == tree_before
    assert h.figure(page, "scatter")["traces"] == scatter_before
    h.assert_no_console_errors(page)


def test_annotate_above_writes_merge_heights(page):
    from clustering.datasets import load_example

    h.choose_example(page, "tutorial-blobs")
    set_clustering(page, "ward", "euclidean")
    Z = linkage(load_example("tutorial-blobs")[["x", "y"]].to_numpy(float), "ward")
    above = 10.0
    h.change(page, lambda: h.type_number(page, "annotate-above", above))
    texts = [
        str(s) for t in h.figure(page, "dendrogram")["traces"]
        if "text" in str(t["mode"]) and t["text"] for s in t["text"]
    ]
    expected = sorted(float(v) for v in Z[Z[:, 2] > above, 2])
    assert len(texts) == len(expected), f"annotations {texts}, expected heights {expected}"
    assert sorted(float(s) for s in texts) == pytest.approx(expected, rel=1e-3)
    h.assert_no_console_errors(page)
