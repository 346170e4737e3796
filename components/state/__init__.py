"""What the server keeps and how a callback gets it: the store, tables, trees, approximate mode.

No Dash imports here. ``store`` holds uploads and memoised results; ``tables`` reads a
dataset and prepares its matrix; ``trees`` is the one loader of a tree (exact, or approximate
for tables too big for the exact linkage, see ``approximate``). Every result is keyed by a
``components.view.TreeSpec``, so any worker process answers any user.
"""
