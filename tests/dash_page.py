"""A page as the Dash renderer sees it, driven over HTTP without a browser.

:class:`DashPage` reads the app's own ``/_dash-layout`` and ``/_dash-dependencies``, keeps every
component's props, and when props change it posts to ``/_dash-update-component`` exactly the
requests the renderer would: each server callback whose inputs changed, with the current
input and state values, after any triggered callback that feeds it (so ``render`` waits for
``describe_dataset`` as in the browser). Clientside callbacks are not run (there is no
JavaScript): a test sets what they would set (e.g. ``cut-height.value``) itself.

The transport is two functions, so the same page runs on Flask's test client (tests) and on
``urllib`` against gunicorn (``bench/load.py``). Pattern-matching ids are not supported:
callbacks that use them are skipped (``skipped`` lists them).

>>> DashPage.split_outputs("..a.b...c.d@x1..")
[('a', 'b'), ('c', 'd@x1')]
"""

from __future__ import annotations

import importlib
import json
import re
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

# post(path, body) -> (status, parsed JSON or None); get(path) -> parsed JSON
Post = Callable[[str, dict[str, Any]], tuple[int, Any]]
Get = Callable[[str], Any]


@dataclass
class Call:
    """One callback request: which callback, what it returned, how long it took."""

    output: str
    status: int
    response: dict[str, dict[str, Any]]
    seconds: float
    changed: list[str] = field(default_factory=list)
    local: bool = False  # a clientside callback's Python twin: no request was sent


class CallbackFailed(AssertionError):
    """A callback answered neither 200 nor 204 (the renderer would show a broken page)."""


class DashPage:
    """Props of one page load and the server callbacks that keep them up to date."""

    def __init__(self, get: Get, post: Post, *, max_rounds: int = 30,
                 job_timeout: float = 300.0) -> None:
        self._post = post
        self.max_rounds = max_rounds
        self.job_timeout = job_timeout
        # The renderer echoes the page's signed end_id on every callback request; background
        # jobs' handles are only valid with it.
        index = get("/")
        m = re.search(r'"end_id":\s*"([^"]+)"', index if isinstance(index, str) else "")
        self.end_id = m.group(1) if m else None
        deps = get("/_dash-dependencies")
        self.callbacks: list[dict[str, Any]] = []
        self.skipped: list[str] = []
        for d in deps:
            fn = d.get("clientside_function")
            if fn:
                local = CLIENTSIDE.get(f"{fn.get('namespace')}.{fn.get('function_name')}")
                if local is None:
                    continue
                d = dict(d, _local=local)
            if any(not isinstance(x["id"], str) for x in d["inputs"] + d["state"]) or "{" in d["output"]:
                self.skipped.append(d["output"])
                continue
            d = dict(d)
            d["_outputs"] = self.split_outputs(d["output"])
            self.callbacks.append(d)
        self.props: dict[str, Any] = {}
        self.types: dict[str, str] = {}  # component id -> its type, e.g. "Download"
        self._collect(get("/_dash-layout"))
        for cid, kind in self.types.items():
            if kind == "Location":  # what the browser's address bar gives on "/"
                self.props.setdefault(f"{cid}.pathname", "/")
                self.props.setdefault(f"{cid}.search", "")
        self.calls: list[Call] = []

    # ------------------------------------------------------------------ layout
    @staticmethod
    def split_outputs(output: str) -> list[tuple[str, str]]:
        """``'..a.b...c.d..'`` or ``'a.b'`` -> ``[(id, property), ...]``."""
        parts = output[2:-2].split("...") if output.startswith("..") else [output]
        out = []
        for p in parts:
            cid, _, prop = p.rpartition(".")
            out.append((cid, prop))
        return out

    def _collect(self, node: Any) -> None:
        stack = [node]
        while stack:
            c = stack.pop()
            if isinstance(c, list):
                stack.extend(c)
                continue
            if not isinstance(c, dict) or "props" not in c:
                continue
            props = c["props"]
            cid = props.get("id")
            if isinstance(cid, str):
                self.types[cid] = c.get("type", "")
                for k, v in props.items():
                    if k != "children" or not _is_component(v):
                        self.props[f"{cid}.{k}"] = v
            for v in props.values():
                if _is_component(v):
                    stack.append(v)

    def get(self, prop_id: str) -> Any:
        """Current value of ``'id.property'`` (None when never set)."""
        return self.props.get(prop_id)

    # ------------------------------------------------------------------ running callbacks
    def load(self) -> list[Call]:
        """What the renderer does on page load: every callback without prevent_initial_call."""
        first = [c for c in self.callbacks if not c.get("prevent_initial_call")]
        return self._run({id(c): (c, set()) for c in first})

    def set(self, changes: dict[str, Any]) -> list[Call]:
        """A person changes props (``{'id.prop': value}``); run what that triggers."""
        self.props.update(changes)
        return self._run(self._triggered(set(changes)))

    def _triggered(self, changed: set[str]) -> dict[int, tuple[dict[str, Any], set[str]]]:
        out = {}
        for c in self.callbacks:
            hit = {f"{x['id']}.{x['property']}" for x in c["inputs"]} & changed
            if hit:
                out[id(c)] = (c, hit)
        return out

    def _feeds(self, a: dict[str, Any], b: dict[str, Any], seen: set[int] | None = None) -> bool:
        """Whether ``a``'s outputs reach ``b``'s inputs through server callbacks."""
        seen = seen or set()
        outs = {f"{i}.{p.split('@')[0]}" for i, p in a["_outputs"]}
        ins = {f"{x['id']}.{x['property']}" for x in b["inputs"]}
        if outs & ins:
            return True
        for c in self.callbacks:
            if id(c) in seen or c is a:
                continue
            if outs & {f"{x['id']}.{x['property']}" for x in c["inputs"]}:
                seen.add(id(c))
                if self._feeds(c, b, seen):
                    return True
        return False

    def _run(self, pending: dict[int, tuple[dict[str, Any], set[str]]]) -> list[Call]:
        calls: list[Call] = []
        rounds = 0
        while pending:
            rounds += 1
            if rounds > self.max_rounds:
                raise CallbackFailed(f"callbacks still firing after {self.max_rounds} rounds")
            items = list(pending.values())
            ready = [(c, hit) for c, hit in items
                     if not any(o is not c and self._feeds(o, c) for o, _ in items)]
            if not ready:  # a cycle: run them all, as the renderer would
                ready = items
            for c, _ in ready:
                pending.pop(id(c))
            changed: set[str] = set()
            for c, hit in ready:
                call = self._call(c, sorted(hit))
                calls.append(call)
                for cid, props in call.response.items():
                    for k, v in props.items():
                        key = f"{cid}.{k}"
                        self.props[key] = apply_patch(self.props.get(key), v)
                        changed.add(f"{cid}.{k}")
            for key, (c, hit) in self._triggered(changed).items():
                prev = pending.get(key, (c, set()))[1]
                pending[key] = (c, prev | hit)
        self.calls.extend(calls)
        return calls

    def _call(self, c: dict[str, Any], changed: list[str]) -> Call:
        def vals(deps: list[dict[str, Any]]) -> list[dict[str, Any]]:
            return [{"id": x["id"], "property": x["property"],
                     "value": self.props.get(f"{x['id']}.{x['property']}")} for x in deps]

        outputs = [{"id": i, "property": p.split("@")[0]} for i, p in c["_outputs"]]
        if c.get("_local"):
            values = [self.props.get(f"{x['id']}.{x['property']}") for x in c["inputs"] + c["state"]]
            got = c["_local"](*values, triggered=changed)
            got = got if isinstance(got, list | tuple) and len(outputs) > 1 else [got]
            response: dict[str, dict[str, Any]] = {}
            for o, v in zip(outputs, got, strict=True):
                if v is not NO_UPDATE:
                    response.setdefault(o["id"], {})[o["property"]] = v
            return Call(c["output"], 200, response, 0.0, changed, local=True)
        body = {
            "output": c["output"],
            "outputs": outputs if c["output"].startswith("..") else outputs[0],
            "inputs": vals(c["inputs"]),
            "state": vals(c["state"]),
            "changedPropIds": changed,
        }
        url = "/_dash-update-component"
        if self.end_id:
            url += f"?endId={urllib.parse.quote(self.end_id)}"
        t0 = time.perf_counter()
        status, data = self._post(url, body)
        side: dict[str, dict[str, Any]] = {}
        background = c.get("background") or {}
        deadline = time.monotonic() + self.job_timeout
        # A background callback answers with a job handle; the renderer polls until the result.
        while (background and status == 200 and isinstance(data, dict)
               and "response" not in data and data.get("cacheKey")):
            self._merge(side, data.get("progress"))
            self._merge(side, data.get("sideUpdate"))
            if time.monotonic() > deadline:
                raise CallbackFailed(f"{c['output']}: background job still running after "
                                     f"{self.job_timeout:.0f} s")
            time.sleep(background.get("interval", 500) / 1000)
            poll = dict(body, inputs=[dict(x, value=None) for x in body["inputs"]],
                        state=[dict(x, value=None) for x in body["state"]])
            sep = "&" if "?" in url else "?"
            handles = f"cacheKey={urllib.parse.quote(data['cacheKey'])}&job={urllib.parse.quote(str(data['job']))}"
            status, next_data = self._post(f"{url}{sep}{handles}", poll)
            if isinstance(next_data, dict) and "response" not in next_data:
                next_data.setdefault("cacheKey", data["cacheKey"])
                next_data.setdefault("job", data["job"])
            data = next_data
        seconds = time.perf_counter() - t0
        if status == 204:
            return Call(c["output"], status, side, seconds, changed)
        if status != 200 or not isinstance(data, dict):
            raise CallbackFailed(f"{c['output']} answered HTTP {status}: {str(data)[:500]}")
        response = data.get("response") or {}
        if not data.get("multi") and "props" in response:  # single output, old format
            response = {c["_outputs"][0][0]: response["props"]}
        response = {k: dict(v) for k, v in response.items()}
        self._merge(side, data.get("progress"))
        self._merge(side, data.get("sideUpdate"))
        for cid, props in side.items():
            response.setdefault(cid, {})
            for k, v in props.items():
                response[cid].setdefault(k, v)
        return Call(c["output"], status, response, seconds, changed)

    @staticmethod
    def _merge(into: dict[str, dict[str, Any]], update: Any) -> None:
        for key, value in (update or {}).items():
            if isinstance(value, dict):  # sideUpdate: {id: {prop: value}}
                into.setdefault(key, {}).update(value)
            else:  # progress: {"id.prop": value}
                cid, _, prop = key.rpartition(".")
                into.setdefault(cid, {})[prop] = value


NO_UPDATE = object()


def apply_patch(old: Any, new: Any) -> Any:
    """``new`` unless it is a ``dash.Patch``: then ``old`` with the patch's operations applied.

    >>> apply_patch({"a": [1]}, {"__dash_patch_update": "__dash_patch_update", "operations": [
    ...     {"operation": "Append", "location": ["a"], "params": {"value": 2}}]})
    {'a': [1, 2]}
    """
    if not (isinstance(new, dict) and "__dash_patch_update" in new):
        return new
    import copy

    root = {"v": copy.deepcopy(old)}
    for op in new["operations"]:
        loc = ["v", *op["location"]]
        parent = root
        for key in loc[:-1]:
            if isinstance(parent, dict) and parent.get(key) is None:
                parent[key] = {}
            parent = parent[key]
        last, params, name = loc[-1], op["params"], op["operation"]
        if name == "Assign":
            parent[last] = params["value"]
        elif name == "Delete":
            del parent[last]
        elif name == "Merge":
            parent[last] = {**(parent[last] or {}), **params["value"]}
        elif name in ("Append", "Prepend", "Extend", "Insert", "Remove", "Clear", "Reverse"):
            seq = list(parent[last] or [])
            if name == "Append":
                seq.append(params["value"])
            elif name == "Prepend":
                seq.insert(0, params["value"])
            elif name == "Extend":
                seq.extend(params["value"])
            elif name == "Insert":
                seq.insert(params["index"], params["value"])
            elif name == "Remove":
                seq.remove(params["value"])
            elif name == "Clear":
                seq = []
            else:
                seq.reverse()
            parent[last] = seq
        elif name in ("Add", "Sub", "Mul", "Div"):
            a, b = parent[last], params["value"]
            parent[last] = {"Add": a + b, "Sub": a - b, "Mul": a * b,
                            "Div": a / b if b else a}[name]
        else:
            raise CallbackFailed(f"unknown Patch operation {name}")
    return root["v"]


def _read_url(search: Any, dataset: Any = None, triggered: Any = ()) -> list[Any]:
    # assets/url_state.js readUrl: pass on a URL this page did not write; a page opened
    # without a query already shows the layout's default view (components/page/opening.py),
    # and its tree may be computed (view-opened).
    if search is None:
        return [NO_UPDATE, NO_UPDATE]
    if dataset and search in ("", "?"):
        return [NO_UPDATE, True]
    return [{"search": search}, NO_UPDATE]


def _gate(*args: Any, triggered: Any = ()) -> list[Any]:
    # assets/lazy.js gate: the cut reaches the active analysis tab's store only.
    from components.analysis.lazy import gate

    return [NO_UPDATE if v is None else v for v in gate(*args, triggered=triggered)]


def _ref_gate(*args: Any, triggered: Any = ()) -> list[Any]:
    # assets/lazy.js refGate: tree-ref for the open tab's store only.
    from components.analysis.lazy import ref_gate

    return [NO_UPDATE if v is None else v for v in ref_gate(*args[:-1])]


def _view_tree(tree_data: Any, pending: Any = None, triggered: Any = ()) -> Any:
    # assets/url_state.js viewTree: the drawn tree while a link's view waits for it.
    from components.page.sharing import view_tree

    got = view_tree(tree_data, pending)
    return NO_UPDATE if got is None else got


def _tree_ref(tree_data: Any, config: Any = None, triggered: Any = ()) -> Any:
    from components.analysis.lazy import tree_ref

    return tree_ref(tree_data, config)


#: Clientside callbacks that must run for the page to work without a browser, in Python.
#: The others (recolouring at a cut, writing the URL) only change what the browser draws.
CLIENTSIDE: dict[str, Callable[..., Any]] = {"dendroUrl.readUrl": _read_url,
                                             "dendroUrl.viewTree": _view_tree,
                                             "dendroLazy.treeRef": _tree_ref,
                                             "dendroLazy.gate": _gate,
                                             "dendroLazy.refGate": _ref_gate}


def _is_component(v: Any) -> bool:
    return isinstance(v, dict) and "props" in v and "type" in v or (
        isinstance(v, list) and any(isinstance(x, dict) and "props" in x for x in v))


# ---------------------------------------------------------------------- Flask test client
def flask_transport(client: Any) -> tuple[Get, Post]:
    """``get``/``post`` for :class:`DashPage` on a Flask test client."""

    def get(path: str) -> Any:
        r = client.get(path)
        assert r.status_code == 200, (path, r.status_code)
        return r.get_json() if r.is_json else r.get_data(as_text=True)

    def post(path: str, body: dict[str, Any]) -> tuple[int, Any]:
        r = client.post(path, data=json.dumps(body), content_type="application/json")
        try:
            data = r.get_json(silent=True)
        except Exception:
            data = None
        return r.status_code, data if data is not None else r.get_data(as_text=True)

    return get, post


def fresh_app(settings: Any) -> Any:
    """``create_app(settings)`` with every ``@callback`` registered on it.

    Dash moves the module-level ``@callback`` registry into the first app that serves a
    request and empties it, so in a test session a second app would have no callbacks.
    A production process has one app; here the component modules register again (as a new
    process would) when an earlier app took the registry.
    """
    from dash import _callback

    # Imported first: importing app builds its module-level app, which registers every
    # module. Checking the registry before that reloaded the modules into a registry the
    # import then filled again, and the first test app of a process had every callback twice
    # (each cut request answered twice in HTTP-level tests).
    from app import create_app

    if not _callback.GLOBAL_CALLBACK_LIST:
        from components import CALLBACK_MODULES

        for name in CALLBACK_MODULES:
            importlib.reload(importlib.import_module(name))
    app = create_app(settings)
    app.server.test_client().get("/")  # take the registry now, before anyone else does
    assert app.callback_map, "no callbacks registered on the test app"
    deps = app.server.test_client().get("/_dash-dependencies").get_json(silent=True)
    outputs = [d["output"] for d in deps or []]  # None behind the app's own sign-in
    assert len(outputs) == len(set(outputs)), "a callback registered twice on the test app"
    return app
