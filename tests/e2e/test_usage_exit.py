"""gunicorn workers write their token usage counts when they stop, not with each token.

Two sync workers from the repository's gunicorn.conf.py keep their counts for an hour
(`usage.flush_interval: 3600`): while they serve nothing is written, and after a graceful stop
(SIGTERM) the database holds exactly the requests made, whichever worker served them.
"""

from __future__ import annotations

import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

import requests

from tests.e2e.backoffice import TIMEOUT
from tests.e2e.concurrency_support import gunicorn
from tests.e2e.sites import DATABASE, KEYS, SECRET_KEY
from tests.e2e.test_usage_chart import new_client_in
from tests.server import SQLITE_PASS_ONLY, free_port, server_environ, site_config

pytestmark = SQLITE_PASS_ONLY

ISSUED, REFUSED = 6, 4


def stored_totals(database: Path, application_id: int) -> tuple[int, int]:
    with closing(sqlite3.connect(database)) as connection:
        row = connection.execute(
            "SELECT COALESCE(SUM(issued), 0), COALESCE(SUM(refused), 0)"
            " FROM oauth_token_usage WHERE application_id = ?",
            (application_id,),
        ).fetchone()
    return int(row[0]), int(row[1])


def test_stopping_the_workers_writes_their_counts(seeded: Path, tmp_path: Path) -> None:
    for name in (DATABASE, SECRET_KEY, *KEYS):
        shutil.copy2(seeded / name, tmp_path / name)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    config = site_config(tmp_path, base, settings={"usage": {"flush_interval": 3600}})
    env = server_environ(config)
    created = new_client_in(env, "Usage at exit")
    credentials = (created["client_id"], created["client_secret"])
    wrong = (created["client_id"], "wrong")

    with gunicorn(env, port, tmp_path / "gunicorn.log", workers=2):
        for auth, status in [(credentials, 200)] * ISSUED + [(wrong, 401)] * REFUSED:
            response = requests.post(f"{base}/oauth2-token", data={"grant_type":
                                     "client_credentials"}, auth=auth, timeout=TIMEOUT)  # fmt: skip
            assert response.status_code == status, response.text
        assert stored_totals(tmp_path / DATABASE, int(created["id"])) == (0, 0)

    assert stored_totals(tmp_path / DATABASE, int(created["id"])) == (ISSUED, REFUSED), (
        tmp_path / "gunicorn.log"
    ).read_text()
