"""The view file: the page's link as typed JSON (version 2), and version-1 files still read.

Loading a file is opening its link: :func:`query_from_view_file` turns a file into the query
string that ``components.view.View.from_query`` checks as it checks every link, and
:func:`view_file_from_query` writes the file of a link. No Dash here.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import parse_qs, urlencode

from clustering.errors import DataError
from clustering.prepare import PrepareOptions
from components.view import QUERY_FIELDS, DatasetRef, TreeSpec, View
from components.view_numbers import _num

__all__ = ["VIEW_FILE_VERSION", "query_from_view_file", "view_file_from_query",
           "view_from_legacy"]


#: Fields, types and defaults of version-1 view files (still read, no longer written).
_LEGACY_FIELDS: dict[str, tuple[type | tuple[type, ...], Any]] = {
    "dataset": (dict, None),
    "options": (dict, {}),
    "method": (str, "ward"),
    "metric": (str, "euclidean"),
    "truncate_mode": (str, "none"),
    "truncate_p": (int, 30),
    "annotate_above": ((int, float, type(None)), None),
    "orientation": (str, "top"),
    "show_contracted": (bool, True),
    "scatter_x": ((str, type(None)), None),
    "scatter_y": ((str, type(None)), None),
    "cut": ((int, float, type(None)), None),
}


def view_from_legacy(d: Mapping[str, Any]) -> View:
    """A version-1 view file (typed fields, the dataset as an object), checked.

    >>> view_from_legacy({"dataset": {"example": "tutorial-blobs"}, "cut": 50}).cut
    50.0
    >>> view_from_legacy({"dataset": {"example": "x"}, "orientation": "up"})
    Traceback (most recent call last):
    ...
    clustering.errors.DataError: orientation must be one of top, bottom, left, right, not 'up'
    """
    if not isinstance(d, Mapping):
        raise DataError("a view is a JSON object of parameters")
    version = d.get("version", 1)
    if version != 1:
        raise DataError(f"this app reads view version 1, not {version!r}")
    unknown = sorted(set(d) - set(_LEGACY_FIELDS) - {"version"})
    if unknown:
        raise DataError(f"unknown view parameter(s): {', '.join(unknown)}")
    if not d.get("dataset"):
        raise DataError("the view names no dataset")
    values: dict[str, Any] = {}
    for key, (kind, default) in _LEGACY_FIELDS.items():
        value = d.get(key, default)
        # bool is an int in Python; a cut of `true` is a mistake, not 1.
        if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
            raise DataError(f"{key} has the wrong type ({type(value).__name__})")
        values[key] = value
    spec = TreeSpec(DatasetRef.from_json(values.pop("dataset")),
                    PrepareOptions.from_dict(values.pop("options")),
                    values.pop("method"), values.pop("metric"))
    return View(spec, **values)


VIEW_FILE_VERSION = 2


def _parse_view_file(text: str | bytes) -> Any:
    # Either version of the view file: UTF-8 (a BOM allowed) JSON, its shape checked by the caller.
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as err:
            raise DataError("the view file is not UTF-8 text") from err
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise DataError(f"the view file is not valid JSON (line {err.lineno}: {err.msg})") from err


def view_file_from_query(query: str) -> str:
    """The view file of a link: its query parameters as typed JSON, with a version.

    Parameters the link does not have are left out, unknown ones dropped; :class:`DataError`
    for a number that is not one, or a link without a dataset.

    Examples
    --------
    >>> text = view_file_from_query("?dataset=mpg&col=a&col=b&onehot=0&p=30&cut=15")
    >>> json.loads(text)
    {'version': 2, 'dataset': 'mpg', 'col': ['a', 'b'], 'onehot': False, 'p': 30, 'cut': 15.0}
    >>> query_from_view_file(text)
    'dataset=mpg&col=a&col=b&onehot=0&p=30&cut=15'
    """
    q = parse_qs((query or "").lstrip("?"), keep_blank_values=True)
    if not (q.get("dataset") or [""])[-1]:
        raise DataError("the view names no dataset")
    out: dict[str, Any] = {"version": VIEW_FILE_VERSION}
    for key, kind in QUERY_FIELDS.items():
        if key not in q:
            continue
        text = q[key][-1]
        if kind is list:
            out[key] = [c for c in q[key] if c != ""]
        elif kind is bool:
            out[key] = text not in ("0", "false", "no", "")
        elif kind in (int, float):
            if text == "":
                continue
            try:
                out[key] = kind(text)
            except ValueError:
                raise DataError(f"{key} must be a number, not {text!r}") from None
        else:
            out[key] = text
    return json.dumps(out, indent=2) + "\n"


def query_from_view_file(text: str | bytes, *,
                         legacy: Callable[[Mapping[str, Any]], str] | None = None) -> str:
    """The link's query string (no ``?``) of a view file; :class:`DataError` says what is wrong.

    Only the file's shape is checked here (JSON object, version, known keys, types); the
    values are checked where every link is, by :meth:`View.from_query`. Version-1 files go
    through ``legacy`` (default: :func:`view_from_legacy` then :meth:`View.to_query`).

    Examples
    --------
    >>> query_from_view_file('{"version": 2, "dataset": "tutorial-blobs", "method": "single",'
    ...                      ' "annotate": null, "cut": 12.5}')
    'dataset=tutorial-blobs&method=single&cut=12.5'
    >>> query_from_view_file('{"version": 2, "dataset": "mpg", "cut": "high"}')
    Traceback (most recent call last):
    ...
    clustering.errors.DataError: cut must be a number, not 'high'
    """
    d = _parse_view_file(text)
    if not isinstance(d, Mapping):
        raise DataError("a view is a JSON object of parameters")
    version = d.get("version")
    if version is None:  # unversioned: the older layout names its dataset with an object
        version = 1 if isinstance(d.get("dataset"), Mapping) else VIEW_FILE_VERSION
    if version == 1:
        return (legacy or (lambda v: view_from_legacy(v).to_query()))(d)
    if version != VIEW_FILE_VERSION:
        raise DataError(f"this app reads view files of version {VIEW_FILE_VERSION}, "
                        f"not {version!r}")
    unknown = sorted(set(d) - set(QUERY_FIELDS) - {"version"})
    if unknown:
        raise DataError(f"unknown view parameter(s): {', '.join(unknown)}")
    if not isinstance(d.get("dataset"), str) or not d["dataset"]:
        raise DataError("the view names no dataset")
    pairs: list[tuple[str, str]] = []
    for key, kind in QUERY_FIELDS.items():
        value = d.get(key)
        if value is None:
            continue
        if kind is list:
            cols = [value] if isinstance(value, str) else value
            if not isinstance(cols, list) or not all(isinstance(c, str) for c in cols):
                raise DataError(f"{key} must be a list of column names")
            pairs += [(key, c) for c in cols]
        elif kind is bool:
            if not isinstance(value, bool):
                raise DataError(f"{key} must be true or false, not {value!r}")
            pairs.append((key, "1" if value else "0"))
        elif kind in (int, float):
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise DataError(f"{key} must be a number, not {value!r}")
            if kind is int and float(value) != int(value):
                raise DataError(f"{key} must be a whole number, not {value!r}")
            pairs.append((key, str(int(value)) if kind is int else _num(value)))
        else:
            if not isinstance(value, str):
                raise DataError(f"{key} must be text, not {value!r}")
            pairs.append((key, value))
    return urlencode(pairs)
