"""A script that rebuilds a tree from an uploaded distance (or similarity) matrix with SciPy.

The feature-table script is :func:`clustering.reproduce.reproduce_script`; this one reads the
square matrix the way :func:`clustering.distances.distances_from_table` does (rows named by a
first text column, else by the header; columns put in the rows' order), converts similarities
as chosen, takes the upper triangle (SciPy's condensed order) and calls
``scipy.cluster.hierarchy.linkage``: the page's Z exactly, and its labels at the cut.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from pathlib import PurePath

from clustering.distances import SIMILARITY_CONVERSIONS
from clustering.errors import DataError
from clustering.linkage import METHODS
from clustering.reproduce import _READERS
from clustering.reproduce_cuts import CLUSTER_CODE, partition_constants

__all__ = ["reproduce_distances_script"]


def reproduce_distances_script(
    *,
    filename: str,
    method: str,
    cut: float,
    similarity: str | None = None,
    stem: str = "reproduce",
    title: str = "",
    partition: str = "height",
    roots: Sequence[int] = (),
    min_size: int = 1,
    threshold: float = 1.0,
    k: int = 2,
    depth: int = 2,
    condensed: bool = False,
) -> str:
    """The text of a Python script (pandas, NumPy, SciPy) that clusters a square matrix file.

    Parameters
    ----------
    filename : str
        The uploaded file's name (CSV, TSV, TXT, Excel, Parquet, JSON, NPY); the script reads
        it from its own folder.
    method : str
        A SciPy linkage method (any: SciPy runs ward, centroid and median on any matrix).
    cut : float
        The cut height, finite and >= 0.
    similarity : {None, "one_minus", "max_minus"}
        None for distances; otherwise how similarities became distances.
    stem, title, partition, roots, min_size, threshold, k, depth
        As :func:`clustering.reproduce.reproduce_script`.
    condensed : bool
        The file is a condensed vector (SciPy's ``pdist`` order: ``.npy`` or one number a
        line, a header line allowed) rather than a square matrix. A ``.npy`` file is read
        with ``numpy.load`` either way; its items are named 1..n, as on the page.

    Returns
    -------
    str
        Python source; ``compile()`` accepts it.

    Examples
    --------
    >>> s = reproduce_distances_script(filename="d.csv", method="average", cut=1.5)
    >>> "METHOD = 'average'" in s and "squareform" not in s
    True
    """
    name = PurePath(filename).name
    ext = PurePath(name).suffix.lower()
    if ext not in _READERS and ext != ".npy":
        raise DataError(f"cannot write a reader for {name!r}; the script reads "
                        f"{', '.join(sorted([*_READERS, '.npy']))} files")
    if condensed and ext not in (".npy", ".csv", ".txt", ".tsv", ".tab"):
        raise DataError(f"a condensed vector is read from a .npy file or one column of text, "
                        f"not {name!r}")
    if method not in METHODS:
        raise DataError(f"method must be one of {', '.join(METHODS)}, not {method!r}")
    if similarity is not None and similarity not in SIMILARITY_CONVERSIONS:
        raise DataError(f"similarity must be one of {', '.join(SIMILARITY_CONVERSIONS)}, "
                        f"not {similarity!r}")
    if isinstance(cut, bool) or not isinstance(cut, int | float) or not math.isfinite(cut) \
            or cut < 0:
        raise DataError(f"cut must be a finite height >= 0, not {cut!r}")
    constants = partition_constants(partition=partition, roots=roots, min_size=min_size,
                                    threshold=threshold, k=k, depth=depth)
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", stem).strip("-") or "reproduce"
    header = title.replace('"""', "'''").strip()
    numbers = ext == ".npy" or condensed
    loader = (_NUMBERS_LOADER if numbers else _TABLE_LOADER).replace("{name}", repr(name)) \
        .replace("{reader}", _READERS.get(ext, ""))
    return _TEMPLATE.format(
        title=(header + "\n\n") if header else "", name=repr(name), loader=loader,
        similarity=repr(similarity), method=repr(method), cut=repr(float(cut)),
        stem=repr(stem), partition=constants, cluster_code=CLUSTER_CODE)


# How the script reads a square matrix file with labels (pandas) ...
_TABLE_LOADER = '''\
def load_table():
    # Put the file next to this script (or change the path).
    path = HERE / {name}
    return {reader}


def read_matrix():
    return load_matrix(load_table())
'''

# ... and a file of numbers only: a .npy (square or condensed) or a condensed vector as text.
_NUMBERS_LOADER = '''\
def read_matrix():
    """The numbers (square, or condensed in SciPy's pdist order) and the items' names 1..n."""
    # Put the file next to this script (or change the path).
    path = HERE / {name}
    if path.suffix.lower() == ".npy":
        A = np.load(path, allow_pickle=False).astype(float)
    else:  # one number a line; a first line that is not a number is a header
        lines = [ln.strip().strip(",;") for ln in path.read_text(encoding="utf-8-sig").splitlines()
                 if ln.strip()]
        try:
            float(lines[0])
        except ValueError:
            lines = lines[1:]
        A = np.array([float(x) if x else np.nan for x in lines])
    if A.ndim == 2 and 1 in A.shape:
        A = A.ravel()  # one row or one column: a condensed vector
    n = len(A) if A.ndim == 2 else int(round((1 + np.sqrt(1 + 8 * len(A))) / 2))
    return A, [str(i + 1) for i in range(n)]
'''


_TEMPLATE = '''\
"""Reproduce a Dendrogram Explorer view of an uploaded distance matrix with pandas and SciPy.

{title}Data: the uploaded file {name}, a square matrix (rows and columns named alike) or a
condensed vector.
Needs numpy, pandas and scipy. It prints the number of clusters and their sizes and writes
{{STEM}}-clusters.csv (every item with its label and cluster, numbered as on the page:
1 = leftmost in the dendrogram) and {{STEM}}-linkage.csv (Z at full precision).

Written by Dendrogram Explorer; nothing here imports it.
"""

from pathlib import Path

import numpy as np
import pandas as pd
from scipy.cluster.hierarchy import fcluster, inconsistent, leaves_list, linkage, maxinconsts

try:
    HERE = Path(__file__).resolve().parent
except NameError:  # pasted into a notebook cell
    HERE = Path.cwd()

SIMILARITY = {similarity}  # None: distances; "one_minus": d = 1 - s; "max_minus": d = max(s) - s
METHOD = {method}
CUT = {cut}  # items whose merge is at or below this height share a cluster
{partition}
STEM = {stem}


{loader}

def load_matrix(df):
    """The square matrix and its labels, as the page read them."""
    first = df.columns[0]
    n = len(df)
    named_by_first = not pd.api.types.is_numeric_dtype(df[first].dtype) or (
        df.shape[1] == n + 1 and not pd.api.types.is_float_dtype(df[first].dtype))
    if named_by_first:
        labels = [str(x) for x in df[first]]
        body = df.iloc[:, 1:]
    else:
        labels = [str(c) for c in df.columns]
        body = df
    columns = {{str(c): c for c in body.columns}}
    body = body[[columns[x] for x in labels]]  # the columns in the rows' order
    return body.apply(pd.to_numeric).to_numpy(dtype=float), labels


{cluster_code}

def main():
    D, labels = read_matrix()
    if SIMILARITY == "one_minus":
        D = 1.0 - D
    elif SIMILARITY == "max_minus":
        D = np.nanmax(D) - D
    # A square matrix gives its upper triangle, row by row (SciPy's condensed order).
    condensed = D[np.triu_indices(len(labels), 1)] if D.ndim == 2 else D
    Z = linkage(condensed, method=METHOD)
    clusters = clusters_of(Z)
    sizes = np.bincount(clusters)[1:]
    how = f"cut at {{CUT!r}}" if PARTITION == "height" else f"{{PARTITION}} partition"
    print(f"{{len(labels)}} items, {{METHOD}} linkage of the matrix; {{how}}: "
          f"k = {{int(clusters.max())}}")
    print("cluster sizes (1 = leftmost):", ", ".join(f"{{i + 1}}: {{s}}" for i, s in enumerate(sizes)))
    pd.DataFrame({{"label": labels, "cluster": clusters}}).to_csv(f"{{STEM}}-clusters.csv",
                                                                index=False)
    with open(f"{{STEM}}-linkage.csv", "w") as f:
        f.write("idx1,idx2,height,size\\n")
        for a, b, h, s in Z.tolist():
            f.write(f"{{int(a)}},{{int(b)}},{{h!r}},{{int(s)}}\\n")


if __name__ == "__main__":
    main()
'''
