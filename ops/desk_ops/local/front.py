"""The local HTTP front: what API Gateway does on AWS, for the same handlers.

Each request becomes an API Gateway REST proxy event. /api/* requires a Cognito ID token, checked
here against the user pool's JWKS exactly as the Cognito authorizer does (signature, issuer,
audience, expiry, token_use); its claims reach the handler in requestContext.authorizer.claims.
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import jwt

Route = tuple[str, str]  # (path prefix, function name)
# a static answer: status, content type, body and optionally extra headers
StaticAnswer = tuple[int, str, bytes] | tuple[int, str, bytes, dict[str, str]]
ROUTES: list[tuple[str, str, bool]] = [  # prefix, function, needs a Cognito token
    ("/webhooks/", "intake", False),
    ("/api/", "console_api", True),
]


class TokenVerifier:
    def __init__(self, jwks_url: str, issuer: str, client_id: str) -> None:
        self._jwks = jwt.PyJWKClient(jwks_url, cache_keys=True)
        self.issuer = issuer
        self.client_id = client_id

    def claims(self, token: str) -> dict[str, Any]:
        key = self._jwks.get_signing_key_from_jwt(token)
        claims: dict[str, Any] = jwt.decode(
            token,
            key.key,
            algorithms=["RS256"],
            audience=self.client_id,
            issuer=self.issuer,
            options={"require": ["exp", "iss", "aud"]},
        )
        if claims.get("token_use") != "id":
            raise jwt.InvalidTokenError("not an ID token")
        return claims


def api_gateway_event(
    method: str,
    raw_path: str,
    headers: dict[str, str],
    body: bytes,
    claims: dict[str, Any] | None,
    stage: str,
) -> dict[str, Any]:
    split = urlsplit(raw_path)
    query = dict(parse_qsl(split.query, keep_blank_values=True))
    multi: dict[str, list[str]] = {}
    for k, v in parse_qsl(split.query, keep_blank_values=True):
        multi.setdefault(k, []).append(v)
    try:
        text, is_b64 = body.decode("utf-8"), False
    except UnicodeDecodeError:
        text, is_b64 = base64.b64encode(body).decode(), True
    return {
        "resource": split.path,
        "path": split.path,
        "httpMethod": method,
        "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": query or None,
        "multiValueQueryStringParameters": multi or None,
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": split.path,
            "httpMethod": method,
            "path": split.path,  # as requested: locally there is no stage prefix in the URL
            "stage": stage,
            "requestId": str(uuid.uuid4()),
            "requestTimeEpoch": int(time.time() * 1000),
            "identity": {"sourceIp": headers.get("X-Forwarded-For", "127.0.0.1")},
            "authorizer": {"claims": claims} if claims else None,
            "domainName": headers.get("Host", "localhost"),
        },
        "body": text if body else None,
        "isBase64Encoded": is_b64,
    }


class Front:
    def __init__(
        self,
        host: str,
        port: int,
        invoke: Callable[[str, dict[str, Any]], dict[str, Any]],
        verifier: Callable[[], TokenVerifier | None],
        static: Callable[[str], StaticAnswer | None],
        stage: str = "v1",
        extra: Callable[[str, str, dict[str, str], bytes], tuple[int, str, bytes] | None] | None = None,
    ) -> None:
        front = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # quiet by default
                pass

            def _send(self, status: int, content_type: str, body: bytes, extra: dict[str, str] | None = None) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                for k, v in (extra or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(body)

            def _json(self, status: int, payload: Any) -> None:
                self._send(status, "application/json", json.dumps(payload).encode())

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                path = urlsplit(self.path).path
                found: StaticAnswer | None = static(path) if self.command == "GET" else None
                if found is None and extra is not None:
                    found = extra(self.command, self.path, dict(self.headers.items()), body)
                if found is not None:
                    if found[0] == 302:
                        self._send(302, "text/plain", b"", {"Location": "/console/"})
                    else:
                        self._send(*found)
                    return
                route = next((r for r in ROUTES if path.startswith(r[0])), None)
                if route is None:
                    self._json(404, {"error": "not_found", "reason": f"no route for {path}"})
                    return
                claims = None
                if route[2]:
                    auth = self.headers.get("Authorization", "")
                    token = auth[7:] if auth.lower().startswith("bearer ") else auth
                    check = verifier()
                    if not token or check is None:
                        self._json(401, {"message": "Unauthorized"})
                        return
                    try:
                        claims = check.claims(token)
                    except jwt.PyJWTError as err:
                        self._json(401, {"message": "Unauthorized", "reason": str(err)})
                        return
                    claims = {k: (" ".join(v) if isinstance(v, list) else v) for k, v in claims.items()}
                headers = {k: v for k, v in self.headers.items()}
                event = api_gateway_event(self.command, self.path, headers, body, claims, stage)
                try:
                    result = invoke(route[1], event)
                except Exception as err:  # API Gateway answers 502 when the Lambda fails
                    self._json(502, {"message": "Internal server error", "reason": str(err)})
                    return
                payload = result.get("body") or ""
                raw = base64.b64decode(payload) if result.get("isBase64Encoded") else payload.encode()
                out_headers = {k: v for k, v in (result.get("headers") or {}).items() if k.lower() != "content-length"}
                for k, values in (result.get("multiValueHeaders") or {}).items():
                    if k.lower() != "content-length" and values:
                        out_headers[k] = values[-1]
                content_type = out_headers.pop("Content-Type", out_headers.pop("content-type", "application/json"))
                self._send(int(result.get("statusCode", 200)), content_type, raw, out_headers)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _handle

        self.server = ThreadingHTTPServer((host, port), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self._front = front

    def serve_forever(self) -> None:
        self.server.serve_forever(poll_interval=0.2)

    def shutdown(self) -> None:
        self.server.shutdown()
        self.server.server_close()
