"""The rules for redirect URLs, as clean_redirect_uris applies them for the form, CLI and API."""

from __future__ import annotations

import pytest

from oauthapp.applications.redirects import (
    CUSTOM_SCHEME,
    FRAGMENT,
    MAX_REDIRECT_URI_LENGTH,
    MAX_REDIRECT_URIS,
    NO_HOST,
    NOT_A_URL,
    PLAIN_HTTP,
    RELATIVE,
    REQUIRED,
    SPACES,
    TOO_LONG,
    TOO_MANY,
    USERINFO,
    InvalidRedirectUris,
    clean_redirect_uris,
)


def problems_of(values: list[str]) -> dict[int | None, str]:
    with pytest.raises(InvalidRedirectUris) as refused:
        clean_redirect_uris(values)
    assert refused.value.field == "redirect_uris"
    return refused.value.problems


@pytest.mark.parametrize(
    "uri",
    [
        "https://app.example/callback",
        "https://app.example:8443/cb?tenant=1",
        "http://localhost/callback",
        "http://localhost:8400/callback",
        "http://127.0.0.1:51004/cb",
        "http://[::1]:9000/cb",
        "HTTP://LOCALHOST/cb",
        "com.example.app:/callback",
        "com.example.app://oauth/callback",
    ],
)
def test_an_acceptable_redirect_url_is_kept_as_typed(uri: str) -> None:
    assert clean_redirect_uris([uri]) == [uri]


@pytest.mark.parametrize(
    ("uri", "message"),
    [
        ("/callback", RELATIVE),
        ("app.example/callback", RELATIVE),
        ("https://app.example/cb#done", FRAGMENT),
        ("https://app.example/cb#", FRAGMENT),
        ("http://app.example/callback", PLAIN_HTTP),
        ("http://localhost.evil.example/cb", PLAIN_HTTP),
        ("http://127.0.0.2/cb", PLAIN_HTTP),
        ("https:///callback", NO_HOST),
        ("https://user:pass@app.example/cb", USERINFO),
        ("myapp:/callback", CUSTOM_SCHEME),
        ("javascript:alert(1)", CUSTOM_SCHEME),
        ("data:text/html,hi", CUSTOM_SCHEME),
        ("https://app.example/a b", SPACES),
        ("https://app.example/\x00", SPACES),
        ("https://[::1/cb", NOT_A_URL),
        ("https://app.example:port/cb", NOT_A_URL),
        ("https://app.example/" + "a" * MAX_REDIRECT_URI_LENGTH, TOO_LONG),
    ],
)
def test_a_bad_redirect_url_is_refused_with_its_reason(uri: str, message: str) -> None:
    assert problems_of([uri]) == {0: message}


def test_the_message_names_the_refused_url() -> None:
    with pytest.raises(InvalidRedirectUris) as refused:
        clean_redirect_uris(["https://ok.example/cb", "http://app.example/cb"])
    assert refused.value.message == f"'http://app.example/cb': {PLAIN_HTTP}"


def test_each_bad_row_gets_its_own_problem_by_position() -> None:
    problems = problems_of(["/relative", "", "https://ok.example/cb", "https://x.example/#f"])
    assert problems == {0: RELATIVE, 3: FRAGMENT}


@pytest.mark.parametrize("values", [[], [""], ["  ", ""]])
def test_no_redirect_url_at_all_is_refused(values: list[str]) -> None:
    assert problems_of(values) == {None: REQUIRED}
    assert REQUIRED == "At least one redirect URL should be specified."


def test_blank_rows_and_surrounding_spaces_are_dropped() -> None:
    values = ["", "  https://app.example/cb  ", " "]
    assert clean_redirect_uris(values) == ["https://app.example/cb"]


def test_repeated_urls_are_kept_once_in_their_first_place() -> None:
    values = ["https://b.example/cb", "https://a.example/cb", " https://b.example/cb"]
    assert clean_redirect_uris(values) == ["https://b.example/cb", "https://a.example/cb"]


def test_the_number_of_redirect_urls_is_capped() -> None:
    allowed = [f"https://app.example/cb{n}" for n in range(MAX_REDIRECT_URIS)]
    assert clean_redirect_uris(allowed) == allowed
    assert problems_of([*allowed, "https://app.example/one-more"]) == {None: TOO_MANY}
