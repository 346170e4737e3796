"""Issue 12: messages about an uploaded file name the file's own lines ("line 7 of the file"),
counted as an editor counts them (the header is line 1; blank lines and line breaks inside
quoted fields count), while tables that are not files keep "row r"."""

from __future__ import annotations

import pandas as pd
import pytest

from clustering.errors import DataError
from clustering.prepare import prepare
from clustering.tables import FILE_LINES, file_row, read_table

TEXT = 'name,x,y\n"two\nlines",1,2\n\nb,3,4\nc,abc,5\nd,6,7\n'  # 'abc' on line 6


def test_text_in_a_number_column_names_its_line():
    with pytest.raises(DataError, match=r"e\.g\. line 6 of the file: 'abc'$"):
        prepare(read_table(TEXT.encode(), "t.csv"))


def test_a_ragged_record_names_its_line_after_quoted_breaks_and_blank_lines():
    text = 'x,y\n"a\nb",2\n\n3,4\n5,6,7\n'
    with pytest.raises(DataError, match=r"^line 6 of the file has 3 fields but the header"):
        read_table(text.encode(), "r.csv")


def test_huge_value_in_a_tab_separated_file_names_its_line():
    text = "x\ty\n1\t2\n\n2\t3\n1e308\t4\n"
    with pytest.raises(DataError, match=r"e\.g\. line 5 of the file: 1e308"):
        prepare(read_table(text.encode(), "h.tsv"))


def test_lines_survive_blank_rows_dropped_and_pickling():
    import pickle

    df = read_table(b"x,y\n1,2\n,\n3,4\n", "b.csv")
    assert list(df.attrs[FILE_LINES]) == [2, 4]
    assert file_row(pickle.loads(pickle.dumps(df)), 1) == "line 4 of the file"


def test_tables_that_are_not_files_say_row():
    assert file_row(pd.DataFrame({"x": [1.0, 2.0]}), 0) == "row 1"
    with pytest.raises(DataError, match=r"e\.g\. row 2: 'abc'"):
        prepare(pd.DataFrame({"x": ["1", "abc", "3"], "y": [1.0, 2.0, 3.0]}))


def test_a_spreadsheet_names_the_sheet_row_as_the_spreadsheet_shows_it():
    # openpyxl writes the sheet; 'oops' sits in row 6 (header row 1, a blank row 4 dropped).
    import io

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    for row in (["x", "y"], [1, 1], [2, 2], [None, None], [3, 3], ["oops", 4], [5, 5]):
        sheet.append(row)
    buf = io.BytesIO()
    book.save(buf)
    df = read_table(buf.getvalue(), "t.xlsx")
    assert len(df) == 5 and file_row(df, 3) == "row 6 of the sheet"
    with pytest.raises(DataError, match=r"e\.g\. row 6 of the sheet: 'oops'$"):
        prepare(df)
