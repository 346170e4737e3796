"""assets/dendro.js under Node: the browser's recolour draws exactly what the server draws --
links, the clusters' stems up to the cut and the leaf marks -- in every truncation mode and
orientation (issue 12, section 1). The stems are layout shapes (one path per colour after the
line and the contracted marks); their every number is checked against ``Geometry.stems``, and
a move of the cut within its partition moves their tops to the line. The server's figure is
itself checked against fcluster in tests/components/figures/test_cluster_colours.py.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from scipy.cluster.hierarchy import linkage

from clustering.cut import tree_index
from clustering.geometry import dendrogram_geometry
from components.figures import dendrogram as dendro_fig
from components.figures import palette, scatter, tree_data

ROOT = Path(__file__).resolve().parents[2]
NODE = shutil.which("node")
needs_node = pytest.mark.skipif(NODE is None and not os.environ.get("CI"),
                                reason="needs Node.js to run assets/dendro.js")

#: What a Node script needs to load assets/dendro.js (its path is argv[2]) as the page does:
#: atob, a dash_clientside with no_update and a Patch that records its operations; then the
#: test's input as JSON on stdin, in ``input``.
DENDRO_PRELUDE = r"""
const fs = require('fs');
global.atob = (s) => Buffer.from(s, 'base64').toString('binary');
class Patch { constructor() { this.ops = []; }
  assign(loc, value) { this.ops.push([loc, value]); return this; }
  build() { return {operations: this.ops}; } }
global.window = {dash_clientside: {no_update: {nu: 1}, Patch: Patch}};
eval(fs.readFileSync(process.argv[2], 'utf8'));
const input = JSON.parse(fs.readFileSync(0, 'utf8'));
"""

_HARNESS = DENDRO_PRELUDE + r"""
const num = (a) => Array.from(a).map(v => Number.isNaN(v) ? null : v);
const out = input.cuts.map((t) => {
  window.dash_clientside.callback_context = {triggered: [{prop_id: 'cut-height.value'}]};
  const td = JSON.parse(JSON.stringify(input.td));
  const r = window.dash_clientside.dendro.applyCut(td, t, null, null, input.fig, input.scatter);
  const data = r[0].operations.find(o => o[0].join('.') === 'data')[1];
  const shapes = r[0].operations.find(o => o[0].join('.') === 'layout.shapes')[1];
  const sc = r[1].operations[0][1];
  return {
    shapes: shapes,
    traces: data.filter(d => d.meta === 'links' || d.meta === 'leafmarks').map(d => ({
      meta: d.meta, type: d.type, x: num(d.x), y: num(d.y),
      color: d.meta === 'links' ? d.line.color : d.marker.color,
      cd: d.customdata ? Array.from(d.customdata) : null})),
    metas: data.map(d => d.meta),
    hover: data.filter(d => d.meta === 'hover').map(d => Array.from(d.text || [])),
    legend: sc.filter(d => d.meta === 'legend').map(d => [d.name, d.legendgroup]),
    groups: sc.filter(d => d.meta === 'points').map(d => [d.legendgroup, d.marker.color]),
  };
});
process.stdout.write(JSON.stringify(out));
"""


def _plain(v):
    return [None if (isinstance(x, float) and np.isnan(x)) else float(x)
            for x in np.asarray(v, dtype=float)]


def _server_traces(fig) -> list[dict]:
    out = []
    for tr in fig.data:
        if tr.meta not in ("links", "leafmarks"):
            continue
        out.append({"meta": tr.meta, "type": tr.type, "x": _plain(tr.x), "y": _plain(tr.y),
                    "color": tr.line.color if tr.meta == "links" else list(tr.marker.color),
                    "cd": None if tr.customdata is None else np.asarray(tr.customdata).tolist()})
    return out


def check_stems(shapes: list[dict], g, t: float, orientation: str, server=None) -> None:
    """The browser's shapes at the cut t: the line first, the server's contracted marks kept,
    then the stems, which are ``Geometry.stems`` at t number for number (every top at the line
    or at its parent's merge if lower) and the server's stems."""
    assert shapes[0]["type"] == "line"
    assert shapes[0]["y0" if orientation in ("top", "bottom") else "x0"] == t
    names = [sh.get("name") for sh in shapes]
    first = 1 + (names[1:2] == ["contracted"])
    assert names[first:] == [dendro_fig.STEMS] * (len(names) - first)
    for sh in shapes[first:]:
        assert sh["type"] == "path" and sh["xref"] == "x" and sh["yref"] == "y"
        assert sh["line"]["width"] == 1.5 and "fillcolor" not in sh
    colours = [sh["line"]["color"] for sh in shapes[first:]]
    assert colours == [c for c in palette.PALETTE if c in colours], "not in palette order"
    got = sorted(dendro_fig.stem_lines(shapes, orientation))
    x, lo, hi, c = g.stems(t)
    want = sorted(zip([palette.cluster_color(int(v)) for v in c], x.tolist(), lo.tolist(),
                      hi.tolist(), strict=True))
    assert got == want, f"cut {t}"
    if server is not None:
        drawn = [sh.to_plotly_json() for sh in server.layout.shapes]
        assert sorted(dendro_fig.stem_lines(drawn, orientation)) == want
        if names[1:2] == ["contracted"]:
            assert shapes[1] == drawn[1]


def _leaves_under(Z: np.ndarray, row: int) -> list[int]:
    """The rows of X under the cluster row ``row`` of Z forms."""
    n = len(Z) + 1
    stack, out = [n + row], []
    while stack:
        node = stack.pop()
        if node < n:
            out.append(node)
        else:
            stack.extend(int(c) for c in Z[node - n, :2])
    return out


def _run(td, fig, sc, cuts, tmp_path):
    script = tmp_path / "harness.js"
    script.write_text(_HARNESS)
    done = subprocess.run([NODE, str(script), str(ROOT / "assets" / "dendro.js")],
                          input=json.dumps({"td": td, "fig": fig, "scatter": sc, "cuts": cuts}),
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@needs_node
@pytest.mark.parametrize(("mode", "p"), [(None, 30), ("lastp", 10), ("level", 3)])
@pytest.mark.parametrize("orientation", ["top", "bottom", "left", "right"])
def test_browser_recolour_equals_server_figure(tmp_path, mode, p, orientation):
    rng = np.random.default_rng(3)
    X = np.concatenate([rng.standard_normal((25, 2)) + c
                        for c in ([0, 0], [9, 0], [0, 9], [9, 9], [20, 20])])
    Z = linkage(X, "average")
    idx = tree_index(Z)
    g = dendrogram_geometry(Z, truncate_mode=mode, p=p, index=idx)
    td = tree_data.make_tree_data(g, idx, Z, orientation=orientation)
    start = float(Z[-1, 2]) * 2
    td["cut"] = start
    fig = json.loads(dendro_fig.make_dendrogram_figure(g, start, Z=Z,
                                                       orientation=orientation).to_json())
    labels = [str(i) for i in range(len(X))]
    sc = json.loads(scatter.make_scatter_figure(X[:, 0], X[:, 1], idx.labels_at(start),
                                                labels=labels).to_json())
    cuts = np.quantile(Z[:, 2], [0.2, 0.6, 0.9, 0.97, 0.995]).tolist()
    out = _run(td, fig, sc, cuts, tmp_path)
    for res, t in zip(out, cuts, strict=True):
        server = _server_traces(dendro_fig.make_dendrogram_figure(g, t, Z=Z,
                                                                  orientation=orientation))
        assert res["traces"] == server, f"cut {t}"
        check_stems(res["shapes"], g, t, orientation,
                    dendro_fig.make_dendrogram_figure(g, t, Z=Z, orientation=orientation))
        # The hover names each merge's flat cluster at the cut as the server does (issue 19:
        # colour is never the only carrier), and the server's names are fcluster's labels.
        drawn = dendro_fig.make_dendrogram_figure(g, t, Z=Z, orientation=orientation)
        hover = [list(tr.text) for tr in drawn.data if tr.meta == "hover"]
        assert res["hover"] == hover, f"cut {t}"
        fc = idx.labels_at(t)  # fcluster(Z, t, "distance") numbered in leaf order
        for name, row in zip(hover[0], g.link_rows, strict=True):
            members = fc[_leaves_under(Z, int(row))]
            if name.startswith("in cluster "):
                assert set(members.tolist()) == {int(name.split()[-1])}, (name, t)
            else:
                assert name == dendro_fig.ABOVE_THE_CUT and len(set(members.tolist())) > 1
        assert res["metas"][: len(server)] == ["links"] * (len(server) - 1) + ["leafmarks"]
        k = idx.k_at(t)
        expected = scatter.make_scatter_figure(X[:, 0], X[:, 1], idx.labels_at(t),
                                               labels=labels)
        assert res["legend"] == [[tr.name, tr.legendgroup] for tr in expected.data
                                 if tr.meta == "legend"][: k + 1]
        assert res["groups"] == [[tr.legendgroup, tr.marker.color] for tr in expected.data
                                 if tr.meta == "points"]


@needs_node
def test_browser_legend_says_colours_repeat_past_the_palette(tmp_path):
    rng = np.random.default_rng(4)
    X = rng.standard_normal((120, 2))
    Z = linkage(X, "ward")
    idx = tree_index(Z)
    g = dendrogram_geometry(Z, index=idx)
    td = tree_data.make_tree_data(g, idx, Z)
    td["cut"] = float(Z[-1, 2]) * 2
    fig = json.loads(dendro_fig.make_dendrogram_figure(g, td["cut"], Z=Z).to_json())
    sc = json.loads(scatter.make_scatter_figure(X[:, 0], X[:, 1], idx.labels_at(td["cut"]),
                                                labels=[str(i) for i in range(120)]).to_json())
    t = float(Z[-60, 2])  # about 60 clusters
    out = _run(td, fig, sc, [t], tmp_path)[0]
    k = idx.k_at(t)
    assert k > len(palette.PALETTE)
    expected = scatter.make_scatter_figure(X[:, 0], X[:, 1], idx.labels_at(t),
                                           labels=[str(i) for i in range(120)])
    names = [tr.name for tr in expected.data if tr.meta == "legend"]
    assert [n for n, _ in out["legend"]] == names
    assert names[-1].endswith(f"(colours repeat after {len(palette.PALETTE)} clusters)")
