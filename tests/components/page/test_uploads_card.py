"""The page's list of the client's uploads when the store cannot answer (components/page/uploads).

The layout lists the uploads itself (issue 14), so a store that is away (Redis down, the disk
store's files gone) must give an empty list and a logged warning, not a page that fails to
open (tests/test_hardening_celery_names.py runs that with a real unreachable Redis); any other
error is a bug and must surface.
"""

from __future__ import annotations

import sqlite3

import pytest
import redis.exceptions

from components import ids
from components.page import uploads


def _dropdown(card):
    stack = [card]
    while stack:
        node = stack.pop()
        if getattr(node, "id", None) == ids.UPLOADS_LIST:
            return node
        children = getattr(node, "children", None)
        if children is not None:
            stack.extend(children if isinstance(children, list) else [children])
    raise AssertionError("no uploads list in the card")


@pytest.mark.parametrize("error", [redis.exceptions.ConnectionError("refused"),
                                   OSError("disk gone"), sqlite3.OperationalError("locked")])
def test_a_store_that_cannot_answer_gives_an_empty_list(monkeypatch, caplog, error):
    monkeypatch.setattr(uploads, "current_client", lambda: "browser:t")

    def away(client):
        raise error

    monkeypatch.setattr(uploads, "_listing", away)
    card = uploads.uploads_card()
    assert _dropdown(card).options == []
    assert "could not list the client's uploads" in caplog.text


def test_a_bug_in_the_listing_is_not_swallowed(monkeypatch):
    monkeypatch.setattr(uploads, "current_client", lambda: "browser:t")

    def bug(client):
        raise TypeError("unsupported operand")

    monkeypatch.setattr(uploads, "_listing", bug)
    with pytest.raises(TypeError):
        uploads.uploads_card()
