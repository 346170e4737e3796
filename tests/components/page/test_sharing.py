"""The view <-> link mapping, and restoring a link on the server (no browser)."""

from __future__ import annotations

import string

import pytest
from dash import no_update
from hypothesis import given, settings
from hypothesis import strategies as st

from clustering.errors import DataError
from clustering.linkage import METHODS, method_metric_problem
from clustering.prepare import PrepareOptions
from components import ids
from components.page import sharing as U
from components.page import tree_view
from components.view import DEFAULT_EXAMPLE, DatasetRef, TreeSpec, View

UPLOAD_ID = "ab" * 32
names = st.text(alphabet=string.ascii_letters + string.digits + " ,&=?#%+é/_-", min_size=1,
                max_size=12).filter(lambda s: s.strip() == s and s != "")
heights = st.one_of(st.none(), st.floats(min_value=0, max_value=1e12, allow_nan=False),
                    st.integers(0, 10**6).map(float))


@st.composite
def views(draw):
    method = draw(st.sampled_from(METHODS))
    metric = draw(st.sampled_from(["euclidean", "cityblock", "cosine", "chebyshev"]))
    if method_metric_problem(method, metric):
        metric = "euclidean"
    features = draw(st.one_of(st.none(), st.lists(names, min_size=1, max_size=4, unique=True)))
    dataset = draw(st.sampled_from([DatasetRef(example="mpg"), DatasetRef(dataset_id=UPLOAD_ID)]))
    options = PrepareOptions(features=features, label_column=draw(st.one_of(st.none(), names)),
                             missing=draw(st.sampled_from(["drop", "mean", "median"])),
                             one_hot=draw(st.booleans()),
                             scaling=draw(st.sampled_from(["none", "minmax", "zscore", "whiten"])))
    return View(
        TreeSpec(dataset, options, method, metric),
        truncate_mode=draw(st.sampled_from(["none", "lastp", "level"])),
        truncate_p=draw(st.integers(1, 500)),
        annotate_above=draw(heights),
        orientation=draw(st.sampled_from(["top", "bottom", "left", "right"])),
        show_contracted=draw(st.booleans()),
        scatter_x=draw(st.one_of(st.none(), names)),
        scatter_y=draw(st.one_of(st.none(), names)),
        cut=draw(heights),
    )


@settings(max_examples=150, deadline=None)
@given(views())
def test_every_view_survives_the_link(view):
    assert View.from_query("?" + view.to_query()) == view


def test_the_product_owners_link():
    v = View.from_query("/?dataset=tutorial-blobs&method=ward&metric=euclidean&cut=50"[1:])
    assert v.tree.dataset.to_json() == {"example": "tutorial-blobs"}
    assert (v.tree.method, v.tree.metric, v.cut) == ("ward", "euclidean", 50.0)
    assert v.tree.options.features is None  # every numeric column


def test_a_short_link_takes_the_examples_presets():
    o = View.from_query("?dataset=mpg&cut=3").tree.options
    assert o.scaling == "zscore" and o.label_column == "name" and o.missing == "median"
    # ...and what it says wins over them
    v = View.from_query("?dataset=mpg&scaling=none&label=&method=single")
    assert v.tree.options.scaling == "none" and v.tree.options.label_column is None
    assert v.tree.method == "single"


def test_written_links_are_stable_and_readable():
    q = View(TreeSpec(DatasetRef(example="tutorial-blobs")), cut=50.0).to_query()
    assert q == ("dataset=tutorial-blobs&label=&missing=drop&onehot=0&scaling=none&method=ward"
                 "&metric=euclidean&truncate=none&p=30&orientation=top&contracted=1&cut=50")
    # A height keeps every digit it had
    q = View(TreeSpec(DatasetRef(example="mpg")), cut=0.1 + 0.2).to_query()
    assert View.from_query(q).cut == 0.1 + 0.2


@pytest.mark.parametrize(("query", "words"), [
    ("dataset=mpg&method=nope", "method must be one of"),
    ("dataset=mpg&metric=cosine&method=ward", "euclidean"),
    ("dataset=mpg&cut=-1", "cut must be a finite height"),
    ("dataset=mpg&cut=abc", "cut must be a number"),
    ("dataset=mpg&cut=inf", "cut must be a finite height"),
    ("dataset=mpg&p=x", "p must be a whole number"),
    ("dataset=mpg&orientation=up", "orientation must be one of"),
    ("dataset=../../etc/passwd", "does not know"),
    ("dataset=" + "AB" * 32, "does not know"),  # ids are lowercase hex
])
def test_bad_links_say_what_is_wrong(query, words):
    with pytest.raises(DataError, match=words):
        View.from_query("?" + query)


def test_no_dataset_means_no_view():
    assert View.from_query("") is None
    assert View.from_query("?method=ward") is None


def test_same_tree_compares_what_the_linkage_depends_on():
    from dataclasses import replace

    v = View.from_query("?dataset=mpg&cut=3")
    assert v.same_tree(v.tree)
    assert v.same_tree(replace(v, cut=9.0, orientation="left"))
    assert not v.same_tree(replace(v.tree, metric="cityblock"))
    assert not v.same_tree(replace(v.tree, options=replace(v.tree.options, scaling="none")))
    assert not v.same_tree(None)


# ------------------------------------------------------------------ restoring on the server
def _apply(app, search, dataset=None, tree_data=None, current=None):
    with app.server.app_context():
        return U.apply_url({"search": search}, dataset, tree_data,
                           *(current or [None] * len(ids.VIEW_CONTROLS)))


def test_a_link_to_an_example_picks_it_and_parks_the_view(app):
    out = _apply(app, "?dataset=mpg&method=average&metric=cityblock&cut=3")
    dataset, example, pending, cut, err, err_open = out[:6]
    # Another dataset: its own change asks for the tree (page/compute.py), not view-opened.
    assert len(out) == 7 + len(ids.VIEW_CONTROLS) and out[-1] is no_update
    assert example == "mpg" and pending["stage"] == "dataset"
    view = View.from_query(pending["query"])
    assert view.tree.method == "average" and view.cut == 3.0
    assert err_open is False


def test_a_link_to_a_stored_upload_opens_it_with_its_name(app):
    from components.state.store import get_store

    with app.server.app_context():
        ds = get_store().put_dataset(b"x,y\n1,2\n3,4\n5,7\n", "mine.csv")
    out = _apply(app, f"?dataset={ds}&cut=1.5")
    assert out[0] == {"dataset_id": ds, "filename": "mine.csv"}
    assert out[1] is None and View.from_query(out[2]["query"]).cut == 1.5
    assert out[2]["dataset"] == {"dataset_id": ds, "filename": "mine.csv"}


def test_a_link_to_a_gone_upload_names_it_and_the_page_says_so(app):
    out = _apply(app, f"?dataset={'cd' * 32}&method=ward")
    assert out[0] == {"dataset_id": "cd" * 32, "filename": None}
    with app.server.app_context():
        fig, _, td, *_, err, err_open = tree_view.render(out[0], [], None, "drop", False, "none", "ward",
                                                  "euclidean", "none", 30, None, "top", True,
                                                  None, None, None, None)
    # Nothing is drawn for it (what was on screen stays); the error area says why.
    assert err_open is True and td is no_update
    assert err.startswith("The dataset this link points to is no longer stored on this server "
                          "(id cdcdcdcdcdcd…); upload the file again.")


def test_a_broken_link_opens_the_default_example_with_a_message(app):
    out = _apply(app, "?dataset=mpg&method=nope")
    assert out[1] == DEFAULT_EXAMPLE and out[5] is True and "method must be one of" in out[4]
    out = _apply(app, "")
    assert out[1] == DEFAULT_EXAMPLE and out[5] is False


def test_back_within_a_dataset_sets_only_the_pickers_that_differ(app):
    from dataclasses import replace

    v = View.from_query("?dataset=mpg&cut=3")
    params = v.tree.to_json()
    current = v.control_values()
    # Same tree, other cut: only the cut moves.
    out = _apply(app, "?" + replace(v, cut=7.5).to_query(), {"example": "mpg"},
                 {"params": params}, current)
    assert out[3] == 7.5 and out[2] is None
    # The same dataset: nothing else would ask for its tree, so the link says it may be asked.
    assert isinstance(out[-1], str) and out[-1]
    assert all(x is not None and not isinstance(x, list | str | float | bool)
               for x in out[6:-1])
    # Other method: that picker changes, and the cut waits for the new tree.
    other = View(replace(v.tree, method="single"), cut=2.0)
    out = _apply(app, "?" + other.to_query(), {"example": "mpg"}, {"params": params}, current)
    changed = {cid: val for cid, val in zip(ids.VIEW_CONTROLS, out[6:-1], strict=True)
               if isinstance(val, str | list | bool | int | float) or val is None}
    assert changed == {"method": "single"}
    assert out[2]["stage"] == "controls" and View.from_query(out[2]["query"]).cut == 2.0
