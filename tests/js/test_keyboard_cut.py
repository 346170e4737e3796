"""assets/keyboard_cut.js under Node, against SciPy: the keyboard cut and the graphs in words.

The slider's value text and the dendrogram's description (k, cluster sizes) must say what
``fcluster(Z, t, 'distance')`` says at the cut; each arrow key must land on a band of the k
table whose height gives exactly the next possible k (checked with fcluster at that height).
The browser tests (tests/browser/test_a11y_keyboard.py) press the keys for real.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from scipy.cluster.hierarchy import fcluster, linkage

from clustering.cut import tree_index
from clustering.geometry import dendrogram_geometry
from components.figures.tree_data import decode_b64, make_tree_data

ROOT = Path(__file__).resolve().parents[2]
NODE = shutil.which("node")

pytestmark = pytest.mark.skipif(NODE is None and not os.environ.get("CI"),
                                reason="needs Node.js to run assets/keyboard_cut.js")

# A window and document just big enough for the two assets; describe() at each cut asked for,
# nextBand() from each k asked for.
_HARNESS = r"""
const fs = require('fs');
global.document = {addEventListener: () => {}, getElementById: () => null};
global.window = {dash_clientside: {no_update: {nu: 1}}};
eval(fs.readFileSync(process.argv[1], 'utf8'));
eval(fs.readFileSync(process.argv[2], 'utf8'));
const job = JSON.parse(fs.readFileSync(0, 'utf8'));
const A = window.dash_clientside.dendroA11y;
const described = job.cuts.map((t) => {
  window.dash_clientside.callback_context = {triggered: [{prop_id: 'cut-height.value'}]};
  return A.describe(job.td, t, '', null);
});
const d = window.dash_clientside.dendro;
const a = {kOf: d.decode(job.td.k_of)};
const bands = job.ks.map((k) => [A._nextBand(a, k, 1, 1), A._nextBand(a, k, -1, 1),
                                 A._nextBand(a, k, 1, 10)]);
process.stdout.write(JSON.stringify({described, bands}));
"""


def _run(td: dict, cuts: list[float], ks: list[int]) -> dict:
    out = subprocess.run(
        [NODE or "node", "-e", _HARNESS, str(ROOT / "assets" / "dendro.js"),
         str(ROOT / "assets" / "keyboard_cut.js")],
        input=json.dumps({"td": td, "cuts": cuts, "ks": ks}), capture_output=True, text=True,
        timeout=60, check=True)
    return json.loads(out.stdout)


def _tree(seed: int, n: int = 60, method: str = "average") -> tuple[np.ndarray, dict]:
    rng = np.random.default_rng(seed)
    X = np.concatenate([rng.normal(c * 6.0, 1.0, size=(n // 3, 2)) for c in range(3)])
    Z = linkage(X, method)
    td = make_tree_data(dendrogram_geometry(Z), tree_index(Z), Z)
    td.update(params={"method": method, "metric": "euclidean"}, cut=float(Z[-2, 2]))
    return Z, td


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_words_say_what_fcluster_says(seed: int) -> None:
    Z, td = _tree(seed)
    cuts = [float(Z[-1, 2]) + 1, float(Z[-3, 2]), float(np.median(Z[:, 2])), 0.0]
    got = _run(td, cuts, [])["described"]
    for t, (now, text, lo, hi, shown, tree, scatter) in zip(cuts, got, strict=True):
        labels = fcluster(Z, t, "distance")
        k = int(labels.max())
        assert text.endswith(f", {k} cluster" + ("" if k == 1 else "s")), text
        assert abs(now - t) <= 1e-3 * max(1.0, abs(t)) and lo <= now <= hi
        assert f"{td['n']} rows, average linkage, euclidean distance" in tree
        sizes = sorted(int(s) for s in re.findall(r"cluster \d+: (\d+) rows", tree))
        listed = min(k, 12)
        assert len(sizes) == listed
        if k <= 12:
            assert sizes == sorted(np.bincount(labels)[1:].tolist()), (tree, t)
        assert f"({k} cluster" in scatter
        assert shown.startswith("Cut line: max_d = ")


@pytest.mark.parametrize("seed", [0, 3])
def test_each_key_lands_on_the_next_possible_k(seed: int) -> None:
    Z, td = _tree(seed, method="single")
    heights, k_of = decode_b64(td["k_height"]), decode_b64(td["k_of"])
    ks = list(range(1, 30))
    bands = _run(td, [], ks)["bands"]
    possible = sorted(set(int(fcluster(Z, h, "distance").max()) for h in heights))
    for k, (down, up, page_down) in zip(ks, bands, strict=True):
        more = [p for p in possible if p > k]
        fewer = [p for p in possible if p < k]
        if more:
            assert int(fcluster(Z, heights[down], "distance").max()) == k_of[down] == more[0]
            assert k_of[page_down] == more[min(9, len(more) - 1)]
        else:
            assert down is None
        if fewer:
            assert int(fcluster(Z, heights[up], "distance").max()) == k_of[up] == fewer[-1]
        else:
            assert up is None
