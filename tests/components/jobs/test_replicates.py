"""Support and stability jobs (components/jobs/replicates.py, replicate_tasks.py,
analysis/support.py) give the library's numbers for the same seed: locally in one process or a
pool, and through a Celery chord (run eagerly here: the same task bodies, the same store)."""

from __future__ import annotations

import numpy as np
import pytest

from clustering.stability import cluster_stability
from clustering.subsampling import row_support
from clustering.support import merge_support
from components.analysis import support as sup_tab
from components.analysis import support_poll
from components.jobs import replicates as rep
from components.jobs.replicate_tasks import register_tasks
from components.settings import Settings
from components.state.trees import load_tree
from components.view import TreeSpec


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    return str(tmp_path_factory.mktemp("data"))


@pytest.fixture(scope="module")
def app(data_dir):
    from app import create_app

    return create_app(Settings.from_env(data_dir=data_dir, redis_url=None))


@pytest.fixture
def tree(app):
    with app.server.app_context():
        spec = TreeSpec.from_json({"dataset": {"example": "mpg"}, "method": "average",
                                   "metric": "euclidean",
                                   "options": {"label_column": "name", "missing": "median",
                                               "scaling": "zscore"}})
        yield load_tree(spec)


def _says(calls):
    return lambda f, t: calls.append((f, t))


def test_feature_support_job_equals_merge_support(tree):
    work = sup_tab.support_work(tree, "features", 12, 7)
    calls = []
    out = sup_tab.run_work(work, tree, _says(calls))
    assert out["error"] is None and out["pending"] is None
    got = rep.result(work)
    want = merge_support(tree.prepared.matrix, "average", "euclidean", n_boot=12, seed=7,
                         Z=tree.Z)
    np.testing.assert_array_equal(got.counts, want.counts)
    np.testing.assert_allclose(got.table[["au", "bp", "se_au", "se_bp"]],
                               want.table[["au", "bp", "se_au", "se_bp"]], rtol=0, atol=1e-12)
    assert calls and calls[-1][0] == pytest.approx(1.0)
    # memoised: the same view gives the same numbers without running again
    assert rep.is_done(work) and rep.result(work).counts.tolist() == got.counts.tolist()


def test_pool_of_processes_gives_the_same_numbers(tree):
    work = sup_tab.support_work(tree, "rows", 30, 3)
    one = rep.run_local(work, tree, workers=1)
    two = rep.run_local(work, tree, workers=2)
    want = row_support(tree.prepared.matrix, "average", "euclidean", n_boot=30,
                       fraction=rep.ROW_FRACTION, seed=3, Z=tree.Z)
    for got in (one, two):
        np.testing.assert_array_equal(got.table["hits"], want.table["hits"])
        np.testing.assert_array_equal(got.table["informative"], want.table["informative"])


def test_stability_job_equals_cluster_stability(tree):
    k = 4
    work = sup_tab.stability_work(tree, k, 20, 5)
    assert sup_tab.run_work(work, tree, None)["error"] is None
    got = rep.result(work)
    want = cluster_stability(tree.prepared.matrix, "average", "euclidean",
                             tree.index.labels_for_k(k), n_boot=20, seed=5)
    np.testing.assert_allclose(got.jaccard, want.jaccard, rtol=0, atol=0)
    assert got.table[["dissolved", "recovered"]].values.tolist() == \
        want.table[["dissolved", "recovered"]].values.tolist()
    table = sup_tab.stability_table(got, k)
    assert len(table.children[1].children) == len(want.table)


def test_celery_chord_stores_the_same_result_and_the_page_polls_it(tree, data_dir,
                                                                   monkeypatch):
    from celery import Celery

    monkeypatch.setenv("DENDRO_DATA_DIR", data_dir)  # the tasks read the store from the env
    celery_app = Celery("t", broker="memory://", backend="cache+memory://")
    celery_app.conf.update(task_always_eager=True, task_store_eager_result=True)
    register_tasks(celery_app)
    work = sup_tab.support_work(tree, "features", 6, 11)
    done = {"work": work.to_json(), "error": None, "pending": ["x"]}
    assert not rep.is_done(work)
    assert support_poll._polled(done) is not None  # nothing stored yet: parts 0
    ids = rep.dispatch(work, celery_app)
    assert ids and rep.parts_done(work) == len(rep.bounds(work))
    assert rep.is_done(work)
    want = merge_support(tree.prepared.matrix, "average", "euclidean", n_boot=6, seed=11,
                         Z=tree.Z)
    np.testing.assert_array_equal(rep.result(work).counts, want.counts)
    assert support_poll._polled(done)["pending"] is None  # the page sees it done


def test_refusals_name_the_reason(tree):
    assert rep.problem(tree, "support", "features") is None
    assert rep.suggested_kind(tree.prepared.matrix.shape[1])[0] == "rows"  # mpg: 7 features
    few = rep.suggested_kind(3)[1]
    assert "3 features" in few and "Row subsampling" in few


def test_a_tree_without_rows_is_refused():
    class Ref:
        has_rows = False
        is_matrix = False

    class FakeTree:
        spec = type("S", (), {"dataset": Ref()})()

    why = rep.no_rows_reason(FakeTree())
    assert "linkage matrix" in why and "no rows" in why


def test_poll_runs_only_while_celery_work_is_pending():
    pending = {"work": None, "pending": ["a"], "error": None}
    assert support_poll.toggle_poll(pending, None) == (False, support_poll.SHOWN,
                                                       support_poll.HIDDEN)
    assert support_poll.toggle_poll({"pending": None}, None)[0] is True
    assert support_poll._stop({"pending": None}) is support_poll.no_update
    assert support_poll._polled({"pending": None, "work": {}}) is support_poll.no_update


def test_summary_and_stability_note_say_what_the_page_shows(tree):
    import contextvars

    from dash._callback_context import context_value
    from dash._utils import AttributeDict

    def run(fn, *args):
        def go():
            context_value.set(AttributeDict(triggered_inputs=[{"prop_id": "", "value": None}]))
            return fn(*args)
        return contextvars.copy_context().run(go)

    ref = {"params": tree.spec.to_json(), "tree_key": tree.spec.key}
    work = sup_tab.support_work(tree, "features", 12, 7)
    rep.compute(work, tree)
    show, summary = run(sup_tab.show_support, {"work": work.to_json(), "error": None,
                                               "pending": None}, 4, ref)
    assert show == {"work": work.to_json(), "min_size": 4, "tree_key": tree.spec.key}
    text = str(summary)
    assert "12 replicates × 7 scales, seed 7" in text and "merges of at least 4 rows" in text
    # an error says so; a pending Celery run says how far it got
    _, err = run(sup_tab.show_support, {"work": None, "error": "Stopped.", "pending": None},
                 4, ref)
    assert "Stopped." in str(err)
    cut = {"cut": float(tree.Z[-4, 2] + 1e-9), "tree_key": tree.spec.key}  # k = 4
    note, table = run(sup_tab.show_stability, None, cut, ref, 99, 1)
    assert 'press "Compute stability" (99 bootstraps, seed 1)' in note and table is None
    rep.compute(sup_tab.stability_work(tree, 4, 20, 5), tree)
    note, table = run(sup_tab.show_stability, None, cut, ref, 20, 5)
    assert "k = 4, 20 bootstraps, seed 5" in str(note) and table is not None
