"""Open the explorer on a DataFrame from a notebook: :func:`explore`.

    from explorer import explore
    explore(df)                       # in Jupyter: the app inline under the cell

In a Jupyter kernel this is Dash's own jupyter mode (``app.run(jupyter_mode=...)``); anywhere
else (a script, a test) the same server starts on a background thread and the link is
returned. Either way the frame is stored like an upload (as CSV: the page reads it as it reads
a file), and the page opens on it.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

import pandas as pd
from flask import redirect, request
from werkzeug.serving import make_server

from components.settings import Settings
from components.state.store import get_store
from components.view import DatasetRef, TreeSpec, View

__all__ = ["explore", "stop"]

log = logging.getLogger(__name__)

#: (host, port) -> running background server, so explore() again on a port replaces it.
_SERVERS: dict[tuple[str, int], Any] = {}


def _csv_bytes(df: pd.DataFrame) -> bytes:
    """The frame as the CSV an upload would be; a named or non-default index becomes a column
    (so it can label the leaves)."""
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"explore() takes a pandas DataFrame, not {type(df).__name__}")
    frame = df
    if not isinstance(df.index, pd.RangeIndex) or df.index.name is not None:
        frame = df.reset_index()
    return frame.to_csv(index=False).encode("utf-8")


def _in_jupyter() -> bool:
    try:
        from dash._jupyter import jupyter_dash
    except ImportError:  # pragma: no cover - Dash without its jupyter module
        return False
    return bool(jupyter_dash.active)


def explore(df: pd.DataFrame, *, name: str = "dataframe", host: str = "127.0.0.1",
            port: int = 8050, mode: str = "inline", method: str = "ward",
            settings: Settings | None = None, **settings_overrides: Any) -> str:
    """Open Dendrogram Explorer on ``df``: inline in Jupyter, else on a background server.

    Parameters
    ----------
    df : DataFrame
        Rows to cluster; every numeric column is a feature until the page says otherwise.
    name : str
        What the page calls the data (the file name is ``<name>.csv``).
    host, port : str, int
        Where the server listens (``127.0.0.1`` only by default).
    mode : {"inline", "external", "tab", "jupyterlab"}
        Dash's ``jupyter_mode`` (used in a Jupyter kernel only).
    method : str
        The linkage method the page opens with.
    settings : Settings, optional
        Default: ``Settings.from_env(**settings_overrides)``.

    Returns
    -------
    str
        The link to the view (``http://host:port/?dataset=...``).

    Examples
    --------
    >>> import pandas as pd
    >>> from explorer import explore
    >>> url = explore(pd.DataFrame({"x": [0, 1, 5, 6], "y": [0, 1, 5, 7]}), port=8765)
    ... # doctest: +SKIP
    """
    from app import create_app  # the app module builds its own default app on import

    data = _csv_bytes(df)
    settings = settings or Settings.from_env(host=host, port=port, **settings_overrides)
    app = create_app(settings)
    with app.server.app_context():
        dataset_id = get_store().put_dataset(data, f"{name}.csv")
    view = View(TreeSpec(DatasetRef(dataset_id=dataset_id, filename=f"{name}.csv"),
                         method=method))
    query = view.to_query()

    @app.server.before_request
    def _open_on_the_frame() -> Any:
        # Dash's jupyter mode shows the app's root: send it to this frame's view.
        if request.path == "/" and not request.query_string:
            return redirect("/?" + query)
        return None

    url = f"http://{host}:{port}/?{query}"
    if _in_jupyter():
        app.run(jupyter_mode=mode, host=host, port=port)  # type: ignore[arg-type]
        return url
    old = _SERVERS.pop((host, port), None)
    if old is not None:
        old.shutdown()
    server = make_server(host, port, app.server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name=f"explorer:{port}", daemon=True)
    thread.start()
    _SERVERS[(host, port)] = server
    log.info("Dendrogram Explorer on %s", url)
    return url


def stop(host: str = "127.0.0.1", port: int = 8050) -> None:
    """Stop the background server :func:`explore` started on ``host:port`` (outside Jupyter)."""
    server = _SERVERS.pop((host, port), None)
    if server is not None:
        server.shutdown()
