"""The palette: distinct, colour-blind safe first, readable on white, far from the grey."""

from __future__ import annotations

import itertools

import pytest

from components.figures import palette
from components.figures.palette import (
    ABOVE_CUT_COLOR,
    PALETTE,
    SAFE_COLOURS,
    UNASSIGNED_COLOR,
    cluster_color,
    contrast_ratio,
    palette_note,
)
from tests.components.figures.colour_science import CVD, ciede2000, delta_e

WHITE = "#ffffff"


@pytest.mark.parametrize(("lab1", "lab2", "expected"), [
    # Sharma, Wu and Dalal (2005), table 1: pairs 1, 7, 17 and 25
    ((50.0, 2.6772, -79.7751), (50.0, 0.0, -82.7485), 2.0425),
    ((50.0, 0.0, 0.0), (50.0, -1.0, 2.0), 2.3669),
    ((50.0, 2.5, 0.0), (73.0, 25.0, -18.0), 27.1492),
    ((60.2574, -34.0099, 36.2677), (60.4626, -34.1751, 39.4387), 1.2644),
])
def test_ciede2000_matches_sharma_reference_pairs(lab1, lab2, expected):
    assert ciede2000(lab1, lab2) == pytest.approx(expected, abs=1e-4)


def test_contrast_ratio_matches_wcag_examples():
    assert contrast_ratio("#000000", WHITE) == pytest.approx(21.0)
    assert contrast_ratio("#767676", WHITE) == pytest.approx(4.54, abs=0.01)
    # the old above-cut grey failed 1.4.11
    assert contrast_ratio("#b0b0b0", WHITE) < 3


def test_forty_distinct_colours():
    assert len(PALETTE) >= 40
    assert len({c.lower() for c in PALETTE}) == len(PALETTE)
    closest = min(delta_e(a, b) for a, b in itertools.combinations(PALETTE, 2))
    assert closest >= 11.5, closest


def test_first_eight_apart_for_colour_blind_readers():
    first = PALETTE[:SAFE_COLOURS]
    assert SAFE_COLOURS >= 8
    for vision in [None, *CVD]:
        closest = min(delta_e(a, b, vision) for a, b in itertools.combinations(first, 2))
        assert closest >= 12, (vision, closest)


@pytest.mark.parametrize("colour", [*PALETTE, ABOVE_CUT_COLOR, UNASSIGNED_COLOR])
def test_every_colour_has_3_to_1_contrast_on_the_plot(colour):
    assert contrast_ratio(colour, WHITE) >= 3.0


def test_no_cluster_colour_near_the_grey_or_the_unassigned_colour():
    assert delta_e(ABOVE_CUT_COLOR, UNASSIGNED_COLOR) >= 20
    for c in PALETTE:
        assert delta_e(c, ABOVE_CUT_COLOR) >= 20, c
        assert delta_e(c, UNASSIGNED_COLOR) >= 20, c


def test_cluster_color_is_the_one_entry_point():
    assert [cluster_color(c) for c in range(1, 41)] == list(PALETTE[:40])
    assert cluster_color(0) == cluster_color(-1) == ABOVE_CUT_COLOR
    assert cluster_color(len(PALETTE) + 1) == PALETTE[0]
    assert palette_note(len(PALETTE)) is None
    assert "40" in palette_note(41)
    assert palette.UNASSIGNED_COLOR not in PALETTE
