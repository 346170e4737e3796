"""Uploads that are not feature tables, through the page's callbacks as plain functions: the
kind is guessed with a reason, a distance matrix gives SciPy's linkage(squareform(D), method),
bad matrices are refused naming cells (the dataset stays), trees draw."""

from __future__ import annotations

import base64
import contextvars

import numpy as np
import pytest
from dash import no_update
from dash._callback_context import context_value
from dash._utils import AttributeDict
from scipy.cluster.hierarchy import linkage
from scipy.spatial.distance import pdist, squareform

from components import ids
from components.page import data as data_page
from components.page import model as model_page
from components.page import tree_view
from components.view import View


def _upload(text: str | bytes) -> str:
    data = text.encode() if isinstance(text, str) else text
    return "data:text/csv;base64," + base64.b64encode(data).decode()


def _call(trigger: str, prop: str, *args):
    def go():
        context_value.set(AttributeDict(triggered_inputs=[{"prop_id": f"{trigger}.{prop}",
                                                           "value": None}]))
        return data_page.choose_dataset(*args)

    return contextvars.copy_context().run(go)


def upload(text, filename, kind=None, similarity=None):
    return _call(ids.UPLOAD, "contents", _upload(text), None, kind, similarity, None, filename,
                 None, None)


def choose_kind(kind, pending, similarity=None):
    return _call(ids.UPLOAD_KIND, "value", None, None, kind, similarity, None, None, None,
                 pending)


def square_csv(D, labels):
    head = "item," + ",".join(labels)
    rows = [f"{lab}," + ",".join(repr(float(v)) for v in row) for lab, row in zip(labels, D, strict=True)]
    return "\n".join([head, *rows]) + "\n"


def render(dataset, method="average"):
    return tree_view.render(dataset, None, None, "drop", False, "none", method, "euclidean",
                            "none", 30, None, "top", True, None, None, None, None)


@pytest.mark.parametrize("method", ["single", "complete", "average", "weighted", "ward",
                                    "centroid", "median"])
def test_square_matrix_gives_scipy_linkage(in_app, method):
    rng = np.random.default_rng(7)
    X = rng.standard_normal((12, 3))
    D = squareform(pdist(X, "cityblock"))
    labels = [f"s{i}" for i in range(12)]
    out = upload(square_csv(D, labels), "d.csv")
    dataset, message, is_open, _name, _ex, kind, reason = out[:7]
    assert message is None and is_open is False
    assert kind == "distances" and "zero diagonal" in reason and "symmetric" in reason
    assert dataset["kind"] == "distances"
    from components.state.trees import load_tree
    from components.view import TreeSpec

    fig, scatter, tree_data, status, *_rest, err, err_open = render(dataset, method)
    assert err is None, err
    assert status == f"n = 12 · {method} · precomputed"
    tree = load_tree(TreeSpec.from_controls(dataset, None, None, None, None, None, method,
                                            "cosine"))
    np.testing.assert_allclose(tree.Z, linkage(squareform(D), method), rtol=1e-12, atol=0)
    assert list(tree.prepared.labels) == labels
    assert "MDS" in str(scatter.layout.title.text)
    # the link carries the kind and reopens the same tree
    v = View.from_query("?" + tree_data["query"])
    assert v.tree == tree.spec and v.tree.dataset.kind == "distances"


def test_metric_disabled_and_method_note(in_app):
    D = squareform(pdist(np.arange(8.0).reshape(4, 2)))
    dataset = upload(square_csv(D, list("abcd")), "d.csv")[0]
    opts, _methods, note, metric_off, method_off = model_page.pair_options("ward", "euclidean",
                                                                           dataset)
    assert metric_off is True and method_off is False
    assert [o["value"] for o in opts] == ["precomputed"]
    assert "no metric to choose" in note and "Ward linkage on a precomputed matrix" in note


def test_similarity_converted_as_chosen(in_app):
    S = np.array([[1, 0.8, 0.1], [0.8, 1, 0.3], [0.1, 0.3, 1]])
    out = upload(square_csv(S, list("abc")), "s.csv")
    assert out[5] == "similarities"
    dataset = out[0]
    assert dataset["similarity"] == "one_minus"
    assert any("1 − s" in str(x) or "1 - s" in str(x) for x in out[3]), out[3]
    out2 = choose_kind("similarities", out[7], "max_minus")
    assert out2[0]["similarity"] == "max_minus"


@pytest.mark.parametrize(("text", "words"), [
    ("item,a,b,c\na,0,1,2\nb,1.5,0,3\nc,2,3,0\n", ["not symmetric", "row 'a', column 'b'"]),
    ("item,a,b,c\na,0,-1,2\nb,-1,0,3\nc,2,3,0\n", ["negative", "'a'", "'b'"]),
    ("item,a,b,c\na,0,,2\nb,,0,3\nc,2,3,0\n", ["'a'", "'b'"]),
    ("item,a,b,x\na,0,1,2\nb,1,0,3\nc,2,3,0\n", ["same items", "'c'", "'x'"]),
    ("item,a,b\na,0,1\nb,1,0\nc,2,3\n", ["square", "3 rows", "2 columns"]),
])
def test_bad_matrix_named_and_dataset_kept(in_app, text, words):
    out = choose_kind("distances", {"dataset_id": None, "filename": "bad.csv"})
    assert out[0] is no_update  # nothing uploaded yet: nothing happens
    out = upload(text, "bad.csv")
    pending = out[7]
    if out[5] != "distances":
        out = choose_kind("distances", pending)
    dataset, message, is_open = out[:3]
    assert dataset is no_update and is_open is True
    assert all(w in message for w in words), message


def test_one_column_is_features_unless_chosen(in_app):
    out = upload("v\n1\n2\n3\n", "v.csv")
    assert out[5] == "features" and "condensed" in out[6]
    out = choose_kind("condensed", out[7])
    assert out[0]["kind"] == "condensed" and out[2] is False


def test_newick_draws(in_app):
    out = upload("((a:1,b:1):2,(c:1.5,d:1.5):1.5);", "t.nwk")
    assert out[5] == "newick"
    dataset = out[0]
    fig, scatter, tree_data, status, *_r, err, _open = render(dataset)
    assert err is None, err
    assert status.startswith("n = 4 · from the file")
    _o, _m, note, metric_off, method_off = model_page.pair_options("ward", "euclidean", dataset)
    assert metric_off and method_off and "comes with the file" in note


def test_linkage_csv_with_labels(in_app):
    Z = linkage(np.arange(10.0).reshape(5, 2) ** 1.5, "average")
    text = "\n".join(",".join(repr(float(v)) for v in row) for row in Z) + "\n"
    out = upload(text, "z.csv")
    assert out[5] == "linkage", out[6]
    pending = out[7]
    labs = "\n".join("abcde") + "\n"
    got = _call(ids.LABELS_UPLOAD, "contents", None, None, "linkage", None, _upload(labs), None,
                "l.txt", pending)
    assert got[0]["labels_id"] and got[2] is False
    from components.state.inputs import load_input
    from components.view import DatasetRef

    assert load_input(DatasetRef.from_json(got[0])).labels == tuple("abcde")


# ------------------------------------------------------------------ Gower
MIXED = ("name,height,colour,size\n"
         "p1,1.0,red,S\np2,2.5,blue,M\np3,,red,L\np4,4.0,green,M\np5,3.5,blue,\n"
         "p6,0.5,red,S\np7,5.0,green,L\np8,2.0,,M\n")


def render_with(dataset, method, metric, label=None, missing="drop"):
    return tree_view.render(dataset, None, label, missing, False, "none", method, metric,
                            "none", 30, None, "top", True, None, None, None, None)


def test_gower_table_gives_the_services_tree(in_app):
    import io

    import pandas as pd

    from clustering.gower import gower_distances
    from components.state.trees import load_tree
    from components.view import TreeSpec

    dataset = upload(MIXED, "mixed.csv")[0]
    assert "kind" not in dataset  # a feature table
    opts = model_page.pair_options("average", "gower", dataset)
    assert opts[2] == "" or "ward" in opts[2]
    assert {o["value"]: o["disabled"] for o in opts[1]}["ward"] is True
    assert any(o["value"] == "gower" and "mixed" in o["label"] for o in opts[0])
    fig, scatter, tree_data, status, _t, steps, err, _o = render_with(dataset, "average", "gower",
                                                                       label="name",
                                                                       missing="mean")
    assert err is None, err
    assert status == "n = 8 · average · gower"
    assert "Gower distances" in str(steps)
    frame = pd.read_csv(io.StringIO(MIXED))
    want = linkage(gower_distances(frame[["height", "colour", "size"]], condensed=True),
                   "average")
    spec = TreeSpec.from_controls(dataset, None, "name", "mean", False, "none", "average",
                                  "gower")
    np.testing.assert_allclose(load_tree(spec).Z, want, rtol=1e-12, atol=0)
    # ward needs Euclidean input: refused with the reason, the view kept
    *_r, err, is_open = render_with(dataset, "ward", "gower", label="name")
    assert is_open and "Euclidean" in err


def test_gower_is_exact_only(in_app, monkeypatch):
    from components.state import inputs
    from components.state.store import get_settings

    small = get_settings().__class__.from_env(exact_max_rows=5)
    monkeypatch.setattr(inputs, "get_settings", lambda: small)
    dataset = upload(MIXED.replace("p8", "q8"), "mixed2.csv")[0]
    *_r, err, is_open = render_with(dataset, "average", "gower", label="name", missing="mean")
    assert is_open and "Gower distances are exact-only" in err, err


# ------------------------------------------------------------------ reproduce script
@pytest.mark.parametrize(("kind_text", "similarity", "method"), [
    ("distances", None, "average"), ("distances", None, "ward"),
    ("similarities", "one_minus", "complete"), ("similarities", "max_minus", "single")])
def test_script_of_a_matrix_upload_gives_the_pages_tree(in_app, tmp_path, kind_text,
                                                        similarity, method):
    import subprocess
    import sys

    import pandas as pd

    from components.analysis.export_trees import script_text
    from components.state.trees import load_tree
    from components.view import TreeSpec

    rng = np.random.default_rng(11)
    X = rng.normal(size=(15, 4))
    D = squareform(pdist(X))
    labels = [f"x{i}" for i in range(15)]
    order = rng.permutation(15)  # columns in another order than the rows: the page reorders
    M = D if similarity is None else np.exp(-D)
    head = "id," + ",".join(labels[j] for j in order)
    text = "\n".join([head] + [f"{labels[i]}," + ",".join(repr(float(M[i, j])) for j in order)
                               for i in range(15)]) + "\n"
    name = f"m-{kind_text}-{method}.csv"
    out = upload(text, name)
    if out[5] != kind_text or similarity:
        out = choose_kind(kind_text, out[7], similarity)
    dataset = out[0]
    assert out[2] is False, out[1]
    spec = TreeSpec.from_controls(dataset, None, None, None, None, None, method, None)
    tree = load_tree(spec)
    cut = float(tree.Z[-3, 2])
    script = script_text(tree, cut)
    (tmp_path / name).write_text(text)
    (tmp_path / "s.py").write_text(script)
    run = subprocess.run([sys.executable, "s.py"], cwd=tmp_path, capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0, run.stderr
    stem = next(p.name[:-len("-linkage.csv")] for p in tmp_path.glob("*-linkage.csv"))
    Z = np.loadtxt(tmp_path / f"{stem}-linkage.csv", delimiter=",", skiprows=1)
    np.testing.assert_allclose(Z, tree.Z, rtol=1e-12, atol=0)
    rows = pd.read_csv(tmp_path / f"{stem}-clusters.csv")
    assert list(rows["label"]) == labels
    np.testing.assert_array_equal(rows["cluster"].to_numpy(), tree.index.labels_at(cut))
