"""Signing in on the local system: the sign-in path passes only a browser's own Cognito calls, and
the front refuses every token the Cognito authorizer would (R8.2)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import boto3
import jwt
import pytest
import requests
from joserfc import jwk
from joserfc import jwt as jose_jwt
from moto.utilities.utils import load_resource

from tests.e2e.conftest import RunningDesk

PASSWORD = "Desk-demo-2026!"


def _cognito(desk: RunningDesk, call: str, body: dict[str, Any]) -> requests.Response:
    return requests.post(
        f"{desk.url}/_cognito",
        data=json.dumps(body),
        headers={
            "X-Amz-Target": f"AWSCognitoIdentityProviderService.{call}",
            "Content-Type": "application/x-amz-json-1.1",
        },
        timeout=30,
    )


def _local(desk: RunningDesk) -> dict[str, Any]:
    info: dict[str, Any] = json.loads((Path(desk.env["DESK_DATA_DIR"]) / "local.json").read_text())
    return info


def _idp(desk: RunningDesk) -> Any:
    """The emulator itself, as the operator's tools reach it (not through the front)."""
    return boto3.client(
        "cognito-idp",
        endpoint_url=_local(desk)["endpoint"],
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )


def _api(desk: RunningDesk, token: str) -> requests.Response:
    return requests.get(f"{desk.url}/api/inquiries", headers={"Authorization": f"Bearer {token}"}, timeout=30)


def _sign_in(desk: RunningDesk, user: str, client_id: str | None = None) -> dict[str, Any]:
    client = client_id or _local(desk)["outputs"]["UserPoolClientId"]
    got = _cognito(
        desk,
        "InitiateAuth",
        {
            "ClientId": client,
            "AuthFlow": "USER_PASSWORD_AUTH",
            "AuthParameters": {"USERNAME": user, "PASSWORD": PASSWORD},
        },
    )
    assert got.status_code == 200, got.text
    result: dict[str, Any] = got.json()["AuthenticationResult"]
    return result


def test_R8_2_sign_in_path_passes_only_a_browsers_own_calls(running: RunningDesk) -> None:
    outputs = _local(running)["outputs"]
    pool, client = outputs["UserPoolId"], outputs["UserPoolClientId"]
    for call, body in [
        ("SignUp", {"ClientId": client, "Username": "mallory", "Password": PASSWORD}),
        ("AdminAddUserToGroup", {"UserPoolId": pool, "Username": "agent", "GroupName": "admins"}),
        ("AdminSetUserPassword", {"UserPoolId": pool, "Username": "admin", "Password": PASSWORD, "Permanent": True}),
        ("AdminCreateUser", {"UserPoolId": pool, "Username": "mallory"}),
        ("AdminInitiateAuth", {"UserPoolId": pool, "ClientId": client, "AuthFlow": "ADMIN_NO_SRP_AUTH"}),
        ("ListUsers", {"UserPoolId": pool}),
        ("CreateUserPoolClient", {"UserPoolId": pool, "ClientName": "mine"}),
        ("InitiateAuth", {"ClientId": client, "AuthFlow": "CUSTOM_AUTH", "AuthParameters": {"USERNAME": "admin"}}),
    ]:
        got = _cognito(running, call, body)
        assert got.status_code == 403, (call, got.text)
        assert got.json()["error"] == "forbidden" and got.json()["reason"]
    groups = _idp(running).admin_list_groups_for_user(UserPoolId=pool, Username="agent")["Groups"]
    assert "admins" not in {g["GroupName"] for g in groups}

    tokens = _sign_in(running, "agent")
    assert _api(running, tokens["IdToken"]).status_code == 200
    refreshed = _cognito(
        running,
        "InitiateAuth",
        {
            "ClientId": client,
            "AuthFlow": "REFRESH_TOKEN_AUTH",
            "AuthParameters": {"REFRESH_TOKEN": tokens["RefreshToken"]},
        },
    )
    assert refreshed.status_code == 200, refreshed.text
    assert _api(running, refreshed.json()["AuthenticationResult"]["IdToken"]).status_code == 200
    signed_out = _cognito(running, "GlobalSignOut", {"AccessToken": tokens["AccessToken"]})
    assert signed_out.status_code == 200, signed_out.text


def _forged_with_the_emulators_published_key(desk: RunningDesk) -> str:
    outputs = _local(desk)["outputs"]
    published = jwk.RSAKey.import_key(load_resource("cognitoidp/resources/jwks-private.json"))
    now = int(time.time())
    claims = {
        "iss": f"https://cognito-idp.us-east-1.amazonaws.com/{outputs['UserPoolId']}",
        "aud": outputs["UserPoolClientId"],
        "token_use": "id",
        "cognito:username": "admin",
        "cognito:groups": ["admins"],
        "iat": now,
        "exp": now + 600,
    }
    return jose_jwt.encode({"alg": "RS256", "kid": "dummy"}, claims, published)


def test_R8_2_tokens_the_authorizer_refuses_are_401(running: RunningDesk) -> None:
    outputs = _local(running)["outputs"]
    idp = _idp(running)
    good = _sign_in(running, "agent")
    assert _api(running, good["IdToken"]).status_code == 200

    other_client = idp.create_user_pool_client(
        UserPoolId=outputs["UserPoolId"], ClientName="not-the-console", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"]
    )["UserPoolClient"]["ClientId"]
    other_pool = idp.create_user_pool(PoolName="another-shop")["UserPool"]["Id"]
    other_pool_client = idp.create_user_pool_client(
        UserPoolId=other_pool, ClientName="c", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"]
    )["UserPoolClient"]["ClientId"]
    idp.admin_create_user(UserPoolId=other_pool, Username="agent", MessageAction="SUPPRESS")
    idp.admin_set_user_password(UserPoolId=other_pool, Username="agent", Password=PASSWORD, Permanent=True)
    other_pool_token = idp.initiate_auth(
        ClientId=other_pool_client,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "agent", "PASSWORD": PASSWORD},
    )["AuthenticationResult"]["IdToken"]

    head, body, sig = good["IdToken"].split(".")
    claims = jwt.decode(good["IdToken"], options={"verify_signature": False})
    tampered_body = jwt.utils.base64url_encode(json.dumps({**claims, "cognito:groups": ["admins"]}).encode()).decode()
    unsigned_head = jwt.utils.base64url_encode(b'{"alg":"none","typ":"JWT"}').decode()
    bad = {
        "emulator's published key, admins group": _forged_with_the_emulators_published_key(running),
        "tampered claims": f"{head}.{tampered_body}.{sig}",
        "alg none": f"{unsigned_head}.{body}.",
        "access token": good["AccessToken"],
        "another client": _sign_in(running, "agent", client_id=other_client)["IdToken"],
        "another pool": other_pool_token,
        "no token": "",
    }
    for what, token in bad.items():
        got = _api(running, token)
        assert got.status_code == 401, (what, got.status_code, got.text)


def test_R8_2_a_disabled_agent_is_refused(running: RunningDesk) -> None:
    pool = _local(running)["outputs"]["UserPoolId"]
    idp = _idp(running)
    idp.admin_create_user(UserPoolId=pool, Username="leaver", MessageAction="SUPPRESS")
    idp.admin_set_user_password(UserPoolId=pool, Username="leaver", Password=PASSWORD, Permanent=True)
    for group in ("agents", "team:orders"):
        idp.admin_add_user_to_group(UserPoolId=pool, Username="leaver", GroupName=group)
    token = _sign_in(running, "leaver")["IdToken"]
    idp.admin_disable_user(UserPoolId=pool, Username="leaver")
    refused = _api(running, token)
    assert refused.status_code == 401, refused.text
    with pytest.raises(idp.exceptions.NotAuthorizedException):
        idp.initiate_auth(
            ClientId=_local(running)["outputs"]["UserPoolClientId"],
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": "leaver", "PASSWORD": PASSWORD},
        )
