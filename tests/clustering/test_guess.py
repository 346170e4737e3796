"""guess_file: what an upload probably is, from its bytes, with a reason (issue 17)."""

from __future__ import annotations

import io

import numpy as np
import pytest
from scipy.cluster.hierarchy import linkage
from scipy.spatial.distance import pdist, squareform

from clustering.distances import FILE_KINDS
from clustering.guess import guess_file


def _npy(a) -> bytes:
    buf = io.BytesIO()
    np.save(buf, np.asarray(a))
    return buf.getvalue()


def _square(D, labels) -> bytes:
    rows = ["id," + ",".join(labels)]
    rows += [f"{lab}," + ",".join(repr(float(v)) for v in r) for lab, r in zip(labels, D, strict=True)]
    return ("\n".join(rows) + "\n").encode()


RNG = np.random.default_rng(2)
X = RNG.normal(size=(6, 2))
D = squareform(pdist(X))
Z = linkage(X, "average")


@pytest.mark.parametrize(("data", "name", "kind", "words"), [
    (_square(D, list("abcdef")), "d.csv", "distances", "zero diagonal, symmetric"),
    (_square(np.exp(-D), list("abcdef")), "s.csv", "similarities", "diagonal all 1"),
    (_square(D + np.eye(6), list("abcdef")), "d.csv", "distances", "diagonal is not 0"),
    (b"id,a,b,c\na,0,1,2\nb,1,0,3\n", "d.csv", "distances", "2 rows and 3 columns"),
    ("\n".join(",".join(repr(float(v)) for v in r) for r in Z).encode(), "z.csv", "linkage",
     "valid tree"),
    ("\n".join(f"{i}," + ",".join(repr(float(v)) for v in r) for i, r in enumerate(Z)).encode(),
     "z.csv", "linkage", "valid tree"),
    (_npy(Z), "z.npy", "linkage", "SciPy linkage"),
    (_npy(pdist(X)), "v.npy", "condensed", "n = 6"),
    (_npy(D), "d.npy", "distances", "symmetric array"),
    (b"((a:1,b:1):1,c:2);\n", "tree.txt", "newick", "starts with '('"),
    (b"anything", "t.nwk", "newick", ".nwk"),
    # one column is never silently a condensed vector: features, and the reason says why
    (b"v\n1\n2\n3\n", "v.csv", "features", "could also be a condensed"),
    (b"x,y\n1,2\n3,4\n5,7\n", "f.csv", "features", "rows of features"),
    (b"\x00\x01garbage", "f.csv", "features", ""),
])
def test_guess_file(data, name, kind, words):
    g = guess_file(data, name)
    assert g.kind == kind and g.kind in FILE_KINDS, g
    assert words in g.reason, g.reason


def test_one_column_named_distances_of_triangular_length_is_condensed():
    g = guess_file(b"distance\n" + "\n".join(map(str, pdist(X))).encode(), "v.csv")
    assert g.kind == "condensed" and "n = 6" in g.reason
