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
import inspect
import json
import sys
import time
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


class CallbackFailed(AssertionError):
    """A callback answered neither 200 nor 204 (the renderer would show a broken page)."""


class DashPage:
    """Props of one page load and the server callbacks that keep them up to date."""

    def __init__(self, get: Get, post: Post, *, max_rounds: int = 30) -> None:
        self._post = post
        self.max_rounds = max_rounds
        deps = get("/_dash-dependencies")
        self.callbacks: list[dict[str, Any]] = []
        self.skipped: list[str] = []
        for d in deps:
            if d.get("clientside_function"):
                continue
            if any(not isinstance(x["id"], str) for x in d["inputs"] + d["state"]) or "{" in d["output"]:
                self.skipped.append(d["output"])
                continue
            d = dict(d)
            d["_outputs"] = self.split_outputs(d["output"])
            self.callbacks.append(d)
        self.props: dict[str, Any] = {}
        self.types: dict[str, str] = {}  # component id -> its type, e.g. "Download"
        self._collect(get("/_dash-layout"))
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
                        self.props[f"{cid}.{k}"] = v
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
        body = {
            "output": c["output"],
            "outputs": outputs if c["output"].startswith("..") else outputs[0],
            "inputs": vals(c["inputs"]),
            "state": vals(c["state"]),
            "changedPropIds": changed,
        }
        t0 = time.perf_counter()
        status, data = self._post("/_dash-update-component", body)
        seconds = time.perf_counter() - t0
        if status == 204:
            return Call(c["output"], status, {}, seconds, changed)
        if status != 200 or not isinstance(data, dict):
            raise CallbackFailed(f"{c['output']} answered HTTP {status}: {str(data)[:500]}")
        response = dict(data.get("response") or {})
        for side in data.get("sideUpdate") or {}:
            response.setdefault(side, {}).update(data["sideUpdate"][side])
        return Call(c["output"], status, response, seconds, changed)


def _is_component(v: Any) -> bool:
    return isinstance(v, dict) and "props" in v and "type" in v or (
        isinstance(v, list) and any(isinstance(x, dict) and "props" in x for x in v))


# ---------------------------------------------------------------------- Flask test client
def flask_transport(client: Any) -> tuple[Get, Post]:
    """``get``/``post`` for :class:`DashPage` on a Flask test client."""

    def get(path: str) -> Any:
        r = client.get(path)
        assert r.status_code == 200, (path, r.status_code)
        return r.get_json()

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

    if not _callback.GLOBAL_CALLBACK_LIST:
        for name in [n for n in list(sys.modules) if n.startswith("components.")]:
            mod = sys.modules[name]
            try:
                source = inspect.getsource(mod)
            except (OSError, TypeError):
                continue
            if "callback(" in source:
                importlib.reload(mod)
    from app import create_app

    app = create_app(settings)
    app.server.test_client().get("/")  # take the registry now, before anyone else does
    assert app.callback_map, "no callbacks registered on the test app"
    return app
