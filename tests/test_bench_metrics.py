"""bench --metrics-compare: the configuration with metrics off, and how the rounds are judged."""

from __future__ import annotations

from pathlib import Path

import yaml

from bench.metrics_compare import markdown, ratio, switched_off
from oauthapp.settings import load_settings


def test_the_second_server_reads_the_same_config_with_metrics_off(tmp_path: Path) -> None:
    config = tmp_path / "config.yml"
    config.write_text(yaml.safe_dump({"database": {"url": "sqlite:///bench.sqlite"}}))

    off = switched_off(config)

    on_settings = load_settings(environ={"OAUTHAPP_CONFIG": str(config)})
    off_settings = load_settings(environ={"OAUTHAPP_CONFIG": str(off)})
    assert (on_settings.metrics.enabled, off_settings.metrics.enabled) == (True, False)
    assert off_settings.database_url == on_settings.database_url


def test_the_ratio_is_the_median_of_each_round_on_over_off() -> None:
    measured = {
        "on": [{"rps": 96.0}, {"rps": 100.0}, {"rps": 90.0}],
        "off": [{"rps": 100.0}, {"rps": 100.0}, {"rps": 100.0}],
    }
    assert ratio(measured) == 0.96
    table = markdown(
        {
            "settings": {"seconds": 10, "rounds": 3, "workers": 2, "connections": 16},
            "databases": {"sqlite": measured},
        }
    )
    assert "| sqlite | 96 | 100 | 0.960 | no |" in table
    assert "3 rounds of 10 s" in table
