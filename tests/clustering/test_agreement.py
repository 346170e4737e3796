"""clustering.agreement against scikit-learn (and R's mclust::adjustedRandIndex when installed)."""

from __future__ import annotations

import doctest
import importlib

import numpy as np
import pandas as pd
import pytest
from scipy.cluster.hierarchy import fcluster, linkage
from sklearn import metrics

from clustering.agreement import SCORES, agreement, best_agreeing_k
from clustering.errors import DataError
from tests.oracles import run_r


def test_doctests():
    assert doctest.testmod(importlib.import_module("clustering.agreement")).failed == 0


def sklearn_scores(classes, clusters) -> dict[str, float]:
    return {
        "ari": metrics.adjusted_rand_score(classes, clusters),
        "nmi": metrics.normalized_mutual_info_score(classes, clusters, average_method="arithmetic"),
        "ami": metrics.adjusted_mutual_info_score(classes, clusters),
        "fowlkes_mallows": metrics.fowlkes_mallows_score(classes, clusters),
        "homogeneity": metrics.homogeneity_score(classes, clusters),
        "completeness": metrics.completeness_score(classes, clusters),
    }


def purity(classes, clusters) -> float:
    table = metrics.cluster.contingency_matrix(classes, clusters)
    return table.max(axis=0).sum() / table.sum()


@pytest.mark.parametrize("seed", range(6))
def test_scores_equal_sklearn_on_the_used_rows(seed):
    rng = np.random.default_rng(seed)
    n = 200
    labels = rng.integers(0, 5, size=n)  # 0 = unassigned
    truth = np.array(["usa", "europe", "japan"], dtype=object)[rng.integers(0, 3, size=n)]
    truth[rng.random(n) < 0.1] = None
    a = agreement(labels, truth)
    used = (labels != 0) & pd.notna(truth)
    expected = sklearn_scores(truth[used].astype(str), labels[used])
    for name, value in expected.items():
        assert getattr(a, name) == pytest.approx(value, abs=1e-12), name
    assert a.purity == pytest.approx(purity(truth[used].astype(str), labels[used]), abs=1e-12)
    assert a.n_used == used.sum()
    assert a.n_unassigned == (labels == 0).sum()
    assert a.n_missing == pd.isna(truth).sum()
    # the contingency table: clusters x classes counts, as sklearn's contingency matrix
    cm = metrics.cluster.contingency_matrix(labels[used], truth[used].astype(str))
    assert a.contingency.to_numpy().tolist() == cm.tolist()
    assert a.contingency.index.tolist() == sorted(set(labels[used].tolist()))
    assert a.contingency.columns.tolist() == ["europe", "japan", "usa"]
    assert a.unassigned_by_class.sum() == ((labels == 0) & pd.notna(truth)).sum()
    assert set(a.scores()) == {*SCORES, "purity"}


def test_perfect_and_numeric_reference():
    labels = np.array([2, 2, 1, 1, 3, 3])
    a = agreement(labels, pd.Series([7.0, 7.0, 3.0, 3.0, np.nan, 1.0]))
    assert a.ari == 1.0 and a.purity == 1.0 and a.n_missing == 1 and a.n_used == 5
    assert a.contingency.columns.tolist() == [1.0, 3.0, 7.0]


def test_hierarchical_labels_against_a_known_column():
    rng = np.random.default_rng(3)
    truth = np.repeat(["a", "b", "c"], 30)
    X = rng.normal(size=(90, 2)) + np.repeat([[0, 0], [4, 0], [0, 4]], 30, axis=0)
    Z = linkage(X, "ward")
    best, values = best_agreeing_k(Z, truth, ks=range(2, 8))
    assert best == 3
    for k, v in values.items():
        assert v == pytest.approx(metrics.adjusted_rand_score(truth, fcluster(Z, k, "maxclust")))
    k_nmi, _ = best_agreeing_k(Z, truth, ks=[2, 3, 4], score="nmi")
    assert k_nmi == 3


@pytest.mark.oracle
def test_ari_equals_mclust():
    rng = np.random.default_rng(11)
    x = rng.integers(1, 5, size=150)
    y = rng.integers(1, 4, size=150)
    y[:60] = x[:60] % 3 + 1  # some agreement
    out = run_r(
        """d <- read.csv(file.path(dir, "xy.csv"))
        write.csv(data.frame(ari = adjustedRandIndex(d$x, d$y)), file.path(dir, "ari.csv"),
                  row.names = FALSE)""",
        inputs={"xy": pd.DataFrame({"x": x, "y": y})}, outputs=["ari"], packages=["mclust"])
    assert agreement(x, y).ari == pytest.approx(out["ari"]["ari"][0], abs=1e-12)


@pytest.mark.parametrize("labels,reference,match", [
    ([1, 2, 3], ["a", "b"], "has 2 values but there are 3"),
    ([[1, 2]], ["a", "b"], "1-D"),
    ([1, 2], [["a", "b"]], "1-D"),
    ([1.5, 2], ["a", "b"], "whole numbers"),
    (["x", "y"], ["a", "b"], "whole numbers"),
    ([0, 0, 1], ["a", "b", None], "no row has both a cluster and a known value"),
])
def test_refusals(labels, reference, match):
    with pytest.raises(DataError, match=match):
        agreement(labels, reference)


def test_best_k_refusals():
    Z = linkage(np.arange(6.0)[:, None], "single")
    with pytest.raises(DataError, match="score must be one of ari, nmi"):
        best_agreeing_k(Z, list("aabbcc"), score="f1")
    with pytest.raises(DataError, match="at least one k from 1 to 6"):
        best_agreeing_k(Z, list("aabbcc"), ks=[9])
