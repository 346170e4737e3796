"""Issue 15: support and stability for a tree linked from an uploaded distance matrix.

Row subsampling and cluster stability resample the items and use only their distances, so they
run on the uploaded matrix itself (not on the MDS points the scatter draws); the feature
bootstrap needs columns and is refused with the reason. Checked against the library's one-call
functions on the same matrix (exact, same seed) and against R's ``fpc::clusterboot`` given a
``dist`` object (mean Jaccard within 4 combined Monte Carlo standard errors + 0.01, as
tests/clustering/test_stability.py explains).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.spatial.distance import pdist, squareform

from clustering.stability import cluster_stability
from clustering.subsampling import row_support
from components.analysis import support as sup_tab
from components.jobs import replicates as rep
from components.state.store import get_store
from components.state.trees import load_tree
from components.view import DatasetRef, TreeSpec
from tests.oracles import run_r
from tests.partitions import same_partition


def groups(n: int = 45, seed: int = 3) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = np.array([[0.0, 0.0], [6.0, 0.0], [2.5, 2.0]])
    return centres[np.arange(n) % 3] + rng.normal(0, 1.0, (n, 2))


def square_csv(D: np.ndarray) -> bytes:
    labels = [f"s{i}" for i in range(len(D))]
    rows = [",".join(["item", *labels])]
    rows += [",".join([lab, *(repr(float(v)) for v in row)]) for lab, row in zip(labels, D, strict=True)]
    return ("\n".join(rows) + "\n").encode()


@pytest.fixture(scope="module")
def D() -> np.ndarray:
    return squareform(pdist(groups(), "cityblock"))


@pytest.fixture
def tree(app, D):
    with app.server.app_context():
        dataset_id = get_store().put_dataset(square_csv(D), "dist.csv")
        ref = DatasetRef(dataset_id=dataset_id, filename="dist.csv", kind="distances")
        yield load_tree(TreeSpec(ref, method="average", metric="precomputed"))


def test_rows_and_stability_run_and_the_feature_bootstrap_says_why_not(tree):
    assert rep.no_rows_reason(tree) is None
    assert rep.problem(tree, "stability") is None
    assert rep.problem(tree, "support", "rows") is None
    why = rep.problem(tree, "support", "features")
    assert why == rep.NO_FEATURES and "no columns to resample" in why
    kind, text = rep.suggestion(tree)
    assert kind == "rows" and "distance matrix" in text


def test_the_page_suggests_row_subsampling_for_a_matrix(app, tree):
    with app.server.app_context():
        note, kind, _ = sup_tab.suggest({"params": tree.spec.to_json()}, None)
    assert kind == "rows" and "distance matrix" in str(note)


def test_stability_job_uses_the_uploaded_distances(app, tree, D):
    with app.server.app_context():
        labels = tree.index.labels_for_k(3)
        work = rep.Work("stability", tree.spec, "", 20, 5, 3)
        got = rep.run_local(work, tree, workers=1)
    want = cluster_stability(D, "average", "precomputed", labels, n_boot=20, seed=5)
    pd.testing.assert_frame_equal(got.table, want.table)


def test_row_support_job_uses_the_uploaded_distances(app, tree, D):
    with app.server.app_context():
        work = rep.Work("support", tree.spec, "rows", 20, 2)
        got = rep.run_local(work, tree, workers=1)
    want = row_support(D, "average", "precomputed", n_boot=20, fraction=rep.ROW_FRACTION,
                       seed=2, Z=tree.Z)
    pd.testing.assert_frame_equal(got.table, want.table)


def test_the_feature_bootstrap_plan_is_refused(app, tree):
    from clustering.errors import DataError

    with app.server.app_context(), pytest.raises(DataError, match="no columns to resample"):
        rep.make_plan(rep.Work("support", tree.spec, "features", 10, 1), tree)


@pytest.mark.oracle
def test_stability_from_a_distance_matrix_matches_clusterboot_on_a_dist(app, tree, D):
    B = 150
    with app.server.app_context():
        st = rep.run_local(rep.Work("stability", tree.spec, "", B, 9, 3), tree, workers=1)
        labels = tree.index.labels_for_k(3)
    out = run_r("""
D <- as.matrix(read.csv(file.path(dir, "D.csv")))
cb <- clusterboot(as.dist(D), B = 150, distances = TRUE, bootmethod = "boot",
                  clustermethod = disthclustCBI, method = "average", k = 3, count = FALSE,
                  seed = 21)
write.csv(data.frame(partition = cb$partition), file.path(dir, "part.csv"), row.names = FALSE)
write.csv(data.frame(mean = cb$bootmean, sd = apply(cb$bootresult, 1, sd)),
          file.path(dir, "boot.csv"), row.names = FALSE)
""", inputs={"D": pd.DataFrame(D)}, outputs=["part", "boot"], packages=["fpc"])
    r_part = out["part"]["partition"].to_numpy()
    assert same_partition(labels, r_part)
    clusters = np.unique(labels)
    beyond = []
    for j, c in enumerate(clusters):
        e = out["boot"].iloc[r_part[np.flatnonzero(labels == c)[0]] - 1]
        t = st.table.iloc[j]
        tol = 4 * np.hypot(t["se_jaccard"], e["sd"] / np.sqrt(B)) + 0.01
        if abs(t["mean_jaccard"] - e["mean"]) > tol:
            beyond.append((j, t["mean_jaccard"], e["mean"], tol))
    assert not beyond, beyond
