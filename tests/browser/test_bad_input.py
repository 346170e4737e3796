"""Bad input in a real browser: labels that look like HTML stay text, an oversized file gets
the limit sentence (dcc.Upload alone would drop it silently), a broken file keeps the view.
"""

from __future__ import annotations

import html
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from components.web.security import upload_limit_message
from tests.browser import harness as h

pytestmark = pytest.mark.browser

BAD = Path(__file__).resolve().parents[1] / "data" / "bad"
XSS_IMG = "<img src=x onerror=window.__xss=1>"
XSS_SCRIPT = "<script>window.__xss=2</script>"
LIMIT_MB = 0.05  # 52,428 bytes


def _drawn_view(page: Any) -> dict[str, Any]:
    """The figures and the count as drawn (not the error area)."""
    return {"count": h.text_of(page, "cluster-count"),
            "tree": h.figure(page, "dendrogram"), "scatter": h.figure(page, "scatter")}


def _wait_error(page: Any, contains: str) -> str:
    page.wait_for_function(
        """(t) => { const e = document.getElementById('upload-error');
                    return e && e.offsetParent !== null && e.innerText.includes(t); }""",
        arg=contains, timeout=30_000, polling=50)
    return h.text_of(page, "upload-error")


# ---------------------------------------------------------------- XSS
def _hover_point_with_text(page: Any, text: str) -> None:
    """Move the mouse onto the scatter point whose (escaped) hover text is ``text``."""
    xy = page.evaluate("""(want) => {
      const gd = document.querySelector('#scatter .js-plotly-plot');
      const fl = gd._fullLayout, r = gd.getBoundingClientRect(), sz = fl._size;
      for (const t of gd._fullData) {
        const texts = t.text;
        if (!texts || typeof texts === 'string') continue;
        const i = Array.from(texts).indexOf(want);
        if (i < 0) continue;
        const xa = fl[(t.xaxis || 'x').replace('x', 'xaxis')], ya = fl[(t.yaxis || 'y').replace('y', 'yaxis')];
        return [r.left + sz.l + xa.l2p(xa.d2l(t.x[i])), r.top + sz.t + ya.l2p(ya.d2l(t.y[i]))];
      }
      return null;
    }""", text)
    assert xy is not None, f"no scatter point with text {text!r}"
    page.mouse.move(xy[0] + 30, xy[1] + 30)
    page.mouse.move(xy[0], xy[1], steps=5)


def _labelled(page: Any, tmp_path: Path, rows: list[str]) -> list[str]:
    """Upload rows named ``rows`` (far apart, so a hovered point is alone), label the leaves
    with them, return the leaf tick texts as drawn."""
    lines = ["name,x,y"] + [f'"{n.replace(chr(34), chr(34) * 2)}",{i * 10},{(i * 7) % 5 * 10}'
                            for i, n in enumerate(rows)]
    path = tmp_path / "labels.csv"
    path.write_text("\n".join(lines) + "\n")
    h.upload_file(page, path)
    h.wait_dendrogram(page)
    h.choose(page, "label-column", "name")
    h.wait_dendrogram(page)
    return page.locator("#dendrogram .xtick text").evaluate_all("els => els.map(e => e.textContent)")


def test_html_labels_are_shown_as_text(page: Any, tmp_path: Path) -> None:
    rows = [XSS_IMG, XSS_SCRIPT, "<b>bold</b>", "=1+1", "plain"]
    ticks = _labelled(page, tmp_path, rows)
    assert sorted(ticks) == sorted(rows), ticks
    assert page.locator("#dendrogram img, #scatter img, #dendrogram script").count() == 0

    for label in (XSS_IMG, XSS_SCRIPT):
        _hover_point_with_text(page, html.escape(label))
        hover = page.locator("#scatter .hoverlayer .hovertext")
        hover.first.wait_for(state="visible", timeout=10_000)
        assert label in hover.first.evaluate("e => e.textContent")
    assert page.evaluate("() => window.__xss") is None
    h.assert_no_console_errors(page)


# ---------------------------------------------------------------- failed upload keeps the view
def test_failed_upload_keeps_the_previous_view(page: Any) -> None:
    h.wait_dendrogram(page)
    before = _drawn_view(page)
    assert h.cluster_count(page) >= 1
    h.upload_file(page, BAD / "ragged.csv")
    text = _wait_error(page, "ragged.csv")
    assert text == ("ragged.csv: line 4 of the file has 3 fields but the header has 2 (delimiter ','); "
                    "check that fields containing the delimiter are quoted")
    h.wait_dash_idle(page)
    assert _drawn_view(page) == before
    h.assert_no_console_errors(page)


# ---------------------------------------------------------------- the size limit
@pytest.fixture(scope="module")
def small_server() -> Iterator[h.LiveServer]:
    with h.served({"DENDRO_MAX_UPLOAD_MB": str(LIMIT_MB)}) as server:
        yield server


@pytest.fixture
def small_page(browser: Any, small_server: h.LiveServer) -> Iterator[Any]:
    with h.opened_page(browser, small_server.url) as pg:
        h.wait_dendrogram(pg)
        yield pg


def _big_csv(path: Path, size: int) -> Path:
    lines, total = ["x,y"], 4
    i = 0
    while total < size:
        line = f"{i}.123456,{i % 97}.654321"
        lines.append(line)
        total += len(line) + 1
        i += 1
    path.write_text("\n".join(lines) + "\n")
    return path


def test_oversized_upload_shows_the_limit_and_keeps_the_view(small_page: Any, tmp_path: Path) -> None:
    page = small_page
    limit = int(LIMIT_MB * 1024 * 1024)
    big = _big_csv(tmp_path / "just_over.csv", limit + 2_000)
    assert limit < big.stat().st_size < limit + 3_000
    # Let the page's own first-load requests finish, so any request from here on is the upload's.
    h.wait_dash_idle(page)
    before = _drawn_view(page)
    sent = page.evaluate("() => window.__dash_last")
    page.locator("#upload input[type=file]").set_input_files(str(big))
    text = _wait_error(page, "just_over.csv")
    assert text == f"just_over.csv: {upload_limit_message(LIMIT_MB)}"
    h.wait_dash_idle(page)
    # Nothing was sent: no callback request since the file was chosen, the view unchanged.
    assert page.evaluate("() => window.__dash_last") == sent
    assert _drawn_view(page) == before

    # The same by drag and drop.
    page.evaluate("""(size) => {
      const dt = new DataTransfer();
      dt.items.add(new File([new Uint8Array(size)], 'dropped.csv', {type: 'text/csv'}));
      const box = document.querySelector('#upload');
      for (const type of ['dragenter', 'dragover', 'drop']) {
        box.dispatchEvent(new DragEvent(type, {dataTransfer: dt, bubbles: true, cancelable: true}));
      }
    }""", limit + 1)
    assert _wait_error(page, "dropped.csv") == f"dropped.csv: {upload_limit_message(LIMIT_MB)}"
    assert _drawn_view(page) == before

    # A file under the limit still goes through, and the message goes away.
    ok = tmp_path / "small.csv"
    ok.write_text("x,y\n" + "".join(f"{i},{i * i % 11}\n" for i in range(40)))
    h.upload_file(page, ok)
    h.wait_dendrogram(page)
    page.wait_for_function(
        "() => { const e = document.getElementById('upload-error'); return !e || !e.offsetParent; }",
        timeout=30_000)
    assert "n = 40" in h.text_of(page, "status")
    h.assert_no_console_errors(page)


def test_quotes_in_labels_are_shown_as_typed(page: Any, tmp_path: Path) -> None:
    rows = ['say "hi"', "O'Brien", "plain"]
    assert sorted(_labelled(page, tmp_path, rows)) == sorted(rows)
