"""After an action: the flash keeps the words of SPEC §5 and names the application, and the grid
marks the row that changed when it is on the page shown."""

from __future__ import annotations

import html
import re

import pytest
from flask import Flask

from oauthapp.applications.feedback import named
from tests.applications.conftest import GRID, World, logged_in, post_form
from tests.applications.test_actions import act, app_path, flash_of, set_active

MARKED = re.compile(r'<tr class="changed" aria-current="true">\s*<td[^>]*><a [^>]*>([^<]*)</a>')


def marked_rows(page: str) -> list[str]:
    return [html.unescape(name) for name in MARKED.findall(page)]


@pytest.mark.parametrize(
    ("action", "words"),
    [("deactivate", "Deactivated successfully"), ("activate", "Activated successfully")],
)
def test_an_action_from_the_grid_names_the_application_and_marks_its_row(
    app: Flask, world: World, action: str, words: str
) -> None:
    set_active(app, world.alice_cc, action == "deactivate")
    client = logged_in(app, "alice")

    response = act(client, world.alice_cc, action, next=GRID)
    page = client.get(response.headers["Location"]).get_data(as_text=True)

    assert flash_of(page) == [f"{words}: Alice CC"]
    assert marked_rows(page) == ["Alice CC"]
    assert 'Alice CC</a><span class="visually-hidden"> (changed)</span>' in page
    assert page.count('aria-current="true">') == 1 + 1  # the row, and the page size shown


def test_the_mark_is_shown_once(app: Flask, world: World) -> None:
    client = logged_in(app, "alice")
    act(client, world.alice_cc, "deactivate", next=GRID)
    client.get(GRID)

    page = client.get(GRID).get_data(as_text=True)

    assert marked_rows(page) == []
    assert flash_of(page) == []


def test_no_row_is_marked_when_the_changed_one_is_not_on_the_page(app: Flask, world: World) -> None:
    client = logged_in(app, "alice")
    back = GRID + "?status=active"  # deactivated, it leaves this page

    response = act(client, world.alice_cc, "deactivate", next=back)
    page = client.get(response.headers["Location"]).get_data(as_text=True)

    assert flash_of(page) == ["Deactivated successfully: Alice CC"]
    assert marked_rows(page) == []
    assert "(changed)" not in page


def test_the_flash_after_delete_names_the_deleted_application(app: Flask, world: World) -> None:
    client = logged_in(app, "alice")

    response = act(client, world.bob_cc, "delete", next=GRID)
    page = client.get(response.headers["Location"]).get_data(as_text=True)

    assert flash_of(page) == ["Deleted successfully: Bob CC"]
    assert marked_rows(page) == []


def test_the_flash_after_edit_names_the_application_by_its_new_name(
    app: Flask, world: World
) -> None:
    client = logged_in(app, "alice")
    path = app_path(world.alice_cc, "edit")

    response = post_form(client, path, {"name": "Alice Renamed", "active": "y"})
    page = client.get(response.headers["Location"]).get_data(as_text=True)

    assert flash_of(page) == ["OAuth application has been updated: Alice Renamed"]


def test_the_name_in_the_flash_is_escaped_and_cut_where_it_does_not_fit() -> None:
    shown = named("Deactivated successfully", '<script>alert("x")</script>')

    assert shown == (
        'Deactivated successfully: <span class="cut" title="&lt;script&gt;alert(&#34;x&#34;)'
        '&lt;/script&gt;">&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;</span>'
    )


def test_the_mark_rides_in_the_session_as_an_id_only(app: Flask, world: World) -> None:
    client = logged_in(app, "alice")
    act(client, world.alice_cc, "deactivate", next=GRID)

    with client.session_transaction() as session:
        flashes = session["_flashes"]

    assert ("changed", str(world.alice_cc)) in flashes
    assert not any(world.secrets["Alice CC"] in str(message) for _, message in flashes)
