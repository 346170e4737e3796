"""Issue 17, point 7: the README's notebook example is run as written (its code block, only the
port changed to a free one), and in a Jupyter kernel ``explore`` hands the app to Dash's own
jupyter mode. ``tests/test_explore.py`` checks the page the call serves; this file checks that
the README's text is that call, so the two cannot drift apart."""

from __future__ import annotations

import re
import urllib.request
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.browser.harness import free_port

README = Path(__file__).resolve().parents[1] / "README.md"


def readme_block() -> str:
    """The python block under '## From a notebook'."""
    text = README.read_text()
    section = text.split("## From a notebook", 1)[1]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def test_readme_block_runs_as_written(tmp_path, monkeypatch):
    from explorer import stop

    code = readme_block()
    assert code.count("port=8050") == 1
    port = free_port()
    rng = np.random.default_rng(17)
    df = pd.DataFrame(rng.normal(size=(25, 3)), columns=["a", "b", "c"])
    df.insert(0, "sample", [f"s{i}" for i in range(25)])
    df.to_csv(tmp_path / "measurements.csv", index=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DENDRO_DATA_DIR", str(tmp_path / "data"))
    scope: dict = {}
    try:
        exec(compile(code.replace("port=8050", f"port={port}"), "README.md", "exec"), scope)
        url = scope["url"]
        assert url.startswith(f"http://127.0.0.1:{port}/?dataset=")
        with urllib.request.urlopen(url, timeout=30) as r:
            assert r.status == 200 and "Dendrogram Explorer" in r.read().decode()
    finally:
        stop(port=port)


def test_in_a_kernel_explore_uses_dashs_jupyter_mode(tmp_path, monkeypatch):
    import dash
    from dash._jupyter import jupyter_dash

    import explorer

    calls = []
    monkeypatch.setattr(jupyter_dash, "_in_ipython", True, raising=False)
    monkeypatch.setattr(explorer, "_in_jupyter", lambda: True)
    monkeypatch.setattr(dash.Dash, "run", lambda self, **kw: calls.append(kw))
    df = pd.DataFrame({"x": [0.0, 1.0, 5.0, 6.0], "y": [0.0, 1.0, 5.0, 7.0]})
    url = explorer.explore(df, port=8123, mode="external", data_dir=str(tmp_path))
    assert calls == [{"jupyter_mode": "external", "host": "127.0.0.1", "port": 8123}]
    assert url.startswith("http://127.0.0.1:8123/?dataset=")
    assert ("127.0.0.1", 8123) not in explorer._SERVERS  # no second server of its own


def test_explore_refuses_what_is_not_a_frame():
    from explorer import explore

    with pytest.raises(TypeError, match="takes a pandas DataFrame, not ndarray"):
        explore(np.zeros((3, 2)))
