"""Write the corpus of awkward uploads next to this script.

Run: ``python tests/data/bad/make_bad_files.py``. Deterministic; the files are committed
so tests read them as bytes, like an upload. EXPECTED.md says what the user must see.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent

TEXT_FILES: dict[str, bytes] = {
    "empty.csv": b"",
    "whitespace_only.csv": b"  \n\n \t\n",
    "header_only.csv": b"a,b,c\n",
    "utf8_bom.csv": "\ufeffx,y\n1,2\n3,4\n5,6\n".encode(),
    "utf16.csv": "x\ty\n1\t2\n3\t4\n5\t6\n".encode("utf-16"),
    "latin1.csv": "name;x;y\nJosé;1;2\nMüller;3;4\nÅsa;5;6\n".encode("latin-1"),
    "semicolon_decimal_comma.csv": b"x;y\n1,5;2,25\n3,0;4,5\n-0,5;1e3\n",
    "pipe.csv": b"x|y|z\n1|2|3\n4|5|6\n",
    "ragged.csv": b"x,y\n1,2\n3,4\n5,6,7\n8,9\n",
    "quoted_newlines.csv": b'name,x,y\n"two\nlines",1,2\n"comma, inside",3,4\n"say ""hi""",5,6\n',
    "duplicate_columns.csv": b"x,x,y\n1,2,3\n4,5,6\n7,8,9\n",
    "text_only.csv": b"name,colour\nann,red\nbob,blue\ncy,green\ndee,red\n",
    "single_numeric_column.csv": b"value\n1\n5\n2\n8\n",
    "one_row.csv": b"x,y\n1,2\n",
    "two_identical_rows.csv": b"x,y\n1,2\n1,2\n",
    "all_identical.csv": b"x,y\n3,4\n3,4\n3,4\n",
    "nan_inf.csv": b"x,y\n1,2\ninf,3\n4,-inf\n5,\n6,7\nNaN,8\n",
    "constant_columns.csv": b"x,k,y\n1,7,2\n2,7,4\n3,7,1\n",
    "mostly_numeric_text.csv": b"x,y\n1,2\n2,3\n3,4\nabc,5\n5,6\n6,oops\n",
    "huge_values.csv": b"x,y\n1,2\n2,3\n1e308,4\n4,5\n",
    "question_marks.csv": b"x,y\n1,2\n?,3\n4,5\n",
    "html_labels.csv": (
        b"name,x,y\n<script>alert(1)</script>,1,2\n<b>bold</b>,3,4\n"
        b"\"<img src=x onerror=alert(2)>\",5,6\n"
    ),
    "formula_labels.csv": b"name,x,y\n=1+1,1,2\n=HYPERLINK(\"http://x\"),3,4\n@SUM(A1),5,6\n",
    "records.json": b'[{"x": 1, "y": 2, "n": "a"}, {"x": 3, "y": 4, "n": "b"}, {"x": 5, "y": 6, "n": "c"}]',
    "not_records.json": b'"just a string"',
    "broken.json": b'[{"x": 1,',
    "old_excel.xls": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504),
    "corrupt.xlsx": b"PK\x03\x04" + b"this is not really a zip file" * 10,
}


def binary_bytes() -> bytes:
    # A fixed pseudo-random byte stream (LCG), so the file never changes.
    out, state = bytearray(), 12345
    for _ in range(2048):
        state = (1103515245 * state + 12345) % 2**31
        out.append(state >> 16 & 0xFF)
    return bytes(out)


def _sheet_xml(rows: list[list[tuple[str, str | None, str | None]]]) -> str:
    """rows of (kind, value, formula): kind 'n' number, 's' inline string."""
    cells_xml = []
    for r, row in enumerate(rows, start=1):
        cells = []
        for c, (kind, value, formula) in enumerate(row):
            ref = f"{chr(ord('A') + c)}{r}"
            f = f"<f>{formula}</f>" if formula else ""
            if kind == "s":
                cells.append(f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>')
            else:
                cells.append(f'<c r="{ref}">{f}<v>{value}</v></c>')
        cells_xml.append(f'<row r="{r}">{"".join(cells)}</row>')
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<sheetData>{"".join(cells_xml)}</sheetData></worksheet>'
    )


def multi_sheet_formulas() -> bytes:
    """Two sheets; the first has a formula column with cached values (as Excel saves them).

    openpyxl cannot write cached formula results, so the parts are written by hand.
    """
    sheet1 = _sheet_xml(
        [[("s", "x", None), ("s", "y", None), ("s", "total", None)]]
        + [
            [("n", str(x), None), ("n", str(y), None), ("n", str(x + y), f"A{r}+B{r}")]
            for r, (x, y) in enumerate([(1, 2), (3, 4), (5, 6), (7, 8)], start=2)
        ]
    )
    sheet2 = _sheet_xml([[("s", "other", None)], [("n", "99", None)]])
    ns = "http://schemas.openxmlformats.org/"
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            f'<Types xmlns="{ns}package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            '<Override PartName="/xl/worksheets/sheet2.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            "</Types>"
        ),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            f'<Relationships xmlns="{ns}package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{ns}officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>"
        ),
        "xl/workbook.xml": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            f'<workbook xmlns="{ns}spreadsheetml/2006/main" xmlns:r="{ns}officeDocument/2006/relationships">'
            '<sheets><sheet name="Data" sheetId="1" r:id="rId1"/><sheet name="Other" sheetId="2" r:id="rId2"/></sheets>'
            "</workbook>"
        ),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            f'<Relationships xmlns="{ns}package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{ns}officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{ns}officeDocument/2006/relationships/worksheet" Target="worksheets/sheet2.xml"/>'
            "</Relationships>"
        ),
        "xl/worksheets/sheet1.xml": sheet1,
        "xl/worksheets/sheet2.xml": sheet2,
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in parts.items():
            info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, text)
    return buf.getvalue()


def zip_bomb() -> bytes:
    """A small .xlsx-looking zip whose one member unpacks to 40 MiB of zeros (over the 32 MiB floor)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        info = zipfile.ZipInfo("xl/worksheets/sheet1.xml", date_time=(2020, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        with z.open(info, "w") as member:
            chunk = bytes(2**20)
            for _ in range(40):
                member.write(chunk)
    return buf.getvalue()


def main() -> None:
    for name, content in TEXT_FILES.items():
        (HERE / name).write_bytes(content)
    (HERE / "binary.csv").write_bytes(binary_bytes())
    (HERE / "multi_sheet_formulas.xlsx").write_bytes(multi_sheet_formulas())
    (HERE / "zip_bomb.xlsx").write_bytes(zip_bomb())


if __name__ == "__main__":
    main()
