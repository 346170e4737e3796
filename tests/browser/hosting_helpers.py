"""Helpers of the hosting browser tests (sharing, restart, background jobs)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import numpy as np

from tests.browser import harness


def write_blobs(path: Path, seed: int, centres: int, n: int = 120) -> Path:
    """A CSV of ``centres`` well-separated 2-D blobs (different seeds, different bytes)."""
    rng = np.random.default_rng(seed)
    pts = np.concatenate([rng.normal(loc=(40.0 * c, 25.0 * (c % 2)), scale=1.0,
                                     size=(n // centres, 2)) for c in range(centres)])
    lines = ["a,b"] + [f"{x:.6f},{y:.6f}" for x, y in pts]
    path.write_text("\n".join(lines) + "\n")
    return path


def new_page(browser: Any) -> Any:
    """A page in a context of its own (its own cookies and storage: another analyst)."""
    context = browser.new_context(viewport=harness.VIEWPORT)
    context.set_default_timeout(30_000)
    return harness.new_page(context)


def close(*pages: Any) -> None:
    """Fail on any console error a page logged, then close its context (its analyst leaves)."""
    for page in pages:
        harness.assert_no_console_errors(page)
        page.context.close()


def settle(page: Any, timeout: float = 60.0) -> None:
    harness.wait_dendrogram(page, timeout=timeout)
    harness.wait_dash_idle(page, quiet_ms=500, timeout=timeout)


def open_link(page: Any, url: str, timeout: float = 60.0) -> None:
    harness.open_app(page, url, timeout=timeout)
    settle(page, timeout)


def query(page: Any) -> dict[str, str]:
    """The page's query string, one value per key (the last)."""
    return {k: v[-1] for k, v in parse_qs(urlsplit(page.url).query,
                                           keep_blank_values=True).items()}


def link(page: Any) -> str:
    """The link the page offers to copy (the share field), checked against the address bar."""
    text = harness.field_value(page, "share-link")
    assert text == page.url, (text, page.url)
    return text


def rebase(url: str, server_url: str) -> str:
    """The same path and query on another server (a restarted one listens elsewhere)."""
    parts = urlsplit(url)
    return server_url.rstrip("/") + parts.path + ("?" + parts.query if parts.query else "")


def status(page: Any) -> str:
    return harness.text_of(page, "status-main")


def shown_file(page: Any) -> str:
    """The first line of the data preview ("name.csv: 120 rows × 2 columns")."""
    return harness.text_of(page, "preview").splitlines()[0]


def view_of(page: Any) -> dict[str, Any]:
    """What an analyst reads: dataset line, status, method, cut field, cluster count, link."""
    return {"file": shown_file(page), "status": status(page),
            "method": harness.dropdown_value(page, "method"),
            "cut": float(harness.field_value(page, "cut-height")),
            "k": harness.cluster_count(page), "query": query(page)}


def rows_in_status(page: Any) -> int:
    m = re.search(r"n = ([\d,]+)", status(page))
    assert m, status(page)
    return int(m.group(1).replace(",", ""))
