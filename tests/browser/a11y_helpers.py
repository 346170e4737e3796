"""axe-core in the page: run it, sort what it finds, say it readably (issue 19).

axe-core is the npm package pinned in ``tests/browser/package.json`` (``npm ci`` there; done by
``scripts/test.sh``). Its file is injected into the page with ``page.add_script_tag``, which the
app's Content-Security-Policy (script-src 'self' plus hashes) would refuse: the test contexts
are made with ``bypass_csp=True``; the app's policy itself is unchanged.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser import harness

AXE_JS = Path(__file__).with_name("node_modules") / "axe-core" / "axe.min.js"

#: Impacts that fail a test whatever the rule.
BLOCKING = ("serious", "critical")

#: Moderate or minor rules that may stay, each with the reason (nothing serious may be listed).
ALLOWED: dict[str, str] = {}

#: The viewport the issue measured at.
VIEWPORT = {"width": 1600, "height": 1000}


def axe_source() -> str:
    """The axe-core script; skips the test (saying how to get it) when it is not installed."""
    if not AXE_JS.exists():
        pytest.skip(f"axe-core not installed: run `npm ci` in {AXE_JS.parents[2]}")
    return AXE_JS.read_text()


def new_context(browser: Any) -> Any:
    """A context at the issue's viewport whose pages accept the injected axe-core script."""
    context = browser.new_context(viewport=VIEWPORT, bypass_csp=True)
    context.set_default_timeout(30_000)
    return context


def run_axe(page: Any, include: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """axe-core's violations on the page as it is now: id, impact, help, nodes (target, html,
    summary). With ``include`` (CSS selectors), only those parts of the page are checked (a
    full scan takes 10-20 s on a loaded 2-core machine, most of it in color-contrast)."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(content=axe_source())
    return page.evaluate("""async (include) => {
        const where = include.length ? {include: include.map(s => [s])} : document;
        const r = await axe.run(where, {resultTypes: ['violations']});
        return r.violations.map(v => ({
            id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.map(n => ({target: n.target.join(' '), html: n.html.slice(0, 200),
                                      summary: (n.failureSummary || '').slice(0, 300)})),
        }));
    }""", list(include))


def failing(violations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The violations a test fails on: every serious or critical one, and any other that is
    not in :data:`ALLOWED`."""
    return [v for v in violations if v["impact"] in BLOCKING or v["id"] not in ALLOWED]


def report(violations: list[dict[str, Any]], state: str) -> str:
    lines = [f"axe-core finds {len(violations)} violation(s) in state '{state}':"]
    for v in violations:
        lines.append(f"- {v['id']} ({v['impact']}, {len(v['nodes'])} node(s)): {v['help']}")
        for node in v["nodes"][:6]:
            lines.append(f"    {node['target']}: {node['html']}\n      {node['summary']}")
    return "\n".join(lines)


def assert_accessible(page: Any, state: str) -> None:
    """Fail with a readable list when axe-core finds a blocking violation in ``state``."""
    bad = failing(run_axe(page))
    assert not bad, report(bad, state)


#: One server for both accessibility files (blobs-20k, 20,000 rows, goes to a background job;
#: tutorial-blobs, 150 rows, does not; blobs-200k is past the exact limit: approximate).
ENV = {"DENDRO_BACKGROUND_ROWS": "1000"}


#: The server both accessibility files share (test state, not the app's).
_SHARED: dict[str, Any] = {}


@pytest.fixture
def a11y_server(request: pytest.FixtureRequest) -> Any:
    """The app for tests/browser/test_a11y*.py, started once per session (a start costs 10-40 s
    on a loaded machine) and stopped when the session ends. Bind it in a test module to use it.

    Not a session-scoped fixture: bound in two modules, that would be two fixtures and two
    servers."""
    server = _SHARED.get("server")
    if server is None or server.proc.poll() is not None:
        try:
            server = harness.start_server(extra_env=ENV, timeout=180)
        except harness.ServerStartError as exc:
            pytest.fail(str(exc), pytrace=False)
        _SHARED["server"] = server
        request.config.add_cleanup(server.stop)
    return server


@pytest.fixture
def blank_page(browser: Any) -> Iterator[Any]:
    """A page at the issue's viewport, nothing loaded yet (each test opens the link it needs:
    no page load is spent on a view the test does not scan); fails on console errors."""
    context = new_context(browser)
    page = harness.new_page(context)
    try:
        yield page
        harness.assert_no_console_errors(page)
    finally:
        context.close()


@contextlib.contextmanager
def served(extra_env: dict[str, str] | None = None) -> Iterator[Any]:
    """``harness.served`` with a longer start-up allowance (a loaded 2-core machine has taken
    over 60 s to answer the first request)."""
    try:
        server = harness.start_server(extra_env=extra_env, timeout=180)
    except harness.ServerStartError as exc:
        pytest.fail(str(exc), pytrace=False)
    try:
        yield server
    finally:
        server.stop()
