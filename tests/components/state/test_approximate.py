"""Big tables: the exact/approximate choice, label consistency of the approximate mode, the
browser-recolour data for micro-cluster leaves, and the scatter sample.

The app runs in its Flask context with a real disk store in a temporary directory and
``exact_max_rows=2000``, so the 5,000-row example goes approximate (500 micro-clusters).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.cluster.hierarchy import dendrogram, fcluster

from clustering.approximate import ApproxHierarchy, row_labels
from clustering.errors import DataError
from clustering.geometry import dendrogram_geometry
from clustering.linkage import Hierarchy
from clustering.prepare import PrepareOptions
from clustering.sampling import sample_per_group
from clustering.suggest import default_cut
from components.figures.dendrogram import make_dendrogram_figure
from components.figures.palette import PALETTE
from components.figures.scatter import make_scatter_figure
from components.figures.tree_data import decode_b64, make_tree_data
from components.page import tree_view
from components.settings import Settings
from components.state import approximate as big
from components.state.store import get_settings
from components.state.trees import load_tree
from components.view import DatasetRef, TreeSpec
from tests.partitions import same_partition

BLOBS = {"example": "blobs-5k"}
OPTS = PrepareOptions()


def load_big_tree(dataset, options, method, metric):
    """The page's one loader (exact, or approximate past the server's limits)."""
    return load_tree(TreeSpec(DatasetRef.from_json(dataset), options, method, metric))


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    from app import create_app

    settings = Settings.from_env(data_dir=str(tmp_path_factory.mktemp("data")),
                                 exact_max_rows=2000)
    return create_app(settings)


@pytest.fixture
def in_app(app):
    with app.server.app_context():
        yield app


@pytest.fixture(scope="module")
def approx_tree(app):
    with app.server.app_context():
        return load_big_tree(BLOBS, OPTS, "ward", "euclidean")


def browser_clusters(tree_data: dict, t: float) -> np.ndarray:
    """The rule of assets/dendro.js: positions split where gaps > t; a point's cluster is its
    row_pos's."""
    gaps = decode_b64(tree_data["gaps"])
    pos = np.r_[1, 1 + np.cumsum(~(gaps <= t))]
    return pos[decode_b64(tree_data["row_pos"])]


# ------------------------------------------------------------------ the choice
def test_choose_mode_exact_within_limits() -> None:
    s = Settings.from_env(exact_max_rows=1000, memory_budget_mb=100)
    mode = big.choose_mode(1000, 5, "average", "cityblock", s)
    assert not mode.approximate and "exact" in mode.reason


def test_choose_mode_rows_over_the_cap_go_approximate_for_ward() -> None:
    # Ward's cap is the vector one (issue 14): twice exact_max_rows unless set.
    s = Settings.from_env(exact_max_rows=1000)
    assert not big.choose_mode(1001, 5, "ward", "euclidean", s).approximate
    mode = big.choose_mode(2001, 5, "ward", "euclidean", s)
    assert mode.approximate and "2,000 rows (the limit for ward" in mode.reason
    s = Settings.from_env(exact_max_rows=1000, exact_vector_max_rows=1000)
    mode = big.choose_mode(1001, 5, "ward", "euclidean", s)
    assert mode.approximate and "1,000 rows" in mode.reason


def test_choose_mode_memory_budget_decides_below_the_row_cap() -> None:
    # average needs the condensed matrix: 20,000 rows -> 1.6 GB, charged twice (3.2 GB).
    s = Settings.from_env(exact_max_rows=50_000, memory_budget_mb=1024)
    with pytest.raises(DataError, match=r"needs 3\.2 GB.*choose method 'ward' and metric 'euclidean'"):
        big.choose_mode(20_000, 5, "average", "euclidean", s)
    assert not big.choose_mode(20_000, 5, "average", "euclidean",
                               Settings.from_env(memory_budget_mb=4096)).approximate
    # ward/euclidean runs in O(n·d) memory: a small budget still fits it.
    assert not big.choose_mode(20_000, 5, "ward", "euclidean", s).approximate
    tiny = Settings.from_env(memory_budget_mb=1)
    assert big.choose_mode(20_000, 5, "ward", "euclidean", tiny).approximate


@pytest.mark.parametrize(("method", "metric"), [("average", "euclidean"), ("single", "cityblock"),
                                                 ("complete", "cosine")])
def test_other_pairs_on_a_too_big_table_are_refused_plainly(method: str, metric: str) -> None:
    s = Settings.from_env(exact_max_rows=1000)
    with pytest.raises(DataError) as err:
        big.choose_mode(5000, 5, method, metric, s)
    text = str(err.value)
    assert text.startswith(f"Exact {method} linkage on 5,000 rows")
    assert "only with ward linkage on euclidean distances" in text
    assert "approximate mode builds" not in text  # the fallback exact_feasible offers is ward's


def test_invalid_pair_is_refused_before_anything_else() -> None:
    with pytest.raises(DataError, match="ward"):
        big.choose_mode(10, 2, "ward", "cityblock", Settings.from_env())


def test_approx_m() -> None:
    assert big.approx_m(1_000_000) == big.APPROX_M
    assert big.approx_m(5_000) == 500
    assert big.approx_m(2) == 2


# ------------------------------------------------------------------ loading
def test_small_table_is_exact_and_the_same_tree_as_the_service(in_app) -> None:
    tree = load_big_tree({"example": "tutorial-blobs"}, PrepareOptions(features=("x", "y")),
                             "ward", "euclidean")
    assert isinstance(tree.hierarchy, Hierarchy) and big.approx_of(tree) is None
    from clustering.linkage import compute_linkage

    ref = compute_linkage(tree.prepared.matrix, "ward", "euclidean")
    np.testing.assert_array_equal(tree.hierarchy.Z, ref.Z)
    assert big.page_note(tree, get_settings()) is None
    assert big.leaf_labels(tree) == [str(s) for s in tree.prepared.labels]
    np.testing.assert_array_equal(big.merge_sizes(tree), tree.hierarchy.Z[:, 3])
    geometry = dendrogram_geometry(tree.hierarchy.Z, truncate_mode="lastp", p=10)
    assert big.relabel_geometry(geometry, tree) is geometry


def test_big_table_goes_approximate_with_a_plain_note(approx_tree, in_app) -> None:
    ah = big.approx_of(approx_tree)
    assert isinstance(ah, ApproxHierarchy)
    assert ah.n == 5000 and ah.m == 500 and ah.Z.shape == (499, 4)
    assert approx_tree.index.n == 500
    note = big.page_note(approx_tree, get_settings())
    assert note.startswith("Approximate: 5,000 rows summarised into 500 micro-clusters by k-means")
    # ward's cap: DENDRO_EXACT_VECTOR_MAX_ROWS, unset here, so twice 2,000 (issue 14).
    assert "ARI" in note and "above 4,000 rows (the limit for ward" in note
    # Memoised: the second call reads the store.
    again = load_big_tree(BLOBS, OPTS, "ward", "euclidean")
    np.testing.assert_array_equal(again.hierarchy.Z, ah.Z)


def test_big_table_other_method_is_refused(in_app) -> None:
    with pytest.raises(DataError, match="only with ward linkage on euclidean distances"):
        load_big_tree(BLOBS, OPTS, "complete", "euclidean")


# ------------------------------------------------------------------ label consistency
def test_a_memoised_approximate_tree_is_answered_at_once(approx_tree, in_app) -> None:
    from components.jobs.tree import runs_inline

    jobs_from_1000_rows = Settings.from_env(exact_max_rows=2000, background_rows=1000)
    stored = TreeSpec.from_controls(BLOBS, None, None, None, None, None, "ward", "euclidean")
    assert stored.options == OPTS
    assert runs_inline(stored, jobs_from_1000_rows)
    not_yet = TreeSpec.from_controls(BLOBS, None, None, None, None, "zscore", "ward", "euclidean")
    assert not runs_inline(not_yet, jobs_from_1000_rows)


def test_every_row_in_exactly_one_cluster_and_micro_clusters_share_labels(approx_tree) -> None:
    ah = big.approx_of(approx_tree)
    Z = ah.Z
    assignment = ah.micro.assignment
    heights = np.r_[0.0, np.quantile(Z[:, 2], [0.5, 0.9, 0.99]), Z[-1, 2] * 1.01]
    for t in heights:
        labels = big.row_clusters(approx_tree, float(t))
        assert labels.shape == (5000,)
        k = len(np.unique(labels))
        # one cluster per row, numbered 1..k with none empty
        assert labels.min() == 1 and labels.max() == k
        # members of one micro-cluster share a label
        per_micro = np.full(ah.m, -1)
        per_micro[assignment] = labels
        assert (per_micro[assignment] == labels).all()
        # and the labels are SciPy's fcluster on the micro-cluster tree, given to the rows
        assert same_partition(labels, row_labels(ah, fcluster(Z, t, "distance")))


def test_leaf_labels_and_merge_sizes_count_rows(approx_tree) -> None:
    ah = big.approx_of(approx_tree)
    labels = big.leaf_labels(approx_tree)
    assert len(labels) == ah.m
    assert sum(int(s.strip("()").replace(",", "")) for s in labels) == 5000
    sizes = big.merge_sizes(approx_tree)
    assert sizes[-1] == 5000 and ah.Z[-1, 3] == 500
    for p in (5, 30):
        g = big.relabel_geometry(
            dendrogram_geometry(ah.Z, truncate_mode="lastp", p=p, labels=labels,
                                index=approx_tree.index), approx_tree)
        counts = [int(s.strip("()").replace(",", "")) for s in g.ivl]
        assert sum(counts) == 5000 and len(counts) == p
        np.testing.assert_array_equal(counts, g.leaf_counts)
        # same leaves and order as SciPy's truncated dendrogram of the micro-cluster tree
        ref = dendrogram(ah.Z, truncate_mode="lastp", p=p, no_plot=True)
        assert g.leaves.tolist() == ref["leaves"]


def test_hover_sizes_are_rows(approx_tree) -> None:
    ah = big.approx_of(approx_tree)
    g = dendrogram_geometry(ah.Z, index=approx_tree.index)
    fig = make_dendrogram_figure(g, default_cut(ah.Z), Z=ah.Z, sizes=big.merge_sizes(approx_tree))
    hover = next(t for t in fig.data if t.meta == "hover")
    cd = np.asarray(hover.customdata)
    np.testing.assert_array_equal(cd[:, 1], ah.row_counts[cd[:, 0]])
    assert cd[:, 1].max() == 5000


def test_browser_recolour_data_maps_rows_to_their_micro_cluster(approx_tree) -> None:
    ah = big.approx_of(approx_tree)
    g = dendrogram_geometry(ah.Z, truncate_mode="lastp", p=30, index=approx_tree.index)
    td = make_tree_data(g, approx_tree.index, ah.Z,
                        row_positions=big.row_leaf_positions(approx_tree))
    assert td["n"] == ah.m and decode_b64(td["row_pos"]).size == 5000
    for t in np.quantile(ah.Z[:, 2], [0.3, 0.8, 0.95, 0.999]):
        np.testing.assert_array_equal(browser_clusters(td, t), big.row_clusters(approx_tree, t))


def test_row_leaf_positions_exact_is_the_inverse_leaf_order(in_app) -> None:
    tree = load_big_tree({"example": "tutorial-five"}, PrepareOptions(features=("x", "y")),
                             "average", "euclidean")
    pos = big.row_leaf_positions(tree)
    np.testing.assert_array_equal(np.asarray(tree.index.leaves)[pos], np.arange(750))
    np.testing.assert_array_equal(big.row_leaf_positions(tree, [3, 1]), pos[[3, 1]])


# ------------------------------------------------------------------ scatter sample
def test_sample_per_group_keeps_every_group_and_is_deterministic() -> None:
    rng = np.random.default_rng(3)
    for n, groups, cap in [(10_000, 7, 500), (10_000, 300, 1000), (5_000, 2, 4999),
                           (20_000, 1500, 1000)]:
        g = rng.zipf(1.5, n) % groups  # very uneven sizes
        idx = sample_per_group(g, cap, seed=1)
        assert idx.size == cap and len(np.unique(idx)) == cap
        assert (np.diff(idx) > 0).all()
        present = np.unique(g)
        if present.size <= cap:
            assert set(np.unique(g[idx])) == set(present)
        else:
            assert len(np.unique(g[idx])) == cap
        np.testing.assert_array_equal(idx, sample_per_group(g, cap, seed=1))
    # proportional: a group with 90% of the rows gets ~90% of the points
    g = np.r_[np.zeros(9000, int), np.ones(1000, int)]
    share = (g[sample_per_group(g, 1000)] == 0).mean()
    assert 0.89 <= share <= 0.91
    np.testing.assert_array_equal(sample_per_group(np.zeros(5, int), 10), np.arange(5))
    with pytest.raises(ValueError):
        sample_per_group(g, 0)


def test_scatter_rows_sample_per_micro_cluster(approx_tree) -> None:
    ah = big.approx_of(approx_tree)
    cut = default_cut(ah.Z)
    assert big.scatter_rows(approx_tree, cut) == (None, None)
    rows, note = big.scatter_rows(approx_tree, cut, max_points=1000)
    assert rows.size == 1000
    assert note.startswith("showing 1,000 of 5,000 rows, sampled per micro-cluster")
    # every micro-cluster has a point, so every cluster at every cut is visible
    assert len(np.unique(ah.micro.assignment[rows])) == ah.m
    for t in np.quantile(ah.Z[:, 2], [0.5, 0.95, 0.999]):
        assert set(big.row_clusters(approx_tree, t)[rows]) == set(
            big.row_clusters(approx_tree, t))


def test_sampled_scatter_and_tree_data_agree(approx_tree) -> None:
    """Scatter colours follow the clusters of the sampled rows, and the browser rule maps the
    sampled points (numbered 0..s-1) to the same clusters at any cut."""
    ah = big.approx_of(approx_tree)
    cut = default_cut(ah.Z)
    rows, note = big.scatter_rows(approx_tree, cut, max_points=800)
    X = approx_tree.prepared.matrix
    clusters = big.row_clusters(approx_tree, cut)[rows]
    fig = make_scatter_figure(X[rows, 0], X[rows, 1], clusters,
                              labels=[str(r) for r in rows], note=note)
    assert fig.layout.title.text.startswith("showing 800 of 5,000 rows")
    seen = np.zeros(rows.size, dtype=int)
    for t in fig.data:
        if t.meta != "points":
            continue
        cd = np.asarray(t.customdata)
        assert all(PALETTE[(c - 1) % len(PALETTE)] == t.marker.color for c in cd[:, 1])
        np.testing.assert_array_equal(cd[:, 1], clusters[cd[:, 0]])
        np.testing.assert_array_equal(np.asarray(t.text), [str(r) for r in rows[cd[:, 0]]])
        seen[cd[:, 0]] += 1
    assert (seen == 1).all()  # every sampled row drawn once
    g = dendrogram_geometry(ah.Z, truncate_mode="lastp", p=30, index=approx_tree.index)
    td = make_tree_data(g, approx_tree.index, ah.Z,
                        row_positions=big.row_leaf_positions(approx_tree, rows))
    for t in [cut, *np.quantile(ah.Z[:, 2], [0.6, 0.99])]:
        np.testing.assert_array_equal(browser_clusters(td, t),
                                      big.row_clusters(approx_tree, t)[rows])


def test_scatter_rows_exact_sample_per_cluster(in_app) -> None:
    tree = load_big_tree({"example": "tutorial-five"}, PrepareOptions(features=("x", "y")),
                             "ward", "euclidean")
    cut = 30.0
    rows, note = big.scatter_rows(tree, cut, max_points=100)
    assert rows.size == 100 and "sampled per cluster" in note
    assert set(tree.index.labels_at(cut)[rows]) == set(tree.index.labels_at(cut))


# ------------------------------------------------------------------ through the callbacks
def test_draw_step_in_approximate_mode(in_app) -> None:
    """compute + draw as the page runs them: the note, row-count leaves, per-row colours."""
    out = tree_view.render(BLOBS, None, None, None, None, None, "ward", "euclidean", "lastp", 20,
                    None, "top", True, None, None, None, None)
    figure, scatter, tree_data = out[0], out[1], out[2]
    assert out[6] is None, out[6]
    note, shown = tree_view.show_approx_note(tree_data)
    assert shown and note.startswith("Approximate: 5,000 rows summarised into 500 micro-clusters")
    assert tree_view.fill_cophenetic(tree_data) == ""
    ticks = figure.layout.xaxis.ticktext
    assert len(ticks) == 20 and sum(int(t.strip("()").replace(",", "")) for t in ticks) == 5000
    tree = load_big_tree(BLOBS, OPTS, "ward", "euclidean")
    assignment = big.approx_of(tree).micro.assignment
    cut = tree_data["cut"]
    rows_cluster = np.zeros(5000, dtype=int)
    for t in scatter.data:
        if t.meta == "points":
            cd = np.asarray(t.customdata)
            rows_cluster[cd[:, 0]] = cd[:, 1]
    np.testing.assert_array_equal(rows_cluster, big.row_clusters(tree, cut))
    per_micro = np.zeros(assignment.max() + 1, dtype=int)
    per_micro[assignment] = rows_cluster
    np.testing.assert_array_equal(per_micro[assignment], rows_cluster)
    np.testing.assert_array_equal(browser_clusters(tree_data, cut), rows_cluster)


def test_exact_view_has_no_note(in_app) -> None:
    out = tree_view.render({"example": "tutorial-blobs"}, None, None, None, None, None, "ward",
                    "euclidean", "none", 30, None, "top", True, None, None, None, None)
    assert out[2].get("approx_note") is None
    assert tree_view.show_approx_note(out[2]) == ("", False)


def test_reading_steps_never_compute_a_big_tree(in_app) -> None:
    """Regression (issue 13): a forged draw or tab request named a tree never computed and
    the request computed it inline. Reading steps now refuse past the inline size."""
    from clustering.errors import DataError as Refused
    from components.state.trees import NOT_COMPUTED, cophenetic, is_stored, try_load_tree
    from components.view import DatasetRef, TreeSpec

    big_spec = TreeSpec(DatasetRef(example="blobs-20k"), OPTS, "average", "cityblock")
    settings = get_settings()
    assert settings.background_rows < 20_000 and not is_stored(big_spec)
    with pytest.raises(Refused, match="has not been computed yet"):
        load_tree(big_spec, compute=False)
    assert try_load_tree(big_spec.to_json()) is None
    # The status line's cophenetic correlation reads the tree too; it must not compute it.
    assert cophenetic(big_spec) is None
    assert not is_stored(big_spec) and NOT_COMPUTED
    # A small table is cheap: read steps compute it as the compute step would have.
    small = TreeSpec(DatasetRef(example="tutorial-blobs"), OPTS, "single", "cityblock")
    assert load_tree(small, compute=False).Z.shape == (149, 4)
