"""Property-based tests of the service on awkward numbers (hypothesis).

* Tables with duplicates, ties, NaN, inf and extreme values: the whole pipeline (prepare ->
  linkage -> cut index -> geometry -> diagnostics) either works or raises ``DataError`` with a
  message; nothing else escapes, and what it returns is finite where it must be.
* Cuts: labels equal ``fcluster`` up to renumbering, for any threshold (merge heights exactly,
  between them, below and above; inversions included), and by k as ``maxclust``.
* Geometry: equals SciPy's ``dendrogram(no_plot=True)`` on trees SciPy can lay out.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from scipy.cluster import hierarchy as sch

from clustering.cut import tree_index
from clustering.diagnostics import (
    cophenetic_correlation,
    elbow,
    inconsistency_table,
    largest_gaps,
)
from clustering.errors import DataError
from clustering.geometry import dendrogram_geometry
from clustering.linkage import METHODS, METRICS, compute_linkage, method_metric_problem
from clustering.prepare import MISSING, SCALINGS, PrepareOptions, prepare
from clustering.profiles import cluster_profiles
from tests.partitions import same_partition

SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])

# Few distinct values make duplicates and tied distances common; the rest are the edges.
AWKWARD = [0.0, 1.0, 1.0, 2.0, -1.0, 0.5, 3.0, np.nan, np.inf, -np.inf, 1e308, -1e308,
           1e-308, 5e-324, 1e150, -1e150, 1e-9]


@st.composite
def awkward_tables(draw: st.DrawFn) -> pd.DataFrame:
    n = draw(st.integers(1, 25))
    d = draw(st.integers(1, 4))
    cells = st.one_of(st.sampled_from(AWKWARD), st.integers(-3, 3).map(float),
                      st.floats(allow_nan=True, allow_infinity=True))
    data = {f"c{j}": draw(st.lists(cells, min_size=n, max_size=n)) for j in range(d)}
    if draw(st.booleans()):  # all rows the same
        data = {k: [v[0]] * n for k, v in data.items()}
    return pd.DataFrame(data)


def test_same_partition_can_fail() -> None:
    assert same_partition(np.array([1, 1, 2]), np.array([5, 5, 3]))
    assert not same_partition(np.array([1, 1, 2]), np.array([1, 2, 2]))
    assert not same_partition(np.array([1, 2, 3]), np.array([1, 1, 2]))


@settings(SETTINGS, max_examples=150)
@given(df=awkward_tables(), missing=st.sampled_from(MISSING), scaling=st.sampled_from(SCALINGS),
       method=st.sampled_from(METHODS), metric=st.sampled_from(METRICS), t=st.floats(0, 1e3))
def test_pipeline_raises_only_data_error(df: pd.DataFrame, missing: str, scaling: str,
                                         method: str, metric: str, t: float) -> None:
    assume(method_metric_problem(method, metric) is None)
    try:
        prepared = prepare(df, PrepareOptions(missing=missing, scaling=scaling))
        X = prepared.matrix
        assert np.isfinite(X).all() and X.shape[0] >= 2
        h = compute_linkage(X, method, metric)
        Z = h.Z
        assert Z.shape == (X.shape[0] - 1, 4) and np.isfinite(Z).all()
        index = tree_index(Z)
        labels = index.labels_at(t)
        assert labels.shape == (X.shape[0],) and labels.min() == 1
        geometry = dendrogram_geometry(Z, index=index)
        assert len(geometry.ivl) == X.shape[0]
        assert geometry.link_clusters(t).shape == (X.shape[0] - 1,)
        value = cophenetic_correlation(Z, X, metric)
        assert np.isnan(value) or -1 - 1e-9 <= value <= 1 + 1e-9
        assert inconsistency_table(Z).shape == (X.shape[0] - 1, 4)
        elbow(Z)
        largest_gaps(Z)
        cluster_profiles(prepared.original, labels)
    except DataError as err:
        assert str(err), "a DataError must say what is wrong"


@st.composite
def linkages(draw: st.DrawFn) -> np.ndarray:
    """SciPy's own Z on small data with many ties (centroid/median give inversions)."""
    n = draw(st.integers(2, 40))
    d = draw(st.integers(1, 3))
    values = draw(st.lists(st.integers(0, 4), min_size=n * d, max_size=n * d))
    X = np.array(values, dtype=float).reshape(n, d)
    X += np.array(draw(st.lists(st.sampled_from([0.0, 0.0, 0.25, 1e-9]), min_size=n * d,
                                max_size=n * d))).reshape(n, d)
    method = draw(st.sampled_from(METHODS))
    return sch.linkage(X, method)


def _probe_heights(Z: np.ndarray, draw: st.DrawFn) -> list[float]:
    h = np.unique(Z[:, 2])
    picks = draw(st.lists(st.sampled_from(h.tolist()), min_size=1, max_size=4))
    mids = ((h[:-1] + h[1:]) / 2).tolist()
    return picks + mids[:4] + [-1.0, 0.0, float(h.max()) + 1, float(np.nextafter(h.max(), -np.inf))]


@SETTINGS
@given(Z=linkages(), data=st.data())
def test_cut_labels_equal_fcluster(Z: np.ndarray, data: st.DataObject) -> None:
    index = tree_index(Z)
    for t in _probe_heights(Z, data.draw):
        ours = index.labels_at(t)
        assert same_partition(ours, sch.fcluster(Z, t, "distance")), t
        assert index.k_at(t) == len(np.unique(ours))
    n = Z.shape[0] + 1
    for k in sorted({1, 2, n // 2 or 1, n}):
        assert same_partition(index.labels_for_k(k), sch.fcluster(Z, k, "maxclust")), k


@SETTINGS
@given(Z=linkages(), mode=st.sampled_from([None, "lastp", "level"]), p=st.integers(1, 12),
       use_labels=st.booleans())
def test_geometry_equals_scipy_dendrogram(Z: np.ndarray, mode: str | None, p: int,
                                          use_labels: bool) -> None:
    n = Z.shape[0] + 1
    labels = [f"<b>r{i}</b>" for i in range(n)] if use_labels else None
    kw = {"truncate_mode": mode, "p": p} if mode else {}
    ref = sch.dendrogram(Z, no_plot=True, labels=labels, **kw)
    ours = dendrogram_geometry(Z, truncate_mode=mode, p=p, labels=labels)
    np.testing.assert_allclose(np.asarray(ours.icoord), np.asarray(ref["icoord"]).reshape(-1, 4))
    np.testing.assert_allclose(np.asarray(ours.dcoord), np.asarray(ref["dcoord"]).reshape(-1, 4),
                               rtol=1e-12, atol=0)
    assert list(ours.ivl) == list(ref["ivl"])
    assert list(ours.leaves) == list(ref["leaves"])
