"""Issue 17, point 6 for matrix uploads that are numbers only: a condensed vector (one column of
text with a header, or a .npy) and a square .npy matrix, distances or similarities. The Export
tab's script (before: refused for these) runs in a fresh interpreter to the page's Z (1e-12),
item names and clusters exactly."""

from __future__ import annotations

import io

import numpy as np
import pytest
from scipy.spatial.distance import pdist, squareform

from clustering.prepare import PrepareOptions
from components.state.partition import view_labels
from components.state.store import get_store
from components.state.trees import load_tree
from components.view import DatasetRef, TreeSpec
from tests.components.analysis.test_exports_more import run_script
from tests.components.analysis.test_issue17_script_partition import download, hand_edited


def npy(a: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, a)
    return buf.getvalue()


rng = np.random.default_rng(1717)
X = np.vstack([rng.normal(c, 0.7, size=(7, 3)) for c in (0, 4, 8)])
V = pdist(X, "cityblock")

FILES = {
    "condensed-text": ("v.csv", ("dist\n" + "\n".join(repr(float(x)) for x in V) + "\n").encode(),
                       "condensed", None),
    "condensed-npy": ("v.npy", npy(V), "condensed", None),
    "square-npy": ("d.npy", npy(squareform(V)), "distances", None),
    "similarity-npy": ("s.npy", npy(np.exp(-squareform(V) / 5)), "similarities", "one_minus"),
}


@pytest.mark.parametrize("case", list(FILES))
def test_numbers_only_uploads_run_to_the_pages_tree(in_app, tmp_path, case):
    name, data, kind, similarity = FILES[case]
    dataset_id = get_store().put_dataset(data, name)
    spec = TreeSpec(DatasetRef(dataset_id=dataset_id, filename=name, kind=kind,
                               similarity=similarity), PrepareOptions(), "average",
                    "precomputed")
    tree = load_tree(spec)
    cut = float(tree.Z[-3, 2]) - 1e-12
    part = hand_edited(spec, cut) if case == "condensed-npy" else None
    out, msg = download(spec, cut, part)
    assert msg == "", msg
    got = run_script(out["content"], tmp_path, {name: data})
    np.testing.assert_array_equal(got["Z"][:, [0, 1, 3]], tree.Z[:, [0, 1, 3]])
    np.testing.assert_allclose(got["Z"][:, 2], tree.Z[:, 2], rtol=1e-12, atol=0)
    assert got["clusters"]["label"].tolist() == [str(x) for x in tree.prepared.labels]
    np.testing.assert_array_equal(got["clusters"]["cluster"].to_numpy(),
                                  view_labels(tree, cut, part))
