"""Shared HTTP plumbing for the API Gateway handlers: one resolver factory, one error shape.

Every domain error becomes `{"error": <code>, "reason": <sentence>}` with its HTTP status, so a
channel or an agent always learns why a request was refused.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, CORSConfig, Response
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError

from inquiry_desk.errors import DeskError, PayloadTooLarge
from inquiry_desk.runtime.observability import logger


def error_response(status: int, code: str, reason: str) -> Response[str]:
    return Response(
        status_code=status,
        content_type="application/json",
        body=json.dumps({"error": code, "reason": reason}, ensure_ascii=False),
    )


def json_response(status: int, body: Any) -> Response[str]:
    return Response(
        status_code=status,
        content_type="application/json",
        body=json.dumps(body, ensure_ascii=False, default=str),
    )


def make_resolver(cors_origin: str | None = None) -> APIGatewayRestResolver:
    """`cors_origin`: the one browser origin allowed to call (the hosted console); None: no CORS."""
    cors = (
        CORSConfig(allow_origin=cors_origin, allow_headers=["Authorization", "Content-Type"], max_age=3600)
        if cors_origin
        else None
    )
    app = APIGatewayRestResolver(enable_validation=True, cors=cors)

    @app.exception_handler(DeskError)
    def _desk_error(err: DeskError) -> Response[str]:
        logger.info("request refused", extra={"error": err.code, "reason": err.reason})
        return error_response(err.http_status, err.code, err.reason)

    @app.exception_handler(RequestValidationError)
    def _invalid(err: RequestValidationError) -> Response[str]:
        problems = "; ".join(f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg')}" for e in err.errors())
        return error_response(422, "invalid_request", problems)

    @app.not_found
    def _not_found(_: Exception) -> Response[str]:
        return error_response(404, "not_found", "no such route")

    return app


def raw_body(event: dict[str, Any], limit: int) -> bytes:
    """The request body exactly as the channel sent it (signatures are over these bytes)."""
    body = event.get("body") or ""
    raw = base64.b64decode(body) if event.get("isBase64Encoded") else body.encode("utf-8")
    if len(raw) > limit:
        raise PayloadTooLarge(f"body is {len(raw)} bytes; the limit is {limit}")
    return raw
