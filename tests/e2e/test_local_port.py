"""`make run HOST=127.0.0.1 PORT=…` on another port: everything that names the server names it.

The same steps as `make run` (migrate, keys, demo, `flask run`) with the variables the Makefile
sets, in real processes, with a configuration that leaves `oauth2_server.issuer` unset.
"""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import jwt
import requests
import yaml

from tests.server import SQLITE_PASS_ONLY, flask_ok, free_port, serve, server_environ

pytestmark = SQLITE_PASS_ONLY


def test_a_local_run_on_another_port_names_that_port_everywhere(tmp_path: Path) -> None:
    port = free_port()
    config = tmp_path / "config.yml"
    config.write_text(
        yaml.safe_dump(
            {
                "database": {"url": f"sqlite:///{tmp_path / 'oauthapp.sqlite'}"},
                "secret_key_file": str(tmp_path / "secret_key"),
                "oauth2_server": {
                    "authorization_server": {"private_key": str(tmp_path / "server.key")},
                    "resource_server": {"public_key": str(tmp_path / "server.pub")},
                },
                "rate_limit": {"storage_url": "memory://"},
                "mail": {"server": "", "directory": str(tmp_path / "mail")},
            }
        )
    )
    env = server_environ(config) | {"FLASK_RUN_HOST": "127.0.0.1", "FLASK_RUN_PORT": str(port)}
    env.pop("OAUTHAPP_ISSUER", None)
    issuer = f"http://localhost:{port}"

    flask_ok(env, "db", "upgrade")
    flask_ok(env, "oauth", "generate-keys")
    demo = flask_ok(env, "demo")
    assert f"Back-office: {issuer}/login" in demo
    assert not re.search(r"localhost:5000(?!\d)", demo)  # the port may be 50001

    log = tmp_path / "server.log"
    with serve(env, log, port):
        assert f" * Issuer: {issuer}" in log.read_text()
        base = f"http://127.0.0.1:{port}"
        metadata = requests.get(f"{base}/.well-known/oauth-authorization-server", timeout=10)
        document = metadata.json()
        assert document["issuer"] == issuer
        for name in ("token_endpoint", "jwks_uri", "introspection_endpoint"):
            assert document[name].startswith(f"{issuer}/"), (name, document[name])
        jwks = requests.get(document["jwks_uri"].replace("localhost", "127.0.0.1"), timeout=10)
        assert jwks.status_code == 200

        token = _any_client_credentials_token(base, demo).json()["access_token"]
        key = jwt.PyJWKSet.from_dict(jwks.json()).keys[0]
        claims = jwt.decode(token, key, algorithms=["RS256"], audience=f"{issuer}/api")
        assert claims["iss"] == issuer
        header = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
        assert header["typ"] == "at+jwt"


def _any_client_credentials_token(base: str, demo: str) -> requests.Response:
    for client_id, secret in re.findall(r"client_id:\s+(\S+)\n\s+client_secret:\s+(\S+)", demo):
        issued = requests.post(
            f"{base}/oauth2-token", data={"grant_type": "client_credentials"},
            auth=(client_id, secret), timeout=10,
        )  # fmt: skip
        if issued.status_code == 200:
            return issued
    raise AssertionError("the demo printed no client credentials application")
