"""The view page's usage chart: tokens issued and requests refused per day or hour, in UTC."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

from flask import Flask

from oauthapp.models import Kind
from oauthapp.usage import recorder_of
from oauthapp.usage.series import DAYS, HOURS, usage_series
from tests.applications.conftest import World, logged_in
from tests.token.grant_support import App
from tests.usage.support import add_row, request_tokens, this_hour

NOW = datetime(2026, 11, 30, 14, 25, tzinfo=UTC)


def numbers(page: str) -> dict[str, tuple[int, int]]:
    """The chart's table: bucket label -> (issued, refused)."""
    block = re.search(r'<details class="usage-numbers">(.*?)</details>', page, re.DOTALL)
    assert block, "no numbers behind the chart"
    rows = re.findall(
        r'<tr><th scope="row">(.*?)</th><td>(\d+)</td><td>(\d+)</td></tr>', block.group(1)
    )
    return {label: (int(issued), int(refused)) for label, issued, refused in rows}


def chart_page(app: Flask, application_id: int, query: str = "") -> str:
    response = logged_in(app, "alice").get(f"/admin/oauth2/{application_id}{query}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_chart_shows_the_token_requests_the_application_got(app: Flask, world: World) -> None:
    alice_cc = App(world.alice_cc, world.client_ids["Alice CC"], world.secrets["Alice CC"],
                   Kind.BACKOFFICE, world.acme, world.alice)  # fmt: skip
    request_tokens(app, alice_cc, issued=4, refused=3)
    assert recorder_of(app).flush()

    page = chart_page(app, world.alice_cc)

    today = this_hour().strftime("%Y-%m-%d")
    shown = numbers(page)
    assert shown[today] == (4, 3)
    assert len(shown) == 30 and sum(issued for issued, _ in shown.values()) == 4
    assert "Tokens issued: <strong>4</strong>" in page
    assert "Requests refused: <strong>3</strong>" in page


def test_days_add_up_their_hours_and_older_days_are_left_out(app: Flask, world: World) -> None:
    today = this_hour().replace(hour=0)
    add_row(app, world.alice_cc, today, 5, 1)
    if this_hour().hour:  # in the day's first hour, that hour is the row above
        add_row(app, world.alice_cc, today + timedelta(hours=this_hour().hour), 2, 2)
    add_row(app, world.alice_cc, today - timedelta(days=29, hours=-3), 7, 0)
    add_row(app, world.alice_cc, today - timedelta(days=30), 100, 100)
    add_row(app, world.bob_cc, today, 50, 50)

    shown = numbers(chart_page(app, world.alice_cc))

    assert shown[today.strftime("%Y-%m-%d")] == ((5, 1) if this_hour().hour == 0 else (7, 3))
    assert shown[(today - timedelta(days=29)).strftime("%Y-%m-%d")] == (7, 0)
    assert (today - timedelta(days=30)).strftime("%Y-%m-%d") not in shown
    assert sum(issued for issued, _ in shown.values()) == (5 if this_hour().hour == 0 else 7) + 7


def test_the_48_hours_show_each_hour(app: Flask, world: World) -> None:
    hour = this_hour()
    add_row(app, world.alice_cc, hour, 3, 1)
    add_row(app, world.alice_cc, hour - timedelta(hours=47), 2, 0)
    add_row(app, world.alice_cc, hour - timedelta(hours=48), 9, 9)

    page = chart_page(app, world.alice_cc, "?usage=48h")

    shown = numbers(page)
    assert len(shown) == 48
    assert shown[hour.strftime("%Y-%m-%d %H:00")] == (3, 1)
    assert shown[(hour - timedelta(hours=47)).strftime("%Y-%m-%d %H:00")] == (2, 0)
    assert '<th scope="col">Hour (UTC)</th>' in page
    assert re.search(r'usage=48h#usage" aria-current="page">Last 48 hours</a>', page)


def test_the_period_toggle_is_a_link_and_an_unknown_period_shows_30_days(
    app: Flask, world: World
) -> None:
    add_row(app, world.alice_cc, this_hour(), 1, 0)

    page = chart_page(app, world.alice_cc, "?usage=7y")

    assert len(numbers(page)) == 30
    assert re.search(r'usage=30d#usage" aria-current="page">Last 30 days</a>', page)
    assert re.search(r'href="/admin/oauth2/\d+\?usage=48h#usage">Last 48 hours</a>', page)


def test_the_chart_is_an_image_with_a_title_and_description(app: Flask, world: World) -> None:
    add_row(app, world.alice_cc, this_hour(), 12, 5)

    page = chart_page(app, world.alice_cc)

    svg = re.search(r'<svg class="usage-chart"[^>]*>', page)
    assert svg and 'role="img"' in svg.group(0)
    assert 'aria-labelledby="usage-chart-title usage-chart-desc"' in svg.group(0)
    title = re.search(r'<title id="usage-chart-title">(.*?)</title>', page)
    desc = re.search(r'<desc id="usage-chart-desc">(.*?)</desc>', page, re.DOTALL)
    assert title and html.unescape(title.group(1)) == (
        "Token requests of Alice CC, last 30 days (UTC)"
    )
    assert desc and "12 tokens issued and 5 requests refused in all" in desc.group(1)
    assert "<summary>Show the numbers</summary>" in page
    assert page.count('class="usage-issued"') >= 2 and 'fill="url(#usage-hatch)"' in page


def test_an_application_without_requests_says_so_instead_of_a_chart(
    app: Flask, world: World
) -> None:
    add_row(app, world.bob_cc, this_hour() - timedelta(days=3), 2, 0)

    page = chart_page(app, world.bob_cc, "?usage=48h")

    assert "No token requests in the last 48 hours." in page
    assert 'class="usage-chart"' not in page and "Show the numbers" not in page
    assert "Tokens issued: <strong>2</strong>" in chart_page(app, world.bob_cc)


def test_the_series_buckets_by_utc_day_and_hour(app: Flask, world: World) -> None:
    add_row(app, world.alice_cc, datetime(2026, 11, 29, 23, tzinfo=UTC), 1, 0)
    add_row(app, world.alice_cc, datetime(2026, 11, 30, 0, tzinfo=UTC), 0, 4)

    with app.app_context():
        days = usage_series(world.alice_cc, DAYS, NOW)
        hours = usage_series(world.alice_cc, HOURS, NOW)

    assert [(b.label, b.issued, b.refused) for b in days.buckets[-2:]] == [
        ("2026-11-29", 1, 0), ("2026-11-30", 0, 4)]  # fmt: skip
    assert days.buckets[0].label == "2026-11-01" and hours.buckets[-1].label == "2026-11-30 14:00"
    assert hours.buckets[0].label == "2026-11-28 15:00"
    assert (days.top, days.ticks) == (4, (0, 1, 2, 3, 4))
    assert [b.tick for b in days.buckets if b.tick] == ["Nov 5", "Nov 10", "Nov 15", "Nov 20",
                                                        "Nov 25", "Nov 30"]  # fmt: skip
