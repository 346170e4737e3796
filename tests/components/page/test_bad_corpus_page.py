"""Every awkward file of tests/data/bad, uploaded through the page (HTTP to the callbacks).

The page is the app's own layout and callbacks driven by :class:`tests.dash_page.DashPage`
over Flask's test client: the same ``/_dash-update-component`` requests the browser sends,
JSON both ways. For each file: the exact sentence in the ``error`` area, or the right result
(rows, steps, leaf labels, the number of clusters fcluster gives at the cut); a file that
cannot be used keeps the current dataset and view; another user's page is untouched and the
server keeps serving.
"""

from __future__ import annotations

import base64
import html
import json
import re
from pathlib import Path

import numpy as np
import pytest
from scipy.cluster.hierarchy import fcluster, linkage

from clustering.prepare import PrepareOptions, prepare
from clustering.tables import read_table
from components import ids
from components.figures.tree_data import decode_b64
from components.settings import Settings
from components.web.security import upload_limit_message
from tests.callback_bodies import pair_options_body
from tests.dash_page import DashPage, flask_transport, fresh_app

BAD = Path(__file__).resolve().parents[2] / "data" / "bad"
_SHAPE = re.compile(r"^(\d+) × (\d+)")
DEFAULT_STATUS = "n = 150 · ward · euclidean"  # the example a fresh page opens


def _expected() -> list[tuple[str, str, str]]:
    rows = []
    for line in (BAD / "EXPECTED.md").read_text(encoding="utf-8").splitlines():
        if not line.startswith("| ") or line.startswith(("| file ", "|---")):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split(" | ")]
        rows.append((cells[0], cells[2].strip("`"), cells[3].strip("`")))
    return rows


EXPECTED = _expected()


def _contents(data: bytes, mime: str = "application/octet-stream") -> str:
    return f"data:{mime};base64," + base64.b64encode(data).decode()


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory):
    return fresh_app(Settings.from_env(data_dir=str(tmp_path_factory.mktemp("data"))))


def _page(app) -> DashPage:
    page = DashPage(*flask_transport(app.server.test_client()))
    page.load()
    assert page.get(f"{ids.STATUS_MAIN}.children") == DEFAULT_STATUS
    return page


def _view(page: DashPage) -> dict[str, str]:
    """What a person sees of the current view, as comparable text."""
    keys = [f"{ids.DATASET}.data", f"{ids.TREE_DATA}.data", f"{ids.STATUS_MAIN}.children",
            f"{ids.DENDROGRAM}.figure", f"{ids.SCATTER}.figure", f"{ids.PREVIEW}.children"]
    return {k: json.dumps(page.get(k), sort_keys=True) for k in keys}


def _upload(page: DashPage, data: bytes, name: str) -> None:
    page.set({f"{ids.UPLOAD}.contents": _contents(data), f"{ids.UPLOAD}.filename": name})


def _upload_error(page: DashPage) -> str | None:
    return page.get(f"{ids.UPLOAD_ERROR}.children") if page.get(f"{ids.UPLOAD_ERROR}.is_open") else None


def _compute_error(page: DashPage) -> str | None:
    return page.get(f"{ids.COMPUTE_ERROR}.children") if page.get(f"{ids.COMPUTE_ERROR}.is_open") else None


def _clusters_shown(page: DashPage) -> tuple[float, int]:
    """The cut the server chose and the k the browser shows for it (gaps > cut, as fcluster)."""
    td = page.get(f"{ids.TREE_DATA}.data")
    gaps = decode_b64(td["gaps"])
    return td["cut"], int((gaps > td["cut"]).sum()) + 1


def _other_user_unharmed(app) -> None:
    """The server still answers another user's page and callbacks (a full second page per
    file would double the run time; ``test_a_new_user_after_every_bad_file`` does one)."""
    client = app.server.test_client()
    assert client.get("/_dash-layout").status_code == 200
    body = pair_options_body("average", "cosine")
    r = client.post("/_dash-update-component", json=body)
    assert r.status_code == 200 and "metric" in r.get_json()["response"]


@pytest.fixture(scope="module")
def analyst(app) -> DashPage:
    """One person uploading every file in turn (a page load per file would double the time)."""
    return _page(app)


@pytest.mark.parametrize(("name", "read_spec", "prepare_spec"), EXPECTED, ids=[r[0] for r in EXPECTED])
def test_corpus_file_on_the_page(app, analyst: DashPage, name: str, read_spec: str,
                                 prepare_spec: str) -> None:
    page = analyst
    before = _view(page)
    data = (BAD / name).read_bytes()
    _upload(page, data, name)

    if read_spec.startswith("DataError: "):
        assert _upload_error(page) == f"{name}: {read_spec.removeprefix('DataError: ')}"
        assert _view(page) == before, "a refused file must keep the current dataset and view"
        _other_user_unharmed(app)
        return
    if prepare_spec.startswith("DataError: "):
        # The page's next tree could not be prepared: refused at upload, the whole page stays
        # on the previous dataset (issue 12: no preview of a file over the old tree).
        assert _upload_error(page) == f"{name}: {prepare_spec.removeprefix('DataError: ')}"
        assert _view(page) == before
        _other_user_unharmed(app)
        return

    assert _upload_error(page) is None
    assert page.get(f"{ids.DATASET}.data")["filename"] == name
    df = read_table(data, name)
    n_read = _SHAPE.match(read_spec)
    assert f"{int(n_read[1]):,} rows × {int(n_read[2])} columns" in json.dumps(
        page.get(f"{ids.PREVIEW}.children"), ensure_ascii=False)
    label = "name" if "name" in df.columns else None
    if label:  # the person picks the label column, as the corpus table assumes
        page.set({f"{ids.LABEL_COLUMN}.value": label})

    assert _compute_error(page) is None
    n, d = map(int, _SHAPE.match(prepare_spec).groups())
    assert page.get(f"{ids.STATUS_MAIN}.children") == f"n = {n:,} · ward · euclidean"
    steps = [li["props"]["children"] for li in page.get(f"{ids.PREPARE_STEPS}.children")]
    for step in re.findall(r'step "([^"]*)"', prepare_spec):
        assert step in steps
    ticks = page.get(f"{ids.DENDROGRAM}.figure")["layout"]["xaxis"]["ticktext"]
    if " labels " in prepare_spec:
        labels = json.loads(prepare_spec.split(" labels ", 1)[1])
        # Tags escaped for plotly (which reads a subset of HTML in text); quotes left as
        # typed, since plotly would show &quot; literally.
        assert sorted(ticks) == sorted(html.escape(s, quote=False) for s in labels)
    # The clusters the page shows are fcluster's at the page's cut.
    X = prepare(df, PrepareOptions(label_column=label)).matrix
    cut, k = _clusters_shown(page)
    assert k == len(np.unique(fcluster(linkage(X, "ward"), cut, "distance")))
    _other_user_unharmed(app)


def test_a_new_user_after_every_bad_file(app) -> None:
    """Runs after the corpus (file order): a new visitor gets the example view, no errors."""
    page = _page(app)
    assert _upload_error(page) is None and _compute_error(page) is None


def test_all_identical_rows_give_one_cluster_at_height_zero(app) -> None:
    page = _page(app)
    _upload(page, (BAD / "all_identical.csv").read_bytes(), "all_identical.csv")
    assert _compute_error(page) is None
    cut, k = _clusters_shown(page)
    assert (cut, k) == (0.0, 1)


def test_five_thousand_columns_are_refused_with_the_limit(app) -> None:
    rng = np.random.default_rng(5)
    header = ",".join(f"c{j}" for j in range(5000))
    body = "\n".join(",".join(f"{v:.2f}" for v in row) for row in rng.standard_normal((4, 5000)))
    page = _page(app)
    before = _view(page)
    _upload(page, f"{header}\n{body}\n".encode(), "wide.csv")
    assert _upload_error(page) == (
        "wide.csv: the table has 5,000 columns; this instance accepts at most 2,000. "
        "Choose fewer columns, or run on a bigger instance (DENDRO_MAX_COLUMNS)."
    )
    assert _view(page) == before


def test_a_failed_upload_after_a_good_one_keeps_the_good_one(app) -> None:
    page = _page(app)
    _upload(page, (BAD / "pipe.csv").read_bytes(), "pipe.csv")
    good = _view(page)
    assert page.get(f"{ids.STATUS_MAIN}.children") == "n = 2 · ward · euclidean"
    _upload(page, (BAD / "ragged.csv").read_bytes(), "ragged.csv")
    assert _upload_error(page).startswith("ragged.csv: line 4 of the file has 3 fields")
    assert _view(page) == good
    # ...and a good file afterwards clears the message.
    _upload(page, (BAD / "utf8_bom.csv").read_bytes(), "utf8_bom.csv")
    assert _upload_error(page) is None
    assert page.get(f"{ids.STATUS_MAIN}.children") == "n = 3 · ward · euclidean"


# ---------------------------------------------------------------- configurable limits
@pytest.fixture(scope="module")
def small_app(tmp_path_factory: pytest.TempPathFactory):
    settings = Settings.from_env(data_dir=str(tmp_path_factory.mktemp("small")),
                                 max_upload_mb=0.01, max_rows=50, max_columns=3)
    return fresh_app(settings)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("x\n" + "1\n" * 51, "the table has 51 rows; this instance accepts at most 50. "
         "Take a sample, or run on a bigger instance (DENDRO_MAX_ROWS)."),
        ("a,b,c,d\n1,2,3,4\n5,6,7,8\n", "the table has 4 columns; this instance accepts at most 3. "
         "Choose fewer columns, or run on a bigger instance (DENDRO_MAX_COLUMNS)."),
        ("x,y\n" + "1.5,2.5\n" * 1500, upload_limit_message(0.01)),
    ],
    ids=["rows", "columns", "bytes"],
)
def test_limits_say_the_limit_and_what_to_do(small_app, text: str, message: str) -> None:
    page = DashPage(*flask_transport(small_app.server.test_client()))
    page.load()
    before = _view(page)
    _upload(page, text.encode(), "big.csv")
    assert _upload_error(page) == f"big.csv: {message}"
    assert _view(page) == before


def test_limits_are_inclusive(small_app) -> None:
    page = DashPage(*flask_transport(small_app.server.test_client()))
    page.load()
    _upload(page, ("x\n" + "".join(f"{i}\n" for i in range(50))).encode(), "fifty.csv")
    assert _upload_error(page) is None
    assert page.get(f"{ids.STATUS_MAIN}.children") == "n = 50 · ward · euclidean"


def test_the_page_carries_the_upload_limit(small_app) -> None:
    page = DashPage(*flask_transport(small_app.server.test_client()))
    assert page.get(f"{ids.UPLOAD}.max_size") == int(0.01 * 1024 * 1024)
    assert page.get(f"{ids.UPLOAD_LIMIT}.data-max-bytes") == str(int(0.01 * 1024 * 1024))
    assert page.get(f"{ids.UPLOAD_LIMIT}.data-message") == upload_limit_message(0.01)


def test_a_body_over_flask_limit_gets_the_sentence(small_app) -> None:
    client = small_app.server.test_client()
    r = client.post("/_dash-update-component", data=b"x" * (200 * 1024),
                    content_type="application/json")
    assert r.status_code == 413
    assert r.get_json() == {"error": upload_limit_message(0.01)}
