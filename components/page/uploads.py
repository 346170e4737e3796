"""Your uploads: what this client keeps on the server, against its quota, and deleting them.

An upload past the client's quota is refused with a message that points here
(``components.state.quota``); deleting frees the room. Only this client's own uploads are
listed and deletable (``components.web.clients`` says who the client is); the same bytes
uploaded by someone else stay for them.
"""

from __future__ import annotations

import logging
from typing import Any

import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, ctx, dcc, html, no_update

from components import ids
from components.page.forms import card
from components.state.quota import MB
from components.state.store import STORE_UNAVAILABLE, get_store
from components.web.clients import current_client

log = logging.getLogger(__name__)


def uploads_card() -> dbc.Card:
    """The list of this client's uploads with a delete button, and its usage."""
    client = current_client()  # the layout lists them: no request at load (issue 14)
    try:
        options, usage = _listing(client) if client else ([], None)
    except STORE_UNAVAILABLE:  # a store that cannot answer now must not stop the page
        log.warning("could not list the client's uploads for the page", exc_info=True)
        options, usage = [], None
    return card("Your uploads", [
        html.Div(usage, id=ids.UPLOADS_USAGE, className="small text-muted mb-1"),
        dcc.Dropdown(id=ids.UPLOADS_LIST, multi=True, options=options, value=[],
                     placeholder="uploads to delete"),
        dbc.Button("Delete", id=ids.UPLOADS_DELETE, size="sm", color="secondary",
                   outline=True, className="mt-1"),
    ])


def _listing(client: str | None) -> tuple[list[dict[str, str]], str]:
    store = get_store()
    limits = getattr(store, "limits", None)
    uploads = store.client_datasets(client) if client else []
    used = sum(u.size for u in uploads)
    options = [{"label": f"{u.filename} ({u.size / MB:.1f} MB)", "value": u.dataset_id}
               for u in uploads]
    usage = f"{used / MB:.1f} MB used"
    if limits is not None:
        usage += (f" of your {limits.quota / MB:.0f} MB; each upload is kept "
                  f"{limits.retention_days:g} days after it was last opened.")
    return options, usage


@callback(
    Output(ids.UPLOADS_LIST, "options"),
    Output(ids.UPLOADS_LIST, "value"),
    Output(ids.UPLOADS_USAGE, "children"),
    Input(ids.DATASET, "data"),
    # Set when the server stored an upload (read or refused as the chosen kind); a file the
    # browser refused for its size never reaches the server, so it asks nothing here either.
    Input(ids.UPLOAD_PENDING, "data"),
    Input(ids.UPLOADS_DELETE, "n_clicks"),
    State(ids.UPLOADS_LIST, "value"),
    prevent_initial_call=True,  # uploads_card lists them (issue 14)
)
def list_uploads(_dataset: Any, _pending: Any, _delete: Any, chosen: list[str] | None
                 ) -> tuple[Any, Any, Any]:
    """List this client's uploads (after each upload or refusal); delete the chosen ones."""
    client = current_client()
    if client is None:
        return no_update, no_update, no_update
    if ctx.triggered_id == ids.UPLOADS_DELETE and chosen:
        store = get_store()
        for dataset_id in chosen:
            store.delete_dataset(str(dataset_id), client)
    options, usage = _listing(client)
    return options, [], usage
