"""Dendrogram Explorer's clustering service: numpy / scipy / pandas only, no UI.

The public surface is re-exported here; see ``clustering/README.md`` for a notebook walk-through.
"""

from clustering.errors import DataError

__all__ = ["DataError"]
