"""A stand-alone Python script that reproduces a view: same data, preprocessing, linkage, cut.

:func:`reproduce_script` takes plain values (the app passes its view's fields; this module
knows no view type) and returns the text of a ``.py`` file that needs only numpy, pandas and
SciPy (matplotlib optional, for the dendrogram). It does **not** import this project: an
analyst can run it anywhere, and read every step. That is why the preprocessing of
:func:`clustering.prepare.prepare` is written out in the script rather than called: the steps
the view uses (features, label column, missing values, one-hot, scaling) are a few lines of
pandas each, and keeping them visible is the point of the file. The script mirrors
``prepare``'s arithmetic operation for operation (the same numpy reductions in the same
order), so its matrix is the app's bit for bit, and ``scipy.cluster.hierarchy.linkage``
gives the page's Z (the app computes it with fastcluster, which agrees with SciPy to
rounding; ties between equal distances aside).

What it does when run (``python script.py``, ``%run script.py`` or pasted into a cell):
loads the table (an example is regenerated from its recipe; an upload is read from a file
of the same name next to the script), prepares the matrix, computes
``linkage(pdist(X, metric), method)``, cuts with ``fcluster(Z, cut, "distance")`` (or
rebuilds the partition in force: hand-edited clades, SciPy's inconsistency criteria,
:mod:`clustering.reproduce_cuts`), numbers the clusters as the page does (1 = leftmost in the dendrogram), prints k and the cluster
sizes, writes ``<stem>-clusters.csv`` (row, label, cluster) and ``<stem>-linkage.csv`` (Z at
full precision), and draws the dendrogram when matplotlib is installed.

Not covered (the caller says so instead of writing a script): approximate trees of big
tables (micro-clusters), whose summary step the script could only reproduce by importing
this project. Reading an upload: the app's reader also sniffs the delimiter, reads decimal
commas and extra missing-value markers ("?"); the script reads with ``pandas.read_csv``
(``sep`` from the extension) and ``na_values=["?"]``, which gives the same table for plain
CSV/TSV files. Excel and Parquet go through ``pandas.read_excel`` / ``read_parquet``.

Examples
--------
>>> text = reproduce_script(example="tutorial-blobs", numeric=["x", "y"], method="ward",
...                         metric="euclidean", cut=50.0)
>>> compile(text, "reproduce.py", "exec") is not None
True
>>> "METHOD = 'ward'" in text and "CUT = 50.0" in text
True
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from pathlib import PurePath

from clustering.errors import DataError
from clustering.linkage import check_method_metric
from clustering.prepare import MISSING, SCALINGS
from clustering.reproduce_cuts import CLUSTER_CODE, partition_constants
from clustering.reproduce_gower import GOWER_CODE, check_gower, gower_constants

__all__ = ["SCRIPT_EXAMPLES", "reproduce_script"]

# Each example as a few lines that build the same DataFrame as clustering.datasets
# (tests check the two agree cell for cell). "{n}" is filled for the synthetic blobs.
_TUTORIAL = '''\
    # The SciPy dendrogram tutorial's data (Jörn Hees): a private RandomState(4711)
    rng = np.random.RandomState(4711)
    a = rng.multivariate_normal([10, 0], [[3, 1], [1, 4]], size=[100])
    b = rng.multivariate_normal([0, 20], [[3, 1], [1, 4]], size=[50])
    points = np.concatenate((a, b))
'''
_FIVE_EXTRA = '''\
    c = rng.multivariate_normal([40, 40], [[20, 1], [1, 30]], size=[200])
    d = rng.multivariate_normal([80, 80], [[30, 1], [1, 30]], size=[200])
    e = rng.multivariate_normal([0, 100], [[100, 1], [1, 100]], size=[200])
    points = np.concatenate((points, c, d, e))
'''
_XY = '''\
    return pd.DataFrame({"x": points[:, 0], "y": points[:, 1]})
'''
_BLOBS = '''\
    # {n:,} rows of 8 Gaussian blobs in 10 dimensions (unit spread, centres in a 20-wide box)
    rng = np.random.default_rng(20240611)
    centers = rng.uniform(-10.0, 10.0, size=(8, 10))
    which = rng.integers(0, 8, size={n})
    points = centers[which] + rng.standard_normal(({n}, 10))
    return pd.DataFrame(points, columns=[f"x{{i + 1}}" for i in range(10)])
'''
_MPG = '''\
    # The UCI auto-mpg table as the app ships it (clustering/data/cluster_mpg.csv in the
    # Dendrogram Explorer sources): put cluster_mpg.csv next to this script.
    return pd.read_csv(HERE / "cluster_mpg.csv", na_values=["?"])
'''

#: Examples the script can regenerate, and the body of its ``load_table()``.
SCRIPT_EXAMPLES: dict[str, str] = {
    "tutorial-blobs": _TUTORIAL + _XY,
    "tutorial-five": _TUTORIAL + _FIVE_EXTRA + _XY,
    "mpg": _MPG,
    "blobs-5k": _BLOBS.format(n=5_000),
    "blobs-20k": _BLOBS.format(n=20_000),
    "blobs-200k": _BLOBS.format(n=200_000),
}

_READERS = {
    ".csv": 'pd.read_csv(path, na_values=["?"])',
    ".txt": 'pd.read_csv(path, na_values=["?"])',
    ".tsv": 'pd.read_csv(path, sep="\\t", na_values=["?"])',
    ".tab": 'pd.read_csv(path, sep="\\t", na_values=["?"])',
    ".xlsx": 'pd.read_excel(path, na_values=["?"])',
    ".parquet": "pd.read_parquet(path)",
    ".json": "pd.read_json(path)",
}


def _py(value: object) -> str:
    """A Python literal for a str / None / list of str / float."""
    return repr(list(value) if isinstance(value, tuple) else value)


def _loader(example: str | None, filename: str | None) -> tuple[str, str]:
    """(the body of load_table(), a sentence for the docstring)."""
    if example is not None:
        if example not in SCRIPT_EXAMPLES:
            raise DataError(f"no script recipe for example {example!r}; choose one of "
                            f"{', '.join(SCRIPT_EXAMPLES)}")
        return SCRIPT_EXAMPLES[example], f"the built-in example {example!r}"
    if not filename:
        raise DataError("give either example= (a built-in example id) or filename= (the upload)")
    name = PurePath(filename).name
    ext = PurePath(name).suffix.lower()
    if ext not in _READERS:
        raise DataError(f"cannot write a reader for {name!r}; the script reads "
                        f"{', '.join(sorted(_READERS))} files")
    body = (f"    # Put {name} next to this script (or change the path).\n"
            f"    path = HERE / {_py(name)}\n"
            f"    return {_READERS[ext]}\n")
    return body, f"the uploaded file {name!r}"


def reproduce_script(
    *,
    example: str | None = None,
    filename: str | None = None,
    numeric: Sequence[str] = (),
    categorical: Sequence[str] = (),
    label_column: str | None = None,
    missing: str = "drop",
    scaling: str = "none",
    method: str = "ward",
    metric: str = "euclidean",
    cut: float,
    p: float = 2.0,
    stem: str = "reproduce",
    title: str = "",
    partition: str = "height",
    roots: Sequence[int] = (),
    min_size: int = 1,
    threshold: float = 1.0,
    k: int = 2,
    depth: int = 2,
    gower_kinds: Mapping[str, str] | None = None,
) -> str:
    """The text of a Python script that rebuilds a view's tree and clusters with SciPy.

    Parameters
    ----------
    example : str, optional
        A built-in example id (a key of :data:`SCRIPT_EXAMPLES`); its data recipe is inlined.
    filename : str, optional
        Otherwise, the uploaded file's name; the script reads it from its own folder.
    numeric, categorical : sequence of str
        The feature columns as :func:`clustering.prepare.encoded_width` resolves them
        (numeric ones used as numbers; categorical ones one-hot encoded). At least one.
    label_column : str, optional
        Column naming the leaves (else the observation number 0..n-1, as SciPy's ``ivl``).
    missing : {'drop', 'mean', 'median'}
    scaling : {'none', 'minmax', 'zscore', 'whiten'}
    method, metric : str
        A pair :func:`clustering.linkage.check_method_metric` accepts, or ``metric="gower"``
        with single, complete, average or weighted linkage (R's daisy written out:
        :mod:`clustering.reproduce_gower`).
    cut : float
        The cut height (``fcluster(Z, cut, "distance")``), finite and >= 0.
    p : float
        Minkowski exponent (used only with ``metric="minkowski"``).
    stem : str
        File-name stem of the two CSV files the script writes (``<stem>-clusters.csv``,
        ``<stem>-linkage.csv``) and of its PNG.
    title : str
        One line for the script's docstring (e.g. the page's link).
    partition, roots, min_size, threshold, k, depth
        Where the clusters come from when not the height cut (hand-edited clades, SciPy's
        inconsistency criteria): :func:`clustering.reproduce_cuts.partition_constants`.
    gower_kinds : mapping column -> kind, optional
        With ``metric="gower"``: the Gower kind of each feature column, in the table's order
        (:func:`clustering.gower.gower_column_kinds` of the page's frame).

    Returns
    -------
    str
        Python source; ``compile()`` accepts it.

    Raises
    ------
    DataError
        Neither or both of example/filename, an unknown example or file type, no features,
        an invalid option, method/metric pair or cut, a partition SciPy cannot rebuild.

    Examples
    --------
    >>> s = reproduce_script(filename="data/my table.csv", numeric=["a"], categorical=["c"],
    ...                      scaling="zscore", cut=2.5)
    >>> "HERE / 'my table.csv'" in s, "CATEGORICAL = ['c']" in s
    (True, True)
    """
    if (example is None) == (filename is None):
        raise DataError("give exactly one of example= (a built-in example id) or filename=")
    body, source = _loader(example, filename)
    numeric, categorical = [str(c) for c in numeric], [str(c) for c in categorical]
    if not numeric and not categorical:
        raise DataError("no feature columns: give numeric= and/or categorical= column names")
    if missing not in MISSING:
        raise DataError(f"missing must be one of {', '.join(MISSING)}, not {missing!r}")
    if scaling not in SCALINGS:
        raise DataError(f"scaling must be one of {', '.join(SCALINGS)}, not {scaling!r}")
    cluster_def, gower = _distance_code(method, metric, p, gower_kinds or {})
    if isinstance(cut, bool) or not isinstance(cut, int | float) or not math.isfinite(cut) \
            or cut < 0:
        raise DataError(f"cut must be a finite height >= 0, not {cut!r}")
    constants = partition_constants(partition=partition, roots=roots, min_size=min_size,
                                    threshold=threshold, k=k, depth=depth)
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", stem).strip("-") or "reproduce"
    header = title.replace('"""', "'''").strip()
    return _TEMPLATE.format(
        title=(header + "\n\n") if header else "",
        source=source,
        load_body=body,
        numeric=_py(numeric),
        categorical=_py(categorical),
        label=_py(label_column),
        missing=_py(missing),
        scaling=_py(scaling),
        method=_py(method),
        metric=_py(metric),
        cut=repr(float(cut)),
        stem=_py(stem),
        cluster_def=cluster_def,
        gower=gower,
        partition=constants,
        cluster_code=CLUSTER_CODE,
    )


def _distance_code(method: str, metric: str, p: float,
                   gower_kinds: Mapping[str, str]) -> tuple[str, str]:
    """The script's ``cluster`` function and its Gower constants ("" for a numeric metric),
    once the method/metric pair is checked."""
    if metric == "gower":
        check_gower(method, gower_kinds)
        return GOWER_CODE, gower_constants(gower_kinds) + "\n"
    check_method_metric(method, metric)
    pdist_extra = f", p={float(p)!r}" if metric == "minkowski" else ""
    return _PDIST_CODE.replace("{pdist_extra}", pdist_extra), ""


# The distance step of a numeric metric ("{pdist_extra}" filled by reproduce_script).
_PDIST_CODE = '''\
def cluster(X, table=None):
    """SciPy's linkage matrix Z, shape (n - 1, 4) (`table` unused: for Gower scripts)."""
    return linkage(pdist(X, metric=METRIC{pdist_extra}), method=METHOD)
'''


_TEMPLATE = '''\
"""Reproduce a Dendrogram Explorer view with pandas and SciPy.

{title}Data: {source}. Needs numpy, pandas and scipy (matplotlib only for the picture).
Run it with `python this_file.py`, `%run this_file.py` in Jupyter, or paste it into a cell.
It prints the number of clusters and their sizes, writes {{STEM}}-clusters.csv (every clustered
row with its label and cluster, numbered as on the page: 1 = leftmost in the dendrogram) and
{{STEM}}-linkage.csv (Z: idx1, idx2, height, size at full precision), and draws the dendrogram
with the cut when matplotlib is installed.

Written by Dendrogram Explorer; nothing here imports it.
"""

from pathlib import Path

import numpy as np
import pandas as pd
from scipy.cluster.hierarchy import fcluster, inconsistent, leaves_list, linkage, maxinconsts
from scipy.spatial.distance import pdist

try:
    HERE = Path(__file__).resolve().parent
except NameError:  # pasted into a notebook cell
    HERE = Path.cwd()

# The view's choices
NUMERIC = {numeric}  # feature columns used as numbers
CATEGORICAL = {categorical}  # feature columns one-hot encoded (0/1 per category)
LABEL_COLUMN = {label}  # names the leaves; None: the observation number 0..n-1 (SciPy's ivl)
MISSING = {missing}  # "drop" rows with a missing feature, or fill with the column "mean"/"median"
SCALING = {scaling}  # "none", "minmax", "zscore" (mean 0, sd 1) or "whiten" (sd 1); sd with ddof=0
METHOD = {method}
METRIC = {metric}
{gower}CUT = {cut}  # leaves whose merge is at or below this height share a cluster
{partition}
STEM = {stem}
SHOW_DENDROGRAM = True


def load_table():
    """The table as the page read it: every input row, in order."""
{load_body}

def prepare(df):
    """The matrix to cluster, the leaf labels and the kept rows (0-based), as the page does."""
    df = df.reset_index(drop=True)
    numbers = pd.DataFrame(
        {{c: pd.to_numeric(df[c], errors="coerce").to_numpy(dtype=np.float64, copy=True)
          for c in NUMERIC}}, index=df.index)
    numbers = numbers.replace([np.inf, -np.inf], np.nan)  # infinities count as missing
    cats = df[CATEGORICAL].copy()
    if MISSING == "drop":
        keep = ~(numbers.isna().any(axis=1) | cats.isna().any(axis=1)).to_numpy()
        numbers, cats = numbers[keep], cats[keep]
    else:
        for c in numbers.columns:
            if numbers[c].isna().any():
                fill = float(numbers[c].mean() if MISSING == "mean" else numbers[c].median())
                numbers[c] = numbers[c].fillna(fill)
        # a missing category gets no indicator (all its 0/1 columns are 0)
    rows = numbers.index.to_numpy(dtype=np.int64)
    if CATEGORICAL:
        combined = pd.concat([numbers, cats], axis=1)
        combined = combined[[c for c in df.columns if c in NUMERIC or c in CATEGORICAL]]
        encoded = pd.get_dummies(combined, columns=CATEGORICAL, dtype=np.float64)
    else:
        encoded = numbers
    X = np.ascontiguousarray(encoded.to_numpy(dtype=np.float64)).copy()
    constant = X.min(axis=0) == X.max(axis=0)
    if SCALING == "minmax":
        lo, hi = X.min(axis=0), X.max(axis=0)
        X = (X - lo) / np.where(hi > lo, hi - lo, 1.0)
    elif SCALING in ("zscore", "whiten"):
        sd = X.std(axis=0)
        sd = np.where(sd > 0, sd, 1.0)
        X = (X - X.mean(axis=0)) / sd if SCALING == "zscore" else X / sd
    if SCALING != "none":
        X[:, constant] = 0.0  # a constant column has no spread to scale
    if LABEL_COLUMN is None:
        labels = [str(j) for j in range(len(rows))]
    else:
        values = df[LABEL_COLUMN].iloc[rows].tolist()
        labels = [str(j) if pd.isna(v) else str(v) for j, v in enumerate(values)]
    return X, labels, rows


{cluster_def}

{cluster_code}

def main():
    df = load_table()
    X, labels, rows = prepare(df)
    Z = cluster(X, df.reset_index(drop=True).iloc[rows])
    clusters = clusters_of(Z)
    k = int(clusters.max())
    sizes = np.bincount(clusters)[1:]
    print(f"{{len(rows)}} rows x {{X.shape[1]}} features, {{METHOD}} linkage, {{METRIC}} distance")
    how = f"cut at {{CUT!r}}" if PARTITION == "height" else f"{{PARTITION}} partition"
    print(f"{{how}}: k = {{k}}")
    print("cluster sizes (1 = leftmost):", ", ".join(f"{{i + 1}}: {{s}}" for i, s in enumerate(sizes)))
    pd.DataFrame({{"row": rows + 1, "label": labels, "cluster": clusters}}).to_csv(
        f"{{STEM}}-clusters.csv", index=False)
    with open(f"{{STEM}}-linkage.csv", "w") as f:
        f.write("idx1,idx2,height,size\\n")
        for a, b, h, s in Z.tolist():
            f.write(f"{{int(a)}},{{int(b)}},{{h!r}},{{int(s)}}\\n")
    if SHOW_DENDROGRAM:
        try:
            import matplotlib.pyplot as plt
            from scipy.cluster.hierarchy import dendrogram
        except ImportError:
            print("matplotlib is not installed: no dendrogram drawn")
            return
        fig, ax = plt.subplots(figsize=(10, 5))
        big = len(labels) > 100  # SciPy draws every leaf otherwise (and recurses per level)
        dendrogram(Z, ax=ax, labels=None if big else labels, color_threshold=CUT,
                   truncate_mode="lastp" if big else None, p=50)
        ax.axhline(CUT, color="grey", linestyle="--")
        ax.set_title(f"{{METHOD}} / {{METRIC}}, {{how}}: k = {{k}}")
        fig.savefig(f"{{STEM}}-dendrogram.png", dpi=120, bbox_inches="tight")
        plt.show()


if __name__ == "__main__":
    main()
'''
