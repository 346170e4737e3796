"""Callbacks called as plain functions inside the app's Flask context (no browser, no mocks).

The store is the real disk store in a temporary directory.
"""

from __future__ import annotations

import base64
import contextvars

import numpy as np
import pytest
from dash import no_update
from dash._callback_context import context_value
from dash._utils import AttributeDict
from scipy.cluster.hierarchy import fcluster, linkage

from components import ids
from components.figures.tree_data import decode_b64
from components.page import data as data_page
from components.page import model as model_page
from components.page import preview as preview_page
from components.page import tree_view
from components.settings import Settings


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    from app import create_app

    settings = Settings.from_env(data_dir=str(tmp_path_factory.mktemp("data")), max_upload_mb=0.01)
    return create_app(settings)


@pytest.fixture
def in_app(app):
    with app.server.app_context():
        yield app


def _triggered(component_id: str, prop: str) -> None:
    context_value.set(AttributeDict(triggered_inputs=[{"prop_id": f"{component_id}.{prop}", "value": None}]))


def _upload(text: str | bytes, mime: str = "text/csv") -> str:
    data = text.encode() if isinstance(text, str) else text
    return f"data:{mime};base64," + base64.b64encode(data).decode()


def _run(fn, *args):
    # A fresh context per call, as Dash gives each callback.
    return contextvars.copy_context().run(fn, *args)


def _choose(contents, example, filename):
    def go():
        _triggered(ids.UPLOAD if contents is not None else ids.EXAMPLE, "contents" if contents else "value")
        return data_page.choose_dataset(contents, example, None, None, None, filename, None,
                                        None)[:5]

    return _run(go)


# ------------------------------------------------------------------ upload -> error
def test_good_csv_becomes_a_dataset(in_app):
    rng = np.random.default_rng(0)
    csv = "a,b\n" + "\n".join(f"{x:.3f},{y:.3f}" for x, y in rng.standard_normal((20, 2)))
    dataset, message, is_open, name, example = _choose(_upload(csv), "mpg", "pts.csv")
    assert dataset["filename"] == "pts.csv" and len(dataset["dataset_id"]) == 64
    assert example is None, "the example picker is cleared after an upload"
    assert message is None and is_open is False and "Loaded pts.csv" in str(name)


@pytest.mark.parametrize(
    ("content", "filename", "words"),
    [
        ("", "empty.csv", ["empty"]),
        ("a,b\n", "header.csv", ["no rows"]),
        (b"\x00\x01\x02\x03\xff\xfe" * 50, "blob.csv", ["binary"]),
    ],
)
def test_broken_upload_is_reported_and_keeps_the_dataset(in_app, content, filename, words):
    dataset, message, is_open, name, example = _choose(_upload(content), "mpg", filename)
    assert example is no_update
    assert dataset is no_update, "a failed upload must not replace the current dataset"
    assert is_open is True
    assert filename in message
    assert all(w in message.lower() for w in words), message


def test_oversized_upload_says_the_limit(in_app):
    big = "a,b\n" + "1,2\n" * 10_000  # 40 kB > 0.01 MB
    dataset, message, is_open, _, _ = _choose(_upload(big), None, "big.csv")
    assert dataset is no_update and is_open is True
    assert "0.01 MB" in message and "larger" in message


def test_example_becomes_the_dataset(in_app):
    dataset, message, is_open, _, example = _choose(None, "mpg", None)
    assert dataset == {"example": "mpg"} and is_open is False


def test_example_presets_its_choices(in_app):
    out = preview_page.describe_dataset({"example": "mpg"})
    (preview, feat_opts, feats, label_opts, label, missing, one_hot, scaling, method, metric,
     mode, p, sx_opts, sx, sy_opts, sy) = out
    assert label == "name" and missing == "median" and scaling == "zscore"
    assert (method, metric) == ("ward", "euclidean")
    assert mode == "none" and sx != sy
    assert {"label": "name", "value": "name"} in label_opts


# ------------------------------------------------------------------ method / metric
def test_refused_pairs_are_disabled_with_reason(in_app):
    metric_opts, method_opts, note = model_page.pair_options("ward", "euclidean")[:3]
    disabled = {o["value"]: o for o in metric_opts if o["disabled"]}
    assert "cosine" in disabled and "euclidean" not in disabled
    assert "euclidean" in disabled["cosine"]["title"].lower()
    assert "ward" in (disabled["cosine"]["label"] + note).lower()
    metric_opts, method_opts, note = model_page.pair_options("average", "cosine")[:3]
    refused_methods = {o["value"] for o in method_opts if o["disabled"]}
    assert {"ward", "centroid", "median"} <= refused_methods
    assert not any(o["disabled"] for o in metric_opts if o["value"] in ("cosine", "cityblock"))


# ------------------------------------------------------------------ params -> figures
def _render(dataset, *, features=None, label=None, method="ward", metric="euclidean",
            scaling="none", mode="none", p=30, annotate=None, orientation="top",
            sx=None, sy=None, cut=None, previous=None):
    return tree_view.render(dataset, features, label, "drop", False, scaling, method, metric, mode, p,
                     annotate, orientation, True, sx, sy, cut, previous)


def test_example_renders_like_scipy(in_app):
    from clustering.datasets import load_example

    fig, scatter, tree_data, status, took, steps, err, err_open = _render(
        {"example": "tutorial-blobs"}, features=["x", "y"], sx="x", sy="y")
    assert err is None and err_open is False and took.endswith(" s")
    X = load_example("tutorial-blobs")[["x", "y"]].to_numpy(float)
    Z = linkage(X, "ward")
    assert status == "n = 150 · ward · euclidean"
    coph = tree_view.fill_cophenetic(tree_data)
    from scipy.cluster.hierarchy import cophenet
    from scipy.spatial.distance import pdist

    assert coph == f" · cophenetic correlation {cophenet(Z, pdist(X))[0]:.5f}"
    # The example's preset cut (50) gives 2 clusters.
    assert fig.layout.shapes[0].y0 == 50.0 and tree_data["cut"] == 50.0
    assert fig.layout.shapes[0].label.text.endswith("k = 2")
    np.testing.assert_allclose(decode_b64(tree_data["gaps"]).max(), Z[-1, 2], rtol=1e-9)
    colour = np.empty(len(X), dtype=object)
    xs = np.empty(len(X))
    for t in scatter.data:
        if t.meta == "points":
            rows = np.asarray(t.customdata)[:, 0]
            colour[rows] = t.marker.color
            xs[rows] = t.x
    expected = fcluster(Z, 50.0, "distance")
    assert len({(a, b) for a, b in zip(colour.tolist(), expected.tolist(), strict=True)}) == 2
    np.testing.assert_allclose(xs, X[:, 0], rtol=1e-6)


def test_view_change_keeps_the_cut_and_new_tree_resets_it(in_app):
    ds = {"example": "tutorial-blobs"}
    _, _, td, *_ = _render(ds, features=["x", "y"], cut=16.0)
    assert td["cut"] == 50.0  # first draw of this tree: the example's cut
    fig, _, td2, *_ = _render(ds, features=["x", "y"], cut=16.0, previous=td, orientation="left")
    assert td2["cut"] == 16.0 and fig.layout.shapes[0].x0 == 16.0
    _, _, td3, *_ = _render(ds, features=["x", "y"], method="single", cut=16.0, previous=td2)
    assert td3["tree_key"] != td2["tree_key"] and td3["cut"] != 16.0


def test_truncation_and_annotations_reach_the_figure(in_app):
    fig, *_ = _render({"example": "tutorial-blobs"}, features=["x", "y"], mode="lastp", p=12,
                      annotate=20)
    ticks = list(fig.layout.xaxis.ticktext)
    assert len(ticks) == 12 and any(t.startswith("(") for t in ticks)
    annot = next(t for t in fig.data if t.meta == "annot")
    assert len(annot.y) > 0 and min(annot.y) > 20


def test_bad_choices_are_reported_not_raised(in_app):
    out = _render({"example": "mpg"}, features=["name"], label=None)
    fig, scatter, td, status, took, steps, err, err_open = out
    # The previous view stays on screen: nothing but the message changes.
    assert err_open is True and all(o is no_update for o in (fig, scatter, td, status))
    assert "name" in err
    out = _render({"example": "tutorial-blobs"}, method="ward", metric="cosine")
    assert out[7] is True and "euclidean" in out[6].lower()


def test_evicted_upload_is_explained(in_app):
    out = _render({"dataset_id": "0" * 64, "filename": "gone.csv"})
    assert out[7] is True and "upload" in out[6].lower()
