"""The Profiles tab: per cluster at the current cut, size and feature means in original units,
and the features that set each cluster apart (in SDs). Per row; in approximate mode each row
takes its micro-cluster's cluster.
"""

from __future__ import annotations

from typing import Any

from dash import Input, Output, State, callback, dcc, html, no_update

from clustering.errors import DataError
from clustering.profiles import cluster_profiles, profile_effects
from components import ids
from components.analysis.lazy import gated_cut, gated_partition
from components.figures.analysis import make_profile_figure
from components.figures.common import empty_figure
from components.state.inputs import features_reason
from components.state.partition import view_labels
from components.state.trees import try_load_tree
from components.view import number_or_none
from components.web.grids import data_grid


def profiles_tab() -> html.Div:
    return html.Div(
        [
            html.Div(
                "Per cluster at the current cut: size and each feature's mean in original units; "
                "colour = how many SDs the cluster mean sits from the overall mean.",
                className="form-text mb-1",
            ),
            dcc.Graph(id=ids.PROFILE_HEATMAP, figure=empty_figure(""),
                      config={"displaylogo": False}, className="graph-profiles"),
            html.Div(id=ids.PROFILE_TABLE),
        ],
        className="p-2",
    )


@callback(
    Output(ids.PROFILE_HEATMAP, "figure"),
    Output(ids.PROFILE_TABLE, "children"),
    State(ids.ANALYSIS_TABS, "active_tab"),
    Input(ids.PROFILES_CUT, "data"),  # the cut, only while this tab is open (components/analysis/lazy.py)
    State(ids.TREE_REF, "data"),
    prevent_initial_call=True,  # nothing to show until the tab is opened (its store is set)
)
def fill_profiles(active: str | None, cut_value: Any, tree_data: dict[str, Any] | None
                  ) -> tuple[Any, Any]:
    """Sizes, means in original units and the distinguishing features, at the current cut."""
    if active != ids.TAB_PROFILES:
        return no_update, no_update
    tree = try_load_tree((tree_data or {}).get("params"))
    cut = number_or_none(gated_cut(cut_value))
    if tree is None or cut is None:
        return empty_figure(""), ""
    reason = features_reason(tree.spec.dataset, "Cluster profiles")
    if reason:
        return empty_figure(reason), ""
    # Per row (0 = unassigned), from the partition in force; in approximate mode each row
    # takes its micro-cluster's cluster.
    try:
        labels = view_labels(tree, cut, gated_partition(cut_value, tree.spec.key))
    except DataError as err:
        return empty_figure(str(err)), ""
    original = tree.prepared.original
    prof = cluster_profiles(original, labels, top=3)
    means, effects = profile_effects(original, labels)
    fig = make_profile_figure(means, effects, prof.table.index.tolist(),
                              [str(c) for c in original.columns], prof.table["size"].tolist())
    table = prof.table.reset_index()
    table["share"] = (table["share"] * 100).round(1)
    table = table.rename(columns={"share": "share %"})
    apart: dict[Any, list[str]] = {}
    for c, f, e in prof.distinguishing.sort_values(["cluster", "rank"])[
            ["cluster", "feature", "effect"]].itertuples(index=False):
        apart.setdefault(c, []).append(f"{f} ({e:+.2f} SD)")
    table.insert(3, "sets it apart", [", ".join(apart.get(c, [])) for c in table["cluster"]])
    if (table["cluster"] == 0).any():  # rows no cluster claims (dynamic cut, a minimum size)
        table["cluster"] = [("unassigned" if c == 0 else int(c)) for c in table["cluster"]]
    return fig, data_grid(table, wrap=("sets it apart",))
