"""gunicorn.conf.py: the production settings docs/deployment.md describes."""

from __future__ import annotations

import logging
import os
import runpy
from pathlib import Path
from typing import Any

import pytest
from gunicorn.config import Config

from oauthapp.logs.gunicorn_logger import Logger
from oauthapp.settings import ROOT

CONFIG = ROOT / "gunicorn.conf.py"


def settings(monkeypatch: pytest.MonkeyPatch, **environ: str) -> dict[str, object]:
    for name in ("WEB_CONCURRENCY", "OAUTHAPP_BIND", "OAUTHAPP_ACCESS_LOG"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(CONFIG))


def test_one_sync_worker_per_core_on_loopback_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    found = settings(monkeypatch)
    assert found["workers"] == os.cpu_count()
    assert found["worker_class"] == "sync"
    assert found["bind"] == "127.0.0.1:8000"
    assert found["accesslog"] is None
    assert found["control_socket_disable"] is True


def test_the_environment_sets_workers_address_and_access_log(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    found = settings(monkeypatch, WEB_CONCURRENCY="3", OAUTHAPP_BIND="0.0.0.0:9000",
                     OAUTHAPP_ACCESS_LOG="-")  # fmt: skip
    assert (found["workers"], found["bind"], found["accesslog"]) == (3, "0.0.0.0:9000", "-")


def test_gunicorn_accepts_every_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    config = Config()
    for name, value in settings(monkeypatch).items():
        if name.startswith("_") or not isinstance(value, str | int | bool | type(None)):
            continue
        assert name in config.settings, f"gunicorn has no setting {name!r}"
        config.set(name, value)
    assert config.workers == os.cpu_count()
    assert config.max_requests == 20000
    assert config.logger_class is Logger  # logging.format for gunicorn's own lines


class _Master:
    """What the hooks use of gunicorn's arbiter: its log."""

    def __init__(self) -> None:
        self.log = logging.getLogger("gunicorn.test")


def test_the_metrics_folder_named_is_emptied_at_start(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    folder = tmp_path / "metrics"
    folder.mkdir()
    (folder / "counter_4242.db").write_bytes(b"a previous run")
    (folder / "notes.txt").write_text("not ours")
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(folder))
    hooks: dict[str, Any] = settings(monkeypatch)
    master = _Master()

    hooks["on_starting"](master)
    hooks["on_exit"](master)

    assert sorted(path.name for path in folder.iterdir()) == ["notes.txt"]  # kept at exit


def test_without_a_metrics_folder_a_new_one_lives_as_long_as_the_server(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", "")  # restored after the test
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR")
    hooks: dict[str, Any] = settings(monkeypatch)
    master = _Master()

    hooks["on_starting"](master)
    folder = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    assert folder.is_dir() and not any(folder.iterdir())
    hooks["on_exit"](master)

    assert not folder.exists()
