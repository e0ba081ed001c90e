"""fieldapp.paging: keyset pages walk a whole list once, in order, and bad page links are a 400."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from werkzeug.exceptions import BadRequest

from fieldapp.models import User
from fieldapp.paging import BAD_PAGE_LINK, InvalidCursor, Keyset, cursor_arg, fetch_page, keyset_page

BY_USERNAME = Keyset("t1", (User.username,), (str,))
#: Two columns, newest role first, ties broken by the username: the row comparison path.
BY_ROLE_DESC = Keyset("t2", (User.role, User.username), (str, str), descending=True)


@pytest.fixture
def users(create_user) -> list[tuple[str, str]]:
    """Seven users over three roles: (role, username) of each."""
    made = [("officer", f"pc{n}") for n in range(4)] + [("supervisor", "sgt1"), ("supervisor", "sgt2"),
                                                        ("admin", "boss")]
    for role, username in made:
        create_user(username, role=role)
    return made


def _walk(keyset: Keyset, size: int) -> list[list[str]]:
    """Every page of the users in ``keyset`` order, following the cursors."""
    query = select(User.username, User.role)
    pages, after = [], None
    while True:
        rows, cursor = keyset_page(query, keyset, size, after)
        pages.append([row.username for row in rows])
        if cursor is None:
            return pages
        after = keyset.read(cursor)


@pytest.mark.parametrize("size", [1, 2, 3, 7, 50])
def test_pages_walk_the_list_once_in_order(users, size):
    names = sorted(username for _, username in users)
    pages = _walk(BY_USERNAME, size)
    assert [name for page in pages for name in page] == names
    assert all(len(page) == size for page in pages[:-1]) and 0 < len(pages[-1]) <= size


@pytest.mark.parametrize("size", [1, 2, 4])
def test_descending_pages_on_two_columns_break_ties(users, size):
    expected = [username for _, username in sorted(users, reverse=True)]
    assert [name for page in _walk(BY_ROLE_DESC, size) for name in page] == expected


def test_a_list_that_fits_has_no_next_page(users):
    rows, cursor = keyset_page(select(User.username), BY_USERNAME, len(users))
    assert len(rows) == len(users) and cursor is None


def test_rows_of_entities_say_where_they_stand(users):
    rows, cursor = keyset_page(select(User), BY_USERNAME, 2, position=lambda row: BY_USERNAME.position(row.User))
    assert BY_USERNAME.read(cursor) == (rows[-1].User.username,)


def test_fetch_page_asks_for_one_row_more():
    asked = []

    def fetch(limit):
        asked.append(limit)
        return list(range(min(limit, 5)))

    assert fetch_page(fetch, 3) == ([0, 1, 2], True)
    assert fetch_page(fetch, 5) == ([0, 1, 2, 3, 4], False)
    assert asked == [4, 6]


def test_a_cursor_of_another_list_is_a_bad_page_link(users):
    _, cursor = keyset_page(select(User.username, User.role), BY_ROLE_DESC, 2)
    with pytest.raises(InvalidCursor) as refused:
        BY_USERNAME.read(cursor)
    assert str(refused.value) == BAD_PAGE_LINK


def test_cursor_arg_reads_the_request(app):
    cursor = BY_USERNAME.cursor(("pc1",))
    with app.test_request_context("/", query_string={"after": cursor}):
        assert cursor_arg("after", BY_USERNAME) == ("pc1",)
        assert cursor_arg("before", BY_USERNAME) is None
    with app.test_request_context("/", query_string={"after": "not-a-cursor!"}):
        with pytest.raises(BadRequest) as refused:
            cursor_arg("after", BY_USERNAME)
    assert refused.value.description == BAD_PAGE_LINK
