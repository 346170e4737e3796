"""Issue 17, point 1: once the user has said "similarities", a conversion that does not fit
says which conversion does (not "say so" again), naming the cells; an infinite cell is not
called empty."""

from __future__ import annotations

import numpy as np
import pytest

from clustering.distances import distances_from_condensed, distances_from_square
from clustering.errors import DataError

S5 = np.array([[5.0, 4.0, 1.0], [4.0, 5.0, 2.0], [1.0, 2.0, 5.0]])  # similarities up to 5


def message(*args, **kwargs) -> str:
    with pytest.raises(DataError) as err:
        distances_from_square(*args, **kwargs)
    return str(err.value)


def test_one_minus_on_similarities_beyond_one_names_max_minus():
    m = message(S5, labels=["a", "b", "c"], similarity="one_minus")
    assert m.startswith("after 1 − s, the diagonal must be 0 (each item is at distance 0 from "
                        "itself): row 'a', column 'a': -4; row 'b', column 'b': -4; row 'c', "
                        "column 'c': -4")
    assert "choose max − s" in m and "say so" not in m
    dm = distances_from_square(S5, similarity="max_minus")  # the named fix works
    np.testing.assert_array_equal(dm.condensed, [1.0, 4.0, 3.0])


def test_max_minus_with_a_low_diagonal_names_the_cell():
    S = S5.copy()
    S[1, 1] = 4.5
    m = message(S, labels=["a", "b", "c"], similarity="max_minus")
    assert m.startswith("after max − s, the diagonal must be 0")
    assert "row 'b', column 'b': 0.5. max − s needs" in m and "say so" not in m


def test_one_minus_giving_negative_distances_names_the_pair():
    S = np.array([[1.0, 1.5, 0.2], [1.5, 1.0, 0.3], [0.2, 0.3, 1.0]])
    m = message(S, labels=["a", "b", "c"], similarity="one_minus")
    assert m.startswith("after 1 − s, distances must be non-negative: row 'a', column 'b': -0.5")
    assert "choose max − s" in m


def test_without_similarity_the_hint_still_asks():
    m = message(S5, labels=["a", "b", "c"])
    assert "If these are similarities" in m


def test_condensed_similarities_beyond_one():
    with pytest.raises(DataError, match=r"^after 1 − s, distances must be non-negative: "
                                         r".*1 − s fits similarities at most 1"):
        distances_from_condensed([4.0, 1.0, 2.0], similarity="one_minus")


def test_an_infinite_cell_is_not_called_empty():
    D = np.array([[0.0, np.inf, 2.0], [np.inf, 0.0, 3.0], [2.0, 3.0, 0.0]])
    m = message(D, labels=["a", "b", "c"])
    assert "row 'a', column 'b': inf" in m and "empty" not in m
