"""Issue 13 point 3: inline or job is decided on the server from the view's estimated work
(rows × encoded columns × method and metric), not from rows alone.

The reproducer: one-hot on a 4,000-row text ``id`` column (160 KB) made 4,000 indicator
columns and ran 602 s inside a web request. Here that view, forged as a compute-callback
request, starts a job and computes nothing inline; a small view of the same table still
answers at once.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from clustering.prepare import PrepareOptions
from components.settings import Settings
from components.state.budget import INLINE_SECONDS, inline_work, view_work
from components.view import DatasetRef, TreeSpec

N = 4_000


def _csv() -> bytes:
    rng = np.random.default_rng(13)
    df = pd.DataFrame({"id": [f"p{i:05d}" for i in range(N)],
                       "x": rng.normal(size=N), "y": rng.normal(size=N), "z": rng.normal(size=N)})
    return df.to_csv(index=False).encode()


@pytest.fixture(scope="module")
def app_and_ref(tmp_path_factory):
    from app import create_app
    from components.state.store import get_store

    app = create_app(Settings.from_env(data_dir=str(tmp_path_factory.mktemp("d")),
                                       redis_url=None))
    with app.server.app_context():
        dataset_id = get_store().put_dataset(_csv(), "ids.csv", client="browser:t")
    return app, DatasetRef(dataset_id=dataset_id)


def test_one_hot_on_an_id_column_is_estimated_wide_and_slow(app_and_ref):
    app, ref = app_and_ref
    settings = app.server.config["DENDRO_SETTINGS"]
    assert N <= settings.background_rows  # the row rule alone would have run it inline
    wide = TreeSpec(ref, PrepareOptions(features=("id", "x"), one_hot=True), "ward", "euclidean")
    small = TreeSpec(ref, PrepareOptions(features=("x", "y", "z")), "ward", "euclidean")
    with app.server.app_context():
        w, s = view_work(wide), view_work(small)
        assert (w.n, w.d) == (N, N + 1) and w.seconds > 10 * INLINE_SECONDS
        assert (s.n, s.d) == (N, 3) and s.seconds < INLINE_SECONDS
        assert not inline_work(wide, settings)
        assert inline_work(small, settings)
        # The method counts too: average on cityblock goes through all N² pairs.
        assert view_work(TreeSpec(ref, small.options, "average", "cityblock")).seconds > s.seconds


def test_gower_counts_text_columns_as_they_are_and_never_refuses(app_and_ref):
    # Gower reads a categorical column as it is: no one-hot, so no "turn on one-hot" refusal
    # (the estimate used to go through the one-hot encoder and refused every Gower tree).
    app, ref = app_and_ref
    settings = app.server.config["DENDRO_SETTINGS"]
    gower = TreeSpec(ref, PrepareOptions(features=("id", "x")), "average", "gower")
    with app.server.app_context():
        w = view_work(gower)
        # 'id' (every value distinct) is neither numeric nor categorical: Gower leaves it out.
        assert (w.n, w.d) == (N, 1)
        assert w.seconds == view_work(TreeSpec(ref, PrepareOptions(features=("x",)),
                                               "average", "cityblock")).seconds
        inline_work(gower, settings)  # decides without raising


def test_runs_inline_reads_the_view_only(app_and_ref):
    app, ref = app_and_ref
    from components.jobs import tree as tree_module

    wide = TreeSpec(ref, PrepareOptions(features=("id", "x"), one_hot=True), "ward", "euclidean")
    small = TreeSpec(ref, PrepareOptions(features=("x", "y", "z")), "ward", "euclidean")
    with app.server.test_request_context():
        for spec, inline in ((wide, False), (small, True)):
            assert tree_module.runs_inline(spec, app.server.config["DENDRO_SETTINGS"]) is inline
            # The decision reads the view only: the same spec from its JSON gives the same one.
            again = TreeSpec.from_json(spec.to_json())
            assert tree_module.runs_inline(again, app.server.config["DENDRO_SETTINGS"]) is inline


def _compute_body(app, dataset: dict, features, one_hot) -> dict:
    """The page's compute-callback request (components.page.compute.compute) with these values."""
    from components import ids

    key = next(k for k in app.callback_map
               if f"{ids.JOB}.data" in k and f"{ids.RESULT}.data" in k and "@" not in k)
    cb = app.callback_map[key]
    values = {ids.DATASET: dataset, ids.FEATURE_COLUMNS: features, ids.ONE_HOT: one_hot,
              ids.METHOD: "ward", ids.METRIC: "euclidean"}
    outputs = [dict(zip(("id", "property"), o.rsplit(".", 1), strict=True))
               for o in key.strip(".").split("...")]
    return {"output": key, "outputs": outputs,
            "inputs": [{**i, "value": values.get(i["id"])} for i in cb["inputs"]],
            "state": [{**s, "value": None} for s in cb["state"]],
            "changedPropIds": [f"{ids.ONE_HOT}.value"]}


def test_the_compute_callback_over_http_sends_the_wide_view_to_a_job(tmp_path):
    import json

    from components import ids
    from components.state.store import get_store
    from tests.dash_page import fresh_app

    app = fresh_app(Settings.from_env(data_dir=str(tmp_path), redis_url=None))
    with app.server.app_context():
        ref = {"dataset_id": get_store().put_dataset(_csv(), "ids.csv", client="browser:t")}
    client = app.server.test_client()
    answers = {}
    for name, features, one_hot in (("wide", ["id", "x"], True), ("small", ["x", "y", "z"], False)):
        r = client.post("/_dash-update-component", data=json.dumps(
            _compute_body(app, ref, features, one_hot)), content_type="application/json")
        assert r.status_code == 200, r.get_data(as_text=True)[:500]
        answers[name] = r.get_json()["response"]
    # Wide: no result inline, the request goes to the job store (ids.JOB).
    assert ids.RESULT not in answers["wide"] and answers["wide"][ids.JOB]["data"]["params"]
    # Small: the tree comes back in the same request.
    assert answers["small"][ids.RESULT]["data"]["n"] == N
