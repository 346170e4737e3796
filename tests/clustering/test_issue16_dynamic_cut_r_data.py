"""dynamic_cut equals R's cutreeDynamic on R's own data sets (issue 16, "How we know").

dynamicTreeCut ships no examples (``example(cutreeDynamic)``: "has a help file but no
examples"), so R's own examples here are R's ``datasets``: iris (duplicated rows, so tied
heights at 0), USArrests, faithful and swiss, read in R itself. Ties make R's ``hclust`` and
SciPy free to build different (equally valid) trees, so R is handed SciPy's tree as an
``hclust`` object (``r_tree``: R's merge, height and order) with ``dist(X)``: any difference
is then the cut's. The full grid of ``tests/clustering/test_dynamic_cut.py``: "hybrid" with
deepSplit 0-4 (PAM stage on, off, and not respecting the dendrogram), "tree" with deepSplit
FALSE and TRUE, minClusterSize 5, 20 and 50 (where n allows), labels equal in R's own
numbering, unassigned rows (0) included.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.cluster.hierarchy import linkage
from scipy.spatial.distance import pdist, squareform

from clustering.dynamic_cut import r_tree
from tests.clustering.test_dynamic_cut import CUTREE_GRID_R, grid, ours
from tests.oracles import run_r
from tests.partitions import same_partition

pytestmark = pytest.mark.oracle

# name -> (R expression giving a numeric matrix, SciPy method)
R_DATA = {
    "iris": ("as.matrix(iris[, 1:4])", "average"),
    "USArrests": ("scale(USArrests)", "complete"),
    "faithful": ("as.matrix(faithful)", "ward"),
    "swiss": ("scale(swiss)", "average"),
}

CUT = """
X <- as.matrix(read.csv(file.path(dir, "X.csv")))
D <- as.matrix(dist(X)); dimnames(D) <- NULL
t <- read.csv(file.path(dir, "tree.csv"))
h <- structure(list(merge = cbind(t$m1, t$m2), height = t$height,
                    order = read.csv(file.path(dir, "order.csv"))$order,
                    labels = NULL, method = "scipy", dist.method = "euclidean"),
               class = "hclust")
storage.mode(h$merge) <- "integer"
""" + CUTREE_GRID_R


@pytest.fixture(scope="module")
def r_data() -> dict[str, np.ndarray]:
    """Each data set as R holds it (one R run for all)."""
    script = "".join(
        f'write.csv(unname({expr}), file.path(dir, "{name}.csv"), row.names = FALSE)\n'
        for name, (expr, _) in R_DATA.items())
    out = run_r(script, outputs=list(R_DATA))
    return {name: out[name].to_numpy(dtype=np.float64) for name in R_DATA}


@pytest.mark.parametrize("name", list(R_DATA))
def test_equals_cutree_dynamic_on_r_datasets(r_data, name):
    X = r_data[name]
    d = pdist(X)
    Z = linkage(d, R_DATA[name][1])
    rt = r_tree(Z)
    combos = grid(X.shape[0], float(np.quantile(Z[:, 2], 0.9)))
    tree = pd.DataFrame({"m1": rt.merge[:, 0], "m2": rt.merge[:, 1], "height": rt.height})
    frame = pd.DataFrame(combos, columns=["method", "mcs", "ds", "pam", "resp", "cut", "mpd",
                                          "rsc"])
    out = run_r(CUT, inputs={"X": pd.DataFrame(X), "tree": tree,
                             "order": pd.DataFrame({"order": rt.order}), "combos": frame},
                outputs=["labels"], packages=["dynamicTreeCut"])
    labels = out["labels"].to_numpy()
    D = squareform(d)
    mcs_seen = set()
    for j, combo in enumerate(combos):
        mine, theirs = ours(Z, D, combo), labels[:, j]
        assert same_partition(mine, theirs), combo
        assert np.array_equal(mine == 0, theirs == 0), combo
        assert np.array_equal(mine, theirs), ("R's numbering", combo)
        mcs_seen.add(combo[1])
    # The grid is not vacuous: several clusters somewhere, and every minClusterSize n allows.
    assert labels.max() >= 2
    assert mcs_seen == {m for m in (5, 20, 50) if 2 * m <= X.shape[0]}


def test_iris_has_tied_heights(r_data):
    """The case R's own hclust could order differently: why R is handed SciPy's tree."""
    Z = linkage(pdist(r_data["iris"]), "average")
    assert (np.diff(Z[:, 2]) == 0).any() and (Z[:, 2] == 0).any()
