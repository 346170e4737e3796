"""The file line and field count of each record, as messages about rows say them: the numpy
reading of an unquoted text (``table_text._unquoted_record_lines``, issue 14's upload) against
the csv module reading the same text, on random texts."""

from __future__ import annotations

import csv
import io
import random

import pytest

from clustering import table_text as tt


def _csv_module(text: str, delim: str) -> list[tuple[int, int]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim)
    out, last = [], 0
    for record in reader:
        if record:
            out.append((last + 1, len(record)))
        last = reader.line_num
    return out


def _random_text(rng: random.Random, delim: str) -> str:
    pieces = ["a", "1.5", "", " ", "x y", "\t", ";", ",", "|", "é", "-1e3"]
    lines = []
    for _ in range(rng.randint(0, 9)):
        kind = rng.random()
        if kind < 0.15:
            lines.append("")
        elif kind < 0.2:
            lines.append(delim * rng.randint(1, 3))
        else:
            lines.append(delim.join(rng.choice(pieces) for _ in range(rng.randint(1, 5))))
    eol = rng.choice(["\n", "\r\n"])
    return eol.join(lines) + (eol if rng.random() < 0.5 else "")


@pytest.mark.parametrize("seed", range(4))
def test_unquoted_texts_read_as_the_csv_module_reads_them(seed):
    rng = random.Random(seed)
    for _ in range(3000):
        delim = rng.choice(tt.DELIMITERS)
        text = _random_text(rng, delim)
        starts, widths = tt._record_lines(text, delim)
        got = list(zip(starts.tolist(), widths.tolist(), strict=True))
        assert got == _csv_module(text, delim), (text, delim)


def test_a_quoted_text_still_goes_through_the_csv_module():
    text = 'a,b\n"x\ny",2\n\n3,4\n'
    starts, widths = tt._record_lines(text, ",")
    assert list(zip(starts.tolist(), widths.tolist(), strict=True)) == [(1, 2), (2, 2), (5, 2)]
