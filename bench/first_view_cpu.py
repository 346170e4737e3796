"""CPU time of the server's part of an upload's first view (issue 14), in one process.

    python bench/first_view_cpu.py [--seed 7] [--profile]

Wall time on the shared 2-core machine follows the other sessions' load (the ward linkage
took 4 to 90 s wall for the same ~5 s of CPU), so this measures each step with
``time.process_time``: the upload callback (decode, guess and read once, store, prepare),
the preview, the tree job's body (``run_tree``: the linkage), the draw (geometry, both
figures, the tree data; its JSON size) and the request after the first view (cophenetic
correlation, then the Ward tie check a big tree was drawn without). ``--profile`` prints a
cProfile of each step with the same clock. The CSV is bench/browser_paths.py's
(20,000 x 10, 8 blobs, 6 significant digits: tie-prone, as most real CSVs of that size).
"""

from __future__ import annotations

import argparse
import base64
import contextvars
import cProfile
import inspect
import io
import json
import pstats
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import browser_paths as paths  # noqa: E402


def timed(name: str, fn: Callable[[], Any], profile: bool) -> Any:
    prof = cProfile.Profile(time.process_time) if profile else None
    c0, w0 = time.process_time(), time.perf_counter()
    if prof:
        prof.enable()
    out = fn()
    if prof:
        prof.disable()
        text = io.StringIO()
        pstats.Stats(prof, stream=text).sort_stats("cumulative").print_stats(15)
        print(text.getvalue())
    print(f"{name:<10} CPU {1000 * (time.process_time() - c0):7.0f} ms   "
          f"wall {1000 * (time.perf_counter() - w0):7.0f} ms", flush=True)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--profile", action="store_true")
    args = ap.parse_args()

    import plotly
    from dash._callback_context import context_value
    from dash._utils import AttributeDict

    from app import create_app
    from components import ids
    from components.jobs.tree import run_tree
    from components.page import data as data_page
    from components.page import preview as preview_page
    from components.page import tree_view
    from components.settings import Settings
    from components.view import TreeSpec

    app = create_app(Settings.from_env(data_dir=tempfile.mkdtemp(), redis_url=None))
    # No head start (components.jobs.head_start): the upload would start the linkage in the
    # job server (and wait there for that server's start), and "job" below would link again
    # beside it; each step is measured here on its own.
    from components.jobs.managers import MANAGER_KEY

    app.server.config[MANAGER_KEY] = None
    csv = paths.blobs_csv(Path(tempfile.mkdtemp()) / "blobs20k.csv", seed=args.seed)
    contents = "data:text/csv;base64," + base64.b64encode(csv.read_bytes()).decode()
    tree = ("drop", False, "none", "ward", "euclidean")
    with app.server.app_context():
        def upload() -> Any:
            context_value.set(AttributeDict(triggered_inputs=[
                {"prop_id": f"{ids.UPLOAD}.contents", "value": None}]))
            # (Before issue 14 the upload read neither method nor metric: compare with main.)
            extra = tree[3:] if "metric" in inspect.signature(data_page.choose_dataset
                                                              ).parameters else ()
            return data_page.choose_dataset(contents, None, None, None, None, csv.name, None,
                                            None, *tree[:3], *extra)

        out = timed("upload", lambda: contextvars.copy_context().run(upload), args.profile)
        dataset = out[0]
        timed("preview", lambda: preview_page.describe_dataset(dataset, "euclidean"), args.profile)
        spec = TreeSpec.from_controls(dataset, [], None, *tree)
        result = timed("job", lambda: run_tree("bench", spec), args.profile)
        drawn = timed("draw", lambda: tree_view.draw(
            result, "lastp", 50, None, "top", True, "x0", "x1", None, None, {"id": "bench"},
            None), args.profile)
        size = len(json.dumps(drawn[:3], cls=plotly.utils.PlotlyJSONEncoder))
        after_fn = getattr(tree_view, "after_first_view",
                           lambda d: (tree_view.fill_cophenetic(d), None, None))
        after = timed("after", lambda: after_fn(drawn[2]), args.profile)
    print(f"linkage {result.get('seconds', float('nan')):.2f} s wall (as the page reports it); "
          f"draw {size / 1024:.0f} KB; tie check after the first view: "
          f"{bool(drawn[2].get('tie_check'))}; tie note: "
          f"{'yes' if after[1] or drawn[2].get('tie_note') else 'no'}")


if __name__ == "__main__":
    main()
