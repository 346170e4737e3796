"""The app object, its page, and the browser-side cut code (run in Node when it is installed)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from scipy.cluster.hierarchy import fcluster, linkage

from clustering.cut import tree_index
from clustering.geometry import dendrogram_geometry
from components import ids
from components.figures import dendrogram as dendro_fig
from components.figures import palette, scatter, text, tree_data
from components.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
CONTRACT = [
    "upload", "example", "method", "metric", "scaling", "truncate-mode", "truncate-p",
    "annotate-above", "cut-height", "cluster-k", "cluster-count", "dendrogram", "scatter", "error",
]


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    from app import create_app

    return create_app(Settings.from_env(data_dir=str(tmp_path_factory.mktemp("data")),
                                        max_upload_mb=3))


def _layout_ids(component) -> set[str]:
    found = set()
    stack = [component]
    while stack:
        c = stack.pop()
        if isinstance(c, list | tuple):
            stack.extend(c)
            continue
        if not hasattr(c, "to_plotly_json"):
            continue
        cid = getattr(c, "id", None)
        if isinstance(cid, str):
            found.add(cid)
        children = getattr(c, "children", None)
        if children is not None:
            stack.append(children)
    return found


def test_contract_ids_are_exact_and_on_the_page(app):
    page = _layout_ids(app.layout())
    assert set(CONTRACT) <= page
    constants = {v for k, v in vars(ids).items() if k.isupper()}
    assert set(CONTRACT) <= constants


def test_every_callback_id_is_in_the_layout(app):
    page = _layout_ids(app.layout())
    assert not app.config.suppress_callback_exceptions
    for cb in app.callback_map.values():
        for dep in cb["inputs"] + cb["state"]:
            assert dep["id"] in page, dep
        for out in cb["output"].strip(".").split("..."):
            assert out.split(".")[0].lstrip(".") in page, out


def test_no_server_callback_is_sent_the_tree_data(tmp_path):
    """``tree-data`` holds the arrays the browser recolours from (~355 KB at 20,000 rows): a
    server callback reading it would upload them on every call; they read ``tree-ref``."""
    from tests.dash_page import fresh_app

    # fresh_app: every callback registered on it (this module's app may have found the
    # registry taken by an earlier app of the process).
    app = fresh_app(Settings.from_env(data_dir=str(tmp_path), redis_url=None))
    deps = app.server.test_client().get("/_dash-dependencies").get_json()
    server = [cb for cb in deps if not cb.get("clientside_function")]
    assert server and len(server) < len(deps)
    for cb in server:
        sent = {dep["id"] for dep in cb["inputs"] + cb["state"]}
        assert ids.TREE_DATA not in sent, cb["output"]


def test_settings_and_upload_limit_reach_flask(app):
    assert app.server.config["DENDRO_SETTINGS"].max_upload_mb == 3
    assert app.server.config["MAX_CONTENT_LENGTH"] >= 3 * 1024 * 1024


def test_page_and_assets_are_served(app):
    client = app.server.test_client()
    page = client.get("/")
    assert page.status_code == 200
    assert b"dendro.js" in page.data and b"bootstrap" in page.data
    js = client.get("/assets/dendro.js")
    assert js.status_code == 200 and b"applyCut" in js.data
    layout = client.get("/_dash-layout")
    assert layout.status_code == 200 and b'"cluster-count"' in layout.data


def test_layout_is_fresh_per_load(app):
    a, b = app.layout(), app.layout()
    assert a is not b


# ------------------------------------------------------------------ the JS cut, in Node
NODE = shutil.which("node")
_HARNESS = r"""
const fs = require('fs');
global.atob = (s) => Buffer.from(s, 'base64').toString('binary');
class Patch { constructor() { this.ops = []; }
  assign(loc, value) { this.ops.push([loc, value]); return this; }
  build() { return {__dash_patch_update: '__dash_patch_update', operations: this.ops}; } }
global.window = {dash_clientside: {no_update: {nu: 1}, Patch: Patch}};
eval(fs.readFileSync(process.argv[2], 'utf8'));
const input = JSON.parse(fs.readFileSync(0, 'utf8'));
// The figure as the page holds it after a call's patch (what the renderer does with one).
const patched = (fig, r) => {
  if (!r || !r.operations) return fig;
  const out = {data: fig.data, layout: Object.assign({}, fig.layout)};
  r.operations.forEach(([loc, value]) => {  // as ramda's assocPath: copies along the path
    let at = out;
    loc.slice(0, -1).forEach((key) => {
      at[key] = Array.isArray(at[key]) ? at[key].slice() : Object.assign({}, at[key]);
      at = at[key];
    });
    at[loc[loc.length - 1]] = value;
  });
  return out;
};
let previous = input.fig;
const out = input.calls.map((c) => {
  window.dash_clientside.callback_context = {triggered: [{prop_id: c.trigger}]};
  // A fresh copy of the tree data unless the call says to keep it (the JS remembers the last
  // partition per tree data, and redraws only the line when it did not change).
  const td = c.same_td ? input.td : JSON.parse(JSON.stringify(input.td));
  // after_previous: the figure the previous call's patch left (else the server's).
  const fig = c.after_previous ? previous : input.fig;
  const r = window.dash_clientside.dendro.applyCut(td, c.cut, c.k, c.preview || null,
                                                   fig, input.scatter);
  previous = patched(fig, r[0]);
  const dend = r[0].operations ? Object.fromEntries(r[0].operations.map(o => [o[0].join('.'), o[1]])) : null;
  const sc = r[1] && r[1].operations ? r[1].operations[0][1] : null;
  const pts = sc ? sc.filter(t => t.meta === 'points') : [];
  return {
    patched: dend ? Object.keys(dend).sort() : null,
    scatter_patched: !!(r[1] && r[1].operations),
    links: dend && dend['data'] ? dend['data'].filter(t => t.meta === 'links').map(t => ({color: t.line.color,
             x: Array.from(t.x).map(v => Number.isNaN(v) ? null : v),
             y: Array.from(t.y).map(v => Number.isNaN(v) ? null : v)})) : null,
    shape: dend ? (dend['layout.shapes'] || [dend['layout.shapes.0']])[0] : null,
    shapes_after: previous.layout.shapes || [],
    points: sc ? pts.map(t => ({color: t.marker.color, cd: t.customdata,
                               x: Array.from(t.x), text: t.text})) : null,
    legend: sc ? sc.filter(t => t.meta === 'legend').map(t => t.name) : null,
    cut: r[2], k: r[3], count: r[4],
    // what a line being dragged is labelled with at this call's cut (cutdrag.js)
    live: c.cut === null ? null : window.dash_clientside.dendro.liveLabel(c.cut),
  };
});
process.stdout.write(JSON.stringify(out));
"""


def _run_js(td: dict, fig: dict, scatter: dict, calls: list[dict], tmp_path: Path) -> list[dict]:
    script = tmp_path / "harness.js"
    script.write_text(_HARNESS)
    payload = json.dumps({"td": td, "fig": fig, "scatter": scatter, "calls": calls})
    done = subprocess.run([NODE, str(script), str(ROOT / "assets" / "dendro.js")], input=payload,
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _drawn_clusters(links: list[dict], m: int) -> dict[tuple, str]:
    out = {}
    for tr in links:
        xs, ys = tr["x"], tr["y"]
        for j in range(len(xs) // 5):
            if len(set(xs[5 * j : 5 * j + 4])) == 1:
                continue  # a cluster's stem (tests/js/test_dendro_colours.py checks those)
            key = tuple(round(v, 3) for v in xs[5 * j : 5 * j + 4] + ys[5 * j : 5 * j + 4])
            out[key] = tr["color"]
    assert len(out) == m
    return out


# In CI the test command installs Node, so there a missing node fails instead of skipping.
@pytest.mark.skipif(NODE is None and not os.environ.get("CI"), reason="needs Node.js to run assets/dendro.js")
@pytest.mark.parametrize(("method", "mode"), [("ward", None), ("single", "lastp"), ("average", "level")])
def test_browser_cut_matches_fcluster_and_server_colours(tmp_path, method, mode):
    rng = np.random.default_rng(5)
    X = np.concatenate([rng.standard_normal((40, 2)) + c for c in ([0, 0], [8, 0], [0, 9], [9, 9])])
    Z = linkage(X, method)
    g = dendrogram_geometry(Z, truncate_mode=mode, p=8, show_contracted=True)
    idx = tree_index(Z)
    td = tree_data.make_tree_data(g, idx, Z)
    td["cut"] = float(Z[-2, 2])
    fig = json.loads(dendro_fig.make_dendrogram_figure(g, td["cut"], Z=Z).to_json())
    labels = [str(i) for i in range(len(X))]
    scatter_fig = json.loads(scatter.make_scatter_figure(X[:, 0], X[:, 1],
                                                         idx.labels_at(td["cut"]),
                                                         labels=labels).to_json())
    heights = np.quantile(Z[:, 2], [0.3, 0.7, 0.9, 0.97]).tolist()
    calls = [{"trigger": "cut-height.value", "cut": t, "k": None} for t in heights]
    calls += [{"trigger": "cluster-k.value", "cut": None, "k": k} for k in (1, 2, 3, 5, 9)]
    calls.append({"trigger": "tree-data.data", "cut": 999.0, "k": None})
    # A line held still mid-drag (cutdrag.js): recoloured at its height, max_d field untouched.
    calls.append({"trigger": "cut-preview.data", "cut": None, "k": None,
                  "preview": {"t": heights[2], "seq": 1}})
    # Two cuts inside one band: the second moves only the line (the figure as the first left
    # it: its arrays decoded once and a datarevision, so plotly.js does not replot; issue 14).
    lo, hi = idx.band_for_k(3)
    hi = min(hi, lo + 1.0)
    calls.append({"trigger": "cut-height.value", "cut": lo + (hi - lo) / 3, "k": None,
                  "same_td": True})
    calls.append({"trigger": "cut-height.value", "cut": lo + 2 * (hi - lo) / 3, "k": None,
                  "same_td": True, "after_previous": True})
    # The same move on the figure as the server sent it (arrays as {dtype, bdata}, no
    # datarevision): the arrays are decoded once, and given a revision, colours untouched.
    calls.append({"trigger": "cut-height.value", "cut": lo + (hi - lo) / 2, "k": None,
                  "same_td": True})
    out = _run_js(td, fig, scatter_fig, calls, tmp_path)

    # A truncated tree's contracted marks are shapes[1]; every patch keeps them, and the
    # stems (one path per colour) follow, each ending at the line (Geometry.stems).
    def kept(shapes):
        return [(sh["type"], sh.get("name")) for sh in shapes if sh.get("name") != "stems"]

    assert kept(fig["layout"]["shapes"]) == ([("line", None)] if mode is None
                                             else [("line", None), ("path", "contracted")])
    for res in out:
        after = res["shapes_after"]
        assert kept(after) == kept(fig["layout"]["shapes"])
        assert [sh.get("name") for sh in after[len(kept(after)):]] == (
            ["stems"] * (len(after) - len(kept(after))))
        t_line = after[0]["y0"]
        sx, sb, st, sc = g.stems(t_line)
        assert sorted(dendro_fig.stem_lines(after)) == sorted(zip(
            [palette.cluster_color(int(v)) for v in sc], sx.tolist(), sb.tolist(), st.tolist(),
            strict=True)), f"the stems at {t_line}"

    def check(res, t):
        k = int(fcluster(Z, t, "distance").max())
        assert int(res["count"].split()[0]) == k
        assert res["shape"]["y0"] == res["shape"]["y1"] == pytest.approx(t)
        assert res["shape"]["label"]["text"] == text.cut_label(t, k)
        drawn = _drawn_clusters(res["links"], len(g.link_rows))
        expected = g.link_clusters(t)
        for j in range(len(g.link_rows)):
            poly = np.column_stack([g.icoord[j], g.dcoord[j]]).astype(np.float32).astype(float)
            key = tuple(round(v, 3) for v in poly[:, 0].tolist() + poly[:, 1].tolist())
            assert drawn[key] == palette.cluster_color(int(expected[j]))
        labels_t = idx.labels_at(t)
        seen = []
        for tr in res["points"]:
            for (row, c), px, txt in zip(tr["cd"], tr["x"], tr["text"], strict=True):
                assert c == labels_t[row] and tr["color"] == palette.cluster_color(int(c))
                assert px == pytest.approx(X[row, 0], rel=1e-5) and txt == str(row)
                seen.append(row)
        assert sorted(seen) == list(range(len(X)))
        counts = np.bincount(idx.labels_at(t))
        assert res["legend"][: scatter.LEGEND_MAX] == [f"{c} · {counts[c]} rows"
                                                  for c in np.flatnonzero(counts)][: scatter.LEGEND_MAX]
        return k

    for res, t in zip(out[:4], heights, strict=True):
        assert check(res, t) == res["k"]
        # A dragged line's live label is the label the cut gets on release.
        assert res["live"] == text.cut_label(t, res["k"])
    for res, k in zip(out[4:9], (1, 2, 3, 5, 9), strict=True):
        t = res["cut"]
        assert check(res, t) == k, f"typed k={k}, line at {t}"
        band = idx.band_for_k(k)
        # The server's tidy height (clustering.suggest.tidy_height): strictly inside the band.
        assert band[0] < t < band[1]
    # New tree data at the cut the server drew: the figures are already right.
    assert out[9]["patched"] is None and not out[9]["scatter_patched"]
    assert out[9]["k"] == fcluster(Z, td["cut"], "distance").max()
    held = out[10]
    assert held["cut"] == {"nu": 1}, "a preview must not write the max_d field"
    assert check(held, heights[2]) == held["k"] == out[2]["k"]
    first, second = out[11], out[12]
    check(first, lo + (hi - lo) / 3)
    # The line and the stems move (a relayout in plotly), the traces stay.
    assert second["patched"] == ["layout.shapes"]
    assert {top for *_, top in dendro_fig.stem_lines(second["shapes_after"])} == {
        lo + 2 * (hi - lo) / 3}, "the stems' tops follow the line"
    assert not second["scatter_patched"] and second["k"] == 3 == first["k"]
    sent = out[13]
    assert sent["patched"] == ["data", "layout.datarevision", "layout.shapes"]
    assert not sent["scatter_patched"] and sent["k"] == 3
    assert [t["color"] for t in sent["links"]] == [t["line"]["color"] for t in fig["data"]
                                                  if t.get("meta") == "links"]
    assert second["shape"]["y0"] == pytest.approx(lo + 2 * (hi - lo) / 3)


@pytest.mark.skipif(NODE is None and not os.environ.get("CI"), reason="needs Node.js to run assets/dendro.js")
def test_browser_height_format_matches_python(tmp_path):
    # Exact binary ties (1234.5) round half-even in Python, half-up in JS: avoided on purpose.
    values = [0.0, 12.3, 12.3456, 0.5, 1234.56, 12345.6, 0.000123, 1e-7, 50.0, 3.0]
    script = tmp_path / "fmt.js"
    script.write_text(
        "const fs=require('fs'); global.window={dash_clientside:{}};"
        "eval(fs.readFileSync(process.argv[2],'utf8'));"
        f"process.stdout.write(JSON.stringify({json.dumps(values)}.map(window.dash_clientside.dendro._formatHeight)));"
    )
    done = subprocess.run([NODE, str(script), str(ROOT / "assets" / "dendro.js")],
                          capture_output=True, text=True, timeout=60, check=True)
    assert json.loads(done.stdout) == [text.format_height(v) for v in values]
