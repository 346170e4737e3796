"""The layer rules of the UI (DESIGN.md), checked on the source's imports.

- ``clustering/`` imports no Dash, Plotly, Flask or storage (it is a pure library);
- ``state/`` and ``figures/`` import no ``page``/``analysis`` module, and ``state/`` no Dash;
- only the registration (``components/__init__.py``) imports ``page``/``analysis`` modules
  (tests aside), and no module re-exports another's names.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.add(node.module)
            out.update(f"{node.module}.{a.name}" for a in node.names)
    return out


def _modules(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


def _in(name: str, *packages: str) -> bool:
    return any(name == p or name.startswith(p + ".") for p in packages)


def test_clustering_is_a_pure_library():
    banned = ("dash", "plotly", "flask", "dash_bootstrap_components", "dash_ag_grid", "diskcache",
              "redis", "celery", "components")
    for path in _modules("clustering"):
        bad = sorted(n for n in _imports(path) if _in(n, *banned))
        assert not bad, f"{path.relative_to(ROOT)} imports {bad}"


def test_state_and_figures_never_import_the_page():
    for folder in ("components/state", "components/figures", "components/jobs"):
        for path in _modules(folder):
            names = _imports(path)
            bad = sorted(n for n in names if _in(n, "components.page", "components.analysis"))
            assert not bad, f"{path.relative_to(ROOT)} imports {bad}"
            if folder == "components/state":
                dash = sorted(n for n in names if _in(n, "dash", "plotly"))
                assert not dash, f"{path.relative_to(ROOT)} imports {dash}"


def test_only_the_registration_imports_page_and_analysis_modules():
    for path in _modules("components") + [ROOT / "app.py"]:
        rel = path.relative_to(ROOT).as_posix()
        if rel.startswith(("components/page/", "components/analysis/")) \
                or rel == "components/__init__.py":
            continue
        bad = sorted(n for n in _imports(path) if _in(n, "components.page", "components.analysis"))
        assert not bad, f"{rel} imports {bad}"


def test_registration_lists_every_module_that_holds_callbacks():
    from components import CALLBACK_MODULES

    holding = set()
    for path in _modules("components"):
        text = path.read_text()
        if "@callback(" in text or "clientside_callback(" in text:
            holding.add(".".join(path.relative_to(ROOT).with_suffix("").parts))
    assert holding == set(CALLBACK_MODULES)


def test_nothing_re_exports():
    """No ``__all__`` lists a name its module imported (one public surface per module), except
    ``clustering/__init__.py``, the library's one import for notebooks."""
    for path in _modules("components"):
        tree = ast.parse(path.read_text())
        imported = {a.asname or a.name for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)
                    for a in n.names}
        for node in tree.body:
            if isinstance(node, ast.Assign) and any(
                    isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets):
                names = {e.value for e in node.value.elts}  # type: ignore[attr-defined]
                assert not names & imported, f"{path.name} re-exports {names & imported}"
