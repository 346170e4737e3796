"""assets/dendro.js under Node: re-cuts in a row, each fed the figure the one before drew (as
the page does), give exactly the scatter a first re-cut of the server's figure gives -- the
rows read once per server figure and the [row, cluster] customdata kept with them (issue 14)
change nothing that is drawn or hovered; and a new server figure is read afresh.
"""

from __future__ import annotations

import json
import subprocess

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage

from clustering.cut import tree_index
from clustering.geometry import dendrogram_geometry
from components.figures import dendrogram as dendro_fig
from components.figures import scatter, tree_data
from tests.js.test_dendro_colours import DENDRO_PRELUDE, NODE, ROOT, needs_node
from tests.partitions import same_partition

# Each step: applyCut on the scatter figure the previous step drew ("chain") and on the
# server's figure ("fresh"); both answers, as plain JSON.
_HARNESS = DENDRO_PRELUDE + r"""
const D = window.dash_clientside.dendro;
const plain = (traces) => traces.map(t => ({
  meta: t.meta, name: t.name || null, legendgroup: t.legendgroup || null,
  color: t.marker ? t.marker.color : t.line.color,
  x: t.x ? Array.from(t.x, v => v) : null, y: t.y ? Array.from(t.y, v => v) : null,
  text: t.text ? Array.from(t.text) : null,
  cd: t.customdata ? Array.from(t.customdata, r => Array.from(r)) : null}));
let sc = input.scatter;
const out = [];
input.steps.forEach((step) => {
  window.dash_clientside.callback_context = {triggered: [{prop_id: 'cut-height.value'}]};
  if (step.server) { sc = input.servers[step.server]; }
  const chained = D.applyCut(input.td, step.t, null, null, input.fig, sc)[1].operations[0][1];
  // Plain JSON now: the next step may update the kept customdata arrays in place.
  const chainedPlain = plain(chained);
  sc = Object.assign({}, sc, {data: chained});
  // Another copy of the tree: applyCut only moves the line for a k it has just drawn.
  const fresh = D.applyCut(JSON.parse(JSON.stringify(input.td)), step.t, null, null, input.fig,
                           JSON.parse(JSON.stringify(input.servers[step.fresh])));
  out.push({chained: chainedPlain, fresh: plain(fresh[1].operations[0][1])});
});
process.stdout.write(JSON.stringify(out));
"""


def _case():
    rng = np.random.default_rng(14)
    X = np.concatenate([rng.standard_normal((30, 2)) + c
                        for c in ([0, 0], [9, 0], [0, 9], [9, 9], [20, 20])])
    Z = linkage(X, "ward")
    idx = tree_index(Z)
    g = dendrogram_geometry(Z, index=idx)
    td = tree_data.make_tree_data(g, idx, Z)
    start = float(Z[-1, 2]) * 2
    td["cut"] = start
    fig = json.loads(dendro_fig.make_dendrogram_figure(g, start, Z=Z).to_json())
    labels = [f"row {i}" for i in range(len(X))]

    def server(x: np.ndarray) -> dict:
        return json.loads(scatter.make_scatter_figure(x, X[:, 1], idx.labels_at(start),
                                                      labels=labels).to_json())

    return X, Z, td, fig, {"a": server(X[:, 0]), "b": server(X[:, 0] + 100.0)}


def _run(payload: dict, tmp_path) -> list[dict]:
    script = tmp_path / "harness.js"
    script.write_text(_HARNESS)
    done = subprocess.run([NODE, str(script), str(ROOT / "assets" / "dendro.js")],
                          input=json.dumps(payload), capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@needs_node
def test_chained_recuts_draw_what_a_fresh_recut_draws(tmp_path):
    X, Z, td, fig, servers = _case()
    heights = np.quantile(Z[:, 2], [0.95, 0.99, 0.6, 0.995, 0.95, 0.9]).tolist()
    steps = [{"t": t, "fresh": "a"} for t in heights]
    out = _run({"td": td, "fig": fig, "scatter": servers["a"], "servers": servers,
                "steps": steps}, tmp_path)
    for step, res in zip(steps, out, strict=True):
        assert res["chained"] == res["fresh"], f"cut {step['t']}"
        # The hover's [row, cluster] is fcluster's labelling of the rows at the cut.
        rows, clusters = zip(*(cd for tr in res["chained"] if tr["meta"] == "points"
                               for cd in tr["cd"]), strict=True)
        labels = np.zeros(len(X), dtype=int)
        labels[list(rows)] = clusters
        assert sorted(rows) == list(range(len(X)))
        assert same_partition(labels, fcluster(Z, step["t"], "distance"))


@needs_node
def test_a_new_server_figure_is_read_afresh(tmp_path):
    _, Z, td, fig, servers = _case()
    t1, t2 = np.quantile(Z[:, 2], [0.95, 0.99]).tolist()
    # A recolour of figure a, then the server draws figure b (another projection: x + 100).
    steps = [{"t": t1, "fresh": "a"}, {"t": t2, "fresh": "b", "server": "b"}]
    out = _run({"td": td, "fig": fig, "scatter": servers["a"], "servers": servers,
                "steps": steps}, tmp_path)
    assert out[1]["chained"] == out[1]["fresh"]
    xs = [v for tr in out[1]["chained"] if tr["meta"] == "points" for v in tr["x"]]
    assert min(xs) > 50.0
