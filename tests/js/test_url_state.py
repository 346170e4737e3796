"""assets/url_state.js under Node: the view goes into the address bar through public browser APIs.

dcc.Location learns of a URL the page wrote from a standard ``popstate`` event (it listens to
that for back/forward anyway). The page's own listener must not take that event for a
back/forward step, or the analyst's next change would replace the history entry instead of
adding one. The browser tests (tests/browser/test_sharing.py) walk back and forward for real.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NODE = shutil.which("node")

pytestmark = pytest.mark.skipif(NODE is None and not os.environ.get("CI"),
                                reason="needs Node.js to run assets/url_state.js")

# A window with history, location and event listeners (run in order, synchronously, as the
# browser's dispatchEvent does); a dcc.Location stand-in records the popstates it hears.
_HARNESS = r"""
const fs = require('fs');
const listeners = {window: {}, document: {}};
function target(name) {
  return {
    addEventListener: (type, fn) => { (listeners[name][type] = listeners[name][type] || []).push(fn); },
    dispatchEvent: (e) => { (listeners[name][e.type] || []).forEach((fn) => fn(e)); return true; },
  };
}
const log = [];
global.PopStateEvent = class { constructor(type, init) { this.type = type; this.state = init.state; this.isTrusted = false; } };
global.CustomEvent = class { constructor(type) { this.type = type; } };
global.document = target('document');
global.window = Object.assign(target('window'), {
  location: {pathname: '/', search: '', hash: '', get href() { return 'http://h' + this.pathname + this.search + this.hash; }},
  history: {
    pushState: (s, t, url) => { log.push(['push', url]); window.location.search = url.slice(1); },
    replaceState: (s, t, url) => { log.push(['replace', url]); window.location.search = url.slice(1); },
  },
  dash_clientside: {no_update: {nu: 1}},
});
const realDispatch = window.dispatchEvent;
window.dispatchEvent = (e) => { log.push(['event', e.type, e.state === undefined ? 'none' : e.state]); return realDispatch(e); };
eval(fs.readFileSync(process.argv[2], 'utf8'));
// dcc.Location's listener (added after the asset's, as the component mounts later).
window.addEventListener('popstate', () => log.push(['location heard', window.location.search]));
const U = window.dash_clientside.dendroUrl;
const td = (q, cut) => ({query: q, cut: cut});
function write(q, cut, trig) {
  window.dash_clientside.callback_context = {triggered: [{prop_id: trig || 'tree-data.data'}]};
  return U.writeUrl(td(q, cut), cut);
}
const steps = JSON.parse(fs.readFileSync(0, 'utf8'));
const out = steps.map((s) => {
  log.length = 0;
  let ret = null;
  if (s.do === 'write') ret = write(s.q, s.cut, s.trig);
  if (s.do === 'act') document.dispatchEvent({type: s.type});
  if (s.do === 'back') { window.location.search = s.search; window.dispatchEvent(new PopStateEvent('popstate', {state: {}})); }
  if (s.do === 'read') ret = U.readUrl(s.search, s.dataset);
  return {log: log.slice(), ret: ret};
});
process.stdout.write(JSON.stringify(out));
"""


def _run(steps: list[dict], tmp_path: Path) -> list[dict]:
    script = tmp_path / "url_harness.js"
    script.write_text(_HARNESS)
    done = subprocess.run([NODE, str(script), str(ROOT / "assets" / "url_state.js")],
                          input=json.dumps(steps), capture_output=True, text=True, timeout=60,
                          check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_written_urls_reach_dcc_location_by_popstate_and_history_grows_per_change(tmp_path):
    out = _run([
        {"do": "write", "q": "dataset=a&method=ward", "cut": 5},        # 0: link settling
        {"do": "write", "q": "dataset=a&method=ward", "cut": 6},        # 1: still settling
        {"do": "act", "type": "pointerdown"},                           # 2: the analyst acts
        {"do": "write", "q": "dataset=a&method=single", "cut": 6},      # 3: a new entry
        {"do": "write", "q": "dataset=a&method=single", "cut": 7,       # 4: no user event since
         "trig": "cut-height.value"},                                   #    our own popstate
        {"do": "write", "q": "dataset=a&method=single", "cut": 7,       # 5: same URL: nothing
         "trig": "cut-height.value"},
        {"do": "read", "search": "?dataset=a&method=single&cut=7"},     # 6: ours: ignored
        {"do": "back", "search": "?dataset=a&method=ward&cut=6"},       # 7: browser back
        {"do": "read", "search": "?dataset=a&method=ward&cut=6"},       # 8: not ours: restore
        {"do": "write", "q": "dataset=a&method=ward", "cut": 6.5},      # 9: restoring: replace
        {"do": "act", "type": "keydown"},                               # 10
        {"do": "write", "q": "dataset=a&method=ward", "cut": 8,         # 11: push again
         "trig": "cut-height.value"},
    ], tmp_path)
    url = "/?dataset=a&method={}&cut={}"
    announced = ["event", "popstate", None]
    assert out[0]["log"] == [["replace", url.format("ward", 5)], announced,
                             ["location heard", "?dataset=a&method=ward&cut=5"]]
    assert out[1]["log"][0] == ["replace", url.format("ward", 6)]
    assert out[3]["log"] == [["push", url.format("single", 6)], announced,
                             ["location heard", "?dataset=a&method=single&cut=6"]]
    # Our own popstate at step 3 did not count as back/forward: step 4 still adds an entry.
    assert out[4]["log"][0] == ["push", url.format("single", 7)]
    assert out[5]["log"] == []
    none = {"nu": 1}
    assert out[6]["ret"] == [none, none]
    assert out[8]["ret"] == [{"search": "?dataset=a&method=ward&cut=6"}, none]
    assert out[9]["log"][0] == ["replace", url.format("ward", 6.5)]
    assert out[11]["log"][0] == ["push", url.format("ward", 8)]
    # Only the standard event is dispatched: nothing private to Dash.
    events = {e[1] for step in out for e in step["log"] if e[0] == "event"}
    assert events == {"popstate"}


def test_the_first_read_opens_the_layouts_view_or_passes_the_link_on(tmp_path):
    """[url-request, view-opened]: a page opened without a query computes the layout's tree at
    once; a link is passed on, and its tree waits for sharing.apply_url (view-opened there)."""
    none = {"nu": 1}
    layout = {"example": "tutorial-blobs"}
    plain = _run([{"do": "read", "search": "", "dataset": layout},
                  {"do": "read", "search": "", "dataset": layout}], tmp_path)
    assert [s["ret"] for s in plain] == [[none, True], [none, none]]
    link = _run([{"do": "read", "search": "?dataset=mpg&cut=3", "dataset": layout}], tmp_path)
    assert link[0]["ret"] == [{"search": "?dataset=mpg&cut=3"}, none]
