"""The baseline: a bare Flask app served like the product, with the same key and the same JWT.

`POST /oauth2-token` only parses the form body and signs the claims the product signs;
`GET /api/me` and `POST /oauth2/introspect` only verify the token. What the product spends
beyond these is its own work: the database, client authentication, checks and the response.

BENCH_PRIVATE_KEY and BENCH_PUBLIC_KEY name the product's key files; BENCH_ISSUER its issuer.
"""

from __future__ import annotations

import os
import secrets
import time
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives.serialization import load_pem_private_key, load_pem_public_key
from flask import Flask, jsonify, request

ISSUER = os.environ.get("BENCH_ISSUER", "http://localhost:5000")
PRIVATE_KEY = load_pem_private_key(Path(os.environ["BENCH_PRIVATE_KEY"]).read_bytes(), None)
PUBLIC_KEY = load_pem_public_key(Path(os.environ["BENCH_PUBLIC_KEY"]).read_bytes())
ALGORITHM = os.environ.get("BENCH_ALGORITHM", "RS256")
KID = "baseline"
LIFETIME = 3600

app = Flask(__name__)


@app.post("/oauth2-token")
def token() -> Any:
    form = request.form
    now = int(time.time())
    claims = {
        "iss": ISSUER,
        "sub": "1",
        "aud": f"{ISSUER}/api",
        "client_id": form.get("client_id", "baseline"),
        "iat": now,
        "nbf": now,
        "exp": now + LIFETIME,
        "jti": secrets.token_urlsafe(18),
        "scope": "",
        "org": 1,
    }
    access = jwt.encode(
        claims, PRIVATE_KEY, algorithm=ALGORITHM, headers={"typ": "at+jwt", "kid": KID}
    )
    return jsonify(token_type="Bearer", expires_in=LIFETIME, access_token=access)


@app.get("/api/me")
def me() -> Any:
    header = request.headers.get("Authorization", "")
    return jsonify(_verify(header.removeprefix("Bearer ")))


@app.post("/oauth2/introspect")
def introspect() -> Any:
    return jsonify(active=True, **_verify(request.form.get("token", "")))


def _verify(token: str) -> dict[str, Any]:
    claims: dict[str, Any] = jwt.decode(
        token,
        PUBLIC_KEY,
        algorithms=[ALGORITHM],
        audience=f"{ISSUER}/api",
        issuer=ISSUER,
        options={"require": ["exp", "iat", "nbf", "iss", "aud", "sub", "jti", "client_id"]},
    )
    return claims
