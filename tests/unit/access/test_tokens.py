"""The local front's token check: what API Gateway's Cognito authorizer refuses, it refuses (R8.2)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from desk_ops.local.front import TokenVerifier

ISSUER = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_local"
CLIENT = "console-client"


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


OURS = _key()
PUBLIC = OURS.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
VERIFIER = TokenVerifier(PUBLIC, ISSUER, CLIENT)


def _claims(**over: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {
        "iss": ISSUER,
        "aud": CLIENT,
        "token_use": "id",
        "cognito:username": "agent",
        "cognito:groups": ["admins"],
        "iat": now,
        "exp": now + 600,
    }
    claims.update(over)
    return {k: v for k, v in claims.items() if v is not None}


def _token(key: Any = OURS, algorithm: str = "RS256", **over: Any) -> str:
    return jwt.encode(_claims(**over), key, algorithm=algorithm)


def test_a_token_signed_with_the_local_key_passes() -> None:
    assert VERIFIER.claims(_token())["cognito:username"] == "agent"


def _unsigned() -> str:
    def part(obj: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(_claims())}."


def _hs256_with_public_key() -> str:
    def part(obj: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()

    signing = f"{part({'alg': 'HS256', 'typ': 'JWT'})}.{part(_claims())}"
    mac = hmac.new(PUBLIC, signing.encode(), hashlib.sha256).digest()
    return f"{signing}.{base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}"


def _tampered() -> str:
    head, _, sig = _token().split(".")
    body = base64.urlsafe_b64encode(json.dumps(_claims(**{"cognito:username": "admin"})).encode()).rstrip(b"=")
    return f"{head}.{body.decode()}.{sig}"


@pytest.mark.parametrize(
    ("what", "token"),
    [
        ("another key (e.g. the emulator's published one)", _token(key=_key())),
        ("alg none", _unsigned()),
        ("HS256 with the public key as secret", _hs256_with_public_key()),
        ("tampered claims", _tampered()),
        ("expired", _token(exp=int(time.time()) - 10)),
        ("another client", _token(aud="someone-elses-client")),
        ("another pool", _token(iss=ISSUER.replace("_local", "_other"))),
        ("an access token", _token(token_use="access")),
        ("no expiry", _token(exp=None)),
        ("garbage", "not.a.token"),
    ],
)
def test_R8_2_bad_tokens_are_refused(what: str, token: str) -> None:
    with pytest.raises(jwt.PyJWTError):
        VERIFIER.claims(token)
