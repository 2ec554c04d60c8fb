"""`oauth rotate-keys`: new tokens use a new key at once; older tokens verify until they expire."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import jwt
import pytest
from flask import Flask

from oauthapp.keys import KEYS_MISSING_WARNING
from oauthapp.retired_keys import retired_folder
from tests.conftest import AppFactory
from tests.factories import make_application
from tests.token.helpers import assert_error, bearer, client_credentials

JWKS = "/.well-known/jwks.json"


@pytest.fixture
def own_keys(tmp_path: Path, key_pair: tuple[Path, Path]) -> tuple[Path, Path]:
    """A copy of the test key pair that this test may rotate and delete."""
    folder = tmp_path / "keys"
    folder.mkdir()
    private, public = folder / "private.key", folder / "public.key"
    shutil.copy(key_pair[0], private)
    shutil.copy(key_pair[1], public)
    private.chmod(0o600)
    return private, public


@pytest.fixture
def rotating_app(make_app: AppFactory, own_keys: tuple[Path, Path]) -> Flask:
    return make_app(
        oauth2_server={
            "authorization_server": {"private_key": str(own_keys[0])},
            "resource_server": {"public_key": str(own_keys[1])},
        }
    )


def new_client(app: Flask) -> tuple[str, str]:
    with app.app_context():
        application, secret = make_application()
        return application.client_id, secret


def token_for(app: Flask, client: tuple[str, str]) -> str:
    response = client_credentials(app.test_client(), *client)
    assert response.status_code == 200, response.get_json()
    token: str = response.get_json()["access_token"]
    return token


def rotate(app: Flask) -> str:
    result = app.test_cli_runner().invoke(args=["oauth", "rotate-keys"])
    assert result.exit_code == 0, result.output
    return str(result.output)


def verify_with_jwks(app: Flask, token: str) -> dict[str, object]:
    """What any resource server does: pick the JWKS key by kid, verify."""
    keys = app.test_client().get(JWKS).get_json()["keys"]
    kid = jwt.get_unverified_header(token)["kid"]
    [jwk] = [key for key in keys if key["kid"] == kid]
    claims: dict[str, object] = jwt.decode(
        token, jwt.PyJWK(jwk).key, algorithms=[jwk["alg"]], options={"verify_aud": False}
    )
    return claims


def kid_of(token: str) -> str:
    return str(jwt.get_unverified_header(token)["kid"])


def test_after_rotation_old_tokens_still_verify_and_new_ones_use_the_new_key(
    rotating_app: Flask,
) -> None:
    client = new_client(rotating_app)
    before = token_for(rotating_app, client)
    output = rotate(rotating_app)
    after = token_for(rotating_app, client)
    assert kid_of(after) != kid_of(before)
    assert f"New signing key {kid_of(after)} is in use." in output
    assert f"The previous key {kid_of(before)} stays in the JWKS until" in output
    keys = rotating_app.test_client().get(JWKS).get_json()["keys"]
    assert [key["kid"] for key in keys] == [kid_of(after), kid_of(before)]
    for token in (before, after):
        assert verify_with_jwks(rotating_app, token)["client_id"] == client[0]
        assert rotating_app.test_client().get("/api/me", headers=bearer(token)).status_code == 200


def test_another_process_sharing_the_key_files_switches_at_once(
    rotating_app: Flask, make_app: AppFactory, own_keys: tuple[Path, Path]
) -> None:
    other = make_app(
        oauth2_server={
            "authorization_server": {"private_key": str(own_keys[0])},
            "resource_server": {"public_key": str(own_keys[1])},
        }
    )  # the same key files, as a second worker would have them
    client = new_client(other)
    before = token_for(other, client)
    rotate(rotating_app)
    after = token_for(other, client)
    assert kid_of(after) != kid_of(before)
    assert other.test_client().get("/api/me", headers=bearer(before)).status_code == 200


def test_a_retired_key_stops_verifying_once_its_tokens_have_expired(
    rotating_app: Flask, own_keys: tuple[Path, Path]
) -> None:
    client = new_client(rotating_app)
    before = token_for(rotating_app, client)
    rotate(rotating_app)
    [retired] = list(retired_folder(own_keys[1]).glob("*.pem"))
    expired = retired.with_name(f"{int(time.time()) - 1}.{retired.name.split('.', 1)[1]}")
    retired.rename(expired)  # as if the access token lifetime had passed
    keys = rotating_app.test_client().get(JWKS).get_json()["keys"]
    assert kid_of(before) not in [key["kid"] for key in keys]
    response = rotating_app.test_client().get("/api/me", headers=bearer(before))
    assert response.status_code == 401
    result = rotating_app.test_cli_runner().invoke(args=["oauth", "cleanup"])
    assert "Deleted 1 retired signing keys whose tokens have expired." in result.output
    assert not expired.exists()


def test_a_retired_key_is_kept_for_the_access_token_lifetime(
    rotating_app: Flask, own_keys: tuple[Path, Path]
) -> None:
    rotate(rotating_app)
    [retired] = list(retired_folder(own_keys[1]).glob("*.pem"))
    until = int(retired.name.split(".", 1)[0])
    assert 3600 <= until - time.time() <= 3600 + 120
    assert oct(own_keys[0].stat().st_mode & 0o777) == "0o600"
    result = rotating_app.test_cli_runner().invoke(args=["oauth", "cleanup"])
    assert "Deleted 0 retired signing keys" in result.output
    assert retired.exists()


def test_rotation_needs_a_working_key_pair(
    rotating_app: Flask, own_keys: tuple[Path, Path]
) -> None:
    own_keys[0].unlink()
    result = rotating_app.test_cli_runner().invoke(args=["oauth", "rotate-keys"])
    assert result.exit_code == 1
    assert "Rotation needs a working key pair" in result.output
    assert not own_keys[0].exists()


def test_a_key_deleted_while_running_is_a_503_and_its_return_heals(
    rotating_app: Flask, own_keys: tuple[Path, Path], tmp_path: Path
) -> None:
    client = new_client(rotating_app)
    token = token_for(rotating_app, client)
    saved = tmp_path / "saved.key"
    shutil.move(own_keys[0], saved)
    # The files are looked at once a second at most (SPEC §9: a change is seen within 1 s).
    deadline = time.monotonic() + 1.0
    response = client_credentials(rotating_app.test_client(), *client)
    while response.status_code == 200 and time.monotonic() < deadline:
        time.sleep(0.05)
        response = client_credentials(rotating_app.test_client(), *client)
    body = assert_error(response, 503, "temporarily_unavailable")
    assert body["error_description"] == KEYS_MISSING_WARNING
    shutil.move(saved, own_keys[0])
    deadline = time.monotonic() + 1.0
    healed = client_credentials(rotating_app.test_client(), *client)
    while healed.status_code == 503 and time.monotonic() < deadline:
        time.sleep(0.05)
        healed = client_credentials(rotating_app.test_client(), *client)
    assert healed.status_code == 200, healed.get_data(as_text=True)
    assert rotating_app.test_client().get("/api/me", headers=bearer(token)).status_code == 200
