"""The Dash UI: element ids, layout, pure figure builders, callbacks.

Importing ``components.callbacks`` registers the callbacks (``app.py`` does); the package itself
stays light so ``components.settings`` and ``components.figures`` import without Dash callbacks.
"""
