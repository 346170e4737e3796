"""The page's tied-distances note (issue 12, section 5): shown when the fast path ran on
tie-prone data, never when SciPy's own routine built the tree."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from clustering.linkage import compute_linkage
from clustering.ties import SCIPY_TIES_MAX_N
from components.page import drawing, tree_view
from components.state.trees import scipy_ties_limit


def _tree(h):
    return SimpleNamespace(hierarchy=h)


def test_note_only_when_the_fast_path_ran_on_tied_data():
    X = np.arange(12.0).reshape(-1, 1)
    fast = compute_linkage(X, "average", scipy_ties_max_n=5)
    note = drawing.tree_tie_note(_tree(fast))
    assert note and "one of them" in note
    assert tree_view.show_approx_note({"tie_note": note}) == (note, True)
    assert drawing.tree_tie_note(_tree(compute_linkage(X, "average"))) is None
    smooth = np.random.default_rng(0).normal(size=(30, 2))
    assert drawing.tree_tie_note(_tree(compute_linkage(smooth, "average"))) is None
    # An approximate tree has no such note (it says it is approximate instead).
    assert drawing.tree_tie_note(_tree(SimpleNamespace())) is None


def test_the_memory_budget_lowers_the_scipy_limit():
    assert scipy_ties_limit(2048) == SCIPY_TIES_MAX_N
    assert scipy_ties_limit(64) == int(np.sqrt(64 * 1024 * 1024 / 8))


def test_opening_cut_is_tidy():
    Z = compute_linkage(np.random.default_rng(1).normal(size=(40, 2)), "ward").Z
    t = drawing.tidy_cut(Z, 1.23456789)
    assert len(repr(t)) <= 6
