"""Built-in examples: the SciPy tutorial's published numbers prove the random stream is right."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.cluster.hierarchy import cophenet, fcluster, linkage
from scipy.spatial.distance import pdist

from clustering.datasets import EXAMPLES, Example, load_example
from clustering.errors import DataError
from clustering.prepare import prepare


def _sizes(labels: np.ndarray) -> list[int]:
    return sorted(np.bincount(labels)[1:].tolist())


def test_tutorial_blobs_reproduces_published_numbers() -> None:
    example = EXAMPLES["tutorial-blobs"]
    X = prepare(load_example("tutorial-blobs"), example.options).matrix
    assert X.shape == (150, 2)
    Z = linkage(X, example.method, example.metric)
    np.testing.assert_allclose(Z[0], [52, 53, 0.04151, 2], atol=5e-6)
    c, _ = cophenet(Z, pdist(X))
    assert round(c, 5) == 0.98001
    np.testing.assert_allclose(Z[-4:, 2], [15.11533, 17.11527, 23.12199, 180.27043], atol=5e-6)
    at_cut = fcluster(Z, example.cut, "distance")
    assert example.cut == 50 and _sizes(at_cut) == [50, 100]
    # The 50 of the second blob are rows 100..149.
    assert len(set(at_cut[100:])) == 1 and at_cut[100] not in set(at_cut[:100])
    assert len(set(fcluster(Z, 16, "distance"))) == 4


def test_tutorial_five_starts_with_tutorial_blobs() -> None:
    five = load_example("tutorial-five")
    assert five.shape == (750, 2)
    np.testing.assert_array_equal(five.iloc[:150].to_numpy(), load_example("tutorial-blobs").to_numpy())
    # Blob centres, from the same random stream.
    for lo, centre in [(150, (40, 40)), (350, (80, 80)), (550, (0, 100))]:
        np.testing.assert_allclose(five.iloc[lo:lo + 200].mean().to_numpy(), centre, atol=2.0)


def test_tutorial_five_default_cut_gives_five_clusters() -> None:
    example = EXAMPLES["tutorial-five"]
    X = prepare(load_example("tutorial-five"), example.options).matrix
    Z = linkage(X, example.method, example.metric)
    assert len(set(fcluster(Z, example.cut, "distance"))) == 5


def test_mpg() -> None:
    example = EXAMPLES["mpg"]
    df = load_example("mpg")
    assert df.shape == (406, 9)
    assert df["horsepower"].isna().sum() == 6
    p = prepare(df, example.options)
    assert p.matrix.shape == (406, 7) and p.labels[0] == "chevrolet chevelle malibu"
    assert "origin" not in p.feature_names and "name" not in p.feature_names
    Z = linkage(p.matrix, example.method, example.metric)
    assert 2 <= len(set(fcluster(Z, example.cut, "distance"))) <= 8


@pytest.mark.parametrize(("example_id", "n"), [("blobs-5k", 5_000), ("blobs-20k", 20_000)])
def test_benchmark_blobs_shape_and_determinism(example_id: str, n: int) -> None:
    df = load_example(example_id)
    assert df.shape == (n, 10)
    assert np.isfinite(df.to_numpy()).all()
    assert load_example(example_id).equals(df)
    if n == 5_000:  # SciPy's ward at 20k takes ~3 GB: only the small one here
        Z = linkage(df.to_numpy(), "ward")
        assert len(set(fcluster(Z, EXAMPLES[example_id].cut, "distance"))) == 8


def test_load_returns_a_copy() -> None:
    df = load_example("tutorial-blobs")
    df.iloc[0, 0] = 1e9
    assert load_example("tutorial-blobs").iloc[0, 0] != 1e9


def test_registry_is_consistent() -> None:
    assert list(EXAMPLES) == [
        "tutorial-blobs", "tutorial-five", "mpg", "blobs-5k", "blobs-20k", "blobs-200k"
    ]
    for key, example in EXAMPLES.items():
        assert isinstance(example, Example) and example.id == key
        assert example.title and example.description
        assert example.method in {"single", "complete", "average", "weighted", "centroid", "median", "ward"}
        hash(example)  # frozen, so it can be a memo key


def test_unknown_example() -> None:
    with pytest.raises(DataError, match=r"unknown example 'nope'; choose one of 'tutorial-blobs'"):
        load_example("nope")
