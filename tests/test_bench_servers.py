"""bench --servers: which WSGI servers the benchmark compares, and how it starts each."""

from __future__ import annotations

import pytest

from bench.servers import Wsgi


@pytest.mark.parametrize(
    ("spec", "kind", "threads", "label"),
    [
        ("sync", "sync", None, "gunicorn sync"),
        ("gthread", "gthread", 4, "gunicorn gthread, 4 threads"),
        ("gthread:8", "gthread", 8, "gunicorn gthread, 8 threads"),
        ("granian", "granian", None, "granian WSGI, its default threads"),
        (" granian:2 ", "granian", 2, "granian WSGI, 2 threads"),
    ],
)
def test_server_names(spec: str, kind: str, threads: int | None, label: str) -> None:
    server = Wsgi.parse(spec)
    assert (server.kind, server.threads, server.label) == (kind, threads, label)


@pytest.mark.parametrize(
    ("spec", "error"),
    [
        ("uwsgi", "unknown server 'uwsgi'"),
        ("sync:2", "sync workers take no thread count"),
        ("gthread:0", "1 or more"),
        ("granian:x", "1 or more"),
    ],
)
def test_bad_server_names_say_why(spec: str, error: str) -> None:
    with pytest.raises(ValueError, match=error):
        Wsgi.parse(spec)


def test_each_server_gets_the_same_workers_and_address() -> None:
    sync = Wsgi.parse("sync").command("app:app", 8100, 2)
    gthread = Wsgi.parse("gthread").command("app:app", 8100, 2)
    granian = Wsgi.parse("granian:4").command("app:app", 8100, 2, access_log=True)
    assert sync[-5:] == ["-w", "2", "-b", "127.0.0.1:8100", "app:app"]
    assert gthread[-9:] == ["-w", "2", "-b", "127.0.0.1:8100",
                            "-k", "gthread", "--threads", "4", "app:app"]  # fmt: skip
    assert granian[granian.index("--workers") + 1] == "2"
    assert granian[granian.index("--port") + 1] == "8100"
    assert granian[granian.index("--blocking-threads") + 1] == "4"
    assert "--access-log" in granian
    assert granian[-1] == "app:app"
