"""Distance matrices: checks naming cells, SciPy's linkage on them, classical MDS against R."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
from scipy.cluster.hierarchy import linkage
from scipy.spatial.distance import pdist, squareform

from clustering.distances import (
    FILE_KINDS,
    DistanceMatrix,
    check_condensed_length,
    classical_mds,
    distances_from_condensed,
    distances_from_square,
    distances_from_table,
    guess_kind,
    linkage_from_distances,
    precomputed_method_note,
    read_numeric_array,
    similarity_to_distance,
)
from clustering.errors import DataError
from clustering.gower import gower_distances
from clustering.linkage import METHODS
from clustering.tables import read_table
from tests.oracles import run_r


def labelled(D: np.ndarray, labels: list[str]) -> pd.DataFrame:
    t = pd.DataFrame(D, columns=labels)
    t.insert(0, "item", labels)
    return t


def random_matrix(n: int, seed: int, metric: str = "euclidean") -> np.ndarray:
    X = np.random.default_rng(seed).normal(size=(n, 4))
    return squareform(pdist(X, metric))


# ---------------------------------------------------------------- reading a table
def test_csv_with_label_column_round_trips_through_read_table():
    D = random_matrix(6, 0)
    labs = list("abcdef")
    data = labelled(D, labs).to_csv(index=False, float_format="%.17g").encode()
    dm = distances_from_table(read_table(data, "d.csv"))
    assert dm.labels == tuple(labs)
    np.testing.assert_array_equal(dm.condensed, squareform(D, checks=False))
    assert not dm.condensed.flags.writeable


def test_header_row_names_rows_when_there_is_no_label_column():
    D = random_matrix(4, 1)
    dm = distances_from_table(pd.DataFrame(D, columns=["p", "q", "r", "s"]))
    assert dm.labels == ("p", "q", "r", "s")
    assert "header row" in dm.steps[0]


def test_columns_in_another_order_are_put_in_row_order():
    D = random_matrix(4, 2)
    labs = ["a", "b", "c", "d"]
    t = labelled(D, labs)[["item", "c", "a", "d", "b"]]
    dm = distances_from_table(t)
    np.testing.assert_array_equal(dm.condensed, squareform(D, checks=False))
    assert any("order of the rows" in s for s in dm.steps)


def test_asymmetric_cell_named_as_the_issue_words_it():
    D = np.array([[0, 1, 2], [1, 0, 3.1], [2, 3.2, 0]])
    with pytest.raises(DataError) as err:
        distances_from_table(labelled(D, ["a", "b", "c"]))
    assert "row 'b', column 'c': 3.1 but column 'b', row 'c': 3.2" in str(err.value)


def test_tiny_asymmetry_within_tolerance_is_said_and_upper_triangle_used():
    D = random_matrix(5, 3)
    D[4, 1] += 1e-13
    dm = distances_from_square(D, list("abcde"))
    np.testing.assert_array_equal(dm.condensed, squareform(np.triu(D) + np.triu(D, 1).T))
    assert any("upper triangle" in s for s in dm.steps)


@pytest.mark.parametrize("edit, words", [
    (lambda t: t.drop(columns=["c"]), "4 rows and 3 columns of values"),
    (lambda t: t.rename(columns={"c": "z"}),
     "rows have 'c' (not among the columns); columns have 'z' (not among the rows)"),
    (lambda t: t.assign(item=["a", "b", "b", "d"]), "row labels must be unique: 'b' (2 times)"),
    (lambda t: t.assign(b=[1.0, 0.0, "x", 2.0]), "row 'c', column 'b': 'x'"),
    (lambda t: t.assign(d=[np.nan, 2.0, 3.0, 0.0]), "row 'a', column 'd': empty"),
    (lambda t: t.assign(d=[np.inf, 2.0, 3.0, 0.0]), "row 'a', column 'd': inf"),
    (lambda t: t.assign(a=[0.5, 1.0, 2.0, 3.0]), "the diagonal must be 0 (each item is at "
                                                   "distance 0 from itself): row 'a', column 'a': 0.5"),
])
def test_each_bad_matrix_names_its_cells(edit, words):
    D = np.array([[0, 1, 2, 3], [1, 0, 2, 2], [2, 2, 0, 3], [3, 2, 3, 0]], dtype=float)
    t = labelled(D, list("abcd"))
    with pytest.raises(DataError) as err:
        distances_from_table(edit(t))
    assert words in str(err.value)


def test_negative_distances_named_and_similarity_suggested():
    D = np.array([[0, -1, 2], [-1, 0, 3], [2, 3, 0]], dtype=float)
    with pytest.raises(DataError, match=r"non-negative: row 'a', column 'b': -1\. If these are sim"):
        distances_from_square(D, ["a", "b", "c"])


def test_headerless_square_gets_a_hint():
    D = random_matrix(3, 0)
    data = pd.DataFrame(D).to_csv(index=False, header=False).encode()
    with pytest.raises(DataError, match="2 rows and 3 columns of values. The header row holds "
                                        "numbers: if the file has no header row, add one"):
        distances_from_table(read_table(data, "d.csv"))


# ---------------------------------------------------------------- similarities
def test_similarity_one_minus_and_max_minus():
    S = np.array([[1.0, 0.8, 0.1], [0.8, 1.0, 0.3], [0.1, 0.3, 1.0]])
    dm = distances_from_square(S, similarity="one_minus")
    np.testing.assert_allclose(dm.condensed, 1 - np.array([0.8, 0.1, 0.3]))
    assert dm.steps[-1] == "Similarities s were turned into distances as 1 − s."
    dm2 = distances_from_square(S * 5, similarity="max_minus")
    np.testing.assert_allclose(dm2.condensed, 5 - 5 * np.array([0.8, 0.1, 0.3]))
    assert "max = 5 (the largest similarity" in dm2.steps[-1]


def test_similarity_diagonal_not_at_max_is_refused():
    S = np.array([[0.9, 0.8], [0.8, 1.0]])
    with pytest.raises(DataError, match="diagonal must be 0"):
        distances_from_square(S, similarity="max_minus")
    with pytest.raises(DataError, match="choose one of one_minus, max_minus"):
        similarity_to_distance(S, "inverse")


# ---------------------------------------------------------------- condensed vectors
@pytest.mark.parametrize("m, words", [
    (8, "the nearest valid lengths are 6 (4 items) and 10 (5 items)"),
    (0, "the nearest valid length is 1 (2 items)"),
    (2, "the nearest valid lengths are 1 (2 items) and 3 (3 items)"),
    (4951, "4,950 (100 items) and 5,050 (101 items)"),
    (-3, "the nearest valid length is 1 (2 items)"),
])
def test_condensed_length_names_nearest_valid(m, words):
    with pytest.raises(DataError) as err:
        check_condensed_length(m)
    assert words in str(err.value)


def test_condensed_lengths_that_are_valid():
    for n in (2, 3, 17, 1000):
        assert check_condensed_length(n * (n - 1) // 2) == n


def test_condensed_bad_values_named_by_pair():
    with pytest.raises(DataError, match=r"'b' to 'c' \(value 3 of 3\): empty"):
        distances_from_condensed([1.0, 2.0, np.nan], ["a", "b", "c"])


def test_read_numeric_array_formats():
    v = np.arange(10, dtype=float)
    buf = io.BytesIO()
    np.save(buf, v)
    np.testing.assert_array_equal(read_numeric_array(buf.getvalue(), "v.npy").values, v)
    txt = "\n".join(map(str, v)).encode()
    got = read_numeric_array(txt, "v.csv")
    assert got.header is None and got.values.shape == (10, 1)
    got = read_numeric_array(b"a\tb\n1\t2\n3\t\n", "x.tsv")
    assert got.header == ("a", "b") and np.isnan(got.values[1, 1])
    buf = io.BytesIO()
    np.save(buf, np.array([{"x": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(DataError, match="not a NumPy .npy file of numbers"):
        read_numeric_array(buf.getvalue(), "evil.npy")
    with pytest.raises(DataError, match="line 2, field 1: 'x' is not a number"):
        read_numeric_array(b"1\nx\n", "v.csv")


# ---------------------------------------------------------------- guessing
@pytest.mark.parametrize("table, filename, kind, words", [
    (pd.DataFrame({"d": np.arange(10.0)}), "v.csv", "features", "could also be a condensed"),
    (pd.DataFrame({"distance": np.arange(10.0)}), "v.csv", "condensed", "n = 5"),
    (np.arange(6.0), "v.npy", "condensed", "n = 4"),
    (np.arange(7.0), "v.npy", "features", "not n (n − 1) / 2"),
    (labelled(random_matrix(4, 0), list("abcd")), "d.csv", "distances", "zero diagonal"),
    (labelled(np.eye(3) + 0.5 * (1 - np.eye(3)), list("abc")), "s.csv", "similarities", "diagonal all 1"),
    (pd.DataFrame(linkage(np.random.default_rng(0).normal(size=(5, 2))),
                  columns=["idx1", "idx2", "height", "size"]), "z.csv", "linkage", "valid tree"),
    (linkage(np.random.default_rng(0).normal(size=(5, 2))), "z.npy", "linkage", "SciPy linkage"),
    ("((a:1,b:1):2,c:3);", "t.txt", "newick", "starts with '('"),
    (None, "t.newick", "newick", ".newick"),
    (pd.DataFrame({"x": [1.0, 2, 3], "y": [1.0, 2, 3]}), "f.csv", "features", "rows of features"),
    # Near-matrices are guessed as matrices, so the checks name the defect (issue 17):
    (pd.DataFrame({"i": list("abc"), "a": [0, np.nan, 2.0], "b": [np.nan, 0, 3.0],
                   "c": [2.0, 3, 0]}), "d.csv", "distances", "empty or not finite"),
    (pd.DataFrame({"i": list("abc"), "a": [0, 1, 2.0], "b": [1, 0, 3.0], "x": [2.0, 3, 0]}),
     "d.csv", "distances", "labels differ"),
    (pd.DataFrame({"i": list("abc"), "a": [0, 1, 2.0], "b": [1, 0, 3.0]}), "d.csv", "distances",
     "3 rows and 2 columns"),
    (pd.DataFrame({"name": list("abc"), "x": [0, 1, 2.0], "y": [1, 0, 3.0]}), "f.csv",
     "features", "rows of features"),
])
def test_guess_kind(table, filename, kind, words):
    g = guess_kind(table, filename)
    assert g.kind == kind and g.kind in FILE_KINDS
    assert words in g.reason


# ---------------------------------------------------------------- linkage
@pytest.mark.parametrize("metric", ["euclidean", "cityblock", "cosine"])
@pytest.mark.parametrize("method", METHODS)
def test_linkage_is_scipys_on_the_matrix(method, metric):
    D = random_matrix(25, 7, metric)
    h = linkage_from_distances(D, method)
    np.testing.assert_array_equal(h.Z, linkage(squareform(D), method))
    h2 = linkage_from_distances(distances_from_square(D), method)
    np.testing.assert_array_equal(h2.Z, h.Z)
    assert h.metric == "precomputed" and h.n == 25 and not h.Z.flags.writeable


def test_linkage_of_gower_matrix_with_a_missing_pair_names_it():
    df = pd.DataFrame({"x": [1.0, np.nan, 3.0], "c": [None, "a", "b"]})
    with pytest.raises(DataError, match=r"finite number: row '1', column '2': empty\."):
        linkage_from_distances(gower_distances(df), "average")


def test_notes_for_methods_that_assume_euclidean():
    for m in ("ward", "centroid", "median"):
        assert "as given" in precomputed_method_note(m)
    assert precomputed_method_note("complete") is None
    with pytest.raises(DataError, match="choose one of single"):
        linkage_from_distances(random_matrix(3, 0), "wards")


# ---------------------------------------------------------------- classical MDS
def cmdscale(D: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray, float]:
    out = run_r(f"""
        D <- as.matrix(read.csv(file.path(dir, "D.csv")))
        m <- cmdscale(as.dist(D), k = {k}, eig = TRUE)
        write.csv(data.frame(m$points), file.path(dir, "points.csv"), row.names = FALSE)
        write.csv(data.frame(eig = m$eig, gof2 = m$GOF[2]), file.path(dir, "eig.csv"),
                  row.names = FALSE)
    """, inputs={"D": pd.DataFrame(D)}, outputs=["points", "eig"])
    return out["points"].to_numpy(), out["eig"]["eig"].to_numpy(), float(out["eig"]["gof2"][0])


def same_up_to_axis_sign(ours: np.ndarray, theirs: np.ndarray, atol: float) -> None:
    signs = np.sign(np.sum(ours * theirs, axis=0))
    np.testing.assert_allclose(ours * signs, theirs, rtol=0, atol=atol)


@pytest.mark.oracle
@pytest.mark.parametrize("metric", ["euclidean", "cityblock"])
def test_mds_equals_cmdscale(metric):
    D = random_matrix(30, 11, metric)
    pts, eig, gof2 = cmdscale(D, 2)
    m = classical_mds(D, 2)
    # eigenvectors from two LAPACK calls: agree to ~1e-12 relative to the spread
    same_up_to_axis_sign(m.points, pts, atol=1e-9)
    np.testing.assert_allclose(m.eigenvalues, eig[:2], rtol=1e-10)
    assert m.share.sum() == pytest.approx(gof2, rel=1e-10)
    assert m.euclidean is (metric == "euclidean")


@pytest.mark.oracle
def test_mds_of_gower_matrix_equals_cmdscale():
    rng = np.random.default_rng(5)
    df = pd.DataFrame({"x": rng.normal(size=25), "c": rng.choice(list("abc"), size=25)})
    D = gower_distances(df)
    pts, eig, gof2 = cmdscale(D, 3)
    m = classical_mds(D, 3)
    same_up_to_axis_sign(m.points, pts, atol=1e-9)
    assert m.share.sum() == pytest.approx(gof2, rel=1e-10)


def test_mds_large_path_matches_full_spectrum_on_euclidean(monkeypatch):
    D = random_matrix(60, 12)
    full = classical_mds(D, 2)
    monkeypatch.setattr("clustering.precomputed.MDS_FULL_SPECTRUM_MAX_N", 10)
    lanczos = classical_mds(DistanceMatrix(squareform(D), tuple(map(str, range(60)))), 2)
    same_up_to_axis_sign(lanczos.points, full.points, atol=1e-8)
    np.testing.assert_allclose(lanczos.share, full.share, rtol=1e-8)
    assert lanczos.euclidean is None and "upper bound" in lanczos.note


def test_mds_refuses_bad_k():
    with pytest.raises(DataError, match="k must be an integer from 1 to 2"):
        classical_mds(random_matrix(3, 0), k=3)


# ---------------------------------------------------------------- files, as the user says
def test_distances_from_file_each_kind():
    from clustering.distances import distances_from_file
    D = random_matrix(5, 21)
    labs = list("vwxyz")
    csv = labelled(D, labs).to_csv(index=False, float_format="%.17g").encode()
    dm = distances_from_file(csv, "d.csv", "distances")
    np.testing.assert_array_equal(dm.condensed, squareform(D))
    buf = io.BytesIO()
    np.save(buf, D)
    dm = distances_from_file(buf.getvalue(), "d.npy", "distances", labels=labs)
    assert dm.labels == tuple(labs)
    S = labelled(1 - D / D.max(), labs).to_csv(index=False, float_format="%.17g").encode()
    dm = distances_from_file(S, "s.csv", "similarities", similarity="one_minus")
    np.testing.assert_allclose(dm.condensed, squareform(D) / D.max(), atol=1e-15)
    v = "\n".join(repr(float(x)) for x in squareform(D)).encode()
    np.testing.assert_array_equal(distances_from_file(v, "v.csv", "condensed").condensed,
                                  squareform(D))
    with pytest.raises(DataError, match="say how similarities become distances"):
        distances_from_file(S, "s.csv", "similarities")
    with pytest.raises(DataError, match="one column .* 5 rows and 5 columns. Is it a square"):
        distances_from_file(buf.getvalue(), "d.npy", "condensed")
    with pytest.raises(DataError, match="kind must be distances, similarities or condensed"):
        distances_from_file(csv, "d.csv", "features")
