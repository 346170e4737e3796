"""Issue 17's outputs through the Export tab: Newick, JSON tree, the view's tree, and the
Python script that reproduces the view.

Each script run is a fresh interpreter importing pandas and SciPy (~8 s here); three of the
six runs are marked slow (`-m "not slow"` leaves an example and two uploads).

The download callback is called as a plain function in the app's Flask context (real disk
store, as tests/components/analysis/test_tabs.py does). Oracles: SciPy (the script is run in a
subprocess with ``sys.executable`` and its Z and labels compared with the app's tree: heights
to 1e-12 relative, labels exactly, i.e. with the page's numbering), R's ape (reads the Newick
file; ``cophenetic.phylo`` against SciPy's ``cophenet``, 1e-9 relative: ape sums the
branch lengths in its own order).
"""

from __future__ import annotations

import contextvars
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from dash import no_update
from dash._callback_context import context_value
from dash._utils import AttributeDict
from scipy.cluster.hierarchy import cophenet, dendrogram, fcluster, linkage
from scipy.spatial.distance import squareform

from clustering.datasets import load_example
from clustering.newick import from_newick
from clustering.prepare import PrepareOptions
from clustering.tree_files import view_linkage
from clustering.tree_views import lastp_linkage
from components.analysis import export as ex
from components.analysis import export_trees as ex_trees
from components.settings import Settings
from components.state.store import get_store
from components.state.trees import load_tree
from components.view import DatasetRef, TreeSpec
from tests.oracles import run_r
from tests.partitions import same_partition

NEWICK, JSON, SCRIPT = "export-newick.n_clicks", "export-json-tree.n_clicks", "export-script.n_clicks"


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    from app import create_app

    # 2,000 rows exact at most, so blobs-5k goes approximate (500 micro-clusters).
    return create_app(Settings.from_env(data_dir=str(tmp_path_factory.mktemp("data")),
                                        exact_max_rows=2000))


@pytest.fixture
def in_app(app):
    with app.server.app_context():
        yield app


def _run(fn, *args, trigger: str = ""):
    def go():
        context_value.set(AttributeDict(triggered_inputs=[{"prop_id": trigger, "value": 1}]))
        return fn(*args)

    return contextvars.copy_context().run(go)


def tree_data(spec: TreeSpec, cut: float = 50.0) -> dict:
    return {"params": spec.to_json(), "tree_key": spec.key, "cut": cut}


def blobs_spec(method: str = "ward") -> TreeSpec:
    return TreeSpec(DatasetRef(example="tutorial-blobs"), PrepareOptions(features=("x", "y")),
                    method, "euclidean")


def download(spec, trigger, *, cut=20.0, convention="ape", scope="tree", mode="none", p=30):
    """(the file dcc.Download gets, the message under the buttons): the script text shown on
    the page is checked to be the file."""
    out, msg, shown = _run(ex_trees.download_tree, 1, None, None, convention, scope, tree_data(spec),
                           cut, mode, p, trigger=trigger)
    if trigger == SCRIPT and out is not no_update:
        assert shown == out["content"]
    else:
        assert shown is no_update
    return out, msg


# ---------------------------------------------------------------- Newick and JSON
@pytest.mark.parametrize("convention", ["ape", "height"])
def test_newick_reads_back_as_the_pages_tree(in_app, convention):
    spec = blobs_spec("average")
    out, msg = download(spec, NEWICK, convention=convention)
    assert msg == "" and out["filename"] == "tree-tutorial-blobs-average-euclidean.nwk"
    text = out["content"]
    assert text.startswith("[Dendrogram Explorer: tutorial-blobs, average linkage")
    assert ("as.phylo" in text.split("]")[0]) == (convention == "ape")
    tree = load_tree(spec)
    back = from_newick(text, labels=[str(x) for x in tree.prepared.labels],
                       convention=convention)
    np.testing.assert_array_equal(back.Z, tree.Z)


def test_json_tree_has_heights_labels_and_the_cut(in_app):
    spec = blobs_spec()
    out, _ = download(spec, JSON, cut=20.0)
    assert out["filename"] == "tree-tutorial-blobs-ward-euclidean.json"
    root = json.loads(out["content"])
    assert "observation number 0..n-1" in root["about"] and "cut at 20.0" in root["about"]
    X = load_example("tutorial-blobs")[["x", "y"]].to_numpy(float)
    Z = linkage(X, "ward")
    assert root["size"] == 150 and abs(root["height"] - Z[-1, 2]) <= 1e-12 * Z[-1, 2]
    leaves, stack = {}, [root]
    while stack:
        node = stack.pop()
        if "children" in node:
            stack.extend(node["children"])
        else:
            leaves[node["id"]] = node
    assert [leaves[i]["label"] for i in range(150)] == [str(i) for i in range(150)]
    got = np.array([leaves[i]["cluster"] for i in range(150)])
    assert same_partition(got, fcluster(Z, 20.0, "distance"))


def test_view_only_files_follow_the_truncation(in_app):
    spec = blobs_spec()
    Z = np.asarray(load_tree(spec).Z)
    out, _ = download(spec, NEWICK, scope="view", mode="lastp", p=12)
    assert out["filename"] == "view-tree-tutorial-blobs-ward-euclidean.nwk"
    assert "lastp, p = 12" in out["content"]
    back = from_newick(out["content"])
    assert back.n == 12
    Zp, _, _ = lastp_linkage(Z, 12)
    assert sorted(back.Z[:, 2].tolist()) == sorted(Zp[:, 2].tolist())
    # 'level': the leaves are those SciPy's dendrogram draws, counted the same.
    _, labels, nodes = view_linkage(Z, "level", 3)
    drawn = dendrogram(Z, truncate_mode="level", p=3, no_plot=True)["ivl"]
    assert len(labels) == len(drawn)
    assert sorted(int(c) for c in nodes) == sorted(dendrogram(
        Z, truncate_mode="level", p=3, no_plot=True, labels=[str(i) for i in range(150)]
    )["leaves"])
    out, _ = download(spec, JSON, scope="view", mode="level", p=3, cut=40.0)
    root = json.loads(out["content"])
    assert root["size"] == len(drawn)
    # "whole tree" ignores the truncation
    out, _ = download(spec, NEWICK, scope="tree", mode="lastp", p=12)
    assert from_newick(out["content"]).n == 150


# ---------------------------------------------------------------- R: ape reads the file
@pytest.mark.oracle
@pytest.mark.parametrize("convention,scope", [("ape", "tree"), ("height", "tree"),
                                              ("ape", "view")])
def test_ape_cophenetic_equals_scipy(in_app, tmp_path, convention, scope):
    spec = blobs_spec("average")
    out, _ = download(spec, NEWICK, convention=convention, scope=scope, mode="lastp", p=15)
    tree = load_tree(spec)
    Z = np.asarray(tree.Z)
    got = _ape_cophenetic(out["content"], tmp_path)
    if scope == "tree":
        want = squareform(cophenet(Z))
        names = [str(x) for x in tree.prepared.labels]
    else:
        Zv, names, _ = view_linkage(Z, "lastp", 15, [str(x) for x in tree.prepared.labels])
        want = squareform(cophenet(Zv))
    assert sorted(got.index) == sorted(names)
    factor = 2.0 if convention == "height" else 1.0
    np.testing.assert_allclose(got.loc[names, names].to_numpy(), factor * want,
                               rtol=1e-9, atol=1e-9)


def _ape_cophenetic(newick: str, folder: Path) -> pd.DataFrame:
    """ape::cophenetic.phylo of the file, rows and columns named by the tip labels."""
    path = folder / "tree.nwk"
    path.write_text(newick)
    out = run_r(f'''
        t <- read.tree("{path.as_posix()}")
        d <- cophenetic.phylo(t)
        write.csv(data.frame(label = rownames(d), d, check.names = FALSE),
                  file.path(dir, "coph.csv"), row.names = FALSE)
    ''', outputs=["coph"], packages=["ape"])
    frame = out["coph"]
    frame.index = frame.pop("label").astype(str)
    frame.columns = [str(c) for c in frame.columns]
    return frame


# ---------------------------------------------------------------- the script
def run_script(text: str, folder: Path, files: dict[str, bytes] | None = None) -> dict:
    """Run the downloaded script in a fresh interpreter; its printout and the CSVs it wrote."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "reproduce.py").write_text(text)
    for name, data in (files or {}).items():
        (folder / name).write_bytes(data)
    done = subprocess.run([sys.executable, "reproduce.py"], cwd=folder, capture_output=True,
                          text=True, timeout=300, env={"MPLBACKEND": "Agg", "PATH": "/usr/bin"})
    assert done.returncode == 0, done.stderr[-3000:]
    clusters = next(folder.glob("*-clusters.csv"))
    Z = np.loadtxt(next(folder.glob("*-linkage.csv")), delimiter=",", skiprows=1, ndmin=2)
    return {"stdout": done.stdout, "clusters": pd.read_csv(clusters, dtype={"label": str},
                                                           keep_default_na=False), "Z": Z}


def check_same_as_app(spec: TreeSpec, cut: float, got: dict) -> None:
    """The script's Z and clusters are the page's: heights 1e-12, labels exactly."""
    tree = load_tree(spec)
    Z = np.asarray(tree.Z)
    np.testing.assert_array_equal(got["Z"][:, [0, 1, 3]], Z[:, [0, 1, 3]])
    np.testing.assert_allclose(got["Z"][:, 2], Z[:, 2], rtol=1e-12, atol=0)
    c = got["clusters"]
    np.testing.assert_array_equal(c["row"].to_numpy() - 1, tree.prepared.row_ids)
    assert c["label"].tolist() == [str(x) for x in tree.prepared.labels]
    page = tree.index.labels_at(cut)
    np.testing.assert_array_equal(c["cluster"].to_numpy(), page)  # the page's numbering
    assert f"k = {page.max()}" in got["stdout"]
    sizes = ", ".join(f"{i + 1}: {s}" for i, s in enumerate(np.bincount(page)[1:]))
    assert sizes in got["stdout"]


def test_script_reproduces_an_example(in_app, tmp_path):
    spec = blobs_spec()
    out, msg = download(spec, SCRIPT, cut=20.0)
    assert msg == "" and out["filename"] == "reproduce-tutorial-blobs-ward-euclidean.py"
    assert "import clustering" not in out["content"] and "from clustering" not in out["content"]
    got = run_script(out["content"], tmp_path)
    check_same_as_app(spec, 20.0, got)
    assert "matplotlib" in got["stdout"] or (tmp_path / "tutorial-blobs-ward-euclidean-dendrogram.png").exists()


@pytest.mark.slow
def test_script_reproduces_mpg_with_one_hot(in_app, tmp_path):
    """The cars: label column with duplicates, median imputation, z-score, origin one-hot."""
    spec = TreeSpec(DatasetRef(example="mpg"),
                    PrepareOptions(label_column="name", missing="median", one_hot=True,
                                   scaling="zscore"), "average", "cityblock")
    out, msg = download(spec, SCRIPT, cut=6.0)
    assert msg == ""
    newick = download(spec, NEWICK)[0]["content"]
    assert "labels repeat an earlier one" in newick.split("]")[0]  # mpg has repeated car names
    data = (Path(__file__).parents[3] / "clustering" / "data" / "cluster_mpg.csv").read_bytes()
    got = run_script(out["content"], tmp_path, {"cluster_mpg.csv": data})
    check_same_as_app(spec, 6.0, got)


UPLOAD = (
    b"id,a,b,c,kind,when\n"
    b"p,1.5,10,0.3,red,x\n"
    b"q,2.25,,0.1,blue,y\n"
    b",3.0,14,-0.2,,z\n"
    b"s,-1.0,9,0.8,red,x\n"
    b"t,0.5,12,inf,green,y\n"
    b"u,4.75,7,0.05,blue,z\n"
    b"v,2.0,11,0.4,green,x\n"
    b"w,-0.5,13,,red,y\n"
    b"x,3.5,8,0.9,blue,z\n"
    b"y,1.0,15,-0.6,green,x\n"
)


@pytest.mark.parametrize("options,method,metric", [
    (PrepareOptions(features=("a", "b", "c", "kind"), label_column="id", missing="median",
                    one_hot=True, scaling="zscore"), "ward", "euclidean"),
    (PrepareOptions(features=("a", "b", "c"), missing="drop", scaling="minmax"),
     "average", "cityblock"),
    pytest.param(PrepareOptions(features=("c", "kind", "a"), label_column="when",
                                missing="mean", one_hot=True, scaling="whiten"),
                 "complete", "cosine", marks=pytest.mark.slow),
    pytest.param(PrepareOptions(label_column="id", missing="median"), "single", "chebyshev",
                 marks=pytest.mark.slow),
])
def test_script_reproduces_an_upload(in_app, tmp_path, options, method, metric):
    dataset_id = get_store().put_dataset(UPLOAD, "my data.csv")
    spec = TreeSpec(DatasetRef(dataset_id=dataset_id, filename="my data.csv"), options,
                    method, metric)
    Z = np.asarray(load_tree(spec).Z)
    cut = float(np.median(Z[:, 2]))
    out, msg = download(spec, SCRIPT, cut=cut)
    assert msg == "" and out["filename"] == f"reproduce-my-data-{method}-{metric}.py"
    assert "HERE / 'my data.csv'" in out["content"]
    got = run_script(out["content"], tmp_path, {"my data.csv": UPLOAD})
    check_same_as_app(spec, cut, got)


# ---------------------------------------------------------------- approximate trees
def test_approximate_tree_files_say_so_and_the_script_is_refused(in_app):
    spec = TreeSpec(DatasetRef(example="blobs-5k"), PrepareOptions(), "ward", "euclidean")
    out, msg = download(spec, SCRIPT, cut=100.0)
    assert out is no_update and "approximate" in msg and "micro-clusters" in msg
    out, msg = download(spec, NEWICK, cut=100.0)
    head = out["content"].split("]")[0]
    assert "APPROXIMATE" in head and "micro-clusters of the 5,000 rows" in head
    tree = load_tree(spec)
    back = from_newick(out["content"])
    assert back.n == tree.approximate.m and back.labels[0].startswith("micro")
    assert sum(int(lab.split("_")[1][:-4]) for lab in back.labels) == 5000
    root = json.loads(download(spec, JSON, cut=100.0)[0]["content"])
    assert root["size"] == tree.approximate.m and "APPROXIMATE" in root["about"]


# ---------------------------------------------------------------- the tab itself
def test_tab_has_the_new_controls_and_says_when_there_is_no_tree(in_app):
    from components import ids

    found, stack = set(), [ex.export_tab()]
    while stack:
        node = stack.pop()
        if getattr(node, "id", None) is not None:
            found.add(node.id)
        kids = getattr(node, "children", None)
        stack.extend(kids if isinstance(kids, list) else [kids] if kids is not None else [])
    new = {ids.EXPORT_NEWICK, ids.EXPORT_JSON_TREE, ids.EXPORT_SCRIPT, ids.NEWICK_CONVENTION,
           ids.TREE_SCOPE, ids.EXPORT_TREE_NOTE, ids.EXPORT_MESSAGE, ids.EXPORT_SCRIPT_TEXT,
           ids.EXPORT_SCRIPT_COPY}
    assert new <= found
    out = _run(ex_trees.download_tree, 1, None, None, "ape", "tree", None, 1.0, "none", 30,
               trigger=NEWICK)
    assert out == (no_update, "No tree on the page yet.", no_update)
    note = " ".join(li.children for li in ex_trees.describe_tree_files("height", "view"))
    assert "full height differences" in note and "node<id>_<rows>rows" in note
