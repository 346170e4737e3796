"""Shared data kept, over HTTP (issue 13, points 6 and 7): the page's own callbacks.

Each analyst is a Flask test client of its own (its own cookie jar: its own client id), driven
by ``tests.dash_page.DashPage`` as the renderer would. With a 5 MB store, B's uploads are
refused with a message once it is full, and A's shared link still opens for a third analyst;
a link whose dataset is gone says so, keeps its own choices and draws nothing.
"""

from __future__ import annotations

import base64
import json

import numpy as np
import pytest

from components import ids
from components.settings import Settings
from components.state.store import dataset_id_for
from tests.dash_page import DashPage, flask_transport, fresh_app


def csv_bytes(seed: int, rows: int, note: int = 0) -> bytes:
    """Two numeric columns and a ``note`` of that many characters a row (big files whose
    trees are quick: 200 rows with 4,500-character notes make 0.9 MB)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(rows, 2)) * 1000
    pad = "n" * note
    lines = ["a,b,note"] + [f"{a:.6f},{b:.6f},{pad}{i}" for i, (a, b) in enumerate(x)]
    return ("\n".join(lines) + "\n").encode()


def contents(data: bytes) -> str:
    return "data:text/csv;base64," + base64.b64encode(data).decode()


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory):
    data_dir = tmp_path_factory.mktemp("data")
    # background_rows above the test tables: every tree inline (no job processes here).
    return fresh_app(Settings.from_env(data_dir=str(data_dir), store_size_mb=5,
                                       background_rows=100_000, redis_url=None))


def analyst(app, search: str = "") -> DashPage:
    page = DashPage(*flask_transport(app.server.test_client()))
    if search:
        page.props[f"{ids.URL}.search"] = search
    page.load()
    return page


def upload(page: DashPage, data: bytes, name: str) -> None:
    page.set({f"{ids.UPLOAD}.contents": contents(data), f"{ids.UPLOAD}.filename": name})


def text(value) -> str:
    return json.dumps(value)


def test_six_uploads_of_b_do_not_evict_as_shared_dataset(app):
    a = analyst(app)
    shared = csv_bytes(0, 200, 4_500)
    assert 0.8e6 < len(shared) < 1.0e6
    upload(a, shared, "shared.csv")
    shared_id = dataset_id_for(shared)
    assert a.get(f"{ids.DATASET}.data") == {"dataset_id": shared_id, "filename": "shared.csv"}

    b = analyst(app)
    refusals = []
    for i in range(1, 7):
        upload(b, csv_bytes(i, 200, 4_500), f"b{i}.csv")
        if b.get(f"{ids.UPLOAD_ERROR}.is_open"):
            refusals.append(b.get(f"{ids.UPLOAD_ERROR}.children"))
    assert refusals, "a 5 MB store cannot take seven 0.9 MB uploads"
    assert "storage for uploads is full" in refusals[0]
    assert "Delete uploads you no longer need" in refusals[0]
    # B's list shows B's uploads only.
    listed = [o["label"] for o in b.get(f"{ids.UPLOADS_LIST}.options")]
    assert listed and all(name.startswith("b") for name in listed), listed

    # A third analyst opens A's link: the dataset, its choices, its tree.
    c = analyst(app, f"?dataset={shared_id}&method=average&metric=cityblock")
    assert "shared.csv: 200 rows" in text(c.get(f"{ids.PREVIEW}.children"))
    assert not c.get(f"{ids.LINK_ERROR}.is_open")
    assert c.get(f"{ids.TREE_DATA}.data")["params"]["method"] == "average"


def test_deleting_ones_uploads_frees_room_and_never_touches_anothers(app):
    d, e = analyst(app), analyst(app)
    mine = csv_bytes(100, 200)
    upload(d, mine, "mine.csv")
    mine_id = dataset_id_for(mine)
    assert [o["value"] for o in d.get(f"{ids.UPLOADS_LIST}.options")] == [mine_id]
    # E cannot delete D's upload, even naming its id in a forged request.
    e.set({f"{ids.UPLOADS_LIST}.value": [mine_id]})
    e.set({f"{ids.UPLOADS_DELETE}.n_clicks": 1})
    assert analyst(app, f"?dataset={mine_id}").get(f"{ids.LINK_ERROR}.is_open") is not True
    d.set({f"{ids.UPLOADS_LIST}.value": [mine_id]})
    d.set({f"{ids.UPLOADS_DELETE}.n_clicks": 1})
    assert d.get(f"{ids.UPLOADS_LIST}.options") == []


def test_a_link_whose_dataset_is_gone_says_so_and_keeps_its_choices(app):
    """Regression (issue 13, point 7): with the dataset gone but its results still memoised,
    a link with other choices showed the memoised ward/euclidean tree and rewrote the URL."""
    owner = analyst(app)
    data = csv_bytes(200, 300)
    upload(owner, data, "gone.csv")
    gone_id = dataset_id_for(data)
    assert owner.get(f"{ids.TREE_DATA}.data")["params"]["method"] == "ward"  # memoised now
    owner.set({f"{ids.UPLOADS_LIST}.value": [gone_id]})
    owner.set({f"{ids.UPLOADS_DELETE}.n_clicks": 1})

    page = analyst(app, f"?dataset={gone_id}&method=average&metric=cityblock&cut=2")
    message = page.get(f"{ids.LINK_ERROR}.children")
    assert page.get(f"{ids.LINK_ERROR}.is_open") is True
    assert "no longer stored on this server" in message and gone_id[:12] in message
    # Its own choices, not the memoised tree's; nothing drawn, so nothing rewrites the URL
    # (assets/url_state.js writes the URL from tree-data only).
    assert page.get(f"{ids.METHOD}.value") == "average"
    assert page.get(f"{ids.METRIC}.value") == "cityblock"
    assert not page.get(f"{ids.TREE_DATA}.data")
    assert "no longer stored" in text(page.get(f"{ids.PREVIEW}.children"))
    compute_error = page.get(f"{ids.COMPUTE_ERROR}.children")
    assert compute_error is None or "no longer stored" in compute_error

