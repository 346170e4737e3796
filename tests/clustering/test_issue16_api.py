"""Issue 16, point 5: the service API as the issue states it.

``dynamic_cut(Z, D_or_X, method="tree"|"hybrid", min_cluster_size, deep_split, pam_stage, ...)``
with R's defaults for what is not given (checked against R called with no arguments),
``partition_from_roots(Z, roots)``, ``agreement(labels, reference)``, ``bakers_gamma(Z1, Z2)``,
``cophenetic_between(Z1, Z2)``: exported from ``clustering``, numpydoc with a doctest.
"""

from __future__ import annotations

import doctest
import inspect

import numpy as np
import pandas as pd
import pytest
from scipy.cluster.hierarchy import linkage
from scipy.spatial.distance import pdist, squareform

import clustering
from clustering.errors import DataError
from tests.clustering.test_dynamic_cut import blobs
from tests.oracles import run_r

API = ("dynamic_cut", "partition_from_roots", "agreement", "bakers_gamma", "cophenetic_between")


@pytest.mark.parametrize("name", API)
def test_exported_with_numpydoc_and_a_doctest(name):
    fn = getattr(clustering, name)
    assert name in clustering.__all__
    doc = inspect.getdoc(fn)
    for section in ("Parameters\n----------", "Returns\n-------", "Examples\n--------"):
        assert section in doc, (name, section)
    module = inspect.getmodule(fn)
    tests = doctest.DocTestFinder().find(fn, name, module=module, globs=vars(module).copy())
    assert tests and tests[0].examples, name
    runner = doctest.DocTestRunner()
    for t in tests:
        runner.run(t)
    assert runner.failures == 0, name


def test_signatures():
    sig = inspect.signature(clustering.dynamic_cut)
    params = list(sig.parameters.values())
    assert [p.name for p in params[:2]] == ["Z", "D"]
    assert params[1].kind is inspect.Parameter.POSITIONAL_OR_KEYWORD
    defaults = {p.name: p.default for p in params}
    assert defaults["method"] == "hybrid" and defaults["min_cluster_size"] == 20
    assert defaults["deep_split"] is None and defaults["pam_stage"] is True
    assert list(inspect.signature(clustering.partition_from_roots).parameters)[:2] == ["tree",
                                                                                      "roots"]
    assert list(inspect.signature(clustering.agreement).parameters)[:2] == ["labels",
                                                                           "reference"]
    for name in ("bakers_gamma", "cophenetic_between"):
        assert list(inspect.signature(getattr(clustering, name)).parameters) == ["Z1", "Z2"]


def test_second_argument_is_the_distances_or_the_rows():
    X = blobs(4, 120)
    d = pdist(X)
    Z = linkage(d, "average")
    want = clustering.dynamic_cut(Z, d, min_cluster_size=10)
    assert np.array_equal(clustering.dynamic_cut(Z, X, min_cluster_size=10), want)
    assert np.array_equal(clustering.dynamic_cut(Z, squareform(d), min_cluster_size=10), want)
    assert np.array_equal(clustering.dynamic_cut(Z, X=X, min_cluster_size=10), want)
    # Rows with another metric: positional rows take ``metric`` as X= does.
    Zc = linkage(pdist(X, "cityblock"), "average")
    assert np.array_equal(clustering.dynamic_cut(Zc, X, metric="cityblock", min_cluster_size=10),
                          clustering.dynamic_cut(Zc, pdist(X, "cityblock"), min_cluster_size=10))
    with pytest.raises(DataError, match="not both"):
        clustering.dynamic_cut(Z, X, X=X)
    with pytest.raises(DataError, match=r"or the rows 120 x d"):
        clustering.dynamic_cut(Z, X[:7])


@pytest.mark.oracle
def test_r_defaults_when_nothing_is_given():
    """R called with no optional argument; ours called with none either."""
    X = blobs(12, 160)
    d = pdist(X)
    Z = linkage(d, "average")
    out = run_r("""
    X <- as.matrix(read.csv(file.path(dir, "X.csv")))
    D <- as.matrix(dist(X)); dimnames(D) <- NULL
    h <- hclust(as.dist(D), "average")
    write.csv(data.frame(hybrid = cutreeDynamic(h, distM = D, verbose = 0),
                         tree = cutreeDynamic(h, method = "tree", verbose = 0)),
              file.path(dir, "labels.csv"), row.names = FALSE)
    write.csv(data.frame(height = h$height), file.path(dir, "h.csv"), row.names = FALSE)
    """, inputs={"X": pd.DataFrame(X)}, outputs=["labels", "h"], packages=["dynamicTreeCut"])
    np.testing.assert_allclose(out["h"]["height"], Z[:, 2], rtol=1e-9)
    hybrid = clustering.dynamic_cut(Z, d)
    tree = clustering.dynamic_cut(Z, method="tree")
    assert hybrid.max() >= 2 and tree.max() >= 2
    assert np.array_equal(hybrid, out["labels"]["hybrid"].fillna(0).to_numpy())
    assert np.array_equal(tree, out["labels"]["tree"].fillna(0).to_numpy())
