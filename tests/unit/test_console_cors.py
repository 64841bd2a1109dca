"""The agents' API answers CORS for the hosted console's origin only."""

from __future__ import annotations

from typing import Any

from inquiry_desk.runtime.http import json_response, make_resolver

CONSOLE = "https://d111111abcdef8.cloudfront.net"


def _event(origin: str) -> dict[str, Any]:
    return {
        "resource": "/api/ping",
        "path": "/api/ping",
        "httpMethod": "GET",
        "headers": {"Origin": origin},
        "multiValueHeaders": {"Origin": [origin]},
        "queryStringParameters": None,
        "requestContext": {"resourcePath": "/api/ping", "httpMethod": "GET", "path": "/api/ping", "stage": "v1"},
        "body": None,
        "isBase64Encoded": False,
    }


def _answer(cors_origin: str | None, origin: str) -> dict[str, Any]:
    app = make_resolver(cors_origin=cors_origin)

    @app.get("/api/ping")
    def ping() -> Any:
        return json_response(200, {"ok": True})

    answer: dict[str, Any] = app.resolve(_event(origin), None)  # type: ignore[arg-type]
    return {k.lower(): v for k, v in (answer.get("multiValueHeaders") or {}).items()}


def test_the_console_origin_is_allowed() -> None:
    assert _answer(CONSOLE, CONSOLE)["access-control-allow-origin"] == [CONSOLE]


def test_any_other_origin_is_not() -> None:
    assert "access-control-allow-origin" not in _answer(CONSOLE, "https://evil.example")


def test_no_cors_without_a_hosted_console() -> None:
    assert "access-control-allow-origin" not in _answer(None, CONSOLE)
