"""The local HTTP front: what API Gateway does on AWS, for the same handlers.

Each request becomes an API Gateway REST proxy event. /api/* requires a Cognito ID token, checked
here against the user pool's JWKS exactly as the Cognito authorizer does (signature, issuer,
audience, expiry, token_use); its claims reach the handler in requestContext.authorizer.claims.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import jwt
from inquiry_desk.model import utc_now

from .routes import ApiRoute, find_route

MAX_PAYLOAD = 10 * 1024 * 1024  # API Gateway's REST payload limit, enforced before the body is read
READ_TIMEOUT = 10.0  # seconds a client may stay silent while sending its request


class _Refused(Exception):
    def __init__(self, status: int, message: str, reason: str) -> None:
        super().__init__(reason)
        self.status, self.message, self.reason = status, message, reason


def forwarded_headers(headers: dict[str, str], peer: str) -> tuple[dict[str, str], str]:
    """The headers API Gateway hands the integration, and the caller's source IP: the scheme the
    caller used (kept when a TLS proxy in front already says https), X-Forwarded-For with the peer
    appended, X-Forwarded-Port; Host as requested."""
    out = {k: v for k, v in headers.items() if k.lower() not in ("x-forwarded-for", "x-forwarded-port")}
    lower = {k.lower(): v for k, v in headers.items()}
    chain = [ip.strip() for ip in lower.get("x-forwarded-for", "").split(",") if ip.strip()]
    if "x-forwarded-proto" not in lower:
        out["X-Forwarded-Proto"] = "http"
    host = lower.get("host", "")
    port = host.rpartition(":")[2] if ":" in host else ("443" if lower.get("x-forwarded-proto") == "https" else "80")
    out["X-Forwarded-For"] = ", ".join([*chain, peer])
    out["X-Forwarded-Port"] = port
    source = chain[0] if chain and peer in ("127.0.0.1", "::1") else peer  # behind a local proxy
    return out, source


# a static answer: status, content type, body and optionally extra headers
StaticAnswer = tuple[int, str, bytes] | tuple[int, str, bytes, dict[str, str]]


class TokenVerifier:
    """The pool's own signing key (made by the local system at start, see LocalSystem), the
    issuer and the console client: the checks API Gateway's Cognito authorizer makes."""

    def __init__(self, public_key_pem: bytes, issuer: str, client_id: str) -> None:
        self._key = public_key_pem
        self.issuer = issuer
        self.client_id = client_id

    def claims(self, token: str) -> dict[str, Any]:
        claims: dict[str, Any] = jwt.decode(
            token,
            self._key,
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
    received_at: datetime | None = None,
    *,
    source_ip: str = "127.0.0.1",
    header_list: list[tuple[str, str]] | None = None,
) -> dict[str, Any]:
    """As API Gateway builds it: `headers` keeps the last value, `multiValueHeaders` every one;
    `received_at` is the front's arrival time (default: now)."""
    arrival = received_at or utc_now()
    split = urlsplit(raw_path)
    path = unquote(split.path)  # API Gateway hands Lambda the decoded path
    query = dict(parse_qsl(split.query, keep_blank_values=True))
    multi: dict[str, list[str]] = {}
    for k, v in parse_qsl(split.query, keep_blank_values=True):
        multi.setdefault(k, []).append(v)
    try:
        text, is_b64 = body.decode("utf-8"), False
    except UnicodeDecodeError:
        text, is_b64 = base64.b64encode(body).decode(), True
    return {
        "resource": path,
        "path": path,
        "httpMethod": method,
        "headers": headers,
        "multiValueHeaders": _multi(header_list) if header_list else {k: [v] for k, v in headers.items()},
        "queryStringParameters": query or None,
        "multiValueQueryStringParameters": multi or None,
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": path,
            "httpMethod": method,
            "path": path,  # as requested: locally there is no stage prefix in the URL
            "stage": stage,
            "requestId": str(uuid.uuid4()),
            "requestTimeEpoch": int(arrival.timestamp() * 1000),  # the local clock (may run fast)
            "identity": {"sourceIp": source_ip},
            "authorizer": {"claims": claims} if claims else None,
            "domainName": headers.get("Host", "localhost"),
        },
        "body": text if body else None,
        "isBase64Encoded": is_b64,
    }


def _multi(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    multi: dict[str, list[str]] = {}
    for k, v in pairs:
        multi.setdefault(k, []).append(v)
    return multi


def _unauthorized(reason: str) -> dict[str, str]:
    """What API Gateway answers for the authorizer (its gateway response, see infra Api)."""
    return {"error": "unauthorized", "reason": reason}


class Front:
    def __init__(
        self,
        host: str,
        port: int,
        invoke: Callable[[str, dict[str, Any]], dict[str, Any]],
        verifier: Callable[[], TokenVerifier | None],
        static: Callable[[str], StaticAnswer | None],
        routes: list[ApiRoute],
        stage: str = "v1",
        extra: Callable[[str, str, dict[str, str], bytes], tuple[int, str, bytes] | None] | None = None,
        durable: Callable[[], None] = lambda: None,
    ) -> None:
        front = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            timeout = READ_TIMEOUT  # a slow or lying client (short body) is cut off, not waited on

            def log_message(self, format: str, *args: Any) -> None:  # quiet by default
                pass

            def _send(self, status: int, content_type: str, body: bytes, extra: dict[str, str] | None = None) -> None:
                durable()  # an answer acknowledges only what survives a crash
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                for k, v in (extra or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(body)

            def _json(self, status: int, payload: Any) -> None:
                self._send(status, "application/json", json.dumps(payload).encode())

            def _body(self) -> bytes:
                """The request body, refused before reading when it is over the payload limit."""
                if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
                    return self._chunked()
                declared = self.headers.get("Content-Length")
                if declared is None:
                    return b""
                if not declared.strip().isdigit():
                    raise _Refused(400, "Bad Request", f"invalid Content-Length {declared!r}")
                length = int(declared)
                if length > MAX_PAYLOAD:
                    raise _Refused(413, "Request Too Long", f"body over {MAX_PAYLOAD} bytes")
                body = self.rfile.read(length) if length else b""
                if len(body) != length:
                    raise _Refused(400, "Bad Request", "body shorter than its Content-Length")
                return body

            def _chunked(self) -> bytes:
                body = b""
                while True:
                    line = self.rfile.readline(1024).split(b";")[0].strip()
                    try:
                        size = int(line, 16)
                    except ValueError:
                        raise _Refused(400, "Bad Request", "malformed chunked body") from None
                    if len(body) + size > MAX_PAYLOAD:
                        raise _Refused(413, "Request Too Long", f"body over {MAX_PAYLOAD} bytes")
                    if size == 0:
                        self.rfile.readline(1024)
                        return body
                    chunk = self.rfile.read(size)
                    if len(chunk) != size:
                        raise _Refused(400, "Bad Request", "chunked body cut short")
                    body += chunk
                    self.rfile.readline(1024)

            def _handle(self) -> None:
                try:
                    body = self._body()
                except _Refused as refused:
                    self.close_connection = True
                    self._json(refused.status, {"message": refused.message, "reason": refused.reason})
                    return
                except TimeoutError:
                    self.close_connection = True
                    self._json(408, {"message": "Request Timeout", "reason": "the body did not arrive in time"})
                    return
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
                route = find_route(routes, self.command, path)
                if route is None:
                    self._json(404, {"error": "not_found", "reason": f"no route for {path}"})
                    return
                claims = None
                if route.needs_token:
                    auth = self.headers.get("Authorization", "")
                    token = auth[7:] if auth.lower().startswith("bearer ") else auth
                    check = verifier()
                    if not token or check is None:
                        self._json(401, _unauthorized("a Cognito ID token is required (Authorization header)"))
                        return
                    try:
                        claims = check.claims(token)
                    except jwt.PyJWTError as err:
                        self._json(401, _unauthorized(f"the token is not valid: {err}"))
                        return
                    claims = {k: (" ".join(v) if isinstance(v, list) else v) for k, v in claims.items()}
                headers, source_ip = forwarded_headers(dict(self.headers.items()), self.client_address[0])
                # every value as sent (repeated headers too), with what the gateway adds or replaces
                added = {k.lower() for k in headers} - {k.lower() for k in self.headers}
                replaced = {"x-forwarded-for", "x-forwarded-port"}
                header_list = [(k, v) for k, v in self.headers.items() if k.lower() not in replaced] + [
                    (k, v) for k, v in headers.items() if k.lower() in added | replaced
                ]
                event = api_gateway_event(
                    self.command,
                    self.path,
                    headers,
                    body,
                    claims,
                    stage,
                    source_ip=source_ip,
                    header_list=header_list,
                )
                try:
                    result = invoke(route.function, event)
                except Exception as err:  # API Gateway answers 502 when the Lambda fails
                    self._json(502, {"error": "internal_error", "reason": str(err)})
                    return
                payload = result.get("body") or ""
                raw = base64.b64decode(payload) if result.get("isBase64Encoded") else payload.encode()
                out_headers = {k: v for k, v in (result.get("headers") or {}).items() if k.lower() != "content-length"}
                for k, values in (result.get("multiValueHeaders") or {}).items():
                    if k.lower() != "content-length" and values:
                        out_headers[k] = values[-1]
                content_type = out_headers.pop("Content-Type", out_headers.pop("content-type", "application/json"))
                self._send(int(result.get("statusCode", 200)), content_type, raw, out_headers)

            def _not_allowed(self) -> None:
                body = json.dumps({"error": "method_not_allowed", "reason": f"{self.command} is not served"}).encode()
                self.send_response(405)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Allow", "GET, POST")
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _handle
            do_HEAD = do_OPTIONS = do_TRACE = do_CONNECT = _not_allowed

            def __getattr__(self, name: str) -> Any:  # any other method (QUERY, PROPFIND...): 405
                if name.startswith("do_"):
                    return self._not_allowed
                raise AttributeError(name)

        self.server = ThreadingHTTPServer((host, port), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self._front = front

    def serve_forever(self) -> None:
        self.server.serve_forever(poll_interval=0.2)

    def shutdown(self) -> None:
        self.server.shutdown()
        self.server.server_close()
