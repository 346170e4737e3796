"""The one error type the service raises for anything a user can fix."""

from __future__ import annotations


class DataError(ValueError):
    """A problem with the user's data or choices, worded so a person can act on it.

    The message is shown on the page as it is, so it says what is wrong and what
    to do about it, e.g. ``"column 'x' has text in 12 rows, e.g. row 4: 'abc'"``.

    Examples
    --------
    >>> try:
    ...     raise DataError("the file is empty")
    ... except DataError as err:
    ...     str(err)
    'the file is empty'
    """
