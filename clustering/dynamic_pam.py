"""The PAM stage of the dynamic tree cut's "hybrid" method (R's ``cutreeHybrid``, ``pamStage``).

Rows the hybrid method left unassigned join the nearest cluster by mean distance (R's
default ``useMedoids = FALSE``, no medoids), when that distance is below the cluster's
diameter or ``max_pam_dist``: first the small branches, each as a whole
(``respect_small_clusters``), then the single rows; both only among the clusters on their
branch when ``pam_respects_dendro``. Called by :func:`clustering.dynamic_hybrid._cut_hybrid`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from clustering.dynamic_hybrid import _Branch

__all__: list[str] = []  # helpers of clustering.dynamic_cut only


@dataclass(frozen=True, eq=False)
class _Pam:
    """What both passes of the PAM stage read: the clusters before it and where rows sit.

    ``before`` labels rows 1..``n_proper`` by cluster (0 = unassigned); ``diameter[c]`` is
    cluster c's largest mean distance from a member to the others; ``on_branch`` and
    ``branch_label`` come from the hybrid method's branches.
    """

    D: np.ndarray
    before: np.ndarray
    diameter: np.ndarray
    on_branch: np.ndarray
    branches: list[_Branch]
    branch_label: np.ndarray
    n_proper: int
    respects_dendro: bool
    max_pam_dist: float

    def candidates(self, branch: int) -> np.ndarray:
        """Cluster labels a row may join: those on its branch, or all when not respecting it.

        R also lets a branch's unlabelled rows compete as "cluster 0" and then stops with an
        error when they are nearest; they are left out here, which changes nothing else.
        """
        if not self.respects_dendro:
            return np.arange(1, self.n_proper + 1)
        labels = np.unique(self.branch_label[self.branches[branch].basics])
        return labels[labels > 0]

    def nearest(self, rows: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For each row, the closest of ``labels`` by mean distance to its members, and that mean."""
        means = np.empty((rows.size, labels.size))
        for j, lab in enumerate(labels):
            members = np.flatnonzero(self.before == lab)
            means[:, j] = self.D[np.ix_(rows, members)].mean(axis=1)
        best = means.argmin(axis=1)  # first minimum, as which.min
        return labels[best], means[np.arange(rows.size), best]


def _diameters(D: np.ndarray, before: np.ndarray, n_proper: int) -> np.ndarray:
    """Per cluster 1..n_proper, its largest mean distance from a member to the others."""
    diameter = np.zeros(n_proper + 1)
    for c in range(1, n_proper + 1):
        members = np.flatnonzero(before == c)
        if members.size > 1:
            diameter[c] = (D[np.ix_(members, members)].sum(axis=0) / (members.size - 1)).max()
    return diameter


def _assign_small_clusters(pam: _Pam, small_labels: np.ndarray, out: np.ndarray) -> None:
    """Each small branch joins its nearest cluster as a whole, or is marked -1 (in ``out``)."""
    D, before, diameter = pam.D, pam.before, pam.diameter
    for sc in np.unique(small_labels[small_labels != 0]):
        rows = np.flatnonzero(small_labels == sc)
        if pam.respects_dendro:
            br = np.unique(pam.on_branch[rows])
            if br.size > 1 or br[0] == 0:
                continue
            labels = pam.candidates(int(br[0]))
        else:
            labels = pam.candidates(0)
        if labels.size == 0:
            continue
        # one decision for the whole small cluster: mean over its rows, then over members
        means = np.array([D[np.ix_(rows, np.flatnonzero(before == lab))].mean(axis=0).mean()
                          for lab in labels])
        best = int(means.argmin())
        lab, dist = int(labels[best]), float(means[best])
        out[rows] = lab if (dist < diameter[lab] or dist < pam.max_pam_dist) else -1


def _assign_unlabelled(pam: _Pam, out: np.ndarray) -> None:
    """Rows still unlabelled in ``out`` join their nearest cluster when close enough (in place)."""
    on_branch, diameter = pam.on_branch, pam.diameter
    unlabelled = np.flatnonzero(out == 0)
    if unlabelled.size:
        if pam.respects_dendro:
            groups = [(int(b), unlabelled[on_branch[unlabelled] == b])
                      for b in np.unique(on_branch[unlabelled]) if b > 0]
        else:
            groups = [(0, unlabelled)]
        for b, rows in groups:
            labels = pam.candidates(b)
            if labels.size == 0 or rows.size == 0:
                continue
            lab, dist = pam.nearest(rows, labels)
            ok = (dist < diameter[lab]) | (dist < pam.max_pam_dist)
            out[rows[ok]] = lab[ok]


def _pam_stage(D: np.ndarray, colours: np.ndarray, small_labels: np.ndarray,
               on_branch: np.ndarray, branches: list[_Branch], branch_label: np.ndarray,
               n_proper: int, respects_dendro: bool, max_pam_dist: float,
               respect_small: bool) -> np.ndarray:
    """cutreeHybrid's PAM stage without medoids: nearest cluster by mean distance."""
    before = colours.copy()
    diameter = _diameters(D, before, n_proper)
    out = colours.copy()
    pam = _Pam(D, before, diameter, on_branch, branches, branch_label, n_proper,
               respects_dendro, max_pam_dist)
    if respect_small:
        _assign_small_clusters(pam, small_labels, out)
    _assign_unlabelled(pam, out)
    return out
