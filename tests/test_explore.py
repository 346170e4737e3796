"""The README's notebook example: ``explore(df)`` serves the page on the frame (no Jupyter
kernel: outside one, the same server runs on a background thread)."""

from __future__ import annotations

import json
import re
import urllib.request
from pathlib import Path

import numpy as np
import pandas as pd

from tests.browser.harness import free_port

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_example_opens_the_page(tmp_path):
    from explorer import explore, stop

    text = README.read_text()
    assert "from explorer import explore" in text and "explore(df" in text
    rng = np.random.default_rng(0)
    df = pd.DataFrame(rng.normal(size=(30, 3)), columns=["a", "b", "c"])
    port = free_port()
    url = explore(df, port=port, data_dir=str(tmp_path))
    try:
        assert url.startswith(f"http://127.0.0.1:{port}/?dataset=")
        dataset_id = re.search(r"dataset=([0-9a-f]{64})", url).group(1)
        # The root redirects to the frame's view (what Dash's jupyter mode opens).
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=30) as r:
            assert r.status == 200 and dataset_id in r.url
            assert "Dendrogram Explorer" in r.read().decode()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_dash-layout", timeout=30) as r:
            assert "upload" in json.dumps(json.load(r))
        # The frame was stored like an upload of its CSV.
        from components.state.store import DiskStore

        data, name = DiskStore(tmp_path / "store").get_dataset(dataset_id)
        assert name == "dataframe.csv"
        pd.testing.assert_frame_equal(pd.read_csv(__import__("io").BytesIO(data)), df)
    finally:
        stop(port=port)
