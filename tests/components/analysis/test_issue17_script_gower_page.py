"""Issue 17, point 6: the Export tab's script for a Gower tree of an upload (mixed numbers and
categories, missing cells) runs in a fresh interpreter to the page's Z (1e-12), rows, labels
and clusters exactly; before this the tab refused Gower trees."""

from __future__ import annotations

import numpy as np
import pytest

from clustering.prepare import PrepareOptions
from components.state.store import get_store
from components.state.trees import load_tree
from components.view import DatasetRef, TreeSpec
from tests.components.analysis.test_exports_more import check_same_as_app, run_script
from tests.components.analysis.test_issue17_script_partition import download, hand_edited

MIXED = (
    b"name,height,colour,size,kind\n"
    b"p1,1.5,red,small,x\n"
    b"p2,2.25,blue,,y\n"
    b"p3,,red,large,x\n"
    b"p4,-1.0,green,small,z\n"
    b"p5,0.5,,medium,y\n"
    b"p6,4.75,blue,large,x\n"
    b"p7,2.0,green,small,y\n"
    b"p8,-0.5,red,medium,z\n"
    b"p9,3.5,blue,large,x\n"
    b"p10,1.0,green,small,y\n"
    b"p11,2.6,red,medium,z\n"
    b"p12,0.1,blue,small,x\n"
)


@pytest.mark.parametrize("options, method", [
    (PrepareOptions(label_column="name", missing="mean"), "average"),
    (PrepareOptions(label_column="name", missing="drop", one_hot=True, scaling="zscore"),
     "complete"),
])
def test_gower_script_runs_to_the_pages_tree(in_app, tmp_path, options, method):
    dataset_id = get_store().put_dataset(MIXED, "mixed.csv")
    spec = TreeSpec(DatasetRef(dataset_id=dataset_id, filename="mixed.csv"), options, method,
                    "gower")
    tree = load_tree(spec)
    cut = float(np.median(tree.Z[:, 2]))
    out, msg = download(spec, cut, None)
    assert msg == "", msg
    assert "GOWER_KINDS = {'height': 'numeric', 'colour': 'nominal', 'size': 'nominal'" \
        in out["content"]
    got = run_script(out["content"], tmp_path, {"mixed.csv": MIXED})
    check_same_as_app(spec, cut, got)


def test_gower_script_with_hand_edits(in_app, tmp_path):
    dataset_id = get_store().put_dataset(MIXED, "mixed.csv")
    spec = TreeSpec(DatasetRef(dataset_id=dataset_id, filename="mixed.csv"),
                    PrepareOptions(label_column="name", missing="mean"), "average", "gower")
    from components.state.partition import view_labels

    cut = float(load_tree(spec).Z[-3, 2]) - 1e-12
    part = hand_edited(spec, cut)
    out, msg = download(spec, cut, part)
    assert msg == ""
    got = run_script(out["content"], tmp_path, {"mixed.csv": MIXED})
    np.testing.assert_array_equal(got["clusters"]["cluster"].to_numpy(),
                                  view_labels(load_tree(spec), cut, part))
