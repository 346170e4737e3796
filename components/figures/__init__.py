"""Pure figure builders: numpy arrays / a ``Geometry`` in, ``go.Figure`` (or plain dicts) out.

Nothing here touches Dash, the request or the store, so tests call them directly. One module
a picture: ``dendrogram`` (per-trace helpers), ``tree_data`` (what the browser recolours
from), ``scatter``, ``analysis`` (scree, candidate lines, clustermap, profiles); shared
``palette``, ``text`` (escaping, height format) and ``common`` (the empty figure).
"""
