"""Fixtures for the browser tests: one live app server and one Chromium per session.

The server is the real app in a subprocess on 127.0.0.1 (``DENDRO_TEST_SERVER=dev|gunicorn``,
default gunicorn with 2 workers), with a fresh ``DENDRO_DATA_DIR``. Every page records console
errors and uncaught exceptions; a test fails when any appeared.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser import harness


@pytest.fixture(scope="session")
def live_server() -> Iterator[harness.LiveServer]:
    """The app, started once for the session and terminated at the end."""
    with harness.served() as server:
        yield server


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Headless Debian Chromium for the session."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = harness.launch_browser(pw)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(browser: Any, live_server: harness.LiveServer, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A fresh browser context and page with the app loaded; fails on any console error."""
    context = browser.new_context(viewport=harness.VIEWPORT)
    context.set_default_timeout(30_000)
    pg = harness.new_page(context)
    try:
        harness.open_app(pg, live_server.url)
        yield pg
        # A test can pass while the page logged an error after its last assertion.
        if not request.node.rep_call_failed:
            errors = pg.console.errors
            if errors:
                pytest.fail("browser console shows errors:\n" + "\n".join(errors), pytrace=False)
    finally:
        context.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Any:
    rep = yield
    if rep.when in ("setup", "call"):
        item.rep_call_failed = rep.failed
    return rep


@pytest.fixture
def server_log(live_server: harness.LiveServer) -> Any:
    """Call it to get the last lines the server wrote (for assertion messages)."""
    return live_server.log_tail


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Give each browser test one rerun when it fails.

    These tests drive a real Chromium against a real gunicorn on 2 shared cores. A few of their
    waits have raced under full-suite load (each time fixed in the test once it was found), and
    one unlucky timing must not sink a CI run. The rerun is reported ("R" in the summary,
    "rerun" in -ra), so a test that needs it more than rarely shows up and gets fixed.
    """
    for item in items:
        if item.get_closest_marker("browser") or "tests/browser/" in item.nodeid:
            item.add_marker(pytest.mark.flaky(reruns=1, reruns_delay=2))
