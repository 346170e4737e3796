"""Linkage matrices from a notebook: SciPy's is_valid_linkage rules, in words, row by row."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
from scipy.cluster.hierarchy import is_valid_linkage, linkage

from clustering.errors import DataError
from clustering.exports import linkage_csv
from clustering.trees_in import check_linkage, linkage_from_array, read_labels, read_linkage


def valid(n: int = 8, seed: int = 0, method: str = "average") -> np.ndarray:
    return linkage(np.random.default_rng(seed).normal(size=(n, 2)), method)


def broken(edit) -> np.ndarray:
    Z = valid().copy()
    edit(Z)
    return Z


@pytest.mark.parametrize("edit, words", [
    (lambda Z: Z.__setitem__((2, 0), -1), "must not be negative (SciPy numbers leaves 0..n−1"),
    (lambda Z: Z.__setitem__((3, 2), -0.5), "row 4 (forming cluster 11): -0.5"),
    (lambda Z: Z.__setitem__((1, 1), 12), "row 2 (forming cluster 9) uses cluster 12, but only "
                                          "leaves 0..7 and clusters 8..8 exist by then"),
    (lambda Z: Z.__setitem__((6, 1), Z[6, 0]), "merged with itself in row 7"),
    (lambda Z: Z.__setitem__((3, 3), 7), "row 4 (forming cluster 11): size 7, but clusters"),
    (lambda Z: Z.__setitem__((3, 3), 9), "do not add up"),
    (lambda Z: Z.__setitem__((0, 3), -2), "size -2"),
])
def test_each_scipy_rule_in_words(edit, words):
    Z = broken(edit)
    assert not is_valid_linkage(Z) or "size" in words  # SciPy only bounds sizes from above
    with pytest.raises(DataError) as err:
        check_linkage(Z)
    assert words in str(err.value)


def test_cluster_merged_twice_names_both_rows():
    Z = valid()
    Z[5, 0] = Z[2, 0]
    assert not is_valid_linkage(Z)
    with pytest.raises(DataError, match=rf"cluster {int(Z[2, 0])} is merged in rows 3 and 6"):
        check_linkage(Z)


@pytest.mark.parametrize("values, words", [
    (np.zeros((0, 4)), "has no rows"),
    (np.zeros((3, 5)), "has 4 columns (id, id, height, size); this one has 5"),
    (np.zeros(4), "1 dimension"),
    ([[0, 1, np.nan, 2]], "finite number: row 1 (forming cluster 2): [0.0, 1.0, nan, 2.0]"),
    ([[0, 1.5, 1, 2]], "whole numbers: row 1 (forming cluster 2): 0.0, 1.5"),
    ([["a", 1, 1, 2]], "numbers only"),
])
def test_shapes_and_values(values, words):
    with pytest.raises(DataError) as err:
        check_linkage(values)
    assert words in str(err.value)


def test_r_merge_matrix_gets_a_hint():
    with pytest.raises(DataError, match="look like R's hclust\\$merge"):
        check_linkage([[-1, -2, 0.5, 2], [-3, 1, 1.0, 3]])


@pytest.mark.parametrize("seed", range(30))
def test_random_corruptions_agree_with_scipy(seed):
    """Whatever SciPy calls invalid we refuse; whatever we accept SciPy accepts."""
    rng = np.random.default_rng(seed)
    Z = valid(12, seed).copy()
    for _ in range(rng.integers(1, 3)):
        r, c = rng.integers(0, 11), rng.integers(0, 4)
        Z[r, c] = rng.choice([-1.0, 0.0, 3.0, 15.0, 22.0, Z[rng.integers(0, 11), c], Z[r, c] + 1])
    ok = True
    try:
        out = check_linkage(Z)
    except DataError:
        ok = False
    if not is_valid_linkage(Z):
        assert not ok
    if ok:
        assert is_valid_linkage(out)
        np.testing.assert_array_equal(out, Z)


@pytest.mark.parametrize("method", ["single", "average", "ward", "centroid", "median"])
def test_scipy_output_passes_unchanged(method):
    Z = valid(50, 3, method)
    out = check_linkage(Z)
    np.testing.assert_array_equal(out, Z)
    assert not out.flags.writeable


def test_three_columns_get_sizes_and_inversions_are_noted():
    Z = valid(30, 1, "centroid")
    up = linkage_from_array(Z[:, :3])
    np.testing.assert_array_equal(up.Z, Z)
    assert "computed" in up.notes[0]
    if np.any(np.diff(Z[:, 2]) < 0):
        assert any("inversion" in s for s in up.notes)
    assert up.labels == tuple(str(i) for i in range(30))
    with pytest.raises(DataError, match="3 labels for a tree of 30 leaves"):
        linkage_from_array(Z, labels=["a", "b", "c"])


# ---------------------------------------------------------------- files
def test_files_from_a_notebook():
    Z = valid(20, 4)
    # the app's own export
    np.testing.assert_array_equal(read_linkage(linkage_csv(Z).encode(), "z.csv").Z, Z)
    # numpy.savetxt: no header, full precision
    buf = io.StringIO()
    np.savetxt(buf, Z, delimiter=",", fmt="%.17g")
    np.testing.assert_array_equal(read_linkage(buf.getvalue().encode(), "z.csv").Z, Z)
    # numpy.save
    b = io.BytesIO()
    np.save(b, Z)
    np.testing.assert_array_equal(read_linkage(b.getvalue(), "z.npy").Z, Z)
    # pandas.DataFrame(Z).to_csv(): a header and an index column
    up = read_linkage(pd.DataFrame(Z).to_csv().encode(), "z.csv")
    np.testing.assert_allclose(up.Z, Z, rtol=1e-15)
    assert "row index" in up.notes[0]


def test_labels_files():
    assert read_labels(b"a\nb\nc\n", "l.txt", 3)[0] == ["a", "b", "c"]
    labs, said = read_labels(b"label\na\nb\nc\n", "l.txt", 3)
    assert labs == ["a", "b", "c"] and "header" in said
    labs, said = read_labels(b"id,name\n1,a\n2,b\n3,c\n", "l.csv", 3)
    assert labs == ["a", "b", "c"] and "'name'" in said
    with pytest.raises(DataError, match="4 lines but the tree has 2 leaves"):
        read_labels(b"a\nb\nc\nd\n", "l.txt", 2)
