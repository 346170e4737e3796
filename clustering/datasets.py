"""Built-in example tables, each with sensible default options.

``tutorial-blobs`` and ``tutorial-five`` reproduce the data of the well-known SciPy
dendrogram tutorial (Jörn Hees, "SciPy Hierarchical Clustering and Dendrogram
Tutorial") bit for bit: numpy's legacy global seed 4711 and the same sequence of
``multivariate_normal`` draws. ward/euclidean on ``tutorial-blobs`` gives
``Z[0] == [52, 53, 0.04151, 2]`` and cophenetic correlation 0.98001.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from clustering.errors import DataError
from clustering.prepare import PrepareOptions
from clustering.tables import read_table

__all__ = ["EXAMPLES", "Example", "load_example"]

log = logging.getLogger(__name__)

DATA_DIR = Path(__file__).resolve().parent / "data"
_BLOBS_SEED = 20240611
_BLOBS_CENTERS = 8
_BLOBS_DIM = 10


@dataclass(frozen=True)
class Example:
    """A built-in table and the choices it opens with.

    ``cut`` is the initial cut height (None: let the UI choose).
    """

    id: str
    title: str
    description: str
    options: PrepareOptions
    method: str = "ward"
    metric: str = "euclidean"
    cut: float | None = None


def _tutorial_stream() -> tuple[np.random.RandomState, np.ndarray]:
    # The tutorial seeds numpy's *global* legacy generator; a private RandomState with
    # the same seed yields the same stream without touching anyone's global state.
    rng = np.random.RandomState(4711)
    a = rng.multivariate_normal([10, 0], [[3, 1], [1, 4]], size=[100])
    b = rng.multivariate_normal([0, 20], [[3, 1], [1, 4]], size=[50])
    return rng, np.concatenate((a, b))


def _xy(points: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame({"x": points[:, 0], "y": points[:, 1]})


def _tutorial_blobs() -> pd.DataFrame:
    return _xy(_tutorial_stream()[1])


def _tutorial_five() -> pd.DataFrame:
    rng, first = _tutorial_stream()
    c = rng.multivariate_normal([40, 40], [[20, 1], [1, 30]], size=[200])
    d = rng.multivariate_normal([80, 80], [[30, 1], [1, 30]], size=[200])
    e = rng.multivariate_normal([0, 100], [[100, 1], [1, 100]], size=[200])
    return _xy(np.concatenate((first, c, d, e)))


def _mpg() -> pd.DataFrame:
    path = DATA_DIR / "cluster_mpg.csv"
    return read_table(path.read_bytes(), path.name)


def _blobs(n: int) -> pd.DataFrame:
    """n rows of 8 Gaussian blobs in 10 dimensions (unit spread, centres in a 20-wide box)."""
    rng = np.random.default_rng(_BLOBS_SEED)
    centers = rng.uniform(-10.0, 10.0, size=(_BLOBS_CENTERS, _BLOBS_DIM))
    which = rng.integers(0, _BLOBS_CENTERS, size=n)
    points = centers[which] + rng.standard_normal((n, _BLOBS_DIM))
    return pd.DataFrame(points, columns=[f"x{i + 1}" for i in range(_BLOBS_DIM)])


_LOADERS: dict[str, Callable[[], pd.DataFrame]] = {
    "tutorial-blobs": _tutorial_blobs,
    "tutorial-five": _tutorial_five,
    "mpg": _mpg,
    "blobs-5k": lambda: _blobs(5_000),
    "blobs-20k": lambda: _blobs(20_000),
    "blobs-200k": lambda: _blobs(200_000),
}

EXAMPLES: dict[str, Example] = {
    e.id: e
    for e in (
        Example(
            "tutorial-blobs",
            "Two blobs (SciPy dendrogram tutorial)",
            "150 points in 2-D: 100 around (10, 0), 50 around (0, 20). With ward the last "
            "merge towers over the rest: cut at 50 for 2 clusters, 16 for 4.",
            PrepareOptions(features=("x", "y")),
            "ward",
            "euclidean",
            50.0,
        ),
        Example(
            "tutorial-five",
            "Five blobs (SciPy dendrogram tutorial)",
            "The two tutorial blobs plus 600 points in three wider blobs, 750 in all. Good for "
            "truncated views and for comparing elbow and gap heuristics.",
            PrepareOptions(features=("x", "y")),
            "ward",
            "euclidean",
            175.0,
        ),
        Example(
            "mpg",
            "Cars (auto-mpg)",
            "406 cars from the UCI auto-mpg data: mileage, engine and body numbers, origin. "
            "Some mpg and horsepower values are missing; columns have very different units, "
            "so they are z-scored.",
            PrepareOptions(label_column="name", missing="median", scaling="zscore"),
            "ward",
            "euclidean",
            15.0,
        ),
        Example(
            "blobs-5k",
            "5,000 points, 8 blobs in 10-D",
            "Synthetic benchmark: 8 Gaussian blobs with unit spread in 10 dimensions.",
            PrepareOptions(),
            "ward",
            "euclidean",
            100.0,
        ),
        Example(
            "blobs-20k",
            "20,000 points, 8 blobs in 10-D",
            "Synthetic benchmark: as blobs-5k with four times the rows.",
            PrepareOptions(),
            "ward",
            "euclidean",
            200.0,
        ),
        Example(
            "blobs-200k",
            "200,000 points, 8 blobs in 10-D (approximate mode)",
            "As blobs-5k with 40 times the rows: past the exact limit, so the tree is built on "
            "micro-clusters (ward on their weighted centroids) and the page says how close "
            "that is to exact ward.",
            PrepareOptions(),
            "ward",
            "euclidean",
            None,
        ),
    )
}


@lru_cache(maxsize=len(_LOADERS))
def _cached(example_id: str) -> pd.DataFrame:
    return _LOADERS[example_id]()


def load_example(example_id: str) -> pd.DataFrame:
    """The example's table (a fresh copy: callers may modify it).

    Parameters
    ----------
    example_id : str
        A key of ``EXAMPLES``.

    Returns
    -------
    pandas.DataFrame
        (n_rows, n_columns).

    Examples
    --------
    >>> load_example("tutorial-blobs").shape
    (150, 2)
    >>> load_example("tutorial-five").shape
    (750, 2)
    """
    if example_id not in _LOADERS:
        raise DataError(
            f"unknown example {example_id!r}; choose one of "
            + ", ".join(repr(k) for k in _LOADERS)
        )
    return _cached(example_id).copy()
