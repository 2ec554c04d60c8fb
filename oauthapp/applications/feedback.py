"""What the user is told after a change: a flash that names the application, and its row marked.

The message starts with the words of SPEC §5 ("Deactivated successfully") and adds the
application's name, cut with "…" where it does not fit, as names are in tables. Which row changed
rides along as a flash of its own category: the grid marks that row if it is on the page shown.
"""

from __future__ import annotations

from flask import flash, get_flashed_messages
from markupsafe import Markup

from oauthapp.models import OAuthApplication

CHANGED = "changed"  # the category of the flash that holds the changed application's id


def named(words: str, name: str) -> Markup:
    """WORDS, then ": " and the name (cut with "…" on the page, the whole name on hover)."""
    html = Markup('{}: <span class="cut" title="{}">{}</span>')
    return html.format(words.rstrip("."), name, name)


def flash_done(words: str, application: OAuthApplication, mark: bool = True) -> None:
    """Flash the success message naming the application; MARK its row as the changed one."""
    flash(named(words, application.name), "success")
    if mark:
        flash(str(application.id), CHANGED)


def changed_applications() -> set[int]:
    """The ids of the applications the last action changed, for the page that follows it."""
    messages = (str(message) for message in get_flashed_messages(category_filter=[CHANGED]))
    return {int(message) for message in messages if message.isdigit()}
