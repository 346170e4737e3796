"""The Dash UI: element ids, layout, pure figure builders, callbacks.

Importing this package registers the callbacks (``components.callbacks``).
"""

from components import callbacks  # noqa: F401
